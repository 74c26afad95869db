package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
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
// Error text is kept as storetext.Clean makes it (text and jsonb hold no
// NUL and no invalid UTF-8), results byte for byte (bytea). A batch the
// server refuses for its data (SQLSTATE classes 22 and 23, or 54, a value
// over a limit) applies nothing and its error matches store.ErrRejected.
//
// ctx cancels the statement; a canceled Finish applies nothing and returns
// context.Cause(ctx). A connection lost before the server could commit is
// replaced and the statement repeated; one lost mid-commit is reported,
// and a repeat by the caller then finds the applied outcomes lost.
func (s *core) Finish(ctx context.Context, outcomes []store.Outcome) (lost []string, err error) {
	a := newFinishArgs(len(outcomes))
	seen := make(map[string]bool, len(outcomes))
	for _, o := range outcomes {
		if seen[o.ID] {
			lost = append(lost, o.ID)
			continue
		}
		seen[o.ID] = true
		a.add(o)
	}
	var final []string
	for i, st := range a.states {
		if store.State(st).Final() {
			final = append(final, a.ids[i])
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
		rows, err := q.Query(ctx, s.q.finish, a.ids, a.owners, a.states, a.results, a.errs, a.runAts, a.finAts, a.retains, a.ats, notes, sendJobs)
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
	for _, id := range a.ids {
		if !done[id] {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

// finishArgs are the finish statement's parameters: one array per
// column, one entry per outcome.
type finishArgs struct {
	ids, owners, states, errs, ats []string
	results                        [][]byte
	runAts, finAts, retains        []pgtype.Timestamptz
}

func newFinishArgs(n int) *finishArgs {
	return &finishArgs{
		ids: make([]string, 0, n), owners: make([]string, 0, n), states: make([]string, 0, n),
		errs: make([]string, 0, n), ats: make([]string, 0, n), results: make([][]byte, 0, n),
		runAts: make([]pgtype.Timestamptz, 0, n), finAts: make([]pgtype.Timestamptz, 0, n), retains: make([]pgtype.Timestamptz, 0, n),
	}
}

// add appends o. Its error text goes to text and jsonb columns, which
// refuse NUL and invalid UTF-8: it is cleaned as every store cleans it.
// Its result goes to bytea as it is.
func (a *finishArgs) add(o store.Outcome) {
	a.ids, a.owners, a.states = append(a.ids, o.ID), append(a.owners, o.Owner), append(a.states, string(o.State))
	a.errs, a.ats = append(a.errs, storetext.Clean(o.Error)), append(a.ats, jsonTime(o.FinishedAt))
	a.results = append(a.results, o.Result)
	a.runAts, a.finAts, a.retains = append(a.runAts, ts(o.RunAt)), append(a.finAts, ts(o.FinishedAt)), append(a.retains, ts(o.RetainUntil))
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
func (s *core) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error) {
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
func (s *core) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
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
