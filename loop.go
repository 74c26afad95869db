package spindle

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrLoopRunning is returned by [Loop.RunForever] and [RunUntilComplete]
// when the loop is already running, in another goroutine or further up the
// calling goroutine's stack (a callback that tries to run its own loop).
var ErrLoopRunning = errors.New("spindle: loop is already running: a Loop runs in one goroutine at a time (RunForever or RunUntilComplete has not returned yet)")

// ErrLoopStopped is returned by [RunUntilComplete] when [Loop.Stop] ends the
// run before the awaited work is done.
var ErrLoopStopped = errors.New("spindle: loop stopped before the awaited work completed")

// Loop is a serial executor, the event loop of asyncio: callbacks handed to
// it with CallSoon, CallLater and CallAt run one at a time, on the goroutine
// that called [Loop.RunForever] or [RunUntilComplete], in the order they
// fall due; callbacks due at the same instant run in the order they were
// scheduled.
//
// That is the point of a Loop: state touched only from its callbacks needs
// no locks, because no two callbacks ever run at the same time, and
// scheduling a callback happens before it runs (so data handed over
// through the closure needs no synchronisation either). Any goroutine may
// schedule callbacks, cancel them and call Stop; CallSoon is how other
// goroutines hand work to the loop.
//
// Each pass of the loop first moves the calls whose time has come to the
// ready list, then runs the callbacks that were ready at the start of the
// pass; callbacks scheduled by those run in the next pass, so a callback
// that keeps rescheduling itself cannot starve timers. An idle loop parks
// on a channel and a time.Timer (no polling), so it costs nothing and works
// with testing/synctest's fake clock.
//
// A callback that panics stops the loop: the run returns a [*PanicError]
// holding the value and stack, and the callbacks not yet run stay
// scheduled, so the loop may be run again. A callback that calls
// runtime.Goexit ends the run with the goroutine that was running it.
//
// The zero Loop is ready to use, as is one from [NewLoop]. A Loop that is
// not running keeps its scheduled calls until it runs again; there is
// nothing to close. A Loop must not be copied after first use.
type Loop struct {
	mu       sync.Mutex
	ready    queueRing[*Call] // due now, in running order
	timers   loopTimers       // scheduled for later
	seq      uint64           // scheduling order of timers, ties broken by it
	running  bool
	stopping bool          // a Stop not yet honoured
	sleeping bool          // the running loop is parked and needs a token on wake
	wake     chan struct{} // capacity 1; made per run so a run inside a synctest bubble parks on a bubble channel

	// The pass under way: swapped with ready in one step (the two rings
	// trade buffers, so neither allocates once grown) and run without the
	// lock. Owned by the running goroutine; what a run leaves unrun (it
	// ended mid-pass) runs first in the next run.
	batch queueRing[*Call]
}

const (
	loopCallPending uint32 = iota
	loopCallStarted
	loopCallCanceled
)

// Call is the handle of a callback scheduled on a [Loop], asyncio's Handle
// and TimerHandle. Its methods are safe for concurrent use.
type Call struct {
	loop  *Loop
	fn    func() // read only by whoever moves state away from pending
	when  time.Time
	seq   uint64        // guarded by loop.mu
	index int           // position in loop.timers, -1 when not there; guarded by loop.mu
	state atomic.Uint32 // loopCallPending, then started or cancelled, once
	timed bool          // scheduled by CallLater or CallAt: lives in loop.timers until due
}

// When returns the time the call was scheduled for: now plus the delay of
// CallLater, or the time given to CallAt. A call from CallSoon is not tied
// to a time (it runs in the loop's next pass, as asyncio's Handle has no
// when()), so When returns the zero Time for it; not reading the clock
// keeps CallSoon cheap.
func (c *Call) When() time.Time { return c.when }

