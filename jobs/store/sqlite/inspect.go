package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/chunked"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Queues lists every queue that has jobs or is paused, by name, with its
// job count for every state (zero included). It is one read on the read
// pool (a consistent snapshot) and scans the table: meant for admin tools,
// not hot paths. ctx cancels the query.
func (s *core) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	qs, err := s.queueCounts(ctx)
	if err != nil {
		return nil, s.readErr(ctx, "queues", err)
	}
	return qs, nil
}

func (s *core) queueCounts(ctx context.Context) ([]store.QueueInfo, error) {
	const q = `SELECT queue, state, count(*) FROM jobs GROUP BY queue, state
		UNION ALL SELECT name, NULL, 0 FROM paused_queues`
	var out []store.QueueInfo
	err := s.retryBusy(ctx, func() error {
		var t storecheck.QueueTally
		rows, err := s.rdb.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var state sql.NullString
			var n int
			if err := rows.Scan(&name, &state, &n); err != nil {
				return err
			}
			if state.Valid {
				t.Add(name, store.State(state.String), n)
			} else {
				t.Paused(name)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		out = t.Queues()
		return nil
	})
	return out, err
}

// Stats counts jobs by state over the whole store, the queues, and the
// enqueue time of the oldest Queued job. Like Queues it scans the table on
// the read pool. ctx cancels the queries.
func (s *core) Stats(ctx context.Context) (store.Stats, error) {
	qs, err := s.queueCounts(ctx)
	if err != nil {
		return store.Stats{}, s.readErr(ctx, "stats", err)
	}
	st := storecheck.Stats(qs)
	var oldest sql.NullInt64
	err = s.retryBusy(ctx, func() error {
		return s.rdb.QueryRowContext(ctx, "SELECT min(enqueued_at) FROM jobs WHERE state = 'queued'").Scan(&oldest)
	})
	if err != nil {
		return store.Stats{}, s.readErr(ctx, "stats", err)
	}
	st.Oldest = fromNanos(oldest.Int64)
	return st, nil
}

// lookupState reads a job's state and queue inside a write transaction.
func (s *core) lookupState(ctx context.Context, id string) (state store.State, queue string, err error) {
	var st string
	err = s.wconn.QueryRowContext(ctx, "SELECT state, queue FROM jobs WHERE id = ?", id).Scan(&st, &queue)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", store.ErrNotFound
	}
	return store.State(st), queue, err
}

// Retry moves a final job back to Queued, claimable from now, with
// Attempt reset to 0 (a fresh budget of MaxAttempts) and its lease,
// result, retention, revoke reason and ExpiresAt cleared (retrying is a
// request to run it, which an old revoke or a passed deadline would undo
// at once); LastError and Errors are kept as history.
// It fails with store.ErrNotFound, store.ErrRunning, or an error saying
// the job is not final yet or its UniqueKey is now held by another
// unfinished job. ctx cancels it.
func (s *core) Retry(ctx context.Context, id string, now time.Time) error {
	var queue string
	err := s.writeTx(ctx, func(ctx context.Context) error {
		state, q, err := s.lookupState(ctx, id)
		if err != nil {
			return err
		}
		queue = q
		switch {
		case state == store.Running:
			return store.ErrRunning
		case !state.Final():
			return fmt.Errorf("job is %s: %w", state, store.ErrNotFinal)
		}
		_, err = s.wconn.ExecContext(ctx, sqlRequeue+` WHERE id = ?2`, nanos(now), id)
		return uniqueHeld(err)
	})
	if err != nil {
		return s.writeErr(ctx, "retry "+id, err)
	}
	s.notify.ready(queue)
	return nil
}

// sqlRequeue moves jobs back to Queued, ready at ?1, with a fresh attempt
// budget and their lease, result, retention, revoke reason and ExpiresAt
// cleared (Retry and Restore); the caller adds the WHERE clause.
const sqlRequeue = `UPDATE jobs SET state = 'queued', attempt = 0, run_at = ?1,
	started_at = 0, finished_at = 0, lease_owner = NULL, lease_until = 0,
	result = NULL, retain_until = 0, revoke = NULL, expires_at = 0`

// uniqueHeld words the constraint error of a requeue, whose only
// constraint is the unique key.
func uniqueHeld(err error) error {
	if code(err)&0xff == codeConstraint {
		return fmt.Errorf("its unique key is held by another unfinished job: %w", err)
	}
	return err
}

