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
// Wait cancels nothing: on a timeout it simply returns what is done so
// far with a nil error, as asyncio does. Only the end of ctx yields an
// error, [Interrupted](ctx).
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
// loop body breaks, or when ctx ends; in the last case check
// context.Cause(ctx) after the loop: the awaitables not yet yielded are
// still pending and are not cancelled. yield is called only from the
// ranging goroutine, and nothing is left running when the loop ends.
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
