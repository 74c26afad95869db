package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Restore moves a Canceled job back to Queued, as Retry does: the state
// check and the move back
// to Queued (as Retry makes it) happen under one hold of the store's
// lock, so no revoke, retry or claim slips between them. A job that is
// not Canceled is left alone; its state comes back with an error
// wrapping [store.ErrNotCanceled]. ctx cancels the wait for the lock.
func (s *core) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	e := s.jobs[id]
	if e == nil {
		return "", store.ErrNotFound
	}
	if st := e.job.State; st != store.Canceled {
		return st, fmt.Errorf("memory: restore %s: job is %s: %w", id, st, store.ErrNotCanceled)
	}
	if err := s.requeue(e, now, "restore"); err != nil {
		return store.Canceled, err
	}
	return store.Queued, nil
}
