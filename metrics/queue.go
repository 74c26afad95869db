package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	queueJobsDesc = prometheus.NewDesc("spindle_queue_jobs",
		"Jobs in the store, per queue and state, read at scrape time.", []string{"queue", "state"}, nil)
	queuePausedDesc = prometheus.NewDesc("spindle_queue_paused",
		"1 if the queue is paused (workers claim none of its jobs), else 0.", []string{"queue"}, nil)
	oldestDesc = prometheus.NewDesc("spindle_oldest_queued_job_age_seconds",
		"Seconds since the oldest job that waits in any queue was enqueued; 0 when none waits.", nil, nil)
)

// QueueCollector reports queue depth by reading the store when Prometheus
// scrapes: every series is current, and a process that runs no worker
// can serve it. Each scrape costs the store's Queues and Stats reads.
// It is safe for concurrent use; a store error fails the scrape (the
// metrics are reported invalid) rather than reporting stale numbers.
type QueueCollector struct {
	in  *jobs.Inspector
	now func() time.Time
}

// NewQueueCollector returns a collector over the inspector's store.
func NewQueueCollector(in *jobs.Inspector) *QueueCollector {
	return &QueueCollector{in: in, now: time.Now}
}

// Describe implements prometheus.Collector.
func (q *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueJobsDesc
	ch <- queuePausedDesc
	ch <- oldestDesc
}

// Collect implements prometheus.Collector: it reads the store with a 5 s
// bound.
func (q *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	qs, err := q.in.Queues(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueJobsDesc, err)
		return
	}
	for _, qi := range qs {
		for _, s := range store.States {
			ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, float64(qi.Counts[s]), qi.Name, string(s))
		}
		paused := 0.0
		if qi.Paused {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(queuePausedDesc, prometheus.GaugeValue, paused, qi.Name)
	}
	st, err := q.in.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(oldestDesc, err)
		return
	}
	age := 0.0
	if !st.Oldest.IsZero() {
		age = q.now().Sub(st.Oldest).Seconds()
		if age < 0 {
			age = 0
		}
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
