package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// Finish applies outcomes in one transaction. An outcome whose job is not
// Running under Outcome.Owner (the lease expired and was recovered, the
// job was deleted, another worker holds it) changes nothing and its ID is
// returned in lost. Failed outcomes append to the job's error history; a
// Queued outcome gives the job back without counting the attempt, ready at
// once or, with a RunAt after FinishedAt, Scheduled until then.
// Watchers of jobs that reached a final state are signalled after the
// commit, and Ready watchers when a job was rescheduled.
//
// Error text is kept as storetext.Clean makes it, results byte for byte.
// A batch SQLite refuses for its data (too big, a broken constraint)
// applies nothing and its error matches store.ErrRejected.
//
// ctx cancels the wait for the write lock and the statements; a canceled
// Finish applies nothing and returns context.Cause(ctx).
func (s *core) Finish(ctx context.Context, outcomes []store.Outcome) (lost []string, err error) {
	err = s.writeTx(ctx, func(ctx context.Context) error {
		lost = lost[:0]
		for _, o := range outcomes {
			var err error
			var n int64
			switch o.State {
			case store.Succeeded:
				n, err = execCount(ctx, s.ws.finishOK, nullBytes(o.Result), nanos(o.FinishedAt), nanos(o.RetainUntil), o.ID, o.Owner)
			case store.Queued:
				state, runAt := "queued", any(nil) // NULL keeps run_at
				if o.RunAt.After(o.FinishedAt) {
					state, runAt = "scheduled", nanos(o.RunAt)
				}
				n, err = execCount(ctx, s.ws.giveBack, state, runAt, o.ID, o.Owner)
			default:
				var runAt any // NULL keeps run_at
				finAt, retain := nanos(o.FinishedAt), nanos(o.RetainUntil)
				if o.State == store.Scheduled {
					runAt, finAt, retain = nanos(o.RunAt), 0, 0
				}
				msg := storetext.Clean(o.Error)
				n, err = execCount(ctx, s.ws.finishFail, string(o.State), msg, rfc3339(o.FinishedAt), msg,
					runAt, finAt, retain, o.ID, o.Owner)
			}
			if err != nil {
				return fmt.Errorf("job %s: %w", o.ID, err)
			}
			if n == 0 {
				lost = append(lost, o.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.writeErr(ctx, "finish", err)
	}
	s.notify.finishedOutcomes(outcomes, lost)
	if len(lost) == 0 {
		lost = nil
	}
	return lost, nil
}

// ExtendLeases moves the lease of each job in ids that owner still holds
// to until, in one transaction, and returns the IDs it no longer holds.
//
// ctx cancels the wait for the write lock and the statements; a canceled
// call extends nothing and returns context.Cause(ctx).
func (s *core) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error) {
	u := nanos(until)
	err = s.writeTx(ctx, func(ctx context.Context) error {
		lost = lost[:0]
		for _, id := range ids {
			n, err := execCount(ctx, s.ws.extend, u, id, owner)
			if err != nil {
				return fmt.Errorf("job %s: %w", id, err)
			}
			if n == 0 {
				lost = append(lost, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.writeErr(ctx, "extend leases", err)
	}
	if len(lost) == 0 {
		lost = nil
	}
	return lost, nil
}

// Recover returns Running jobs whose lease expired before now to Queued
// when attempts remain, or moves them to Dead, recording "lease expired"
// as the attempt's error either way, and moves waiting jobs whose
// ExpiresAt passed before now to Expired. Jobs it finalizes are kept for
// their Retention. It is one transaction of two UPDATEs, each over a
// partial index (running jobs' leases, waiting jobs' deadlines), safe to
// run from every worker at once. Waiting jobs are expired first, so a job
// whose lease is recovered is not also expired by the same call.
//
// ctx cancels the wait for the write lock and the statement; a canceled
// Recover moves nothing and returns context.Cause(ctx).
func (s *core) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	var moved []store.Recovered
	err := s.writeTx(ctx, func(ctx context.Context) error {
		moved = moved[:0]
		rows, err := s.ws.expire.QueryContext(ctx, nanos(now))
		if err != nil {
			return err
		}
		if moved, err = scanRecovered(rows, moved); err != nil {
			return err
		}
		rows, err = s.ws.recover.QueryContext(ctx, nanos(now), rfc3339(now))
		if err != nil {
			return err
		}
		moved, err = scanRecovered(rows, moved)
		return err
	})
	if err != nil {
		return nil, s.writeErr(ctx, "recover", err)
	}
	var queues, final []string
	for _, r := range moved {
		if r.State == store.Queued {
			queues = append(queues, r.Queue)
		} else {
			final = append(final, r.ID)
		}
	}
	s.notify.ready(queues...)
	s.notify.finished(final...)
	return moved, nil
}

// scanRecovered appends the rows of a RETURNING id, name, queue,
// attempt, state, last_error clause to moved, and closes rows.
func scanRecovered(rows *sql.Rows, moved []store.Recovered) ([]store.Recovered, error) {
	defer rows.Close()
	for rows.Next() {
		var r store.Recovered
		var state string
		if err := rows.Scan(&r.ID, &r.Name, &r.Queue, &r.Attempt, &state, &r.Error); err != nil {
			return moved, err
		}
		r.State = store.State(state)
		moved = append(moved, r)
	}
	return moved, rows.Err()
}
