package otelspindle_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/otelspindle"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func recorder(t *testing.T) (*tracetest.SpanRecorder, []otelspindle.Option) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return rec, []otelspindle.Option{otelspindle.WithTracerProvider(tp), otelspindle.WithPropagator(propagation.TraceContext{})}
}

func TestMetaCarriesTheTrace(t *testing.T) {
	rec, opts := recorder(t)
	ctx, span := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("t").Start(context.Background(), "enqueue")
	defer span.End()

	meta, err := otelspindle.InjectMeta(ctx, []byte(`{"workflow":{"parent":"X"}}`), opts...)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]string
	if err := json.Unmarshal(meta, &m); err != nil || m["workflow"]["parent"] != "X" || !strings.Contains(m["otel"]["traceparent"], span.SpanContext().TraceID().String()) {
		t.Fatalf("meta %s (%v): want the workflow kept and a traceparent added", meta, err)
	}

	job := jobs.RunningJob{ID: "J1", Name: "t.job", Queue: "q", Attempt: 2, MaxAttempts: 3}
	actx, aspan := otelspindle.StartAttempt(context.Background(), job, meta, opts...)
	otelspindle.EndAttempt(actx, aspan, nil)
	got := rec.Ended()[len(rec.Ended())-1]
	if got.Name() != "process t.job" || got.SpanKind() != trace.SpanKindConsumer {
		t.Fatalf("span %q kind %v", got.Name(), got.SpanKind())
	}
	if got.Parent().TraceID() != span.SpanContext().TraceID() || got.Parent().SpanID() != span.SpanContext().SpanID() || !got.Parent().IsRemote() {
		t.Fatalf("parent %+v: want the enqueuing span, remote", got.Parent())
	}
	attrs := map[string]any{}
	for _, a := range got.Attributes() {
		attrs[string(a.Key)] = a.Value.AsInterface()
	}
	if attrs["messaging.message.id"] != "J1" || attrs["messaging.destination.name"] != "q" || attrs["spindle.job.attempt"] != int64(2) {
		t.Fatalf("attributes %v", attrs)
	}
}

func TestMetaEdgeCases(t *testing.T) {
	_, opts := recorder(t)
	// No span in ctx: nothing to carry.
	if got, err := otelspindle.InjectMeta(context.Background(), []byte(`{"a":1}`), opts...); err != nil || string(got) != `{"a":1}` {
		t.Fatalf("without a span: %s %v", got, err)
	}
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	defer span.End()
	for _, bad := range []string{`[1]`, `"s"`, `null`, `{bad`} {
		got, err := otelspindle.InjectMeta(ctx, []byte(bad), opts...)
		if err == nil || string(got) != bad || !strings.Contains(err.Error(), "not a JSON object") {
			t.Errorf("InjectMeta(%s) = %s, %v: want it unchanged with an error", bad, got, err)
		}
	}
	if got, err := otelspindle.InjectMeta(ctx, nil, opts...); err != nil || !strings.Contains(string(got), `"otel":{"traceparent"`) {
		t.Errorf("InjectMeta(nil) = %s, %v", got, err)
	}
	// Metadata without a trace, or garbage, starts a new trace.
	for _, m := range []string{"", `{"a":1}`, `{bad`, `{"otel":{"traceparent":"garbage"}}`, `{"otel":7}`} {
		if sc := trace.SpanContextFromContext(otelspindle.ExtractMeta(context.Background(), []byte(m), opts...)); sc.IsValid() {
			t.Errorf("ExtractMeta(%s) found a span context %v", m, sc)
		}
	}
}

func TestWrapSpansEachAttempt(t *testing.T) {
	rec, opts := recorder(t)
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	def := jobs.Define("t.flaky", otelspindle.Wrap(func(ctx context.Context, n int) (int, error) {
		if j, _ := jobs.JobFromContext(ctx); j.Attempt == 1 {
			return 0, errors.New("first attempt fails")
		}
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return 0, errors.New("no span in the handler's ctx")
		}
		return n * 2, nil
	}, opts...), jobs.RetryDelay(func(int) time.Duration { return 0 }))
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: slog.New(slog.DiscardHandler)}, def)
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	h, err := def.Enqueue(ctx, c, 21)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Await(ctx); err != nil || v != 42 {
		t.Fatalf("Await: %v %v", v, err)
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want one per attempt", len(spans))
	}
	if spans[0].Status().Code != codes.Error || !strings.Contains(spans[0].Status().Description, "first attempt fails") {
		t.Errorf("first attempt: status %+v", spans[0].Status())
	}
	if spans[1].Status().Code == codes.Error {
		t.Errorf("second attempt: status %+v", spans[1].Status())
	}

	// Outside a worker, Wrap just calls the function.
	rec2, opts2 := recorder(t)
	if v, err := otelspindle.Wrap(func(ctx context.Context, n int) (int, error) { return n, nil }, opts2...)(ctx, 5); v != 5 || err != nil || len(rec2.Ended()) != 0 {
		t.Fatalf("outside a worker: %v %v, %d spans", v, err, len(rec2.Ended()))
	}
}
