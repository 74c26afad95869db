package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

// runWorker runs a worker on c until the returned stop is called.
func runWorker(t *testing.T, c *jobs.Client, defs ...jobs.Registrable) (stop func()) {
	t.Helper()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: 4, Queues: map[string]int{"mq": 1, "h": 1}, PollInterval: 5 * time.Millisecond,
		LeaseDuration: time.Second, // a revoke missed as the worker starts is seen at the next heartbeat
		Logger:        slog.New(slog.DiscardHandler),
	}, defs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name, queue, job string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["queue"] != queue || labels["name"] != job {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return 0
}

// TestObserveAWorker runs real jobs through a worker on the memory store
// and checks every counter against what happened.
func TestObserveAWorker(t *testing.T) {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	stop := metrics.Observe(c, o)

	var flakyRuns sync.Map
	ok := jobs.Define("m.ok", func(ctx context.Context, n int) (int, error) { return n, nil }, jobs.Queue("mq"))
	flaky := jobs.Define("m.flaky", func(ctx context.Context, n int) (int, error) {
		if _, again := flakyRuns.LoadOrStore(n, true); !again {
			return 0, errors.New("first attempt fails")
		}
		return n, nil
	}, jobs.Queue("mq"), jobs.RetryDelay(func(int) time.Duration { return 0 }))
	broken := jobs.Define("m.broken", func(ctx context.Context, n int) (int, error) {
		return 0, errors.New("always")
	}, jobs.Queue("mq"), jobs.Retries(1), jobs.RetryDelay(func(int) time.Duration { return 0 }))
	started := make(chan struct{}, 1)
	slow := jobs.Define("m.slow", func(ctx context.Context, n int) (int, error) {
		started <- struct{}{}
		<-ctx.Done()
		return 0, context.Cause(ctx)
	}, jobs.Queue("mq"))
	defer runWorker(t, c, ok, flaky, broken, slow)()

	for i := range 3 {
		h, err := ok.Enqueue(ctx, c, i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Await(ctx); err != nil {
			t.Fatal(err)
		}
	}
	hf, _ := flaky.Enqueue(ctx, c, 1)
	if _, err := hf.Await(ctx); err != nil {
		t.Fatal(err)
	}
	hb, _ := broken.Enqueue(ctx, c, 1)
	if _, err := hb.Await(ctx); err == nil {
		t.Fatal("the broken job succeeded")
	}
	// Revoked while running: the attempt ends canceled.
	hs, _ := slow.Enqueue(ctx, c, 1)
	<-started
	if _, err := hs.Revoke(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.Await(ctx); !errors.Is(err, jobs.ErrRevoked) {
		t.Fatalf("revoked slow job: %v", err)
	}
	// Revoked while waiting: no attempt at all.
	hw, _ := ok.Enqueue(ctx, c, 9, jobs.Delay(time.Hour))
	if _, err := hw.Revoke(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	stop() // every event emitted so far is counted

	for _, tc := range []struct {
		metric, name string
		want         float64
	}{
		{"spindle_jobs_enqueued_total", "m.ok", 4},
		{"spindle_jobs_enqueued_total", "m.slow", 1},
		{"spindle_jobs_processed_total", "m.ok", 3},
		{"spindle_jobs_processed_total", "m.flaky", 2},
		{"spindle_jobs_failed_total", "m.flaky", 1},
		{"spindle_jobs_retried_total", "m.flaky", 1},
		{"spindle_jobs_processed_total", "m.broken", 2},
		{"spindle_jobs_failed_total", "m.broken", 2},
		{"spindle_jobs_retried_total", "m.broken", 1},
		{"spindle_jobs_dead_lettered_total", "m.broken", 1},
		{"spindle_jobs_processed_total", "m.slow", 1},
		{"spindle_jobs_failed_total", "m.slow", 0},
		{"spindle_jobs_revoked_total", "m.slow", 1},
		{"spindle_jobs_revoked_total", "m.ok", 1},
		{"spindle_job_duration_seconds", "m.ok", 3},
		{"spindle_jobs_in_flight", "m.ok", 0},
		{"spindle_jobs_in_flight", "m.slow", 0},
		{"spindle_jobs_in_flight", "m.broken", 0},
	} {
		if got := counter(t, reg, tc.metric, "mq", tc.name); got != tc.want {
			t.Errorf("%s{name=%q} = %v, want %v", tc.metric, tc.name, got, tc.want)
		}
	}
	// Series by outcome: ok and flaky succeeded, flaky and broken failed,
	// slow canceled.
	if n := testutil.CollectAndCount(reg, "spindle_job_duration_seconds"); n != 5 {
		t.Errorf("duration series: %d, want 5", n)
	}
}

// TestEventInFlight feeds Event from a subscription of the test's own to
// see the gauge while a job runs.
func TestEventInFlight(t *testing.T) {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	counted := make(chan struct{}, 1)
	stop := c.Subscribe(func(e jobs.Event) {
		o.Event(e)
		if e.Kind == jobs.EventStarted {
			counted <- struct{}{}
		}
	})
	defer stop()
	release := make(chan struct{})
	hold := jobs.Define("m.hold", func(ctx context.Context, n int) (int, error) {
		<-release
		return n, nil
	}, jobs.Queue("h"))
	defer runWorker(t, c, hold)()
	h, err := hold.Enqueue(ctx, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	<-counted
	if got := counter(t, reg, "spindle_jobs_in_flight", "h", "m.hold"); got != 1 {
		t.Errorf("in flight while running: %v", got)
	}
	close(release)
	if _, err := h.Await(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestEventEdgeCases(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(k jobs.EventKind, id string, at time.Time) jobs.Event {
		return jobs.Event{Kind: k, JobID: id, Name: "n", Queue: "q", At: at, Duration: time.Millisecond}
	}
	// An attempt that started before the observer listened: its end
	// counts as processed but leaves in-flight alone (never negative).
	o.Event(ev(jobs.EventSucceeded, "A", t0))
	// An attempt that ended without an event (a lost lease), then the
	// same job started again: counted in flight once.
	o.Event(ev(jobs.EventStarted, "B", t0))
	o.Event(ev(jobs.EventStarted, "B", t0.Add(time.Second)))
	if got := counter(t, reg, "spindle_jobs_in_flight", "q", "n"); got != 1 {
		t.Errorf("in flight after a restart of one job: %v", got)
	}
	// Revoked while running: canceled, with the time it ran.
	o.Event(ev(jobs.EventRevoked, "B", t0.Add(3*time.Second)))
	// Events that concern no attempt, and kinds it does not count.
	o.Event(ev(jobs.EventRevoked, "C", t0))
	o.Event(ev(jobs.EventExpired, "D", t0))
	o.Event(ev(jobs.EventLocked, "E", t0))
	o.Event(ev(jobs.EventDeadLettered, "F", t0)) // a payload that cannot run
	o.Event(jobs.Event{Kind: "from-the-future", JobID: "G"})
	for _, tc := range []struct {
		metric string
		want   float64
	}{
		{"spindle_jobs_in_flight", 0},
		{"spindle_jobs_processed_total", 2},
		{"spindle_jobs_revoked_total", 2},
		{"spindle_jobs_expired_total", 1},
		{"spindle_jobs_dead_lettered_total", 1},
		{"spindle_jobs_failed_total", 0},
	} {
		if got := counter(t, reg, tc.metric, "q", "n"); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.metric, got, tc.want)
		}
	}
	for _, m := range durations(t, reg) {
		for _, l := range m.Label {
			if l.GetName() == "outcome" && l.GetValue() == "canceled" && m.Histogram.GetSampleSum() != 2 {
				t.Errorf("canceled attempt ran %vs, want 2", m.Histogram.GetSampleSum())
			}
		}
	}
}

func TestInstrument(t *testing.T) {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	stop, err := metrics.Instrument(c, reg)
	if err != nil {
		t.Fatal(err)
	}
	d := jobs.Define("m.inst", func(ctx context.Context, n int) (int, error) { return n, nil })
	if _, err := d.Enqueue(ctx, c, 1); err != nil {
		t.Fatal(err)
	}
	stop()
	if got := counter(t, reg, "spindle_jobs_enqueued_total", "default", "m.inst"); got != 1 {
		t.Errorf("enqueued: %v", got)
	}
	if got := counter(t, reg, "spindle_enqueue_batch_size", "", ""); got != 1 {
		t.Errorf("enqueue writes in the batch size histogram: %v, want 1 (the lone enqueue)", got)
	}
	// A second one on the same registry is refused, and its stop is safe.
	stop, err = metrics.Instrument(c, reg)
	if err == nil || !strings.Contains(err.Error(), "duplicate") && !strings.Contains(err.Error(), "already") {
		t.Errorf("second Instrument: %v", err)
	}
	stop()
	// After Close, Instrument still returns (nothing to observe).
	c.Close()
	stop, err = metrics.Instrument(c, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

// TestEventLostAttempts: a recovery sweep's Failed event (matching
// jobs.ErrLeaseExpired) ends an attempt this observer saw start, with the
// time from its start to the sweep, and counts one it never saw as
// failed without inventing a duration.
func TestEventLostAttempts(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	lost := fmt.Errorf("lease held by w1 expired: %w", jobs.ErrLeaseExpired)
	o.Event(jobs.Event{Kind: jobs.EventStarted, JobID: "L1", Name: "n", Queue: "q", At: t0})
	o.Event(jobs.Event{Kind: jobs.EventFailed, JobID: "L1", Name: "n", Queue: "q", At: t0.Add(5 * time.Second), Err: lost})
	o.Event(jobs.Event{Kind: jobs.EventFailed, JobID: "L2", Name: "n", Queue: "q", At: t0, Err: lost})
	o.Event(jobs.Event{Kind: jobs.EventDeadLettered, JobID: "L2", Name: "n", Queue: "q", At: t0, Err: lost})
	for _, tc := range []struct {
		metric string
		want   float64
	}{
		{"spindle_jobs_in_flight", 0},
		{"spindle_jobs_processed_total", 2},
		{"spindle_jobs_failed_total", 2},
		{"spindle_jobs_dead_lettered_total", 1},
	} {
		if got := counter(t, reg, tc.metric, "q", "n"); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.metric, got, tc.want)
		}
	}
	for _, m := range durations(t, reg) {
		if h := m.Histogram; h.GetSampleCount() != 1 || h.GetSampleSum() != 5 {
			t.Errorf("duration histogram %v: want one failed attempt of 5s (the one seen starting)", m)
		}
	}
}

// durations returns the series of the attempt duration histogram.
func durations(t *testing.T, reg *prometheus.Registry) []*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "spindle_job_duration_seconds" {
			return mf.Metric
		}
	}
	return nil
}
