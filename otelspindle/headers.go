package otelspindle

import (
	"context"

	"github.com/spindlehq/spindle/jobs"
	"go.opentelemetry.io/otel/propagation"
)

// Inject returns a client option (for jobs.Open or jobs.New) that writes
// the trace context of each enqueue's ctx into the job's headers, built
// on jobs.OnEnqueue. Package jobs stores the headers with the job, so
// they reach the worker in any process, where [Middleware] reads them.
// An enqueue whose ctx carries no span adds nothing. The hook runs in the
// goroutine that enqueues, never blocks and is safe for concurrent use.
// Headers are not covered by job signing.
func Inject(opts ...Option) jobs.Option {
	c := newConfig(opts)
	return jobs.OnEnqueue(func(ctx context.Context, headers map[string]string) {
		c.prop.Inject(ctx, propagation.MapCarrier(headers))
	})
}

// Extract returns ctx carrying the remote span context (and baggage)
// found in a job's headers, or ctx unchanged when they hold none, or
// nothing valid: such a job's attempt starts a new trace.
func Extract(ctx context.Context, headers map[string]string, opts ...Option) context.Context {
	if len(headers) == 0 {
		return ctx
	}
	return newConfig(opts).extract(ctx, headers)
}

func (c config) extract(ctx context.Context, headers map[string]string) context.Context {
	if len(headers) == 0 {
		return ctx
	}
	return c.prop.Extract(ctx, propagation.MapCarrier(headers))
}
