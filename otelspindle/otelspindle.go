// Package otelspindle traces Spindle's durable jobs with OpenTelemetry:
// the trace context of the code that enqueues a job travels with the job
// (in its headers, stored with it), and the worker that runs it makes one
// consumer span per attempt, a child of the enqueuing span even in
// another process. Two lines wire it in:
//
//	c, err := jobs.Open(ctx, url, otelspindle.Inject())             // producers
//	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
//		Middleware: []jobs.Middleware{otelspindle.Middleware()},     // workers
//	}, defs...)
//
// It lives apart from package jobs so programs that do not trace do not
// link OpenTelemetry. Spans go to the global TracerProvider (set it with
// otel.SetTracerProvider) unless [WithTracerProvider] says otherwise. The
// trace context is carried as W3C Trace Context and Baggage headers
// (traceparent, tracestate, baggage) by default, whatever the global
// propagator, so producers and workers agree without set-up;
// [WithPropagator] changes it on both sides. Every function is safe for
// concurrent use and never blocks on the exporter.
package otelspindle

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans this package makes.
const ScopeName = "github.com/spindlehq/spindle/otelspindle"

// Option configures the tracer provider and propagator.
type Option func(*config)

type config struct {
	tp   trace.TracerProvider
	prop propagation.TextMapPropagator
}

// WithTracerProvider makes spans with tp instead of the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithPropagator carries the trace context with p instead of W3C Trace
// Context and Baggage; pass otel.GetTextMapPropagator() to use the global
// one. Give producers and workers the same.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

// defaultPropagator is W3C Trace Context with Baggage: the global
// propagator is a no-op until a program sets one, which would silently
// break every trace across the queue.
var defaultPropagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.prop == nil {
		c.prop = defaultPropagator
	}
	return c
}

func (c config) tracer() trace.Tracer { return c.tp.Tracer(ScopeName) }
