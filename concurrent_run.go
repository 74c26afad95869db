package spindle

import (
	"context"
	"iter"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// One iteration of Concurrent involves three kinds of goroutine:
//
//   - the feeder ranges over the source and admits each unit it pulls; it
//     is the only goroutine that touches the source, so a source that
//     blocks holds up nothing but new starts;
//   - at most limit workers, started when queued units outnumber awake
//     workers not running one, each running units one after another; a
//     worker that finds the queue empty yields the processor once (the
//     feeder often queues the next unit meanwhile) and then parks on
//     workWake until admit hands it a unit, and exits once the source has
//     ended or the iteration is over, so short units cost neither a
//     goroutine start nor a wake-up each;
//   - the consumer, the goroutine ranging over the iterator, which takes
//     the finished results a batch at a time and yields them.
//
// Two bounds hold the work. At most limit workers exist, so at most limit
// units run, and a unit's slot frees when it returns, so the workers never
// wait on the consumer. And the feeder pulls the next unit only while
// fewer than 4*limit units are admitted and not yet yielded, which bounds
// queued units, finished results waiting for a slow consumer and the
// reorder window together by 4*limit. Queued units are what lets a worker
// that frees its slot start the next unit at once: when many units finish
// together (units of the same length started together), up to limit are
// ready for them, instead of each waiting for the feeder to pull one. The
// consumer counts yielded units in an atomic that the feeder compares with
// its own count of admitted units, so yielding costs one atomic store and
// one load; the feeder parks on a channel only when it has no room.
// Everything else is under mu, held for a few instructions at a time and
// never while blocking.

// concWindowFactor times the limit is the window: how many units may be
// admitted and not yet yielded. Twice the limit left the workers short of
// queued units when many finished at once; four times brought L1c level
// with the best worker pool (docs/benchmarks.md).
const concWindowFactor = 4

// concBurstBusy is the fewest running units at which the consumer, woken
// with fewer results than units running, yields the processor once before
// it takes them, so that a burst's workers file their results first: it
// brought L1c (limit 100) closer to the ideal (docs/benchmarks.md); with
// a few units running (L1b, limit 8) the wait cost more than the
// wake-ups it saved.
const concBurstBusy = 16

type concSource[T any] func(r *concRun[T]) error

type concItem[T any] struct {
	idx int
	fn  func(context.Context) (T, error)
}

type concResult[T any] struct {
	idx int
	v   T
	err error
}

const (
	concAttnFeeder uint32 = 1 << iota // the feeder waits for room
	concAttnFailed                    // the source failed
)

type concRun[T any] struct {
	ctx         context.Context // the units' context
	cancel      context.CancelCauseFunc
	limit       int64
	window      int64 // most units admitted and not yet yielded: 4*limit
	yieldErrors bool
	stopCh      chan struct{} // closed when the iteration ends
	halted      atomic.Bool   // set when the iteration ends or a unit failed, for the feeder

	consumed     atomic.Int64  // results yielded; written by the consumer only
	resumeAt     atomic.Int64  // the consumed count the parked feeder waits for
	attn         atomic.Uint32 // concAttn bits for the consumer to look at
	feederWake   chan struct{} // capacity 1
	consumerWake chan struct{} // capacity 1
	workWake     chan struct{} // unbuffered: one send per parked worker woken

	// Owned by the feeder.
	pulled   int   // units the source has produced
	admitted int64 // units queued to run (or reported, if nil)

	mu              sync.Mutex
	queue           concRing[concItem[T]]
	results         []concResult[T] // finished, not yet taken by the consumer
	total           int             // units admitted, for the consumer's end check
	workers         int             // live worker goroutines
	busy            int             // workers running a unit
	idle            int             // workers parked on workWake, not yet sent a wake-up
	consumerWaiting bool
	sourceEnded     bool
	failIdx         int   // the earliest failed unit that ends the iteration, or -1
	failed          error // a *ConcurrentIteratorError
	stopped         bool
	exited          chan struct{} // closed by the last worker after stop
}

func concIterate[T any](ctx context.Context, src concSource[T], opts []ConcurrentOption) iter.Seq2[T, error] {
	cfg, cfgErr := concNewConfig(opts)
	return func(yield func(T, error) bool) {
		var zero T
		switch {
		case cfgErr != nil:
			yield(zero, cfgErr)
			return
		case src == nil:
			yield(zero, &ConcurrentIteratorError{Err: errConcNilSource})
			return
		case ctx.Err() != nil:
			yield(zero, interrupted(ctx, nil))
			return
		}
		r := &concRun[T]{
			limit:        int64(cfg.limit),
			window:       concWindowFactor * int64(cfg.limit),
			yieldErrors:  cfg.yieldErrors,
			failIdx:      -1,
			stopCh:       make(chan struct{}),
			feederWake:   make(chan struct{}, 1),
			consumerWake: make(chan struct{}, 1),
			workWake:     make(chan struct{}),
		}
		if cfg.limit < 0 {
			r.limit, r.window = math.MaxInt64, math.MaxInt64
		}
		r.ctx, r.cancel = context.WithCancelCause(ctx)
		// The consumer parks on one channel; the end of ctx wakes it there.
		unwatch := context.AfterFunc(ctx, r.wakeConsumer)
		// Deferred so that a loop body that panics or calls runtime.Goexit
		// still cancels and awaits the units. A stop that already happened
		// keeps its own cause.
		defer func() {
			unwatch()
			r.stop(ErrConcurrentStopped)
			r.wait()
		}()
		go r.feed(src)
		c := concConsumer[T]{r: r, ctx: ctx, yield: yield, yieldErrors: cfg.yieldErrors, ordered: cfg.ordered}
		c.run()
	}
}

// feed runs on its own goroutine and ranges over the source.
func (r *concRun[T]) feed(src concSource[T]) {
	normal := false
	defer func() {
		if normal {
			return
		}
		var err error = ErrGoexit
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
		r.sourceDone(&ConcurrentIteratorError{Index: r.pulled, Err: err})
	}()
	err := src(r)
	normal = true
	if err != nil {
		err = &ConcurrentIteratorError{Index: r.pulled, Err: err}
	}
	r.sourceDone(err)
}

// admit is called by the source for each unit, on the feeder. It queues
// the unit, then waits for room to take the next one from the source; false
// means the iteration is over (or a unit failed and it soon will be).
func (r *concRun[T]) admit(fn func(context.Context) (T, error)) bool {
	idx := r.pulled
	r.pulled++
	r.mu.Lock()
	if r.stopped || r.failIdx >= 0 {
		r.mu.Unlock()
		return false
	}
	r.total++
	r.admitted++
	spawn, wake := false, false
	if fn == nil {
		r.finishLocked(concResult[T]{idx: idx, err: &ConcurrentError{Index: idx, Err: errConcNilUnit}})
	} else {
		r.queue.push(concItem[T]{idx: idx, fn: fn})
		// Every queued unit needs a worker that is awake and not running
		// one: a parked one if there is one, else a new one, up to limit
		// workers; units queued beyond them wait for the first workers
		// that finish.
		if r.queue.n > r.workers-r.busy-r.idle {
			if r.idle > 0 {
				r.idle--
				wake = true
			} else if int64(r.workers) < r.limit {
				r.workers++
				spawn = true
			}
		}
	}
	r.mu.Unlock()
	if wake {
		r.workWake <- struct{}{} // the worker is parked or about to be
	} else if spawn {
		go r.work()
	}
	for !r.room() {
		if !r.waitRoom() {
			return false
		}
	}
	return true
}

// room reports whether the feeder may pull another unit: fewer than window
// are admitted and not yet yielded.
func (r *concRun[T]) room() bool {
	return r.admitted-r.consumed.Load() < r.window
}

// waitRoom parks the feeder until the consumer has made room for a batch
// of units (a quarter of the window), or the iteration ends. Waking it for
// every yielded result would cost two goroutine switches per unit; a
// batch keeps the queue from running dry while the feeder sleeps, since
// the window is four times the limit. The resume point is stored, then the flag
// raised, then the count looked at again; the consumer stores its count
// before it looks at the flag and the resume point, so one of the two
// always sees the other (the atomics are sequentially consistent).
// Parking on one channel is cheaper than a select.
func (r *concRun[T]) waitRoom() bool {
	resume := r.admitted - r.window + max(1, r.window/4)
	r.resumeAt.Store(resume)
	r.attn.Or(concAttnFeeder)
	if r.consumed.Load() >= resume {
		r.attn.And(^concAttnFeeder)
		return !r.halted.Load()
	}
	<-r.feederWake // sent by the consumer, a failure or stop
	return !r.halted.Load()
}

// wakeFeeder wakes the feeder if it waits for room and consumed reaches
// the point it waits for.
func (r *concRun[T]) wakeFeeder(consumed int64) {
	if r.attn.Load()&concAttnFeeder != 0 && consumed >= r.resumeAt.Load() && r.attn.And(^concAttnFeeder)&concAttnFeeder != 0 {
		r.sendFeederWake()
	}
}

func (r *concRun[T]) sendFeederWake() {
	select {
	case r.feederWake <- struct{}{}:
	default:
	}
}

// finishLocked files the result of an admitted unit for the consumer. A
// failure that will end the iteration stops the
// feeder and the start of any later unit: nothing after it will be yielded.
func (r *concRun[T]) finishLocked(res concResult[T]) {
	r.results = append(r.results, res)
	r.wakeConsumerLocked()
	if res.err != nil && !r.yieldErrors && (r.failIdx < 0 || res.idx < r.failIdx) {
		r.failIdx = res.idx
		r.halted.Store(true)
		r.sendFeederWake()
	}
}

func (r *concRun[T]) sourceDone(err error) {
	r.mu.Lock()
	if err != nil {
		r.failed = err
		r.attn.Or(concAttnFailed)
	} else {
		r.sourceEnded = true
	}
	r.wakeConsumerLocked()
	idle := r.takeIdleLocked()
	r.mu.Unlock()
	r.wakeWorkers(idle)
}

// takeIdleLocked claims every parked worker, for wakeWorkers to wake once
// no unit will be queued any more, so that they exit.
func (r *concRun[T]) takeIdleLocked() int {
	n := r.idle
	r.idle = 0
	return n
}

func (r *concRun[T]) wakeWorkers(n int) {
	for range n {
		r.workWake <- struct{}{}
	}
}

func (r *concRun[T]) wakeConsumer() {
	r.mu.Lock()
	r.wakeConsumerLocked()
	r.mu.Unlock()
}

func (r *concRun[T]) wakeConsumerLocked() {
	if r.consumerWaiting {
		r.consumerWaiting = false
		select {
		case r.consumerWake <- struct{}{}:
		default:
		}
	}
}

// work runs queued units until the source has ended and none is left, or
// the iteration is over.
func (r *concRun[T]) work() {
	var it concItem[T]
	running, yielded := false, false
	defer func() {
		// Panics are recovered in call, so only runtime.Goexit in a unit
		// gets here with running set.
		if running {
			r.goexited(it)
		}
	}()
	r.mu.Lock()
	for {
		ok := false
		if !r.stopped {
			it, ok = r.queue.pop()
			// Under a failure only earlier units can still be yielded (in
			// source order); the queue is in source order.
			if ok && r.failIdx >= 0 && it.idx > r.failIdx {
				r.queue.clear()
				ok = false
			}
		}
		if !ok {
			// While the source may queue more, park rather than exit: with
			// short units the queue empties often, and waking a parked
			// worker is cheaper than starting one.
			if !r.stopped && !r.sourceEnded && r.failed == nil && r.failIdx < 0 {
				if !yielded {
					yielded = true
					r.mu.Unlock()
					runtime.Gosched()
					r.mu.Lock()
					continue
				}
				r.idle++
				r.mu.Unlock()
				<-r.workWake // sent by admit, sourceDone or stop
				r.mu.Lock()
				continue
			}
			r.exitLocked()
			r.mu.Unlock()
			return
		}
		yielded = false
		r.busy++
		r.mu.Unlock()
		// Look at ctx again: it may have ended while the unit was queued.
		// The consumer is then ending the iteration and waits for no result.
		started := r.ctx.Err() == nil
		var res concResult[T]
		if started {
			running = true
			res = r.call(it)
			running = false
		}
		r.mu.Lock()
		r.busy--
		if started && !r.stopped {
			r.finishLocked(res)
		}
	}
}

func (r *concRun[T]) exitLocked() {
	r.workers--
	if r.workers == 0 && r.exited != nil {
		close(r.exited)
	}
}

// goexited reports a unit that called runtime.Goexit. Its worker goroutine
// is ending, so a new one takes its place if units are queued.
func (r *concRun[T]) goexited(it concItem[T]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy--
	if r.stopped {
		r.exitLocked()
		return
	}
	r.finishLocked(concResult[T]{idx: it.idx, err: &ConcurrentExecutionError{Index: it.idx, Err: ErrGoexit}})
	if r.queue.n > 0 {
		go r.work()
		return
	}
	r.exitLocked()
}

// call runs one unit and wraps its failure.
func (r *concRun[T]) call(it concItem[T]) (res concResult[T]) {
	res.idx = it.idx
	defer func() {
		if p := recover(); p != nil {
			var zero T
			res.v = zero
			res.err = &ConcurrentExecutionError{Index: it.idx, Err: &PanicError{Value: p, Stack: debug.Stack()}}
		}
	}()
	res.v, res.err = it.fn(r.ctx)
	if res.err != nil {
		res.err = &ConcurrentExecutionError{Index: it.idx, Err: settleErr(r.ctx, res.err)}
	}
	return res
}

// stop ends the iteration: no more pulls or starts, running units are
// cancelled with cause. Only the first call has an effect.
func (r *concRun[T]) stop(cause error) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	r.halted.Store(true)
	close(r.stopCh)
	r.sendFeederWake()
	r.queue.clear()
	clear(r.results)
	r.results = r.results[:0]
	if r.workers > 0 {
		r.exited = make(chan struct{})
	}
	idle := r.takeIdleLocked()
	r.mu.Unlock()
	r.wakeWorkers(idle)
	r.cancel(cause)
}

