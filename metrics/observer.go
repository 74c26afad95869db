package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcome is how one attempt of a job ended, for [Observer.Finished].
type Outcome string

const (
	// Succeeded: the handler returned a result.
	Succeeded Outcome = "succeeded"
	// Failed: the handler returned an error (or panicked, or timed out).
	Failed Outcome = "failed"
	// Canceled: the attempt was revoked or given back at shutdown; it is
	// neither a success nor a failure of the job's code.
	Canceled Outcome = "canceled"
)

// DefaultBuckets are the duration histogram's buckets, in seconds: from
// a millisecond (in-process work) to ten minutes (batch jobs).
var DefaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// BatchBuckets are the buckets of the enqueue batch size histogram: calls
// per store write, in powers of two up to the most a write carries.
var BatchBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000}

// Observer counts job lifecycle events of one process: enqueues by its
// producers, attempts run by its workers. Feed it with [Observe] (or
// [Observer.Event]) from a jobs.Client's events, or call the methods
// named after the lifecycle moments from any other source. Each call is
// cheap (a few atomic adds, a map update for Event), never blocks and is
// safe for concurrent use. Series are labelled by queue and job name:
// both come from code, not from users, so their number stays bounded.
type Observer struct {
	enqueued  *prometheus.CounterVec
	processed *prometheus.CounterVec
	failed    *prometheus.CounterVec
	retried   *prometheus.CounterVec
	dead      *prometheus.CounterVec
	revoked   *prometheus.CounterVec
	expired   *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	inFlight  *prometheus.GaugeVec
	noWorker  *prometheus.GaugeVec
	batch     prometheus.Histogram

	// running holds the attempts Event counted as started, by job ID, so
	// an attempt's end decrements in-flight only once and only for an
	// attempt it saw start.
	mu      sync.Mutex
	running map[string]attempt
}

// NewObserver returns an observer whose metrics are registered with reg
// (prometheus.DefaultRegisterer when nil). It reports a registration
// conflict, such as a second observer on one registry.
func NewObserver(reg prometheus.Registerer) (*Observer, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	l := []string{"queue", "name"}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, l)
	}
	o := &Observer{
		enqueued:  counter("spindle_jobs_enqueued_total", "Jobs enqueued by this process."),
		processed: counter("spindle_jobs_processed_total", "Attempts this process's workers finished, whatever the outcome."),
		failed:    counter("spindle_jobs_failed_total", "Attempts that ended in an error (retried or not)."),
		retried:   counter("spindle_jobs_retried_total", "Failed attempts that will be tried again."),
		dead:      counter("spindle_jobs_dead_lettered_total", "Jobs that failed their last attempt (or could not run) and were dead-lettered."),
		revoked:   counter("spindle_jobs_revoked_total", "Jobs this process revoked, or whose attempt it stopped or skipped because they were revoked."),
		expired:   counter("spindle_jobs_expired_total", "Jobs this process's workers found expired before they started."),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "spindle_job_duration_seconds",
			Help: "How long attempts ran, by outcome.", Buckets: DefaultBuckets}, append(l, "outcome")),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "spindle_jobs_in_flight",
			Help: "Attempts running in this process now."}, l),
		noWorker: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "spindle_jobs_without_worker",
			Help: "Ready jobs no running worker on their queue knows the name of (it has no definition for it), as this process's workers last counted them."}, l),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "spindle_enqueue_batch_size",
			Help:    "Enqueue calls that shared one store write (group commit); 1 for a call written alone.",
			Buckets: BatchBuckets}),
		running: make(map[string]attempt),
	}
	for _, c := range []prometheus.Collector{o.enqueued, o.processed, o.failed, o.retried, o.dead, o.revoked, o.expired, o.duration, o.inFlight, o.noWorker, o.batch} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Enqueued counts one job stored for queue and name.
func (o *Observer) Enqueued(queue, name string) { o.enqueued.WithLabelValues(queue, name).Inc() }

// Started counts one attempt in flight until its Finished.
func (o *Observer) Started(queue, name string) { o.inFlight.WithLabelValues(queue, name).Inc() }

// Finished ends an attempt that Started counted: it is no longer in
// flight, it counts as processed (and as failed for [Failed]), and d is
// added to the duration histogram under its outcome.
func (o *Observer) Finished(queue, name string, outcome Outcome, d time.Duration) {
	o.inFlight.WithLabelValues(queue, name).Dec()
	o.count(queue, name, outcome, d)
}

// count records an ended attempt without touching in-flight.
func (o *Observer) count(queue, name string, outcome Outcome, d time.Duration) {
	o.processed.WithLabelValues(queue, name).Inc()
	if outcome == Failed {
		o.failed.WithLabelValues(queue, name).Inc()
	}
	o.duration.WithLabelValues(queue, name, string(outcome)).Observe(max(d, 0).Seconds())
}

// Retrying counts a failed job that will be tried again.
func (o *Observer) Retrying(queue, name string) { o.retried.WithLabelValues(queue, name).Inc() }

// DeadLettered counts a job that failed its last attempt.
func (o *Observer) DeadLettered(queue, name string) { o.dead.WithLabelValues(queue, name).Inc() }

// Revoked counts a job that was revoked: by this process, or by its
// workers when they stopped or skipped it.
func (o *Observer) Revoked(queue, name string) { o.revoked.WithLabelValues(queue, name).Inc() }

// EnqueueBatch records one store write that carried the enqueues of
// size calls (see jobs.Client.SubscribeBatches) in the histogram
// spindle_enqueue_batch_size. It is safe for concurrent use and never
// blocks.
func (o *Observer) EnqueueBatch(size int) { o.batch.Observe(float64(size)) }

// Expired counts a job that expired before it started.
func (o *Observer) Expired(queue, name string) { o.expired.WithLabelValues(queue, name).Inc() }

// WithoutWorker records that n ready jobs of name wait in queue with no
// running worker that knows name; n = 0 (a worker that knows it runs
// again, or the jobs are gone) removes the series. [Observer.Event] calls
// it for jobs.EventNoWorker. It is cheap, never blocks and is safe for
// concurrent use.
func (o *Observer) WithoutWorker(queue, name string, n int) {
	if n <= 0 {
		o.noWorker.DeleteLabelValues(queue, name)
		return
	}
	o.noWorker.WithLabelValues(queue, name).Set(float64(n))
}
