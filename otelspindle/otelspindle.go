// Package otelspindle traces Spindle's durable jobs with OpenTelemetry: a
// span per attempt, and the trace context of the code that enqueued a job
// carried in the job's metadata to the worker that runs it, so the
// attempt's span is a child of the enqueuing span even in another
// process.
//
// It lives apart from package jobs so programs that do not trace do not
// link OpenTelemetry. Spans go to the global TracerProvider and the trace
// context uses the global propagator (set them with otel.SetTracerProvider
// and otel.SetTextMapPropagator) unless options say otherwise. Every
// function is safe for concurrent use and never blocks on the exporter.
package otelspindle

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans this package makes.
const ScopeName = "github.com/spindlehq/spindle/otelspindle"

// MetaKey is the key under which the trace context is kept in a job's
// metadata (a JSON object): {"otel": {"traceparent": "...", ...}}.
const MetaKey = "otel"

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

// WithPropagator carries the trace context with p instead of the global
// propagator.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.prop = p }
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.prop == nil {
		c.prop = otel.GetTextMapPropagator()
	}
	return c
}

func (c config) tracer() trace.Tracer { return c.tp.Tracer(ScopeName) }
