package spindle

// queueWaiter is one goroutine parked in Put or Get. It parks on ready, a
// channel closed exactly once by whoever serves it, so testing/synctest sees
// it as durably blocked. The server fills val (a Get) or takes val (a Put)
// and sets err, then sets served and closes ready, all under the queue's
// lock: a waiter whose ctx ends checks served under the same lock, so an
// item handed over at that very moment is returned rather than dropped.
type queueWaiter[T any] struct {
	ready      chan struct{}
	val        T
	err        error
	served     bool
	prev, next *queueWaiter[T]
}

// serve completes w with val and err. The caller holds the queue's lock and
// has already unlinked w.
func (w *queueWaiter[T]) serve(val T, err error) {
	w.val, w.err, w.served = val, err, true
	close(w.ready)
}

// queueWaitList is an intrusive FIFO of waiters, so a waiter whose ctx ends
// leaves from the middle in O(1) and the rest keep their turn.
type queueWaitList[T any] struct {
	head, tail *queueWaiter[T]
}

func (l *queueWaitList[T]) pushBack(w *queueWaiter[T]) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
}

func (l *queueWaitList[T]) popFront() *queueWaiter[T] {
	w := l.head
	if w != nil {
		l.remove(w)
	}
	return w
}

func (l *queueWaitList[T]) remove(w *queueWaiter[T]) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
}
