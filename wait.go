package spindle

import (
	"context"
	"iter"
	"time"
)

// ReturnWhen says when Wait returns.
type ReturnWhen int

const (
	// AllCompleted: when every awaitable has settled.
	AllCompleted ReturnWhen = iota
	// FirstCompleted: when at least one has settled.
	FirstCompleted
	// FirstError: when one has failed, or every one has settled.
	FirstError
)

// Wait blocks until the condition when holds, timeout elapses (0 or less
// means no timeout), or ctx ends, and splits aws into those that have
// settled and those still pending, each in the order given (asyncio.wait).
// It is safe to call from any number of goroutines, on the same
// awaitables or not.
//
// Wait cancels nothing and waits for nothing beyond its condition, as
// asyncio.wait: whether it returns because the condition holds, because
// the timeout elapsed, or because ctx ended, the pending awaitables keep
// running (or, for a [*Future], stay unsettled) and can be awaited again;
// to stop them, cancel them yourself (Task.Cancel, or a durable job's
// Revoke). A timeout is not an error: Wait returns what is done so far
// with a nil error, as asyncio does. Only the end of ctx yields an error,
// [Interrupted](ctx). A member's failure is an outcome like any other:
// with FirstError it ends the wait, and it is never raised.
func Wait[T any](ctx context.Context, when ReturnWhen, timeout time.Duration, aws ...Awaitable[T]) (done, pending []Awaitable[T], err error) {
	if when < AllCompleted || when > FirstError {
		panic("spindle: Wait called with an unknown ReturnWhen; use AllCompleted, FirstCompleted or FirstError")
	}
	if len(aws) > 0 {
		err = waitFor(ctx, when, timeout, aws)
	}
	for _, a := range aws {
		if settledNow(a) {
			done = append(done, a)
		} else {
			pending = append(pending, a)
		}
	}
	return done, pending, err
}

func waitFor[T any](ctx context.Context, when ReturnWhen, timeout time.Duration, aws []Awaitable[T]) error {
	w := watchCompletions(aws)
	defer w.stop()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for remaining := len(aws); remaining > 0; remaining-- {
		select {
		case i := <-w.ch:
			if when == FirstCompleted {
				return nil
			}
			if when == FirstError {
				if _, err := aws[i].Result(); err != nil {
					return nil
				}
			}
		case <-expired:
			return nil
		case <-ctx.Done():
			return interrupted(ctx, nil)
		}
	}
	return nil
}

// AsCompleted yields the awaitables as they settle, earliest first
// (asyncio.as_completed). It stops when all have been yielded, when the
// loop body breaks, or when ctx ends; asyncio's timeout argument is a
// deadline on ctx (context.WithTimeout or [NewTimeout]). After the loop,
// context.Cause(ctx) tells whether ctx ended first.
//
// AsCompleted cancels nothing, as asyncio.as_completed: when the loop
// ends early, for whatever reason, the awaitables not yet yielded keep
// running (or, for a [*Future], stay unsettled) and can be awaited or
// cancelled by the caller. A member's failure is yielded like any other
// outcome. yield is called only from the ranging goroutine, and
// AsCompleted's own helpers are stopped when the loop ends. The returned
// sequence may be ranged over more than once, by any goroutine.
func AsCompleted[T any](ctx context.Context, aws ...Awaitable[T]) iter.Seq[Awaitable[T]] {
	return func(yield func(Awaitable[T]) bool) {
		if len(aws) == 0 {
			return
		}
		w := watchCompletions(aws)
		defer w.stop()
		for remaining := len(aws); remaining > 0; remaining-- {
			select {
			case i := <-w.ch:
				if !yield(aws[i]) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}
