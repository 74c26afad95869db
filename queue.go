package spindle

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// ErrQueueShutdown is returned by Put and TryPut on a [Queue] that has been
// shut down, and by Get and TryGet once a shut-down queue is empty.
var ErrQueueShutdown = errors.New("spindle: queue is shut down")

// ErrQueueFull is returned by [Queue.TryPut] when the queue holds maxsize
// items.
var ErrQueueFull = errors.New("spindle: queue is full")

// ErrQueueEmpty is returned by [Queue.TryGet] when the queue holds no item.
var ErrQueueEmpty = errors.New("spindle: queue is empty")

type queueKind uint8

const (
	queueFIFO queueKind = iota
	queueLIFO
	queuePriority
)

// Queue is asyncio.Queue for goroutines: a FIFO ([NewQueue]), LIFO
// ([NewLifoQueue]) or priority ([NewPriorityQueue]) queue, optionally
// bounded, with Python's task accounting (TaskDone, Join) and shutdown
// (Python 3.13's Queue.shutdown).
//
// All methods are safe for concurrent use by any number of goroutines.
// Blocked Put and Get calls park on channels (testing/synctest sees them as
// durably blocked) and are served strictly first come, first served: an item
// put while goroutines wait in Get goes straight to the one that has waited
// longest, and space freed while goroutines wait in Put goes to the longest
// waiting putter; a newcomer never overtakes them. Put and Get that do not
// block take one short mutex-guarded step and do not allocate once the
// queue's storage has grown to its working size.
//
// A Queue must not be copied after first use.
type Queue[T any] struct {
	mu      sync.Mutex
	kind    queueKind
	maxsize int

	fifo  queueRing[T]
	stack []T
	prio  queuePrioHeap[T]

	getters queueWaitList[T] // non-empty only while the queue is empty
	putters queueWaitList[T] // non-empty only while the queue is full

	unfinished int
	joined     chan struct{} // closed when unfinished drops to zero; nil when nobody waits
	shutdown   bool
}

// NewQueue returns a first-in, first-out queue holding at most maxsize items;
// maxsize <= 0 means unbounded.
func NewQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{kind: queueFIFO, maxsize: max(maxsize, 0)}
}

// NewLifoQueue returns a last-in, first-out queue (a stack) holding at most
// maxsize items; maxsize <= 0 means unbounded.
func NewLifoQueue[T any](maxsize int) *Queue[T] {
	return &Queue[T]{kind: queueLIFO, maxsize: max(maxsize, 0)}
}

// NewPriorityQueue returns a queue that hands out the least item first, as
// ordered by less, holding at most maxsize items; maxsize <= 0 means
// unbounded. Items of equal priority (neither less than the other) come out
// in the order they entered the queue, so the queue is stable. less is
// called with the queue's lock held: it must be fast, must not panic and
// must not call back into the queue. NewPriorityQueue panics if less is
// nil.
//
// Put and Get cost O(log n) comparisons.
func NewPriorityQueue[T any](maxsize int, less func(a, b T) bool) *Queue[T] {
	if less == nil {
		panic("spindle: NewPriorityQueue needs a less function ordering the items (less(a, b) reports whether a comes out before b); got nil")
	}
	q := &Queue[T]{kind: queuePriority, maxsize: max(maxsize, 0)}
	q.prio.less = less
	return q
}

// Put adds v to the queue, waiting while the queue is full. It returns nil
// once v is in the queue (or handed to a waiting Get), [Interrupted](ctx) if ctx ends first, and [ErrQueueShutdown] if the queue is
// or gets shut down before v is accepted. If ctx is already done, Put
// returns its cause and leaves the queue alone. A Put that returns an error
// did not add v.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	if err := queueCtxErr(ctx); err != nil {
		return err
	}
	w, err := q.putOrPark(v)
	if w == nil {
		return err
	}
	select {
	case <-w.ready:
		return w.err
	case <-ctx.Done():
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.served {
		// Accepted (or refused by Shutdown) as ctx ended: report that, since
		// it is what happened to v.
		return w.err
	}
	q.putters.remove(w)
	return interrupted(ctx, nil)
}

