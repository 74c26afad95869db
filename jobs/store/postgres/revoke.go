package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke cancels job id with reason in one statement, which also returns
// the result. A Scheduled or Queued job becomes Canceled at once; a
// Running job keeps its lease with Revoke = reason and its owner, in any
// process, is told by a NOTIFY (see [Store.Revoked]). A final job is left
// alone: it is described with an error wrapping store.ErrFinal (a second
// statement, only then, reads it); an unknown ID gives
// store.ErrNotFound. ctx cancels it.
func (s *core) Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error) {
	var res store.RevokeResult
	err := s.run(ctx, "revoke "+id, retryUnsent, func(q querier) error {
		// Two tries: a job that left a final state (Retry) between the
		// update and the look-up is revoked on the second.
		for range 2 {
			var state string
			err := q.QueryRow(ctx, s.q.revoke, id, reason, now).Scan(&state, &res.Name, &res.Queue, &res.Attempt, nil)
			res.State = store.State(state)
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			err = q.QueryRow(ctx, s.q.revokeState, id).Scan(&state, &res.Name, &res.Queue, &res.Attempt)
			res.State = store.State(state)
			if errors.Is(err, pgx.ErrNoRows) {
				return store.ErrNotFound
			}
			if err != nil {
				return err
			}
			if res.State.Final() {
				return fmt.Errorf("job is %s: %w", res.State, store.ErrFinal)
			}
		}
		return fmt.Errorf("job %s keeps changing state (now %s)", id, res.State)
	})
	if err != nil && !errors.Is(err, store.ErrFinal) {
		return store.RevokeResult{}, err
	}
	return res, err
}

// RevokeRequests returns the Running jobs leased by owner whose revoke was
// requested, as ID to reason: one read of a small partial index. ctx
// cancels it.
func (s *core) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	var out map[string]string
	err := s.run(ctx, "revoke requests", retryRead, func(q querier) error {
		rows, err := q.Query(ctx, s.q.revokeRequests, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = map[string]string{}
		for rows.Next() {
			var id, reason string
			if err := rows.Scan(&id, &reason); err != nil {
				return err
			}
			out[id] = reason
		}
		return rows.Err()
	})
	return out, err
}

// Wake makes the Scheduled jobs among ids Queued with RunAt = now, in one
// statement; workers of their queues are woken by a NOTIFY on commit.
// Jobs in other states and unknown IDs are left alone. ctx cancels it.
func (s *core) Wake(ctx context.Context, ids []string, now time.Time) error {
	return s.run(ctx, "wake", retryRead, func(q querier) error {
		_, err := q.Exec(ctx, s.q.wake, ids, now)
		return err
	})
}
