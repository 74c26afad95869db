package spindle

import (
	"sync"
	"sync/atomic"
)

// completionWatch reports, on ch, the index of each awaitable as it
// settles. Spindle's own awaitables are watched through their cells (no
// goroutine, no allocation per item); awaitables defined elsewhere get one
// small goroutine each until they settle or the watch stops, and a
// [Watcher] is watched only as long.
type completionWatch[T any] struct {
	aws  []Awaitable[T]
	ch   chan int // buffered to len(aws): a settle never blocks
	quit chan struct{}
	wg   sync.WaitGroup
	// stopped is set by the first stop: callers stop the watch early
	// before cancelling what it watched, and again by defer.
	stopped bool
}

func watchCompletions[T any](aws []Awaitable[T]) *completionWatch[T] {
	w := &completionWatch[T]{aws: aws, ch: make(chan int, len(aws))}
	w.quit = watchAttach(aws, w, &w.wg)
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
	watchDetach(w.aws, w, w.quit, &w.wg, nil)
}

// watchAttach arranges for n.cellSettled(i) to be called once aws[i]
// settles, for every i: through the cell of Spindle's own awaitables, or
// through one goroutine each (counted in wg, stopped by closing the
// returned quit channel, nil when none was needed) for the others.
func watchAttach[T any](aws []Awaitable[T], n cellNotify, wg *sync.WaitGroup) (quit chan struct{}) {
	for i, a := range aws {
		watchOne(i, a, n, wg, &quit)
	}
	return quit
}

// watchOne is watchAttach for aws[i]; it makes *quit when it first needs
// a goroutine.
func watchOne[T any](i int, a Awaitable[T], n cellNotify, wg *sync.WaitGroup, quit *chan struct{}) {
	if c := awaitableCell(a); c != nil {
		c.addWaiter(cellWaiter{n: n, i: i})
		return
	}
	if *quit == nil {
		*quit = make(chan struct{})
	}
	wg.Add(1)
	done, release := watchDone(a)
	go func(i int, done, quit <-chan struct{}) {
		defer wg.Done()
		defer release()
		select {
		case <-done:
			n.cellSettled(i)
		case <-quit:
		}
	}(i, done, *quit)
}

// watchDetach undoes watchAttach (stopping early once settled reports true),
// and waits for its goroutines to exit.
func watchDetach[T any](aws []Awaitable[T], n cellNotify, quit chan struct{}, wg *sync.WaitGroup, settled func() bool) {
	for i, a := range aws {
		if settled != nil && settled() {
			break
		}
		if c := awaitableCell(a); c != nil {
			c.removeWaiter(n, i)
		}
	}
	if quit != nil {
		close(quit)
		wg.Wait()
	}
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
	quit   chan struct{}
	wg     sync.WaitGroup
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
			watchOne(i, a, w, &w.wg, &w.quit)
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
	watchDetach(w.aws, w, w.quit, &w.wg, func() bool { return w.left.Load() == 0 })
}
