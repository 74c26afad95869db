package postgres

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
)

// Claim leases up to req.Limit ready jobs in one round trip and one
// transaction: it promotes the due Scheduled jobs of req.Queues to Queued,
// then takes the first Queued jobs in claim order (priority, then RunAt,
// then ID) with FOR UPDATE SKIP LOCKED on an index in that order, so
// claimers in any number of processes never wait for each other and never
// receive the same job. Jobs come back in claim order.
//
// A Queued job is claimable whatever its RunAt, so a producer whose clock
// runs ahead of the worker's does not hold its jobs back; RunAt decides
// the order.
//
// ctx cancels the statements; a canceled Claim leases nothing and returns
// context.Cause(ctx). A connection lost before the server could commit is
// replaced and the claim repeated. A claim lost mid-commit is not repeated
// (the caller retries): jobs it may have leased run again once their
// leases expire.
func (s *Store) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	queues, err := validateClaim(req)
	if err != nil {
		return nil, err
	}
	now, until := req.Now, req.LeaseUntil
	var jobs []*store.Job
	err = s.run(ctx, "claim", retryUnsent, func(q querier) error {
		b := &pgx.Batch{}
		b.Queue(s.q.promote, queues, now, req.Limit)
		if len(queues) == 1 {
			b.Queue(s.q.claimOne, queues[0], now, req.Owner, until, req.Limit)
		} else {
			b.Queue(s.q.claimMany, queues, now, req.Owner, until, req.Limit)
		}
		br := q.SendBatch(ctx, b)
		defer br.Close()
		var promoted int64
		if err := br.QueryRow().Scan(&promoted, nil); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		jobs, err = scanJobs(rows, jobs[:0])
		if err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING yields rows in update order, not the claim order.
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

// maxClaimQueues bounds how many queues one Claim may name.
const maxClaimQueues = 1000

func validateClaim(req store.ClaimRequest) ([]string, error) {
	switch {
	case len(req.Queues) == 0:
		return nil, fmt.Errorf("postgres: claim: no Queues; want at least one queue name")
	case req.Limit < 1:
		return nil, fmt.Errorf("postgres: claim: Limit %d; want at least 1", req.Limit)
	case req.Owner == "":
		return nil, fmt.Errorf("postgres: claim: empty Owner; want the claiming worker's ID")
	}
	queues := slices.Clone(req.Queues)
	slices.Sort(queues)
	queues = slices.Compact(queues)
	if len(queues) > maxClaimQueues {
		return nil, fmt.Errorf("postgres: claim: %d queues; want at most %d", len(queues), maxClaimQueues)
	}
	for _, q := range queues {
		if q == "" {
			return nil, fmt.Errorf("postgres: claim: empty queue name in Queues %q", req.Queues)
		}
	}
	return queues, nil
}
