package otelspindle_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/otelspindle"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// tracer is an SDK provider exporting to memory, for one test.
func tracer(t *testing.T) (*tracetest.InMemoryExporter, *sdktrace.TracerProvider, otelspindle.Option) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return exp, tp, otelspindle.WithTracerProvider(tp)
}

// runWorker runs a worker with the tracing middleware until the test ends.
func runWorker(t *testing.T, c *jobs.Client, opt otelspindle.Option, defs ...jobs.Registrable) {
	t.Helper()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Queues: map[string]int{"default": 1, "otel": 1}, PollInterval: 5 * time.Millisecond,
		// A revoke the worker misses (one made as it starts, before it
		// listens for them) is picked up at the next heartbeat.
		LeaseDuration: time.Second,
		Logger:        slog.New(slog.DiscardHandler),
		Middleware:    []jobs.Middleware{otelspindle.Middleware(opt)},
	}, defs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}

func spansNamed(exp *tracetest.InMemoryExporter, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func attrs(s tracetest.SpanStub) map[attribute.Key]any {
	m := map[attribute.Key]any{}
	for _, a := range s.Attributes {
		m[a.Key] = a.Value.AsInterface()
	}
	return m
}

var noRetryDelay = jobs.RetryDelay(func(int) time.Duration { return 0 })

// TestTraceFromEnqueueToExecution: a job enqueued inside a span runs,
// on a real worker, in a span that is that span's child, once per
// attempt, with the attempt's error recorded.
func TestTraceFromEnqueueToExecution(t *testing.T) {
	exp, tp, opt := tracer(t)
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:", otelspindle.Inject())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var (
		mu       sync.Mutex
		inJob    []trace.SpanContext
		baggages []string
	)
	charge := jobs.Define("otel.charge", func(ctx context.Context, cents int) (string, error) {
		j, _ := jobs.JobFromContext(ctx)
		mu.Lock()
		inJob = append(inJob, trace.SpanContextFromContext(ctx))
		baggages = append(baggages, baggage.FromContext(ctx).Member("tenant").Value())
		mu.Unlock()
		if j.Attempt == 1 {
			return "", errors.New("card declined")
		}
		return "charged", nil
	}, jobs.Queue("otel"), noRetryDelay)
	runWorker(t, c, opt, charge)

	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	pctx, parent := tp.Tracer("shop").Start(baggage.ContextWithBaggage(ctx, b), "checkout")
	h, err := charge.Enqueue(pctx, c, 1299)
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Await(ctx); err != nil || v != "charged" {
		t.Fatalf("Await: %q %v", v, err)
	}

	got := spansNamed(exp, "process otel.charge")
	if len(got) != 2 {
		t.Fatalf("%d job spans, want one per attempt: %v", len(got), exp.GetSpans())
	}
	pc := parent.SpanContext()
	for i, s := range got {
		if s.Parent.TraceID() != pc.TraceID() || s.Parent.SpanID() != pc.SpanID() || !s.Parent.IsRemote() {
			t.Errorf("attempt %d: parent %v, want the enqueuing span %v (remote)", i+1, s.Parent, pc)
		}
		if s.SpanKind != trace.SpanKindConsumer {
			t.Errorf("attempt %d: kind %v", i+1, s.SpanKind)
		}
		a := attrs(s)
		if a["spindle.job.attempt"] != int64(i+1) || a["messaging.destination.name"] != "otel" || a["spindle.job.name"] != "otel.charge" ||
			a["messaging.message.id"] != h.ID() || a["messaging.system"] != "spindle" || a["spindle.job.max_attempts"] != int64(4) {
			t.Errorf("attempt %d: attributes %v", i+1, a)
		}
		// The handler's ctx holds the attempt's span.
		if inJob[i].SpanID() != s.SpanContext.SpanID() {
			t.Errorf("attempt %d: handler's span %v, want %v", i+1, inJob[i].SpanID(), s.SpanContext.SpanID())
		}
		if baggages[i] != "acme" {
			t.Errorf("attempt %d: baggage %q", i+1, baggages[i])
		}
	}
	if got[0].Status.Code != codes.Error || !strings.Contains(got[0].Status.Description, "card declined") ||
		len(got[0].Events) != 1 || got[0].Events[0].Name != "exception" {
		t.Errorf("failed attempt: status %+v, events %+v", got[0].Status, got[0].Events)
	}
	if got[1].Status.Code == codes.Error || len(got[1].Events) != 0 {
		t.Errorf("successful attempt: status %+v, events %+v", got[1].Status, got[1].Events)
	}
}

// TestTraceAcrossProcesses: the headers are stored with the job, so a
// worker on another client of the same SQLite file (as in another
// process) continues the trace.
func TestTraceAcrossProcesses(t *testing.T) {
	exp, tp, opt := tracer(t)
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "otel.db")
	producer, err := jobs.Open(ctx, url, otelspindle.Inject())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { producer.Close() })
	consumer, err := jobs.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { consumer.Close() })
	echo := jobs.Define("otel.echo", func(ctx context.Context, s string) (string, error) { return s, nil }, jobs.Queue("otel"))
	runWorker(t, consumer, opt, echo)

	pctx, parent := tp.Tracer("t").Start(ctx, "enqueue")
	h, err := echo.Enqueue(pctx, producer, "hi")
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Await(ctx); err != nil {
		t.Fatal(err)
	}
	got := spansNamed(exp, "process otel.echo")
	if len(got) != 1 || got[0].Parent.SpanID() != parent.SpanContext().SpanID() || got[0].SpanContext.TraceID() != parent.SpanContext().TraceID() {
		t.Fatalf("job spans %+v: want one, a child of %v", got, parent.SpanContext())
	}
}

