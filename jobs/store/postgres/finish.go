package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Finish applies outcomes in one statement (one round trip, one
// transaction), whatever their number. An outcome whose job is not
// Running under Outcome.Owner (the lease expired and was recovered, the
// job was deleted, another worker holds it) changes nothing and its ID is
// returned in lost, as is a second outcome for the same job in one batch.
// Failed outcomes append to the job's error history; a Queued outcome
// gives the job back without counting the attempt, claimable at once or,
// with a RunAt after FinishedAt, Scheduled until then.
//
// The statement NOTIFYs, on commit, the waiters of jobs that became final
// and the workers of rescheduled jobs' queues.
//
// ctx cancels the statement; a canceled Finish applies nothing and returns
// context.Cause(ctx). A connection lost before the server could commit is
// replaced and the statement repeated; one lost mid-commit is reported,
// and a repeat by the caller then finds the applied outcomes lost.
func (s *Store) Finish(ctx context.Context, outcomes []store.Outcome) (lost []string, err error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if len(outcomes) == 0 {
		return nil, nil
	}
	n := len(outcomes)
	var (
		ids, owners, states, errs, ats = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		results                        = make([][]byte, 0, n)
		runAts, finAts, retains        = make([]pgtype.Timestamptz, 0, n), make([]pgtype.Timestamptz, 0, n), make([]pgtype.Timestamptz, 0, n)
		seen                           = make(map[string]bool, n)
	)
	for i, o := range outcomes {
		if err := storecheck.Outcome("postgres", i, o); err != nil {
			return nil, err
		}
		if seen[o.ID] {
			lost = append(lost, o.ID)
			continue
		}
		seen[o.ID] = true
		ids, owners, states, errs = append(ids, o.ID), append(owners, o.Owner), append(states, string(o.State)), append(errs, o.Error)
		ats = append(ats, jsonTime(o.FinishedAt))
		results = append(results, o.Result)
		runAts, finAts, retains = append(runAts, ts(o.RunAt)), append(finAts, ts(o.FinishedAt)), append(retains, ts(o.RetainUntil))
	}
	var final []string
	for i, st := range states {
		if store.State(st).Final() {
			final = append(final, ids[i])
		}
	}
	// A lone final job travels whole in its notification, sparing its
	// waiters a read; the notifications of a batch name the IDs. Waiters
	// of those outcomes that turn out lost are woken for nothing: they
	// re-read the job and wait on.
	var notes []string
	sendJobs := len(final) <= maxSentJobs
	if !sendJobs {
		notes = finalPayloads(final)
	}
	var applied []string
	err = s.run(ctx, "finish", retryUnsent, func(q querier) error {
		rows, err := q.Query(ctx, s.q.finish, ids, owners, states, results, errs, runAts, finAts, retains, ats, notes, sendJobs)
		if err != nil {
			return err
		}
		applied, err = scanStrings(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	done := make(map[string]bool, len(applied))
	for _, id := range applied {
		done[id] = true
	}
	for _, id := range ids {
		if !done[id] {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

// maxSentJobs is the most final outcomes of one Finish whose jobs its
// notifications carry whole. An idle worker records its outcomes one at a
// time, and those are the waits worth shortening; a busy one records them
// in batches, whose IDs share one notification where their jobs would
// take one each, for every listening process to read.
const maxSentJobs = 1

// ExtendLeases moves the lease of each job in ids that owner still holds
// to until, in one statement, and returns the IDs it no longer holds. It
// is repeated on another connection after a connection loss: extending
// twice is harmless.
//
// ctx cancels the statement; a canceled call extends nothing and returns
// context.Cause(ctx).
func (s *Store) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if owner == "" {
		return nil, fmt.Errorf("postgres: extend leases: empty owner; want the worker holding the leases")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var kept []string
	err = s.run(ctx, "extend leases", retryRead, func(q querier) error {
		rows, err := q.Query(ctx, s.q.extend, owner, ids, until)
		if err != nil {
			return err
		}
		kept, err = scanStrings(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	held := make(map[string]bool, len(kept))
	for _, id := range kept {
		held[id] = true
	}
	for _, id := range ids {
		if !held[id] {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

// Recover returns Running jobs whose lease expired before now to Queued
// when attempts remain, or moves them to Dead, recording the expiry as the
// attempt's error either way; and it moves Queued and Scheduled jobs whose
// ExpiresAt is before now to Expired. Both run in one round trip over
// partial indexes and skip rows another caller has locked, so every worker
// may run it at once. It is repeated on another connection after a
// connection loss: recovering twice moves nothing twice.
//
// ctx cancels the statements; a canceled Recover moves nothing and
// returns context.Cause(ctx).
func (s *Store) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	var moved []store.Recovered
	err := s.run(ctx, "recover", retryRead, func(q querier) error {
		b := &pgx.Batch{}
		b.Queue(s.q.recoverLeases, now, jsonTime(now))
		b.Queue(s.q.recoverExpired, now)
		br := q.SendBatch(ctx, b)
		defer br.Close()
		moved = moved[:0]
		for range 2 {
			var ids, names, queues, states, errs []string
			var attempts []int32
			if err := br.QueryRow().Scan(nil, &ids, &names, &queues, &attempts, &states, &errs); err != nil {
				return err
			}
			for i, id := range ids {
				moved = append(moved, store.Recovered{ID: id, Name: names[i], Queue: queues[i], Attempt: int(attempts[i]), State: store.State(states[i]), Error: errs[i]})
			}
		}
		return br.Close()
	})
	if err != nil {
		return nil, err
	}
	return moved, nil
}
