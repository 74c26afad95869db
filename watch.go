package spindle

import (
	"sync"
	"sync/atomic"
)

// completionWatch reports, on ch, the index of each awaitable as it
// settles. Spindle's own awaitables are watched through their cells (no
// goroutine, no allocation per item), a [Subscriber] through its
// callback, and any other awaitable by one small goroutine until it
// settles or the watch stops; a [Watcher] is watched only as long.
type completionWatch[T any] struct {
	aws []Awaitable[T]
	ch  chan int // buffered to len(aws): a settle never blocks
	f   foreignWatch
	// stopped is set by the first stop: callers stop the watch early
	// before cancelling what it watched, and again by defer.
	stopped bool
}

func watchCompletions[T any](aws []Awaitable[T]) *completionWatch[T] {
	w := &completionWatch[T]{aws: aws, ch: make(chan int, len(aws))}
	for i, a := range aws {
		watchOne(i, a, w, &w.f)
	}
	return w
}

func (w *completionWatch[T]) cellSettled(i int) { w.ch <- i }

// stop detaches the watch from every awaitable and waits for its helper
// goroutines to exit. Only the first call does anything; it is for the
// goroutine that made the watch.
func (w *completionWatch[T]) stop() {
	if w.stopped {
		return
	}
	w.stopped = true
	watchDetach(w.aws, w, &w.f, nil)
}

// foreignWatch holds what watching awaitables defined elsewhere takes: the
// subscriptions of [Subscriber]s and the goroutines of the others.
type foreignWatch struct {
	wg    sync.WaitGroup
	quit  chan struct{} // made for the first goroutine; closed by stop
	stops []func()      // the subscriptions' cancels
}

// stop cancels the subscriptions and ends the goroutines, waiting for
// them to exit.
func (f *foreignWatch) stop() {
	for _, cancel := range f.stops {
		cancel()
	}
	if f.quit != nil {
		close(f.quit)
		f.wg.Wait()
	}
}

// watchOne arranges for n.cellSettled(i) to be called once aws[i]
// settles: through the cell of Spindle's own awaitables, through the
// subscription of a [Subscriber], or through a goroutine (made in f) for
// the others.
func watchOne[T any](i int, a Awaitable[T], n cellNotify, f *foreignWatch) {
	if c := awaitableCell(a); c != nil {
		c.addWaiter(cellWaiter{n: n, i: i})
		return
	}
	if s, ok := a.(Subscriber); ok {
		f.stops = append(f.stops, s.Subscribe(func() { n.cellSettled(i) }))
		return
	}
	if f.quit == nil {
		f.quit = make(chan struct{})
	}
	f.wg.Add(1)
	done, release := watchDone(a)
	go func(i int, done, quit <-chan struct{}) {
		defer f.wg.Done()
		defer release()
		select {
		case <-done:
			n.cellSettled(i)
		case <-quit:
		}
	}(i, done, f.quit)
}

// watchDetach undoes the watchOne calls for aws (leaving the cells early
// once settled reports true), and waits for f's goroutines to exit.
func watchDetach[T any](aws []Awaitable[T], n cellNotify, f *foreignWatch, settled func() bool) {
	for i, a := range aws {
		if settled != nil && settled() {
			break
		}
		if c := awaitableCell(a); c != nil {
			c.removeWaiter(n, i)
		}
	}
	f.stop()
}

// gatherWatch counts settlements instead of reporting each one: Gather
// needs only to know when everything has settled and which awaitable
// failed first, so a million settling tasks cost a million atomic
// decrements rather than a million channel sends, each of which could wake
// the gathering goroutine. It wakes only for the first failure and for the
// last settlement.
type gatherWatch[T any] struct {
	aws    []Awaitable[T]
	left   atomic.Int64  // awaitables not yet settled
	failed atomic.Int64  // 1 + index of the first to fail; 0 while none has
	wake   chan struct{} // capacity 1: a pending wake-up is never lost
	f      foreignWatch
	later  []int // indexes of the awaitables that had not settled when watched
	// stopped is set by the first stop: Gather stops the watch early
	// before cancelling what it watched, and again by defer.
	stopped bool
}

// watchGather watches aws for Gather, copying into out the values of
// those that have already succeeded.
func watchGather[T any](aws []Awaitable[T], out []T) *gatherWatch[T] {
	w := &gatherWatch[T]{aws: aws, wake: make(chan struct{}, 1)}
	w.left.Store(int64(len(aws)))
	// Awaitables that have already settled (most of them, after a fan-out)
	// are counted here, in one atomic subtraction, instead of one each,
	// and their values taken in the same pass: a second pass over a
	// million handles that no longer fit in the cache costs a cache miss
	// each.
	var settled int64
	for i, a := range aws {
		if c := awaitableCell(a); c == nil || !c.settled() {
			w.later = append(w.later, i)
			watchOne(i, a, w, &w.f)
			continue
		}
		if v, err := a.Result(); err == nil {
			out[i] = v
		} else if w.failed.CompareAndSwap(0, int64(i)+1) {
			w.signal()
		}
		settled++
	}
	if w.left.Add(-settled) == 0 {
		w.signal()
	}
	return w
}

// cellSettled runs in the settling goroutine, after the outcome is visible.
func (w *gatherWatch[T]) cellSettled(i int) {
	if _, err := w.aws[i].Result(); err != nil && w.failed.CompareAndSwap(0, int64(i)+1) {
		w.signal()
	}
	if w.left.Add(-1) == 0 {
		w.signal()
	}
}

func (w *gatherWatch[T]) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// stop detaches the watch from every awaitable and waits for its helper
// goroutines to exit. Only the first call does anything; it is for the
// goroutine that made the watch.
func (w *gatherWatch[T]) stop() {
	if w.stopped {
		return
	}
	w.stopped = true
	// Once every awaitable has settled, every waiter has been consumed.
	watchDetach(w.aws, w, &w.f, func() bool { return w.left.Load() == 0 })
}