// TestUntracedEnqueue: without a span at enqueue, or without Inject, the
// attempt's span starts a new trace.
func TestUntracedEnqueue(t *testing.T) {
	exp, tp, opt := tracer(t)
	ctx := context.Background()
	for _, clientOpts := range [][]jobs.Option{{otelspindle.Inject()}, nil} {
		exp.Reset()
		c, err := jobs.Open(ctx, "memory:", clientOpts...)
		if err != nil {
			t.Fatal(err)
		}
		d := jobs.Define("otel.plain", func(ctx context.Context, n int) (int, error) { return n, nil })
		func() {
			wctx, cancel := context.WithCancel(ctx)
			w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: slog.New(slog.DiscardHandler), Middleware: []jobs.Middleware{otelspindle.Middleware(opt)}}, d)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- w.Run(wctx) }()
			defer func() { cancel(); <-done }()
			// Untraced ctx with Inject; traced ctx without Inject.
			ectx := ctx
			if clientOpts == nil {
				var s trace.Span
				ectx, s = tp.Tracer("t").Start(ctx, "not carried")
				defer s.End()
			}
			h, err := d.Enqueue(ectx, c, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Await(ctx); err != nil {
				t.Fatal(err)
			}
		}()
		c.Close()
		got := spansNamed(exp, "process otel.plain")
		if len(got) != 1 || got[0].Parent.IsValid() {
			t.Errorf("inject %v: spans %+v: want one root span", clientOpts != nil, got)
		}
	}
}

// TestRevokedAndPanickingAttempts: the span records why an attempt ended
// early, and a panic still reaches the worker.
func TestRevokedAndPanickingAttempts(t *testing.T) {
	exp, _, opt := tracer(t)
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:", otelspindle.Inject())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	started := make(chan struct{}, 1)
	block := jobs.Define("otel.block", func(ctx context.Context, n int) (int, error) {
		started <- struct{}{}
		<-ctx.Done()
		return 0, ctx.Err()
	}, jobs.Queue("otel"))
	boom := jobs.Define("otel.boom", func(ctx context.Context, n int) (int, error) {
		panic("kaboom")
	}, jobs.Queue("otel"), jobs.Retries(0))
	runWorker(t, c, opt, block, boom)

	h, err := block.Enqueue(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if _, err := h.Revoke(ctx, "operator said so"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Await(ctx); !errors.Is(err, jobs.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	hb, err := boom.Enqueue(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hb.Await(ctx); err == nil || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panicking job: %v", err)
	}
	if s := spansNamed(exp, "process otel.block"); len(s) != 1 || s[0].Status.Code != codes.Error || !strings.Contains(s[0].Status.Description, "operator said so") {
		t.Errorf("revoked attempt's span: %+v", s)
	}
	if s := spansNamed(exp, "process otel.boom"); len(s) != 1 || s[0].Status.Code != codes.Error || !strings.Contains(s[0].Status.Description, "panicked: kaboom") {
		t.Errorf("panicking attempt's span: %+v", s)
	}
}

func TestExtract(t *testing.T) {
	_, tp, _ := tracer(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	defer span.End()
	// Inject's hook writes a traceparent into the headers.
	c, err := jobs.Open(context.Background(), "memory:", otelspindle.Inject())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d := jobs.Define("otel.x", func(ctx context.Context, n int) (int, error) { return n, nil })
	h, err := d.Enqueue(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	j, err := c.Inspect().Job(context.Background(), h.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(j.Headers["traceparent"], "00-"+span.SpanContext().TraceID().String()) {
		t.Errorf("stored headers %v lack the traceparent", j.Headers)
	}
	sc := trace.SpanContextFromContext(otelspindle.Extract(context.Background(), map[string]string{
		"traceparent": "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01",
	}))
	if sc.TraceID() != span.SpanContext().TraceID() || !sc.IsRemote() {
		t.Errorf("Extract: %v", sc)
	}
	for _, h := range []map[string]string{nil, {}, {"traceparent": "garbage"}, {"other": "x"}} {
		if sc := trace.SpanContextFromContext(otelspindle.Extract(context.Background(), h)); sc.IsValid() {
			t.Errorf("Extract(%v) found %v", h, sc)
		}
	}
}

func TestWrap(t *testing.T) {
	exp, tp, opt := tracer(t)
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:", otelspindle.Inject())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	def := jobs.Define("otel.wrapped", otelspindle.Wrap(func(ctx context.Context, n int) (int, error) {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return 0, errors.New("no span in the handler's ctx")
		}
		return n * 2, nil
	}, opt))
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: slog.New(slog.DiscardHandler)}, def)
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { stop(); <-done }()
	pctx, parent := tp.Tracer("t").Start(ctx, "enqueue")
	h, err := def.Enqueue(pctx, c, 21)
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Await(ctx); err != nil || v != 42 {
		t.Fatalf("Await: %v %v", v, err)
	}
	if s := spansNamed(exp, "process otel.wrapped"); len(s) != 1 || s[0].Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("wrapped spans %+v", s)
	}
	// Outside a worker, Wrap just calls the function.
	exp.Reset()
	if v, err := otelspindle.Wrap(func(ctx context.Context, n int) (int, error) { return n, nil }, opt)(ctx, 5); v != 5 || err != nil || len(exp.GetSpans()) != 0 {
		t.Fatalf("outside a worker: %v %v, %d spans", v, err, len(exp.GetSpans()))
	}
}
