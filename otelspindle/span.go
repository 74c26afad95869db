package otelspindle

import (
	"context"
	"errors"

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

// StartAttempt starts the span of one attempt of job, a child of the
// trace context in the job's metadata when there is one, else of ctx. End
// it with [EndAttempt]. It is safe for concurrent use.
func StartAttempt(ctx context.Context, job jobs.RunningJob, meta []byte, opts ...Option) (context.Context, trace.Span) {
	c := newConfig(opts)
	ctx = ExtractMeta(ctx, meta, opts...)
	return c.tracer().Start(ctx, "process "+job.Name,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			AttrSystem.String("spindle"), AttrOperation.String("process"),
			AttrDestination.String(job.Queue), AttrMessageID.String(job.ID),
			AttrJobName.String(job.Name), AttrAttempt.Int(job.Attempt), AttrMaxAttempts.Int(job.MaxAttempts),
		))
}

// EndAttempt records the attempt's error, if any, and ends the span. An
// attempt cut short by its context (a shutdown, a lost lease, a revoke)
// is marked as an error with the context's cause.
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

// Wrap returns fn with a span around each call: pass the result to
// jobs.Define. The span carries the running job's ID, name, queue and
// attempt (from jobs.JobFromContext). It is the way to trace jobs today;
// the span's parent is the handler's ctx, because the job's metadata does
// not reach a job function.
func Wrap[A, R any](fn func(context.Context, A) (R, error), opts ...Option) func(context.Context, A) (R, error) {
	return func(ctx context.Context, a A) (R, error) {
		job, ok := jobs.JobFromContext(ctx)
		if !ok {
			return fn(ctx, a) // not run by a worker: nothing to describe
		}
		ctx, span := StartAttempt(ctx, job, nil, opts...)
		r, err := fn(ctx, a)
		EndAttempt(ctx, span, err)
		return r, err
	}
}
