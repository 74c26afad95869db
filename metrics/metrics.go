// Package metrics exposes Spindle's job queues to Prometheus.
//
// Two sources feed it:
//
//   - [NewQueueCollector] reads the store's inspector at scrape time: jobs
//     per queue and state, paused queues, the age of the oldest waiting
//     job. Any process with a client can serve it (the dashboard does).
//   - [Observer] counts what happens in one process's workers and
//     producers: jobs enqueued, attempts processed, failed, retried,
//     dead-lettered, revoked, expired, their durations, jobs in flight,
//     and ready jobs whose name no running worker knows. [Observe] feeds it from a jobs.Client's events;
//     [Instrument] makes one and feeds it in one call.
//
// Serve either with [Handler] (the default registry) or promhttp on a
// registry of your own; [ListenAndServe] serves one at /metrics with the
// dashboard's rule for addresses (loopback, or a token). Metric names
// start with "spindle_".
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spindlehq/spindle/jobs"
)

// Handler serves the metrics of prometheus.DefaultGatherer, where
// [Register] puts Spindle's by default, in the Prometheus text format.
// It is safe for concurrent use.
func Handler() http.Handler { return promhttp.Handler() }

// HandlerFor serves the metrics of one gatherer (a *prometheus.Registry),
// for a process that keeps Spindle's metrics apart from the default
// registry. It is safe for concurrent use.
func HandlerFor(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// NewRegistry returns an empty registry, for [HandlerFor].
func NewRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// Register registers, with reg (prometheus.DefaultRegisterer when nil),
// a [QueueCollector] over c's store and a new [Observer], and returns the
// observer; feed it with [Observe]. Call it once per process; a second
// call reports the registry's conflict. Serve the result with [Handler]
// (or [HandlerFor] on your own registry). A process that serves queue
// depth elsewhere (the dashboard does) needs only [Instrument].
func Register(c *jobs.Client, reg prometheus.Registerer) (*Observer, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	if err := reg.Register(NewQueueCollector(c.Inspect())); err != nil {
		return nil, err
	}
	return NewObserver(reg)
}