// putOrPark puts v if it can, and otherwise parks a waiter holding v.
func (q *Queue[T]) putOrPark(v T) (*queueWaiter[T], error) {
	q.mu.Lock()
	defer q.mu.Unlock() // deferred: a panicking less must not leave the lock held
	if err := q.putLocked(v); err != ErrQueueFull {
		return nil, err
	}
	w := &queueWaiter[T]{ready: make(chan struct{}), val: v}
	q.putters.pushBack(w)
	return w, nil
}

// TryPut adds v to the queue without waiting. It returns [ErrQueueFull] if
// the queue holds maxsize items and [ErrQueueShutdown] after Shutdown.
func (q *Queue[T]) TryPut(v T) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.putLocked(v)
}

func (q *Queue[T]) putLocked(v T) error {
	if q.shutdown {
		return ErrQueueShutdown
	}
	if g := q.getters.popFront(); g != nil {
		q.unfinished++
		g.serve(v, nil)
		return nil
	}
	if q.maxsize > 0 && q.lenLocked() >= q.maxsize {
		return ErrQueueFull
	}
	q.unfinished++
	q.pushLocked(v)
	return nil
}

// Get removes and returns the next item, waiting while the queue is empty.
// After Shutdown it keeps returning the items left in the queue and then
// [ErrQueueShutdown]. If ctx ends first it returns [Interrupted](ctx); if ctx is already done, Get returns its cause and leaves
// the queue alone. An item is never lost to a cancellation: if an item is
// handed over just as ctx ends, Get returns the item and a nil error.
//
// Every item Get returns counts as unfinished until [Queue.TaskDone] is
// called for it.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if err := queueCtxErr(ctx); err != nil {
		return zero, err
	}
	v, w, err := q.getOrPark()
	if w == nil {
		return v, err
	}
	select {
	case <-w.ready:
		return w.val, w.err
	case <-ctx.Done():
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.served {
		return w.val, w.err
	}
	q.getters.remove(w)
	return zero, interrupted(ctx, nil)
}

// getOrPark gets an item if there is one, and otherwise parks a waiter.
func (q *Queue[T]) getOrPark() (T, *queueWaiter[T], error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if v, err := q.getLocked(); err != ErrQueueEmpty {
		return v, nil, err
	}
	w := &queueWaiter[T]{ready: make(chan struct{})}
	q.getters.pushBack(w)
	var zero T
	return zero, w, nil
}

// TryGet removes and returns the next item without waiting. It returns
// [ErrQueueEmpty] if there is none, or [ErrQueueShutdown] if there is none
// and the queue has been shut down.
func (q *Queue[T]) TryGet() (T, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.getLocked()
}

func (q *Queue[T]) getLocked() (T, error) {
	v, ok := q.popLocked()
	if !ok {
		if q.shutdown {
			return v, ErrQueueShutdown
		}
		return v, ErrQueueEmpty
	}
	// A slot is free: the longest waiting Put gets it.
	if p := q.putters.popFront(); p != nil {
		q.unfinished++
		q.pushLocked(p.val)
		var zero T
		p.serve(zero, nil)
	}
	return v, nil
}

// TaskDone tells the queue that the processing of one item is complete, as
// asyncio's task_done: every successful Put (or TryPut) counts one
// unfinished item, every TaskDone retires one, and [Queue.Join] returns once
// none is left. Call it after handling an item obtained from Get, TryGet or
// All; none of those call it for you.
//
// TaskDone panics if it is called more times than items were put, like a
// sync.WaitGroup whose counter goes negative: that is a bug in the caller's
// accounting, and carrying on would let Join return early.
func (q *Queue[T]) TaskDone() {
	q.mu.Lock()
	if q.unfinished <= 0 {
		q.mu.Unlock()
		panic("spindle: Queue.TaskDone called more times than items were put (call it exactly once per item taken from the queue)")
	}
	q.unfinished--
	q.releaseJoinLocked()
	q.mu.Unlock()
}