// Cancel prevents the callback from running and reports whether it did: it
// returns false if the callback has already started (or finished) or was
// cancelled before. It never blocks for long and never waits for a running
// callback; from inside a callback it may cancel any other pending call.
func (c *Call) Cancel() bool {
	if !c.state.CompareAndSwap(loopCallPending, loopCallCanceled) {
		return false
	}
	c.fn = nil // let whatever the closure holds go now
	if c.timed {
		l := c.loop
		l.mu.Lock()
		if c.index >= 0 {
			l.timers.remove(c.index)
		}
		l.mu.Unlock()
	}
	return true
}

// NewLoop returns an empty Loop that is not running.
func NewLoop() *Loop { return &Loop{} }

// CallSoon schedules fn to run on the loop in its next pass, after the
// callbacks already scheduled with CallSoon. It may be called from any
// goroutine, including from a callback, whether or not the loop is running;
// it never blocks for long (one short critical section and, when the loop
// is idle, one channel send). It panics if fn is nil.
func (l *Loop) CallSoon(fn func()) *Call {
	loopCheckFn(fn, "CallSoon")
	c := &Call{loop: l, fn: fn, index: -1}
	l.mu.Lock()
	l.ready.push(c)
	l.wakeLocked()
	l.mu.Unlock()
	return c
}

// CallLater schedules fn to run on the loop once d has elapsed (at once if
// d <= 0). Callbacks due at the same instant run in scheduling order. It may
// be called from any goroutine and panics if fn is nil.
func (l *Loop) CallLater(d time.Duration, fn func()) *Call {
	loopCheckFn(fn, "CallLater")
	return l.callAt(time.Now().Add(d), fn)
}

// CallAt schedules fn to run on the loop at t (at once if t has passed).
// Callbacks due at the same instant run in scheduling order. It may be
// called from any goroutine and panics if fn is nil.
func (l *Loop) CallAt(t time.Time, fn func()) *Call {
	loopCheckFn(fn, "CallAt")
	return l.callAt(t, fn)
}

func (l *Loop) callAt(t time.Time, fn func()) *Call {
	c := &Call{loop: l, fn: fn, when: t, timed: true}
	l.mu.Lock()
	c.seq = l.seq
	l.seq++
	l.timers.push(c)
	if c.index == 0 {
		// New earliest deadline: a parked loop must re-arm its timer.
		l.wakeLocked()
	}
	l.mu.Unlock()
	return c
}

// Stop asks the loop to return from RunForever (with nil) once the pass of
// callbacks under way is finished; calls still scheduled stay scheduled.
// It never blocks and is safe from any goroutine, including from a
// callback. A Stop applies to the run under way; one issued while the loop
// is not running is kept, as in asyncio, and the next run performs one pass
// and returns, so a Stop cannot be lost to a loop that has not started yet.
func (l *Loop) Stop() {
	l.mu.Lock()
	l.stopping = true
	l.wakeLocked()
	l.mu.Unlock()
}

// RunForever runs the loop on the calling goroutine until Stop is called,
// returning nil, or until ctx ends, returning [Interrupted](ctx) after the callback under way finishes. If a callback
// panics it returns a [*PanicError]. It returns [ErrLoopRunning] at once if
// the loop is already running. Callbacks not yet run when it returns stay
// scheduled for the next run.
func (l *Loop) RunForever(ctx context.Context) error {
	_, err := l.run(ctx, nil)
	return err
}

