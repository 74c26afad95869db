// Package jobrow reads a job from a row of the SQL stores' job columns.
// Both stores select the same columns in the same order; they differ only
// in the Go types their drivers scan integers, instants and the error
// history into, which are this package's type parameters. Its functions
// keep no state and are safe for concurrent use.
package jobrow

import (
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// cols holds the columns that need converting after the scan. They share
// one allocation: the scan's destinations escape, one by one otherwise.
type cols[I int32 | int64, T any, E string | []byte] struct {
	state                                    string
	errs                                     E
	priority, attempt, maxAttempts           I
	runAt, enqAt, startAt, finAt, leaseUntil T
	retainAt, expiresAt, uniqueUntil         T
	retention                                int64
}

// Scan reads one job through scan, a row's Scan method, from the columns
// id, name, queue, priority, args, state, attempt, max_attempts, run_at,
// enqueued_at, started_at, finished_at, lease_owner, lease_until, result,
// last_error, errors, retain_until, unique_key, meta, expires_at,
// retention (ns), revoke and unique_until, in that order. instant
// converts an instant column, the zero time standing for NULL or unset.
// The errors JSON is decoded only when the job has failed before, so
// claims of fresh jobs skip it. scan's error is returned as it is.
func Scan[I int32 | int64, T any, E string | []byte](scan func(dest ...any) error, instant func(T) time.Time) (*store.Job, error) {
	j := new(store.Job)
	c := new(cols[I, T, E])
	err := scan(&j.ID, &j.Name, &j.Queue, &c.priority, &j.Args, &c.state, &c.attempt, &c.maxAttempts,
		&c.runAt, &c.enqAt, &c.startAt, &c.finAt, &j.LeaseOwner, &c.leaseUntil,
		&j.Result, &j.LastError, &c.errs, &c.retainAt, &j.UniqueKey, &j.Meta,
		&c.expiresAt, &c.retention, &j.Revoke, &c.uniqueUntil)
	if err != nil {
		return nil, err
	}
	j.Priority, j.Attempt, j.MaxAttempts = int(c.priority), int(c.attempt), int(c.maxAttempts)
	j.State = store.State(c.state)
	j.RunAt, j.EnqueuedAt, j.StartedAt = instant(c.runAt), instant(c.enqAt), instant(c.startAt)
	j.FinishedAt, j.LeaseUntil, j.RetainUntil = instant(c.finAt), instant(c.leaseUntil), instant(c.retainAt)
	j.ExpiresAt, j.Retention, j.UniqueUntil = instant(c.expiresAt), time.Duration(c.retention), instant(c.uniqueUntil)
	if j.Errors, err = storecheck.ErrorHistory(j.ID, []byte(c.errs)); err != nil {
		return nil, err
	}
	return j, nil
}

// Rows is the part of *sql.Rows and pgx.Rows that All reads.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// All appends every row of rows, read as [Scan] reads one, to jobs, and
// returns them with the first error; the caller closes rows.
func All[I int32 | int64, T any, E string | []byte](rows Rows, jobs []*store.Job, instant func(T) time.Time) ([]*store.Job, error) {
	for rows.Next() {
		j, err := Scan[I, T, E](rows.Scan, instant)
		if err != nil {
			return jobs, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}
