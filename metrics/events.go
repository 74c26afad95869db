package metrics

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spindlehq/spindle/jobs"
)

// attempt is one attempt Event saw start.
type attempt struct {
	queue, name string
	at          time.Time
}

// Observe feeds o with every event of c from now on (see
// jobs.Client.Subscribe): the enqueues of c and the attempts of every
// worker built on c, and the sizes of c's enqueue writes
// (jobs.Client.SubscribeBatches). It returns stop, which ends the
// subscriptions after the events already emitted are counted;
// Client.Close ends them too. Several clients may feed one observer.
//
// The in-flight gauge follows Started and the event that ends the
// attempt (Succeeded, Failed, or Revoked for a running job). An attempt
// that ends without an event (given back to its queue at shutdown after
// the grace period, or abandoned because the worker lost its lease)
// stays counted in flight until the same job starts again in this
// process, or until a worker's recovery sweep reports the lost attempt
// (a Failed event matching jobs.ErrLeaseExpired) in this process. Such
// an attempt counts as processed and failed; its duration, from the
// Started this observer saw to the sweep, goes into the histogram only
// when this observer saw it start, since the attempt's true end is
// unknown.
func Observe(c *jobs.Client, o *Observer) (stop func()) {
	stopEvents := c.Subscribe(o.Event)
	stopBatches := c.SubscribeBatches(o.EnqueueBatch)
	return func() {
		stopEvents()
		stopBatches()
	}
}

// Instrument registers a new [Observer] with reg
// (prometheus.DefaultRegisterer when nil) and feeds it from c's events
// until stop is called or c closes. With [Handler] it is what a worker
// process needs for its counters, durations and jobs in flight:
//
//	stop, err := metrics.Instrument(client, nil)
//	defer stop()
//	go metrics.ListenAndServe(ctx, "127.0.0.1:9090", "", metrics.Handler(), nil)
//
// Queue depth is read from the store instead ([NewQueueCollector], or
// [Register]); serve it from one process, not from every worker. stop
// returns once the events emitted before it are counted; it is safe to
// call more than once, and from any goroutine but the subscription's.
func Instrument(c *jobs.Client, reg prometheus.Registerer) (stop func(), err error) {
	o, err := NewObserver(reg)
	if err != nil {
		return func() {}, err
	}
	return Observe(c, o), nil
}

// Event counts one job event. Observe calls it for every event of a
// client; call it yourself to feed several clients through one
// subscription of your own. It is safe for concurrent use.
func (o *Observer) Event(e jobs.Event) {
	q, n := e.Queue, e.Name
	switch e.Kind {
	case jobs.EventEnqueued:
		o.Enqueued(q, n)
	case jobs.EventStarted:
		o.mu.Lock()
		prev, again := o.running[e.JobID]
		o.running[e.JobID] = attempt{queue: q, name: n, at: e.At}
		o.mu.Unlock()
		if again {
			// The attempt before ended without an event (see Observe).
			o.inFlight.WithLabelValues(prev.queue, prev.name).Dec()
		}
		o.Started(q, n)
	case jobs.EventSucceeded:
		o.ended(e, Succeeded, e.Duration)
	case jobs.EventFailed:
		if errors.Is(e.Err, jobs.ErrLeaseExpired) {
			o.lost(e)
			break
		}
		o.ended(e, Failed, e.Duration)
	case jobs.EventRetrying:
		o.Retrying(q, n)
	case jobs.EventDeadLettered:
		o.DeadLettered(q, n)
	case jobs.EventRevoked:
		o.Revoked(q, n)
		if a, ok := o.take(e.JobID); ok {
			// A running attempt was stopped: it ends here, canceled.
			o.inFlight.WithLabelValues(a.queue, a.name).Dec()
			o.count(q, n, Canceled, e.At.Sub(a.at))
		}
	case jobs.EventExpired:
		o.Expired(q, n)
	case jobs.EventNoWorker:
		o.WithoutWorker(q, n, e.Waiting)
	}
}

// ended records the end of an attempt; in-flight goes down only for an
// attempt this observer saw start.
func (o *Observer) ended(e jobs.Event, outcome Outcome, d time.Duration) {
	if a, ok := o.take(e.JobID); ok {
		o.inFlight.WithLabelValues(a.queue, a.name).Dec()
	}
	o.count(e.Queue, e.Name, outcome, d)
}

// lost records an attempt a recovery sweep found abandoned: failed, with
// a duration only when this observer saw it start.
func (o *Observer) lost(e jobs.Event) {
	if a, ok := o.take(e.JobID); ok {
		o.inFlight.WithLabelValues(a.queue, a.name).Dec()
		o.count(e.Queue, e.Name, Failed, e.At.Sub(a.at))
		return
	}
	o.processed.WithLabelValues(e.Queue, e.Name).Inc()
	o.failed.WithLabelValues(e.Queue, e.Name).Inc()
}

func (o *Observer) take(id string) (attempt, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.running[id]
	if ok {
		delete(o.running, id)
	}
	return a, ok
}
