package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spindlehq/spindle/jobs/store"
)

// Insert adds jobs in one transaction: all of them or, on error, none. A
// job whose UniqueKey is held by an unfinished job (one already stored, or
// an earlier one in the same batch) is skipped and its ID returned in
// dups. A job with an empty State is stored as Queued; only Queued and
// Scheduled are accepted.
//
// Each call is one committed transaction, so batching many jobs into one
// call is far cheaper per job than calling once per job. ctx cancels the
// wait for the write lock and the statements; a canceled Insert inserts
// nothing and returns context.Cause(ctx).
func (s *Store) Insert(ctx context.Context, jobs []*store.Job) (dups []string, err error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if len(jobs) == 0 {
		return nil, nil
	}
	// Encode outside the transaction so the write lock is held only for
	// the statements themselves.
	type row struct {
		job    *store.Job
		state  store.State
		errors any
	}
	rows := make([]row, len(jobs))
	for i, j := range jobs {
		if err := validateNew(i, j); err != nil {
			return nil, err
		}
		rows[i] = row{job: j, state: j.State}
		if j.State == "" {
			rows[i].state = store.Queued
		}
		if len(j.Errors) > 0 {
			b, err := json.Marshal(j.Errors)
			if err != nil {
				return nil, fmt.Errorf("sqlite: insert job %s: encode Errors: %w", j.ID, err)
			}
			rows[i].errors = string(b)
		}
	}
	err = s.writeTx(ctx, func(ctx context.Context) error {
		dups = dups[:0]
		for _, r := range rows {
			j := r.job
			res, err := s.ws.insert.ExecContext(ctx,
				j.ID, j.Name, j.Queue, j.Priority, nullBytes(j.Args), string(r.state), j.Attempt, j.MaxAttempts,
				nanos(j.RunAt), nanos(j.EnqueuedAt), nanos(j.StartedAt), nanos(j.FinishedAt), nullText(j.LeaseOwner), nanos(j.LeaseUntil),
				nullBytes(j.Result), nullText(j.LastError), r.errors, nanos(j.RetainUntil), nullText(j.UniqueKey), nullBytes(j.Meta))
			if err != nil {
				if code(err)&0xff == codeConstraint {
					return fmt.Errorf("job %s: %w (is the ID already used?)", j.ID, err)
				}
				return fmt.Errorf("job %s: %w", j.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				dups = append(dups, j.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.writeErr(ctx, "insert", err)
	}
	s.notify.readyJobs(jobs, dups)
	if len(dups) == 0 {
		dups = nil
	}
	return dups, nil
}

// validateNew rejects jobs no store could run, naming the job and field.
func validateNew(i int, j *store.Job) error {
	switch {
	case j == nil:
		return fmt.Errorf("sqlite: insert: jobs[%d] is nil", i)
	case j.ID == "":
		return fmt.Errorf("sqlite: insert: jobs[%d] has an empty ID; want a unique, time-ordered ID", i)
	case j.Name == "":
		return fmt.Errorf("sqlite: insert job %s: empty Name; want the name of the definition that runs it", j.ID)
	case j.Queue == "":
		return fmt.Errorf("sqlite: insert job %s: empty Queue; want a queue name", j.ID)
	case j.MaxAttempts < 1:
		return fmt.Errorf("sqlite: insert job %s: MaxAttempts is %d; want at least 1", j.ID, j.MaxAttempts)
	case j.State != "" && j.State != store.Queued && j.State != store.Scheduled:
		return fmt.Errorf("sqlite: insert job %s: State %q; want %q, %q or empty (queued)", j.ID, j.State, store.Queued, store.Scheduled)
	}
	return nil
}
