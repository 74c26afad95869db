package jobs

import (
	"context"
	"errors"
)

// OnEnqueue adds a hook that fills a job's headers as it is enqueued,
// for example to carry a trace context from the producer to the worker
// (inject into headers here, extract from RunningJob.Headers in a
// [Middleware]). Hooks run in order, in the goroutine that enqueues, with
// the enqueue's ctx; they must be safe for concurrent use and not keep
// headers. Headers are stored with the job (in its metadata) only when a
// hook set at least one, and are not covered by signing.
func OnEnqueue(fn func(ctx context.Context, headers map[string]string)) Option {
	return func(c *Client) error {
		if fn == nil {
			return errors.New("jobs: OnEnqueue(nil): want a function")
		}
		c.onEnqueue = append(c.onEnqueue, fn)
		return nil
	}
}
