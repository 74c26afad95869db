package sqlite

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// readyQuery selects the ids of up to limit claimable jobs of one queue
// in claim order. It is a range scan of the jobs_ready partial index that
// stops after the limit; the paused check is one primary-key probe.
// Parameters: queue, now, queue, limit.
//
// The limit is written "? + 0" on purpose: SQLite's planner peeks at a
// bare bound LIMIT parameter and then marks the statement to be
// recompiled whenever that parameter is bound again, that is on every
// call, which tripled the cost of a claim. The expression keeps the plan
// (the index scan already stops early) and the statement compiled once.
const readyQuery = `SELECT id, priority, run_at FROM jobs
	WHERE queue = ? AND state IN ('queued', 'scheduled') AND run_at <= ?
		AND NOT EXISTS (SELECT 1 FROM paused_queues WHERE name = ?)
	ORDER BY priority DESC, run_at, id LIMIT ? + 0`

// claimSQL builds the claim statement for n queues: one UPDATE ...
// RETURNING whose id list comes from the per-queue index scans, merged and
// cut to the limit. Parameters (see claimArgs): now, owner, lease until,
// then readyQuery's for each queue, then (n > 1) the limit again.
func claimSQL(n int) string {
	var pick string
	if n == 1 {
		pick = `SELECT id FROM (` + readyQuery + `)`
	} else {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `SELECT * FROM (` + readyQuery + `)`
		}
		pick = `SELECT id FROM (` + strings.Join(parts, " UNION ALL ") + `)
			ORDER BY priority DESC, run_at, id LIMIT ? + 0`
	}
	return `UPDATE jobs SET state = 'running', attempt = attempt + 1, started_at = ?,
		lease_owner = ?, lease_until = ?
	WHERE id IN (` + pick + `)
	RETURNING ` + jobColumns
}

// claimArgs lists claimSQL's parameters in order.
func claimArgs(req store.ClaimRequest, queues []string) []any {
	now := nanos(req.Now)
	args := make([]any, 0, 4+4*len(queues))
	args = append(args, now, req.Owner, nanos(req.LeaseUntil))
	for _, q := range queues {
		args = append(args, q, now, q, req.Limit)
	}
	if len(queues) > 1 {
		args = append(args, req.Limit)
	}
	return args
}

// maxClaimQueues bounds how many queues one Claim may name, keeping the
// statement (one index scan per queue) and the statement cache small.
const maxClaimQueues = 64

// Claim leases up to req.Limit ready jobs in one transaction: a single
// UPDATE ... RETURNING over the ready index, so a claim costs one write
// whatever the batch size. Claimers in other goroutines, Stores and
// processes serialize on SQLite's write lock and never receive the same
// job. Jobs come back in claim order (priority, then RunAt, then ID).
//
// ctx cancels the wait for the write lock and the statement; a canceled
// Claim leases nothing and returns context.Cause(ctx).
func (s *Store) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	queues, err := validateClaim(req)
	if err != nil {
		return nil, err
	}
	args := claimArgs(req, queues)
	var jobs []*store.Job
	err = s.writeTx(ctx, func(ctx context.Context) error {
		jobs = jobs[:0]
		st, err := s.ws.claimStmt(ctx, s.wconn, len(queues))
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		jobs, err = scanJobs(rows, jobs)
		return err
	})
	if err != nil {
		return nil, s.writeErr(ctx, "claim", err)
	}
	// RETURNING yields rows in update order, which SQLite does not
	// promise to be the id list's order.
	sort.Slice(jobs, func(a, b int) bool {
		x, y := jobs[a], jobs[b]
		if x.Priority != y.Priority {
			return x.Priority > y.Priority
		}
		if !x.RunAt.Equal(y.RunAt) {
			return x.RunAt.Before(y.RunAt)
		}
		return x.ID < y.ID
	})
	return jobs, nil
}

func validateClaim(req store.ClaimRequest) ([]string, error) {
	switch {
	case len(req.Queues) == 0:
		return nil, fmt.Errorf("sqlite: claim: no Queues; want at least one queue name")
	case req.Limit < 1:
		return nil, fmt.Errorf("sqlite: claim: Limit %d; want at least 1", req.Limit)
	case req.Owner == "":
		return nil, fmt.Errorf("sqlite: claim: empty Owner; want the claiming worker's ID")
	}
	queues := slices.Clone(req.Queues)
	slices.Sort(queues)
	queues = slices.Compact(queues)
	if len(queues) > maxClaimQueues {
		return nil, fmt.Errorf("sqlite: claim: %d queues; want at most %d", len(queues), maxClaimQueues)
	}
	for _, q := range queues {
		if q == "" {
			return nil, fmt.Errorf("sqlite: claim: empty queue name in Queues %q", req.Queues)
		}
	}
	return queues, nil
}