// RunUntilComplete runs l on the calling goroutine until a is done and then
// returns a's result; if a is done already it returns at once without
// running anything. Otherwise it returns [Interrupted](ctx) if ctx ends first, [ErrLoopStopped] if [Loop.Stop] ends
// the run first, a [*PanicError] if a callback panics, and [ErrLoopRunning]
// if l is already running. a itself is never cancelled. Callbacks not yet
// run when it returns stay scheduled for the next run.
//
// It is a function rather than a method because Go methods cannot have
// type parameters.
func RunUntilComplete[T any](ctx context.Context, l *Loop, a Awaitable[T]) (T, error) {
	var zero T
	if a == nil {
		return zero, errors.New("spindle: RunUntilComplete needs an Awaitable to wait for; got nil")
	}
	done, release := watchDone(a)
	defer release()
	exit, err := l.run(ctx, done)
	switch exit {
	case loopExitAwaited:
		return a.Result()
	case loopExitBusy, loopExitPanicked:
		return zero, err
	}
	if loopClosed(done) {
		return a.Result()
	}
	if exit == loopExitStopped {
		return zero, ErrLoopStopped
	}
	return zero, err
}

type loopExit uint8

const (
	loopExitStopped  loopExit = iota // Stop was honoured
	loopExitAwaited                  // done closed
	loopExitCanceled                 // ctx ended
	loopExitPanicked                 // a callback panicked
	loopExitBusy                     // already running
)

// run is the loop itself. done, when not nil, ends the run once closed.
func (l *Loop) run(ctx context.Context, done <-chan struct{}) (loopExit, error) {
	l.mu.Lock()
	if l.running {
		l.mu.Unlock()
		return loopExitBusy, ErrLoopRunning
	}
	l.running = true
	wake := make(chan struct{}, 1)
	l.wake = wake
	l.mu.Unlock()

	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		l.mu.Lock()
		// A Stop issued during this run was for this run, whether or not
		// it was the reason the run ended.
		l.running, l.stopping, l.sleeping, l.wake = false, false, false, nil
		l.mu.Unlock()
	}()

	afterPass := false // a pass has just finished
	for {
		if loopClosed(done) {
			return loopExitAwaited, nil
		}
		if err := queueCtxErr(ctx); err != nil {
			return loopExitCanceled, err
		}
		for c, ok := l.batch.pop(); ok; c, ok = l.batch.pop() {
			if !c.state.CompareAndSwap(loopCallPending, loopCallStarted) {
				continue // cancelled
			}
			fn := c.fn
			c.fn = nil
			if perr := loopInvoke(fn); perr != nil {
				return loopExitPanicked, perr
			}
			if loopClosed(done) {
				return loopExitAwaited, nil
			}
			if err := queueCtxErr(ctx); err != nil {
				return loopExitCanceled, err
			}
		}

		l.mu.Lock()
		l.sleeping = false
		var now time.Time
		if len(l.timers) > 0 {
			now = time.Now()
			for c := l.timers.peek(); c != nil && !c.when.After(now); c = l.timers.peek() {
				l.ready.push(l.timers.remove(0))
			}
		}
		if l.stopping && (afterPass || l.ready.len() == 0) {
			l.stopping = false
			l.mu.Unlock()
			return loopExitStopped, nil
		}
		if l.ready.len() > 0 {
			l.ready, l.batch = l.batch, l.ready // batch is empty here
			l.mu.Unlock()
			afterPass = true
			continue
		}
		var fire <-chan time.Time
		if c := l.timers.peek(); c != nil {
			d := c.when.Sub(now)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			fire = timer.C
		}
		l.sleeping = true
		l.mu.Unlock()
		afterPass = false
		select {
		case <-wake:
		case <-fire:
		case <-ctx.Done():
		case <-done:
		}
	}
}

// wakeLocked unparks the running loop if it is parked. The token is sent
// only to a parked loop, so a busy loop costs CallSoon no channel operation.
func (l *Loop) wakeLocked() {
	if !l.sleeping {
		return
	}
	l.sleeping = false
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// loopInvoke runs fn, turning a panic into a *PanicError.
func loopInvoke(fn func()) (perr *PanicError) {
	defer func() {
		if r := recover(); r != nil {
			perr = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}

func loopClosed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func loopCheckFn(fn func(), method string) {
	if fn == nil {
		panic("spindle: Loop." + method + " needs a callback to run; got a nil func")
	}
}
