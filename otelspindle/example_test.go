package otelspindle_test

import (
	"context"
	"fmt"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/otelspindle"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A span per attempt of a job: wrap the job's function.
func ExampleWrap() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)) // usually otel.SetTracerProvider at start-up
	defer tp.Shutdown(context.Background())

	resize := jobs.Define("images.resize", otelspindle.Wrap(func(ctx context.Context, width int) (string, error) {
		return fmt.Sprintf("%dw", width), nil
	}, otelspindle.WithTracerProvider(tp)))

	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	w, _ := jobs.NewWorker(c, jobs.WorkerOptions{}, resize)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- w.Run(wctx) }()
	h, _ := resize.Enqueue(ctx, c, 200)
	out, _ := h.Await(ctx)
	stop()
	<-done
	fmt.Println(out, rec.Ended()[0].Name())
	// Output: 200w process images.resize
}

// The trace context travels in a job's metadata.
func ExampleInjectMeta() {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	prop := otelspindle.WithPropagator(propagation.TraceContext{})
	ctx, span := tp.Tracer("app").Start(context.Background(), "checkout")
	defer span.End()

	meta, _ := otelspindle.InjectMeta(ctx, nil, prop)                   // at enqueue
	remote := otelspindle.ExtractMeta(context.Background(), meta, prop) // in the worker
	fmt.Println(trace.SpanContextFromContext(remote).TraceID() == span.SpanContext().TraceID())
	// Output: true
}
