package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store/memory"
	"github.com/spindlehq/spindle/metrics"
)

func TestQueueCollector(t *testing.T) {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	c, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := jobs.Define("t.job", func(context.Context, int) (int, error) { return 0, nil }, jobs.Queue("q1"))
	for i := range 3 {
		if _, err := d.Enqueue(ctx, c, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Inspect().Pause(ctx, "q2"); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewQueueCollector(c.Inspect()))
	want := `
# HELP spindle_queue_paused 1 if the queue is paused (workers claim none of its jobs), else 0.
# TYPE spindle_queue_paused gauge
spindle_queue_paused{queue="q1"} 0
spindle_queue_paused{queue="q2"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "spindle_queue_paused"); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "spindle_queue_jobs")
	if err != nil || n != 14 { // 2 queues x 7 states
		t.Fatalf("spindle_queue_jobs: %d series, %v", n, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "spindle_oldest_queued_job_age_seconds" && mf.Metric[0].Gauge.GetValue() < 0 {
			t.Fatalf("oldest age %v", mf.Metric[0].Gauge.GetValue())
		}
	}

	// A store that is gone fails the scrape instead of reporting zeros.
	s.Close()
	if _, err := reg.Gather(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("scrape of a closed store: %v", err)
	}
}

func TestObserver(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	o.Enqueued("q", "a")
	o.Enqueued("q", "a")
	o.Started("q", "a")
	o.Started("q", "a")
	o.Finished("q", "a", metrics.Failed, 20*time.Millisecond)
	o.Retrying("q", "a")
	o.Finished("q", "a", metrics.Succeeded, 2*time.Second)
	o.Started("q", "a")
	o.Finished("q", "a", metrics.Failed, time.Millisecond)
	o.DeadLettered("q", "a")
	want := `
# HELP spindle_jobs_dead_lettered_total Jobs that failed their last attempt (or could not run) and were dead-lettered.
# TYPE spindle_jobs_dead_lettered_total counter
spindle_jobs_dead_lettered_total{name="a",queue="q"} 1
# HELP spindle_jobs_enqueued_total Jobs enqueued by this process.
# TYPE spindle_jobs_enqueued_total counter
spindle_jobs_enqueued_total{name="a",queue="q"} 2
# HELP spindle_jobs_failed_total Attempts that ended in an error (retried or not).
# TYPE spindle_jobs_failed_total counter
spindle_jobs_failed_total{name="a",queue="q"} 2
# HELP spindle_jobs_in_flight Attempts running in this process now.
# TYPE spindle_jobs_in_flight gauge
spindle_jobs_in_flight{name="a",queue="q"} 0
# HELP spindle_jobs_processed_total Attempts this process's workers finished, whatever the outcome.
# TYPE spindle_jobs_processed_total counter
spindle_jobs_processed_total{name="a",queue="q"} 3
# HELP spindle_jobs_retried_total Failed attempts that will be tried again.
# TYPE spindle_jobs_retried_total counter
spindle_jobs_retried_total{name="a",queue="q"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"spindle_jobs_dead_lettered_total", "spindle_jobs_enqueued_total", "spindle_jobs_failed_total",
		"spindle_jobs_in_flight", "spindle_jobs_processed_total", "spindle_jobs_retried_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "spindle_job_duration_seconds"); n != 2 { // failed and succeeded series
		t.Fatalf("duration series: %d", n)
	}
	// A second observer on the same registry is a conflict, reported.
	if _, err := metrics.NewObserver(reg); err == nil {
		t.Fatal("second observer on one registry: no error")
	} else {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			t.Fatalf("second observer: %v", err)
		}
	}
}

func TestRegister(t *testing.T) {
	s := memory.New()
	defer s.Close()
	c, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.Register(c, reg)
	if err != nil || o == nil {
		t.Fatalf("Register: %v", err)
	}
	o.Enqueued("q", "n")
	if n, err := testutil.GatherAndCount(reg, "spindle_jobs_enqueued_total", "spindle_oldest_queued_job_age_seconds"); err != nil || n != 2 {
		t.Fatalf("after Register: %d series, %v", n, err)
	}
	if _, err := metrics.Register(c, reg); err == nil {
		t.Fatal("second Register on one registry: no error")
	}
}
