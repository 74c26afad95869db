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

// Watcher is implemented by awaitables whose Done starts work on the
// waiters' behalf that goes on until the outcome is known (a durable
// job's handle watches its store) and that can stop once nobody waits.
// Await, Gather, GatherSettled, Wait, AsCompleted and RunUntilComplete
// watch such an awaitable with Watch instead of Done and release the
// watch when they return, so a wait that ctx or a timeout ends leaves
// nothing running behind it.
type Watcher interface {
	// Watch returns the channel Done returns and release, which says that
	// this waiter waits no longer: the work stops once every watch was
	// released, unless Done was called. release may be called any number
	// of times and never blocks. Watch is safe for concurrent use.
	Watch() (done <-chan struct{}, release func())
}

// Subscriber is implemented by awaitables that can call a function when
// their outcome becomes final, such as a durable job's handle, whose
// client already watches the store for it. Gather, GatherSettled, Wait
// and AsCompleted subscribe to such an awaitable instead of giving it a
// goroutine of its own, so that waiting for ten thousand job handles
// costs ten thousand callbacks, not ten thousand goroutines.
type Subscriber interface {
	// Subscribe arranges for f to be called once when the outcome is
	// final (at once, in the caller's goroutine, if it already is), and
	// returns cancel, which withdraws the subscription and releases
	// whatever the subscriber watches on its behalf, as a [Watcher]'s
	// release does. f runs in a goroutine of the awaitable's and must not
	// block. A cancel that races with the outcome may still see f called
	// once; f is never called twice. cancel may be called any number of
	// times and never blocks. Subscribe is safe for concurrent use.
	Subscribe(f func()) (cancel func())
}

// watchDone is a's Done channel, through Watch where a is a [Watcher];
// call release once the channel is no longer waited on.
func watchDone[T any](a Awaitable[T]) (done <-chan struct{}, release func()) {
	if w, ok := a.(Watcher); ok {
		return w.Watch()
	}
	return a.Done(), func() {}
}

// settledNow reports whether a is done, without starting the work Done
// starts for a [Watcher]: such an awaitable is asked for its Result,
// which is ErrNotDone until then.
func settledNow[T any](a Awaitable[T]) bool {
	if c := awaitableCell(a); c != nil {
		return c.settled()
	}
	if _, ok := a.(Watcher); ok {
		_, err := a.Result()
		return err != ErrNotDone
	}
	select {
	case <-a.Done():
		return true
	default:
		return false
	}
}

// Await blocks until a is done or ctx ends, whichever comes first. When ctx
// ends first it returns the zero value and a *CanceledError carrying the
// cause of ctx (see [Interrupted]); a itself is not cancelled, so the work goes on and can
// be awaited again. A [Watcher] is watched only until Await returns.
// Await is safe to call from any number of goroutines.
func Await[T any](ctx context.Context, a Awaitable[T]) (T, error) {
	if w, ok := a.(Watcher); ok {
		done, release := w.Watch()
		defer release()
		return awaitOn(ctx, a, done)
	}
	return awaitOn(ctx, a, a.Done())
}

func awaitOn[T any](ctx context.Context, a Awaitable[T], done <-chan struct{}) (T, error) {
	select {
	case <-done:
		return a.Result()
	default:
	}
	select {
	case <-done:
		return a.Result()
	case <-ctx.Done():
		var zero T
		return zero, interrupted(ctx, nil)
	}
}
