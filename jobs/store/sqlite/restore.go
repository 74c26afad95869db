package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Restore moves a Canceled job back to Queued as Retry does, in one
// transaction: one UPDATE guarded by state = 'canceled', and only when it
// changes nothing, a look-up that tells an unknown job (store.ErrNotFound)
// from one in another state, whose state comes back with an error
// wrapping store.ErrNotCanceled. The Ready watchers of the job's queue
// are signalled after the commit. ctx cancels it.
func (s *core) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	var queue string
	var state store.State // the state of a job that was left alone
	err := s.writeTx(ctx, func(ctx context.Context) error {
		state = ""
		err := s.wconn.QueryRowContext(ctx, sqlRequeue+` WHERE id = ?2 AND state = 'canceled' RETURNING queue`,
			nanos(now), id).Scan(&queue)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			if code(err)&0xff == codeConstraint {
				state = store.Canceled
			}
			return uniqueHeld(err)
		}
		st, _, err := s.lookupState(ctx, id)
		if err != nil {
			return err
		}
		state = st
		return fmt.Errorf("job is %s: %w", st, store.ErrNotCanceled)
	})
	if err != nil {
		return state, s.writeErr(ctx, "restore "+id, err)
	}
	s.notify.ready(queue)
	return store.Queued, nil
}
