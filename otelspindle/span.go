package otelspindle

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/jobs"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Attribute keys set on job spans, after OpenTelemetry's messaging
// conventions where they have one.
const (
	AttrSystem      = attribute.Key("messaging.system")           // "spindle"
	AttrOperation   = attribute.Key("messaging.operation.type")   // "process"
	AttrDestination = attribute.Key("messaging.destination.name") // the queue
	AttrMessageID   = attribute.Key("messaging.message.id")       // the job ID
	AttrJobName     = attribute.Key("spindle.job.name")           // the definition's name
	AttrAttempt     = attribute.Key("spindle.job.attempt")        // 1 for the first run
	AttrMaxAttempts = attribute.Key("spindle.job.max_attempts")   //
)

// Middleware returns worker middleware (for jobs.WorkerOptions.Middleware)
// that runs every attempt inside a consumer span named "process
// JOB-NAME": a child of the span that enqueued the job when [Inject]
// carried its trace context in the job's headers, else a new trace. The
// span has the job's ID, name, queue and attempt; an attempt that fails,
// times out, is revoked or panics records the error and ends with status
// Error (a panic is passed on to the worker, which handles it as usual).
// The handler's ctx carries the span, so spans the job makes are its
// children. Install it outermost to time the other middleware too.
func Middleware(opts ...Option) jobs.Middleware {
	c := newConfig(opts)
	return func(next jobs.Handler) jobs.Handler {
		return func(ctx context.Context, job *jobs.RunningJob, args []byte) (res []byte, err error) {
			ctx, span := c.start(ctx, *job)
			panicked := true
			defer func() {
				if !panicked {
					return
				}
				v := recover()
				if v == nil { // runtime.Goexit: nothing to recover, let it go on
					EndAttempt(ctx, span, fmt.Errorf("job %q: the handler called runtime.Goexit", job.Name))
					return
				}
				EndAttempt(ctx, span, fmt.Errorf("job %q panicked: %v", job.Name, v))
				panic(v) // the worker turns it into the attempt's error
			}()
			res, err = next(ctx, job, args)
			panicked = false
			EndAttempt(ctx, span, err)
			return res, err
		}
	}
}

// StartAttempt starts the span of one attempt of job: a child of the
// trace context in job.Headers when they carry one, else of ctx's span
// (or a new trace). End it with [EndAttempt]. [Middleware] does both for
// every attempt; use these to trace attempts some other way.
func StartAttempt(ctx context.Context, job jobs.RunningJob, opts ...Option) (context.Context, trace.Span) {
	return newConfig(opts).start(ctx, job)
}

func (c config) start(ctx context.Context, job jobs.RunningJob) (context.Context, trace.Span) {
	ctx = c.extract(ctx, job.Headers)
	return c.tracer().Start(ctx, "process "+job.Name,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			AttrSystem.String("spindle"), AttrOperation.String("process"),
			AttrDestination.String(job.Queue), AttrMessageID.String(job.ID),
			AttrJobName.String(job.Name), AttrAttempt.Int(job.Attempt), AttrMaxAttempts.Int(job.MaxAttempts),
		))
}

// EndAttempt records the attempt's error, if any, and ends the span. An
// attempt cut short by its context (a shutdown, a lost lease, a revoke, a
// timeout) records the context's cause with the error.
func EndAttempt(ctx context.Context, span trace.Span, err error) {
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
			err = errors.Join(err, cause)
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Wrap returns fn with a span around each call, for a definition whose
// worker has no [Middleware] installed: pass the result to jobs.Define.
// The span is the one Middleware would make (from jobs.JobFromContext),
// except that a panic in fn is not recorded. Use Wrap or Middleware, not
// both: each makes its own span. Outside a worker it just calls fn.
func Wrap[A, R any](fn func(context.Context, A) (R, error), opts ...Option) func(context.Context, A) (R, error) {
	c := newConfig(opts)
	return func(ctx context.Context, a A) (R, error) {
		job, ok := jobs.JobFromContext(ctx)
		if !ok {
			return fn(ctx, a) // not run by a worker: nothing to describe
		}
		ctx, span := c.start(ctx, job)
		r, err := fn(ctx, a)
		EndAttempt(ctx, span, err)
		return r, err
	}
}
