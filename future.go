package spindle

import "context"

// Future is a value that some other code will provide later: asyncio's
// "future set from a callback". Any goroutine may settle it with Resolve,
// Reject or Cancel; the first call wins and the others return false. Any
// number of goroutines may await it. A Future runs nothing itself.
//
// The zero Future is not usable; create one with [NewFuture].
type Future[T any] struct {
	cell
	val T
	err error
}

// NewFuture returns an unsettled future.
func NewFuture[T any]() *Future[T] {
	f := &Future[T]{}
	return f
}

// Resolve settles f with v. It returns false, changing nothing, when f was
// already settled.
func (f *Future[T]) Resolve(v T) bool { return f.settle(v, nil, Succeeded) }

// Reject settles f with err (which must not be nil: a nil err is recorded
// as an error saying so). It returns false when f was already settled.
func (f *Future[T]) Reject(err error) bool {
	if err == nil {
		err = errNilReject
	}
	return f.settle(f.val, err, stateOf(err))
}

// Cancel settles f as canceled with cause (context.Canceled when nil); the
// error is a *CanceledError. It returns false when f was already settled.
func (f *Future[T]) Cancel(cause error) bool {
	if cause == nil {
		cause = context.Canceled
	}
	return f.settle(f.val, &CanceledError{Cause: cause}, Canceled)
}

func (f *Future[T]) settle(v T, err error, st State) bool {
	if !f.begin() {
		return false
	}
	f.val, f.err = v, err
	f.commit(st)
	return true
}

// Done returns a channel closed once f is settled.
func (f *Future[T]) Done() <-chan struct{} { return f.doneChan() }

// Result returns the outcome once f is settled, or ErrNotDone before.
func (f *Future[T]) Result() (T, error) {
	if !f.settled() {
		var zero T
		return zero, ErrNotDone
	}
	return f.val, f.err
}

// Await blocks until f is settled or ctx ends; see [Await].
func (f *Future[T]) Await(ctx context.Context) (T, error) { return Await[T](ctx, f) }

// State reports where f is: Pending, or its final state.
func (f *Future[T]) State() State { return f.getState() }

// OnDone arranges for fn to be called with f once it is settled: in the
// goroutine that settles it, or at once in the caller's goroutine when f is
// already settled. Callbacks run in registration order and should be quick;
// a panic in one is not recovered.
func (f *Future[T]) OnDone(fn func(*Future[T])) {
	f.addWaiter(cellWaiter{n: funcNotify(func() { fn(f) })})
}

func (f *Future[T]) spindleCell() *cell { return &f.cell }
