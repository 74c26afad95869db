package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke cancels job id with reason in one transaction. A Scheduled or
// Queued job becomes Canceled at once (FinishedAt = now, LastError and
// Revoke = reason, RetainUntil = now + Retention) and its Finished
// watchers are woken. A Running job keeps its lease and is marked with
// reason; the Revoked channels of this Store are signalled after the
// commit, those of other Stores (other processes) by their poller within
// the watch interval, and the lease owner then finds it through
// RevokeRequests. The result is read in the same transaction. A final
// job is left alone: it is described with an error wrapping
// store.ErrFinal. An unknown id gives store.ErrNotFound, and an empty
// reason an error (it is how the owner tells a revoked job from
// another). ctx cancels it.
func (s *core) Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error) {
	n := nanos(now)
	var res store.RevokeResult
	err := s.writeTx(ctx, func(ctx context.Context) error {
		var st string
		err := s.wconn.QueryRowContext(ctx, "SELECT state, name, queue, attempt FROM jobs WHERE id = ?", id).
			Scan(&st, &res.Name, &res.Queue, &res.Attempt)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		switch res.State = store.State(st); {
		case res.State.Final():
			return store.ErrFinal
		case res.State == store.Running:
			_, err = s.wconn.ExecContext(ctx, "UPDATE jobs SET revoke = ? WHERE id = ?", reason, id)
			return err
		}
		res.State = store.Canceled
		_, err = s.wconn.ExecContext(ctx, `UPDATE jobs SET state = 'canceled', finished_at = ?1,
			last_error = ?2, revoke = ?2, retain_until = `+retainAt+` WHERE id = ?3`, n, reason, id)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrFinal) {
			return res, fmt.Errorf("sqlite: revoke %s: job is %s: %w", id, res.State, store.ErrFinal)
		}
		return store.RevokeResult{}, s.writeErr(ctx, "revoke "+id, err)
	}
	if res.State == store.Running {
		s.notify.revoked()
	} else {
		s.notify.finished(id)
	}
	return res, nil
}

// RevokeRequests returns the Running jobs leased by owner whose revoke
// was requested, as ID to reason (nil when none). It reads the running
// jobs (the jobs_lease index: as many as workers run at once) on the read
// pool, never waiting for writers, so workers can call it at every
// heartbeat. ctx cancels the query.
func (s *core) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	var out map[string]string
	err := s.retryBusy(ctx, func() error {
		out = nil
		rows, err := s.rs.revokes.QueryContext(ctx, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, reason string
			if err := rows.Scan(&id, &reason); err != nil {
				return err
			}
			if out == nil {
				out = make(map[string]string)
			}
			out[id] = reason
		}
		return rows.Err()
	})
	if err != nil {
		return nil, s.readErr(ctx, "revoke requests", err)
	}
	return out, nil
}

// Wake makes the Scheduled jobs among ids Queued with RunAt = now, in one
// transaction, and signals the Ready watchers of their queues; other
// states and unknown IDs are left alone. ctx cancels it.
func (s *core) Wake(ctx context.Context, ids []string, now time.Time) error {
	arg, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("sqlite: wake: encode ids: %w", err)
	}
	var queues []string
	err = s.writeTx(ctx, func(ctx context.Context) error {
		rows, err := s.wconn.QueryContext(ctx, `UPDATE jobs SET state = 'queued', run_at = ?
			WHERE state = 'scheduled' AND id IN (SELECT value FROM json_each(?))
			RETURNING queue`, nanos(now), string(arg))
		if err != nil {
			return err
		}
		queues, err = scanIDs(rows, queues[:0])
		return err
	})
	if err != nil {
		return s.writeErr(ctx, "wake", err)
	}
	s.notify.ready(queues...)
	return nil
}

// sqlRevokes lists the revoke requests of one owner, scanning the running
// jobs through jobs_lease.
const sqlRevokes = `SELECT id, revoke FROM jobs INDEXED BY jobs_lease
	WHERE state = 'running' AND lease_owner = ? AND revoke IS NOT NULL`
