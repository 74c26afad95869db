package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Claim leases up to req.Limit ready jobs in one round trip and one
// transaction: it promotes the due Scheduled jobs of req.Queues to Queued,
// then takes the first Queued jobs in claim order (priority, then RunAt,
// then ID) with FOR UPDATE SKIP LOCKED on an index in that order, so
// claimers in any number of processes never wait for each other and never
// receive the same job. Jobs come back in claim order. With req.Names the
// scan steps over the rows of other names (each one read, never locked),
// so they never stop it, however many sort ahead.
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
func (s *core) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	queues, names := req.Queues, req.Names
	if names == nil {
		names = []string{} // the filter's "any name"
	}
	now, until := req.Now, req.LeaseUntil
	var jobs []*store.Job
	err := s.run(ctx, "claim", retryUnsent, func(q querier) error {
		b := &pgx.Batch{}
		b.Queue(s.q.promote, queues, now, req.Limit)
		if len(queues) == 1 {
			b.Queue(s.q.claimOne, queues[0], now, req.Owner, until, req.Limit, names)
		} else {
			b.Queue(s.q.claimMany, queues, now, req.Owner, until, req.Limit, names)
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
	storecheck.SortClaimed(jobs)
	return jobs, nil
}

// maxClaimQueues bounds how many queues one Claim may name.
const maxClaimQueues = 1000

// ReadyNames does store.Store's work in one statement that reads, per
// queue, the first [store.ReadyNamesScan] claimable jobs in claim order
// through the claim's indexes, so its cost does not grow with the
// queues. ctx cancels it.
func (s *core) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	var out []store.ReadyName
	err := s.run(ctx, "ready names", retryRead, func(q querier) error {
		rows, err := q.Query(ctx, s.q.readyNames, storecheck.Distinct(queues), now)
		if err != nil {
			return err
		}
		// Columns queue, name, count: ReadyName's fields in order.
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[store.ReadyName])
		return err
	})
	if err != nil {
		return nil, err
	}
	storecheck.SortReadyNames(out)
	return out, nil
}
