package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Restore moves a Canceled job back to Queued as Retry does, in the same
// script, which checks the state and moves the job atomically and wakes
// the workers of its queue in every process. A job in another state is
// left alone: its state comes back with an error wrapping
// store.ErrNotCanceled. An unknown id gives store.ErrNotFound. ctx bounds
// the call.
func (s *core) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	res, err := retryScript.run(ctx, s, id, msAlways(now), string(store.Canceled)).Text()
	if err != nil {
		return "", opErr(ctx, "restore "+id, err)
	}
	switch {
	case res == "ok":
		return store.Queued, nil
	case res == "notfound":
		return "", fmt.Errorf("redis: restore %s: %w", id, store.ErrNotFound)
	case res == "unique":
		return store.Canceled, fmt.Errorf("redis: restore %s: its unique key is held by another unfinished job", id)
	case strings.HasPrefix(res, "not:"):
		st := store.State(strings.TrimPrefix(res, "not:"))
		return st, fmt.Errorf("redis: restore %s: job is %s: %w", id, st, store.ErrNotCanceled)
	}
	return "", fmt.Errorf("redis: restore %s: unexpected reply %q", id, res)
}