// wait returns once every worker has exited, after stop.
func (r *concRun[T]) wait() {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	if exited != nil {
		<-exited
	}
}

// concConsumer is the state of the goroutine ranging over the iterator.
type concConsumer[T any] struct {
	r           *concRun[T]
	ctx         context.Context
	yield       func(T, error) bool
	yieldErrors bool
	ordered     bool
	consumed    int64
	window      concWindow[T]
}

func (c *concConsumer[T]) run() {
	r := c.r
	var batch []concResult[T]
	woke := false
	for {
		r.mu.Lock()
		if woke && r.busy >= concBurstBusy && len(r.results) < r.busy {
			// Many units run, so results come in bursts (units of one
			// length started together end together). Letting the workers
			// that are ready run first files the rest of the burst while
			// the consumer is awake, one wake-up for many results instead
			// of one each.
			woke = false
			r.mu.Unlock()
			runtime.Gosched()
			continue
		}
		woke = false
		if r.failed != nil {
			err := r.failed
			r.mu.Unlock()
			c.end(err, err)
			return
		}
		if len(r.results) == 0 {
			if r.sourceEnded && int64(r.total) == c.consumed {
				r.mu.Unlock()
				return
			}
			// ctx.Err is set before the AfterFunc runs and the AfterFunc
			// takes mu, so looking here cannot miss a wake-up.
			if c.ctx.Err() != nil {
				r.mu.Unlock()
				c.end(context.Cause(c.ctx), interrupted(c.ctx, nil))
				return
			}
			r.consumerWaiting = true
			r.mu.Unlock()
			<-r.consumerWake
			woke = true
			continue
		}
		batch, r.results = r.results, batch[:0]
		r.mu.Unlock()
		for i := range batch {
			if !c.take(&batch[i]) {
				return
			}
			if r.attn.Load()&concAttnFailed != 0 {
				break
			}
		}
		clear(batch)
	}
}

// take yields one finished result, or files it in the reorder window and
// yields whatever is now in order. False means the iteration is over.
func (c *concConsumer[T]) take(res *concResult[T]) bool {
	if !c.ordered {
		return c.yieldOne(res)
	}
	c.window.put(*res)
	for {
		next, ok := c.window.pop()
		if !ok {
			return true
		}
		if !c.yieldOne(&next) {
			return false
		}
	}
}

func (c *concConsumer[T]) yieldOne(res *concResult[T]) bool {
	if c.ctx.Err() != nil {
		c.end(context.Cause(c.ctx), interrupted(c.ctx, nil))
		return false
	}
	if res.err != nil && !c.yieldErrors {
		c.end(res.err, res.err)
		return false
	}
	if !c.yield(res.v, res.err) {
		return false
	}
	c.consumed++
	c.r.consumed.Store(c.consumed)
	c.r.wakeFeeder(c.consumed)
	return true
}

// end stops the units with cause and yields err as the last element.
func (c *concConsumer[T]) end(cause, err error) {
	c.r.stop(cause)
	var zero T
	c.yield(zero, err)
}
