package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Restore moves a Canceled job back to Queued as Retry does, in one
// statement: an UPDATE guarded by state = 'canceled' that also returns
// the state the job had, so a refusal needs no second round trip (only a
// job changed by a concurrent commit while the statement ran is asked
// about again). A job
// in another state is left alone and its state comes back with an error
// wrapping store.ErrNotCanceled; an unknown ID gives store.ErrNotFound.
// Workers of the job's queue are woken by a NOTIFY on commit. ctx cancels
// it.
func (s *core) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	var state store.State // the state of a job that was left alone
	err := s.run(ctx, "restore "+id, retryUnsent, func(q querier) error {
		// Two tries: a restore that commits while this statement waits for
		// the row leaves it unmoved although its snapshot saw the job
		// canceled; the second statement's snapshot sees what happened.
		for range 2 {
			state = ""
			var moved bool
			var was *string
			err := q.QueryRow(ctx, s.q.restore, id, now).Scan(&moved, &was, nil)
			switch {
			case pgCode(err) == codeUniqueViolation:
				state = store.Canceled
				return fmt.Errorf("its unique key is held by another unfinished job: %w", err)
			case err != nil:
				return err
			case moved:
				return nil
			case was == nil:
				return store.ErrNotFound
			case store.State(*was) != store.Canceled:
				state = store.State(*was)
				return fmt.Errorf("job is %s: %w", state, store.ErrNotCanceled)
			}
		}
		return fmt.Errorf("job %s keeps changing state; try again", id)
	})
	if err != nil {
		return state, err
	}
	return store.Queued, nil
}