// Delete removes a job that is not Running; it fails with
// store.ErrNotFound or store.ErrRunning. Anyone awaiting the job is woken
// (their Get then reports ErrNotFound). ctx cancels it.
func (s *core) Delete(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(ctx context.Context) error {
		state, _, err := s.lookupState(ctx, id)
		if err != nil {
			return err
		}
		if state == store.Running {
			return store.ErrRunning
		}
		_, err = s.wconn.ExecContext(ctx, "DELETE FROM jobs WHERE id = ?", id)
		return err
	})
	if err != nil {
		return s.writeErr(ctx, "delete "+id, err)
	}
	s.notify.finished(id)
	return nil
}

// Purge deletes the jobs of queue (every queue when empty) in state
// (every state but Running when empty) and reports how many. Running jobs
// are never purged, since a worker holds them: purging state Running
// deletes nothing. It deletes in chunks of
// chunked.Rows jobs per transaction, so a large purge does not stall
// workers; if ctx ends part-way, the chunks already committed stay deleted
// and the count so far is returned with context.Cause(ctx).
func (s *core) Purge(ctx context.Context, queue string, state store.State) (int, error) {
	cond, args := "state <> 'running'", []any{}
	if queue != "" {
		cond, args = cond+" AND queue = ?", append(args, queue)
	}
	if state != "" {
		cond, args = cond+" AND state = ?", append(args, string(state))
	}
	after := ""
	return chunked.Walk(func() (int, bool, error) {
		var n int
		err := s.writeTx(ctx, func(ctx context.Context) error {
			n = 0
			rows, err := s.wconn.QueryContext(ctx, `DELETE FROM jobs WHERE id IN (
				SELECT id FROM jobs WHERE id > ? AND `+cond+` ORDER BY id LIMIT ?) RETURNING id`,
				append(append([]any{after}, args...), chunked.Rows)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			last := after
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				last = max(last, id)
				n++
			}
			if err := rows.Err(); err != nil {
				return err
			}
			after = last
			return nil
		})
		if n > 0 {
			s.notify.finishedAll()
		}
		if err != nil {
			return n, false, s.writeErr(ctx, "purge", err)
		}
		return n, n >= chunked.Rows, nil
	})
}

// Prune deletes final jobs whose RetainUntil is set and before now, and
// reports how many; then it deletes the leases and counters that expired
// before now (not counted). It walks the retention index in chunks of
// chunked.Rows per transaction; if ctx ends part-way, the chunks already
// committed stay deleted and the count so far is returned with
// context.Cause(ctx).
func (s *core) Prune(ctx context.Context, now time.Time) (int, error) {
	total, err := chunked.Walk(func() (int, bool, error) {
		var n int64
		err := s.writeTx(ctx, func(ctx context.Context) (err error) {
			res, err := s.wconn.ExecContext(ctx, `DELETE FROM jobs WHERE id IN (
				SELECT id FROM jobs WHERE retain_until > 0 AND retain_until < ? AND state IN `+finalStates+` LIMIT ?)`,
				nanos(now), chunked.Rows)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return 0, false, s.writeErr(ctx, "prune", err)
		}
		return int(n), n >= chunked.Rows, nil
	})
	if err != nil {
		return total, err
	}
	if err := s.pruneLeases(ctx, now); err != nil {
		return total, s.writeErr(ctx, "prune", err)
	}
	return total, nil
}

// Pause stops workers from claiming jobs of queue (jobs already running
// are not affected); it is recorded in the database, so it applies to
// every process. Pausing a paused queue is a no-op. ctx cancels it.
func (s *core) Pause(ctx context.Context, queue string) error {
	return s.setPaused(ctx, "pause", queue, "INSERT OR IGNORE INTO paused_queues (name) VALUES (?)")
}

// Resume lets workers claim jobs of queue again and wakes its Ready
// watchers. Resuming a queue that is not paused is a no-op. ctx cancels it.
func (s *core) Resume(ctx context.Context, queue string) error {
	return s.setPaused(ctx, "resume", queue, "DELETE FROM paused_queues WHERE name = ?")
}

func (s *core) setPaused(ctx context.Context, op, queue, q string) error {
	err := s.writeTx(ctx, func(ctx context.Context) error {
		_, err := s.wconn.ExecContext(ctx, q, queue)
		return err
	})
	if err != nil {
		return s.writeErr(ctx, op+" "+queue, err)
	}
	if op == "resume" {
		s.notify.ready(queue)
	}
	return nil
}
