package otelspindle_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/otelspindle"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The trace follows the job from the code that enqueues it to the worker
// that runs it: Inject on the client, Middleware on the worker.
func Example() {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)) // usually otel.SetTracerProvider at start-up
	defer tp.Shutdown(context.Background())
	ctx := context.Background()

	resize := jobs.Define("images.resize", func(ctx context.Context, width int) (string, error) {
		return fmt.Sprintf("%dw", width), nil
	})
	c, _ := jobs.Open(ctx, "memory:", otelspindle.Inject())
	defer c.Close()
	w, _ := jobs.NewWorker(c, jobs.WorkerOptions{
		Middleware: []jobs.Middleware{otelspindle.Middleware(otelspindle.WithTracerProvider(tp))},
		Logger:     slog.New(slog.DiscardHandler),
	}, resize)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- w.Run(wctx) }()

	sctx, upload := tp.Tracer("app").Start(ctx, "upload")
	h, _ := resize.Enqueue(sctx, c, 200)
	upload.End()
	out, _ := h.Await(ctx)
	stop()
	<-done

	for _, s := range exp.GetSpans() {
		fmt.Printf("%s: %s, child of upload: %v\n", s.Name, out, s.Parent.SpanID() == upload.SpanContext().SpanID())
	}
	// Output:
	// upload: 200w, child of upload: false
	// process images.resize: 200w, child of upload: true
}
