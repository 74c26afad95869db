package jobs

import "context"

// Handler runs one attempt of a job: it receives the job's arguments as
// JSON and returns its result as JSON. The innermost Handler decodes the
// arguments, calls the definition's function and encodes its result;
// [Middleware] wraps it. Workers call it from many goroutines at once.
// ctx ends with the attempt (its [Timeout], a revoke, or the worker's
// shutdown once Grace has passed), and the handler should return soon
// after: the worker waits for it.
type Handler func(ctx context.Context, job *RunningJob, args []byte) ([]byte, error)

// Middleware wraps every attempt a worker runs, for logging, metrics,
// tracing (see [OnEnqueue] and RunningJob.Headers) or recovery policies.
// It is installed with WorkerOptions.Middleware, outermost first, and is
// called from the worker's runner goroutines, concurrently, so it must be
// safe for concurrent use. It sees the handler's ctx (with the attempt's
// timeout and revoke cancellation) and may return its own error, which
// the worker treats like the handler's: [Permanent] dead-letters, any
// other error is retried while attempts remain. A panic in middleware is
// caught like one in the handler.
type Middleware func(next Handler) Handler

// chain wraps h in mw, mw[0] outermost. With no middleware it returns h
// itself, so a worker without middleware pays nothing.
func chain(h Handler, mw []Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		if mw[i] != nil {
			h = mw[i](h)
		}
	}
	return h
}
