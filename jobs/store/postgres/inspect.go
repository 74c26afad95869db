package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/chunked"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Get returns the job with that ID, or an error wrapping store.ErrNotFound.
// It is one primary-key read, repeated on another connection after a
// connection loss. ctx cancels it.
func (s *core) Get(ctx context.Context, id string) (*store.Job, error) {
	var j *store.Job
	err := s.run(ctx, "get "+id, retryRead, func(q querier) (err error) {
		j, err = scanJob(q.QueryRow(ctx, s.q.get, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	return j, err
}

// List returns one page of jobs matching req, in ID order (descending
// with req.Desc) between req.After and req.Before. ctx cancels it.
func (s *core) List(ctx context.Context, req store.ListRequest) ([]*store.Job, error) {
	limit := req.Limit
	query := s.q.list
	if req.Desc {
		query = s.q.listDesc
	}
	var jobs []*store.Job
	err := s.run(ctx, "list", retryRead, func(q querier) error {
		rows, err := q.Query(ctx, query, req.After, req.Queue, string(req.State), req.Name, limit, req.Before)
		if err != nil {
			return err
		}
		jobs, err = scanJobs(rows, jobs[:0])
		return err
	})
	return jobs, err
}

// Queues lists every queue that has jobs or is paused, by name, with its
// job count for every state (zero included). It scans the table: meant
// for admin tools, not hot paths. ctx cancels it.
func (s *core) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	var out []store.QueueInfo
	err := s.run(ctx, "queues", retryRead, func(q querier) (err error) {
		out, err = s.queueCounts(ctx, q)
		return err
	})
	return out, err
}

func (s *core) queueCounts(ctx context.Context, q querier) ([]store.QueueInfo, error) {
	rows, err := q.Query(ctx, s.q.queueCounts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var t storecheck.QueueTally
	for rows.Next() {
		var name string
		var state pgtype.Text
		var n int64
		if err := rows.Scan(&name, &state, &n); err != nil {
			return nil, err
		}
		if state.Valid {
			t.Add(name, store.State(state.String), int(n))
		} else {
			t.Paused(name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return t.Queues(), nil
}

// Stats counts jobs by state over the whole store, the queues, and the
// enqueue time of the oldest Queued job. Like Queues it scans the table.
// ctx cancels it.
func (s *core) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	err := s.run(ctx, "stats", retryRead, func(q querier) error {
		qs, err := s.queueCounts(ctx, q)
		if err != nil {
			return err
		}
		st = storecheck.Stats(qs)
		var oldest pgtype.Timestamptz
		if err := q.QueryRow(ctx, s.q.oldest).Scan(&oldest); err != nil {
			return err
		}
		st.Oldest = fromTS(oldest)
		return nil
	})
	return st, err
}

// stateOf reads a job's state, or store.ErrNotFound.
func (s *core) stateOf(ctx context.Context, q querier, id string) (store.State, error) {
	var st string
	err := q.QueryRow(ctx, s.q.stateOf, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return store.State(st), err
}

// Retry moves a final job back to Queued, claimable from now, with
// Attempt reset to 0 (a fresh budget of MaxAttempts) and its lease,
// result, retention, revoke and ExpiresAt cleared (retrying asks for the
// job to run, so neither an old revoke nor a passed deadline may undo
// it); LastError and Errors are kept as history. It fails with store.ErrNotFound, store.ErrRunning, or an error
// saying the job is not final yet or its UniqueKey is now held by another
// unfinished job. Workers are woken by a NOTIFY on commit. ctx cancels it.
func (s *core) Retry(ctx context.Context, id string, now time.Time) error {
	return s.run(ctx, "retry "+id, retryUnsent, func(q querier) error {
		var queue string
		err := q.QueryRow(ctx, s.q.retry, id, now).Scan(&queue, nil)
		switch {
		case pgCode(err) == codeUniqueViolation:
			return fmt.Errorf("its unique key is held by another unfinished job: %w", err)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		state, err := s.stateOf(ctx, q, id)
		switch {
		case err != nil:
			return err
		case state == store.Running:
			return store.ErrRunning
		case !state.Final():
			return fmt.Errorf("job is %s: %w", state, store.ErrNotFinal)
		}
		return fmt.Errorf("job %s changed state during the retry; try again", id)
	})
}

// Delete removes a job that is not Running; it fails with
// store.ErrNotFound or store.ErrRunning. Anyone awaiting an unfinished
// job is woken by a NOTIFY (their Get then reports ErrNotFound). ctx
// cancels it.
func (s *core) Delete(ctx context.Context, id string) error {
	return s.run(ctx, "delete "+id, retryUnsent, func(q querier) error {
		var got string
		err := q.QueryRow(ctx, s.q.deleteJob, id).Scan(&got, nil)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		state, err := s.stateOf(ctx, q, id)
		if err != nil {
			return err
		}
		if state == store.Running {
			return store.ErrRunning
		}
		return store.ErrNotFound // deleted by someone else meanwhile
	})
}

// Purge deletes the jobs of queue (every queue when empty) in state
// (every state but Running when empty) and reports how many. Running jobs
// are never purged, since a worker holds them. It deletes chunked.Rows jobs
// per statement in ID order; if ctx ends part-way, the chunks already
// committed stay deleted and the count so far is returned with
// context.Cause(ctx). The dead rows it leaves are vacuumed by autovacuum,
// or where that is off by the next Prune.
func (s *core) Purge(ctx context.Context, queue string, state store.State) (int, error) {
	after := ""
	return chunked.Walk(func() (int, bool, error) {
		var ids []string
		err := s.run(ctx, "purge", retryUnsent, func(q querier) error {
			rows, err := q.Query(ctx, s.q.purge, after, queue, string(state), chunked.Rows)
			if err != nil {
				return err
			}
			ids, err = scanStrings(rows)
			return err
		})
		if err != nil {
			return 0, false, err
		}
		for _, id := range ids {
			after = max(after, id)
		}
		return len(ids), len(ids) >= chunked.Rows, nil
	})
}

// Prune deletes final jobs whose RetainUntil is set and before now, in
// chunks of chunked.Rows per statement, and then the leases and counters
// that expired before now, and reports how many jobs it deleted. If ctx
// ends part-way, the chunks already committed stay deleted and the count
// so far is returned with context.Cause(ctx). Where autovacuum is off for
// one of the store's tables (for the server, or by the table's own
// setting), Prune then vacuums it once its dead rows pass autovacuum's
// default threshold (50 plus a fifth of its live rows), as autovacuum
// would: without it, the dead rows of finished jobs slow every claim.
// A table another session is vacuuming is skipped.
func (s *core) Prune(ctx context.Context, now time.Time) (int, error) {
	total, err := chunked.Walk(func() (int, bool, error) {
		var n int64
		err := s.run(ctx, "prune", retryRead, func(q querier) error {
			tag, err := q.Exec(ctx, s.q.pruneJobs, now, chunked.Rows)
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return 0, false, err
		}
		return int(n), n >= chunked.Rows, nil
	})
	if err != nil {
		return total, err
	}
	err = s.run(ctx, "prune leases", retryRead, func(q querier) error {
		b := &pgx.Batch{}
		b.Queue(s.q.pruneLeases, now)
		b.Queue(s.q.pruneCounters, now)
		return q.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return total, err
	}
	return total, s.tidy(ctx)
}

// Pause stops workers from claiming jobs of queue (jobs already running
// are not affected); it is recorded in the database, so it applies to
// every process. Pausing a paused queue is a no-op. ctx cancels it.
func (s *core) Pause(ctx context.Context, queue string) error {
	return s.setPaused(ctx, "pause", queue, s.q.pause)
}

// Resume lets workers claim jobs of queue again and wakes them with a
// NOTIFY. Resuming a queue that is not paused is a no-op. ctx cancels it.
func (s *core) Resume(ctx context.Context, queue string) error {
	return s.setPaused(ctx, "resume", queue, s.q.resume)
}

func (s *core) setPaused(ctx context.Context, op, queue, sql string) error {
	return s.run(ctx, op+" "+queue, retryRead, func(q querier) error {
		_, err := q.Exec(ctx, sql, queue)
		return err
	})
}
