package sqlite

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// readyQuery selects the ids of up to limit claimable jobs of one queue
// in claim order. It is a range scan of the jobs_ready partial index that
// stops after the limit; the paused check is one primary-key probe.
// Parameters: queue, now, then (named) the names as a JSON array, then
// queue, limit.
//
// With names, rows of other names are stepped over in the same scan (one
// primary-key probe each for the name): they are never taken and never
// stop the scan, so a claim reads the jobs of unknown names that sort
// ahead of the ones it takes, however many. The worker's own jobs keep
// the index order and cost what they did.
//
// The limit is written "? + 0" on purpose: SQLite's planner peeks at a
// bare bound LIMIT parameter and then marks the statement to be
// recompiled whenever that parameter is bound again, that is on every
// call, which tripled the cost of a claim. The expression keeps the plan
// (the index scan already stops early) and the statement compiled once.
func readyQuery(named bool) string {
	filter := ""
	if named {
		filter = ` AND name IN (SELECT value FROM json_each(?))`
	}
	return `SELECT id, priority, run_at FROM jobs
	WHERE queue = ? AND state IN ('queued', 'scheduled') AND run_at <= ?` + filter + `
		AND NOT EXISTS (SELECT 1 FROM paused_queues WHERE name = ?)
	ORDER BY priority DESC, run_at, id LIMIT ? + 0`
}

// claimShape keys the claim statements: how many queues, and whether the
// claim names the jobs it takes.
type claimShape struct {
	queues int
	named  bool
}

// claimSQL builds the claim statement for a shape: one UPDATE ...
// RETURNING whose id list comes from the per-queue index scans, merged and
// cut to the limit. Parameters (see claimArgs): now, owner, lease until,
// then readyQuery's for each queue, then (more than one queue) the limit
// again.
func claimSQL(c claimShape) string {
	var pick string
	if c.queues == 1 {
		pick = `SELECT id FROM (` + readyQuery(c.named) + `)`
	} else {
		parts := make([]string, c.queues)
		for i := range parts {
			parts[i] = `SELECT * FROM (` + readyQuery(c.named) + `)`
		}
		pick = `SELECT id FROM (` + strings.Join(parts, " UNION ALL ") + `)
			ORDER BY priority DESC, run_at, id LIMIT ? + 0`
	}
	return `UPDATE jobs SET state = 'running', attempt = attempt + 1, started_at = ?,
		lease_owner = ?, lease_until = ?
	WHERE id IN (` + pick + `)
	RETURNING ` + jobColumns
}

// claimArgs lists claimSQL's parameters in order; names is nil for a
// claim of any name.
func claimArgs(req store.ClaimRequest, queues, names []string) []any {
	var namesJSON string
	if names != nil {
		b, _ := json.Marshal(names) // strings always encode
		namesJSON = string(b)       // text: json_each reads a blob as JSONB
	}
	now := nanos(req.Now)
	args := make([]any, 0, 4+5*len(queues))
	args = append(args, now, req.Owner, nanos(req.LeaseUntil))
	for _, q := range queues {
		args = append(args, q, now)
		if names != nil {
			args = append(args, namesJSON)
		}
		args = append(args, q, req.Limit)
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
func (s *core) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	queues, names := req.Queues, req.Names
	args := claimArgs(req, queues, names)
	var jobs []*store.Job
	err := s.writeTx(ctx, func(ctx context.Context) error {
		jobs = jobs[:0]
		st, err := s.ws.claimStmt(ctx, s.wconn, claimShape{queues: len(queues), named: names != nil})
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
	storecheck.SortClaimed(jobs)
	return jobs, nil
}
