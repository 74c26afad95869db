package spindle

import "context"

// Gather waits for every awaitable and returns their values in the order
// given (asyncio.gather). The first failure, in time, stops the gather:
// every other awaitable that implements [Canceler] is cancelled with that
// error as the cause, Gather waits for them to settle (so nothing it was
// handed is still running when it returns), and returns the values that
// had succeeded together with the failure.
//
// When ctx ends first, Gather cancels the awaitables with ctx's cause and
// returns [Interrupted](ctx) at once, without waiting for them.
//
// Gather with no awaitables returns an empty slice. It is safe to gather
// the same awaitable from several goroutines; the results are shared.
func Gather[T any](ctx context.Context, aws ...Awaitable[T]) ([]T, error) {
	out := make([]T, len(aws))
	if len(aws) == 0 {
		return out, nil
	}
	w := watchGather(aws, out)
	defer w.stop()
	var firstErr error
	for {
		select {
		case <-w.wake:
			if f := w.failed.Load(); f != 0 && firstErr == nil {
				_, firstErr = aws[f-1].Result()
				cancelAll(aws, firstErr)
			}
			if w.left.Load() != 0 {
				continue
			}
			for _, i := range w.later {
				if v, err := aws[i].Result(); err == nil {
					out[i] = v
				}
			}
			return out, firstErr
		case <-ctx.Done():
			cancelAll(aws, context.Cause(ctx))
			gatherSucceeded(aws, out)
			return out, interrupted(ctx, nil)
		}
	}
}

// gatherSucceeded copies the value of every awaitable that has succeeded
// into out.
func gatherSucceeded[T any](aws []Awaitable[T], out []T) {
	for i, a := range aws {
		if v, err := a.Result(); err == nil {
			out[i] = v
		}
	}
}

func cancelAll[T any](aws []Awaitable[T], cause error) {
	for _, a := range aws {
		if c, ok := a.(Canceler); ok && !settledNow(a) {
			c.Cancel(cause)
		}
	}
}

// Outcome is one settled result, as returned by GatherSettled.
type Outcome[T any] struct {
	Value T
	Err   error
}

// GatherSettled waits for every awaitable and returns each outcome in the
// order given, failures included (asyncio.gather with
// return_exceptions=True). Nothing is cancelled because another failed.
//
// When ctx ends first it returns at once with [Interrupted](ctx); the
// outcomes of awaitables that had not settled hold that error as their Err, and those
// awaitables are left running.
func GatherSettled[T any](ctx context.Context, aws ...Awaitable[T]) ([]Outcome[T], error) {
	out := make([]Outcome[T], len(aws))
	settled := make([]bool, len(aws))
	if len(aws) == 0 {
		return out, nil
	}
	w := watchCompletions(aws)
	defer w.stop()
	for remaining := len(aws); remaining > 0; remaining-- {
		select {
		case i := <-w.ch:
			out[i].Value, out[i].Err = aws[i].Result()
			settled[i] = true
		case <-ctx.Done():
			cause := interrupted(ctx, nil)
			for i := range out {
				if !settled[i] {
					out[i].Err = cause
				}
			}
			return out, cause
		}
	}
	return out, nil
}