// Join waits until every item put into the queue has been retired with
// TaskDone (or dropped by Shutdown(true)). It returns nil then, at once if
// nothing is unfinished, or [Interrupted](ctx) if ctx
// ends first. Any number of goroutines may Join at the same time.
func (q *Queue[T]) Join(ctx context.Context) error {
	q.mu.Lock()
	if q.unfinished == 0 {
		q.mu.Unlock()
		return nil
	}
	if q.joined == nil {
		q.joined = make(chan struct{})
	}
	joined := q.joined
	q.mu.Unlock()

	select {
	case <-joined:
		return nil
	case <-ctx.Done():
		select {
		case <-joined:
			return nil
		default:
			return interrupted(ctx, nil)
		}
	}
}

func (q *Queue[T]) releaseJoinLocked() {
	if q.unfinished == 0 && q.joined != nil {
		close(q.joined)
		q.joined = nil
	}
}

// Shutdown stops the queue, with the semantics of Python 3.13's
// Queue.shutdown. From then on Put and TryPut fail with [ErrQueueShutdown],
// and Puts blocked waiting for space are released with it. Get and TryGet
// keep returning the items still queued, then fail with ErrQueueShutdown;
// Gets blocked on an empty queue are released with it.
//
// With immediate true the queued items are discarded at once instead, so
// every Get fails from now on; the discarded items count as done for Join.
// Items already taken by Get still need their TaskDone.
//
// Shutdown never blocks and may be called any number of times from any
// goroutine; a later Shutdown(true) still discards what a Shutdown(false)
// left queued.
func (q *Queue[T]) Shutdown(immediate bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
	var zero T
	for p := q.putters.popFront(); p != nil; p = q.putters.popFront() {
		p.serve(zero, ErrQueueShutdown)
	}
	if immediate {
		n := q.lenLocked()
		q.clearLocked()
		// Clamped: TaskDone may already have been called for queued items.
		q.unfinished = max(q.unfinished-n, 0)
		q.releaseJoinLocked()
	}
	// Getters wait only on an empty queue, so none of them will see an item.
	for g := q.getters.popFront(); g != nil; g = q.getters.popFront() {
		g.serve(zero, ErrQueueShutdown)
	}
}

// Len returns the number of items in the queue (not counting Puts blocked
// waiting for space). Under concurrent use it is a snapshot.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.lenLocked()
}

// Cap returns the queue's maxsize: the number of items it holds before Put
// blocks, or 0 for an unbounded queue.
func (q *Queue[T]) Cap() int { return q.maxsize }

// All returns an iterator over the items of the queue, the consumer loop of
// an asyncio worker: each step is a Get(ctx), and the iteration ends when
// the queue is shut down and drained, or when ctx ends. It does not call
// TaskDone: as with asyncio, call q.TaskDone() in the loop body once the
// item is handled. Breaking out of the loop leaves the queue as it is; the
// item received in that step is the body's. Several goroutines may range
// over the queue at once; each item goes to one of them.
//
// To learn why the iteration ended, check ctx.Err (nil means the queue was
// shut down and is empty).
func (q *Queue[T]) All(ctx context.Context) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := q.Get(ctx)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

func (q *Queue[T]) lenLocked() int {
	switch q.kind {
	case queueLIFO:
		return len(q.stack)
	case queuePriority:
		return q.prio.len()
	default:
		return q.fifo.len()
	}
}

func (q *Queue[T]) pushLocked(v T) {
	switch q.kind {
	case queueLIFO:
		q.stack = append(q.stack, v)
	case queuePriority:
		q.prio.push(v)
	default:
		q.fifo.push(v)
	}
}

func (q *Queue[T]) popLocked() (T, bool) {
	switch q.kind {
	case queueLIFO:
		var zero T
		n := len(q.stack) - 1
		if n < 0 {
			return zero, false
		}
		v := q.stack[n]
		q.stack[n] = zero
		q.stack = q.stack[:n]
		return v, true
	case queuePriority:
		return q.prio.pop()
	default:
		return q.fifo.pop()
	}
}

func (q *Queue[T]) clearLocked() {
	switch q.kind {
	case queueLIFO:
		clear(q.stack)
		q.stack = q.stack[:0]
	case queuePriority:
		q.prio.clear()
	default:
		q.fifo.clear()
	}
}

// queueCtxErr returns the cause of ctx if it is already done. It avoids
// ctx.Err, which takes a lock in some Context implementations.
func queueCtxErr(ctx context.Context) error {
	done := ctx.Done()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return interrupted(ctx, nil)
	default:
		return nil
	}
}
