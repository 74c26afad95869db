package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/metrics"
)

// TestEventNoWorker: the gauge follows the workers' count of jobs no
// running worker knows, and its series goes once they are known again.
func TestEventNoWorker(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	o, err := metrics.NewObserver(reg)
	if err != nil {
		t.Fatal(err)
	}
	o.Event(jobs.Event{Kind: jobs.EventNoWorker, Name: "y", Queue: "q", Waiting: 3})
	o.Event(jobs.Event{Kind: jobs.EventNoWorker, Name: "z", Queue: "q", Waiting: 1})
	o.Event(jobs.Event{Kind: jobs.EventNoWorker, Name: "y", Queue: "q", Waiting: 5})
	if got := counter(t, reg, "spindle_jobs_without_worker", "q", "y"); got != 5 {
		t.Fatalf("spindle_jobs_without_worker{q,y} = %v, want 5 (the last count)", got)
	}
	o.Event(jobs.Event{Kind: jobs.EventNoWorker, Name: "y", Queue: "q"})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "spindle_jobs_without_worker" && len(mf.Metric) != 1 {
			t.Fatalf("%d spindle_jobs_without_worker series after a worker knows y; want 1 (z's)", len(mf.Metric))
		}
	}
	if got := counter(t, reg, "spindle_jobs_without_worker", "q", "z"); got != 1 {
		t.Fatalf("spindle_jobs_without_worker{q,z} = %v, want 1", got)
	}
}
