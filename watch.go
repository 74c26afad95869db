package spindle

import (
	"sync"
	"sync/atomic"
)

// completionWatch reports, on ch, the index of each awaitable as it
// settles. Spindle's own awaitables are watched through their cells (no
// goroutine, no allocation per item); awaitables defined elsewhere get one
// small goroutine each until they settle or the watch stops.
type completionWatch[T any] struct {
	aws  []Awaitable[T]
	ch   chan int // buffered to len(aws): a settle never blocks
	quit chan struct{}
	wg   sync.WaitGroup
}

func watchCompletions[T any](aws []Awaitable[T]) *completionWatch[T] {
	w := &completionWatch[T]{aws: aws, ch: make(chan int, len(aws))}
	for i, a := range aws {
		if c := cellOf(a); c != nil {
			c.addWaiter(cellWaiter{n: w, i: i})
			continue
		}
		if w.quit == nil {
			w.quit = make(chan struct{})
		}
		w.wg.Add(1)
		go func(i int, done <-chan struct{}) {
			defer w.wg.Done()
			select {
			case <-done:
				w.ch <- i
			case <-w.quit:
			}
		}(i, a.Done())
	}
	return w
}

func (w *completionWatch[T]) cellSettled(i int) { w.ch <- i }

// stop detaches the watch from every awaitable and waits for its helper
// goroutines to exit.
func (w *completionWatch[T]) stop() {
	for i, a := range w.aws {
		if c := cellOf(a); c != nil {
			c.removeWaiter(w, i)
		}
	}
	if w.quit != nil {
		close(w.quit)
		w.wg.Wait()
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
}

func watchGather[T any](aws []Awaitable[T]) *gatherWatch[T] {
	w := &gatherWatch[T]{aws: aws, wake: make(chan struct{}, 1)}
	w.left.Store(int64(len(aws)))
	for i, a := range aws {
		if c := cellOf(a); c != nil {
			c.addWaiter(cellWaiter{n: w, i: i})
			continue
		}
		if w.quit == nil {
			w.quit = make(chan struct{})
		}
		w.wg.Add(1)
		go func(i int, done <-chan struct{}) {
			defer w.wg.Done()
			select {
			case <-done:
				w.cellSettled(i)
			case <-w.quit:
			}
		}(i, a.Done())
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
// goroutines to exit.
func (w *gatherWatch[T]) stop() {
	// Once every awaitable has settled, every waiter has been consumed.
	for i, a := range w.aws {
		if w.left.Load() == 0 {
			break
		}
		if c := cellOf(a); c != nil {
			c.removeWaiter(w, i)
		}
	}
	if w.quit != nil {
		close(w.quit)
		w.wg.Wait()
	}
}
