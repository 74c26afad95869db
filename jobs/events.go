package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind names a moment in a job's life; see [Event].
type EventKind string

// The kinds of [Event]. Each is emitted in the process where the
// transition happens: Enqueued by the client that enqueued, Revoked by
// the client that revoked a waiting job or by the worker that stopped a
// running one, the rest by the worker that ran (or skipped) the job. A
// transition no worker made (a waiting job past its deadline, or a job
// whose worker stopped or lost contact mid-attempt) is emitted by the
// worker whose recovery sweep found it, within about
// [WorkerOptions.RecoverInterval]: Expired, or Failed then Retrying or
// DeadLettered with an Err matching [ErrLeaseExpired].
const (
	EventEnqueued     EventKind = "enqueued"      // stored; not for duplicates
	EventStarted      EventKind = "started"       // the handler is about to run
	EventSucceeded    EventKind = "succeeded"     // Duration is the handler's run time
	EventFailed       EventKind = "failed"        // an attempt failed (Err); Retrying or DeadLettered follows
	EventRetrying     EventKind = "retrying"      // will run again; At is when
	EventRevoked      EventKind = "revoked"       // ended Canceled: revoked by ID or name, skipped by its lock policy, or a workflow dependency failed (Err says which)
	EventExpired      EventKind = "expired"       // not started before its expiry
	EventLocked       EventKind = "locked"        // its lock was held elsewhere: deferred, or skipped (then Revoked follows)
	EventDeadLettered EventKind = "dead-lettered" // no attempts left, a permanent error, or a payload that cannot run (bad arguments, bad signature)
	// EventNoWorker is about a name, not one job (JobID is empty): jobs
	// of Name wait in Queue and no running worker that takes from Queue
	// knows Name, so none will claim them. Each worker emits it from its
	// periodic check (every [WorkerOptions.RecoverInterval]) for the
	// queues it takes from, with Waiting the number of such jobs (counted
	// among the first store.ReadyNamesScan of the queue), while it lasts;
	// once a worker that knows Name runs again or the jobs are gone, one
	// last event says so with Waiting 0.
	EventNoWorker EventKind = "no-worker"
)

// Event is one moment in a job's life, delivered to subscribers (see
// [Client.Subscribe]). Events are values; a subscriber may keep them.
type Event struct {
	Kind     EventKind
	JobID    string
	Name     string
	Queue    string
	Attempt  int           // the attempt it concerns; 0 before the first
	Err      error         // with Failed, Retrying, DeadLettered, Revoked, Expired, Locked
	Duration time.Duration // with Succeeded and Failed: the handler's run time
	At       time.Time     // when it happened; with Retrying, when the next attempt is due; with Locked, when the job tries again
	Waiting  int           // with NoWorker: how many jobs of Name wait in Queue with no worker that knows Name; 0 once one does
}

// Subscribe calls fn for every event the client and the workers built on
// it emit from now on, until stop is called or the client closes.
//
// Delivery contract: each subscription has its own goroutine that calls
// fn with one event at a time, in the order the events were emitted in
// this process. The enqueuer and the worker emit from different
// goroutines, so a job a worker picks up at once can report started (even
// succeeded) before its enqueued event; order by Kind, not arrival, when
// it matters. Emitting never blocks and never drops: events wait in an
// unbounded queue per subscription, so a slow fn delays only its own
// deliveries (and holds their memory) and never slows jobs. stop stops
// new events from being queued, waits until fn has been called for every
// event queued before it, and returns; it must not be called from fn
// (it would wait for itself). Client.Close does the same for every
// subscription. A panic in fn is recovered and logged with slog.Default,
// and delivery goes on with the next event. Subscribe is safe for
// concurrent use; after Close it returns a stop that does nothing.
func (c *Client) Subscribe(fn func(Event)) (stop func()) {
	if fn == nil {
		return func() {}
	}
	return c.subscribe(&subscriber{fn: fn})
}

// SubscribeBatches calls fn with the size of each store write the
// client makes for enqueues: how many calls (Enqueue, Map, a workflow,
// a cron tick's insert) shared it. Concurrent enqueues share writes (see
// [Definition.Enqueue]), so the sizes show how much they do; a lone
// call's write has size 1. fn is called after each write that succeeded,
// with the delivery contract of [Client.Subscribe]: its own goroutine,
// in order, never blocking the writes, and stop (or Close) returning
// once the sizes reported before it are delivered. Safe for concurrent
// use; after Close it returns a stop that does nothing.
func (c *Client) SubscribeBatches(fn func(size int)) (stop func()) {
	if fn == nil {
		return func() {}
	}
	return c.subscribe(&subscriber{fn: func(e Event) { fn(e.Attempt) }, batches: true})
}

// eventBatch is the internal kind of the events SubscribeBatches
// delivers: Attempt carries the size.
const eventBatch EventKind = "enqueue-batch"

func (c *Client) subscribe(s *subscriber) (stop func()) {
	s.wake, s.done = make(chan struct{}, 1), make(chan struct{})
	c.bus.mu.Lock()
	if c.bus.subs == nil {
		c.bus.subs = make(map[*subscriber]struct{})
	}
	c.bus.subs[s] = struct{}{}
	c.bus.count()
	c.bus.mu.Unlock()
	if !c.goWatch(s.deliver) {
		c.bus.remove(s)
		return func() {}
	}
	return func() {
		c.bus.remove(s)
		s.close()
		<-s.done
	}
}

// eventBus fans events out to subscriptions: job events to those of
// Subscribe, write sizes to those of SubscribeBatches. With none,
// emitting is one atomic load.
type eventBus struct {
	n, nb atomic.Int32 // subscriptions to job events, to write sizes
	mu    sync.Mutex
	subs  map[*subscriber]struct{}
}

func (b *eventBus) remove(s *subscriber) {
	b.mu.Lock()
	delete(b.subs, s)
	b.count()
	b.mu.Unlock()
}

// count updates n and nb; the caller holds b.mu.
func (b *eventBus) count() {
	var n, nb int32
	for s := range b.subs {
		if s.batches {
			nb++
		} else {
			n++
		}
	}
	b.n.Store(n)
	b.nb.Store(nb)
}

// on reports whether anyone listens to job events; callers skip building
// events when not.
func (b *eventBus) on() bool { return b.n.Load() > 0 }

func (b *eventBus) emit(e Event) {
	batch := e.Kind == eventBatch
	if batch && b.nb.Load() == 0 || !batch && b.n.Load() == 0 {
		return
	}
	if e.At.IsZero() {
		e.At = now()
	}
	b.mu.Lock()
	for s := range b.subs {
		if s.batches == batch {
			s.push(e)
		}
	}
	b.mu.Unlock()
}

type subscriber struct {
	fn      func(Event)
	batches bool // SubscribeBatches: write sizes, not job events
	mu      sync.Mutex
	queue   []Event
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

func (s *subscriber) push(e Event) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliver runs in the subscription's goroutine until stop or Close, then
// delivers what was queued before and returns.
func (s *subscriber) deliver(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			s.close()
		}
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		closing := s.closing
		s.mu.Unlock()
		for _, e := range batch {
			s.call(e)
		}
		if closing {
			s.mu.Lock()
			rest := s.queue
			s.queue = nil
			s.mu.Unlock()
			for _, e := range rest {
				s.call(e)
			}
			return
		}
	}
}

func (s *subscriber) call(e Event) {
	defer func() {
		if v := recover(); v != nil {
			slog.Default().Error("jobs: event subscriber panicked", "event", e.Kind, "job", e.JobID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	s.fn(e)
}
