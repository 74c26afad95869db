package spindle

import "context"

// Awaitable is the contract every Spindle handle meets: a goroutine started
// with [Go], a [Future] resolved from anywhere, and a durable job's handle in
// package jobs. Gather, Wait, AsCompleted and the timeout helpers accept any
// mix of them.
//
// Done returns a channel that is closed exactly once, when the outcome is
// final. Result returns that outcome; before Done is closed it returns the
// zero value and [ErrNotDone]. Both are safe for concurrent use by any number
// of goroutines, and neither blocks.
type Awaitable[T any] interface {
	Done() <-chan struct{}
	Result() (T, error)
}

// Canceler is implemented by awaitables whose work can be asked to stop:
// [*Task] and [*Future] (which it settles as canceled). Cancel records
// cause (context.Canceled when nil) as the reason and returns false when
// the outcome was already final. It never blocks; the work may still be
// finishing when it returns. It is safe for concurrent use.
//
// [Gather] and [GatherSettled], when they stop early, cancel through it
// the members that implement it (tasks started with [Shield] excepted)
// and then wait for those members to settle; members that do not
// implement it, such as durable jobs' handles, are neither cancelled nor
// waited for. Wait, AsCompleted and Await never call it.
type Canceler interface {
	Cancel(cause error) bool
}

// Await blocks until a is done or ctx ends, whichever comes first. When ctx
// ends first it returns the zero value and a *CanceledError carrying the
// cause of ctx (see [Interrupted]); a itself is not cancelled, so the work goes on and can
// be awaited again. Await is safe to call from any number of goroutines.
func Await[T any](ctx context.Context, a Awaitable[T]) (T, error) {
	select {
	case <-a.Done():
		return a.Result()
	default:
	}
	select {
	case <-a.Done():
		return a.Result()
	case <-ctx.Done():
		var zero T
		return zero, interrupted(ctx, nil)
	}
}
