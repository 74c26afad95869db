package spindle

import "context"

// Gather waits for every awaitable and returns their values in the order
// given (asyncio.gather). It is safe to gather the same awaitable from
// several goroutines; the results are shared. Gather with no awaitables
// returns an empty slice.
//
// Gather stops early in two cases, and handles both the same way:
//
//   - The first failure, in time (which asyncio does not do): Gather
//     returns that error.
//   - ctx ends, by a cancel or a deadline (asyncio's cancelling of the
//     gather): Gather returns [Interrupted](ctx).
//
// Either way it cancels, with the failure or with context.Cause(ctx) as
// the cause, every member that has not settled and can be cancelled,
// then waits for each member it cancelled to settle, and only then
// returns, with the values of the members that had succeeded. So when
// Gather returns, none of the work it cancelled is still running. The
// wait has no bound, as with [Group.Wait] and errgroup: a member that
// ignores its context holds Gather up until it returns.
//
// What "can be cancelled" means, member by member:
//
//   - A [*Task] started with [Go] or [Spawn]: cancelled, and waited for.
//   - A [*Task] started with [Shield]: neither cancelled nor waited for,
//     since outliving its caller's cancellation is what Shield is for;
//     cancel it yourself with Task.Cancel.
//   - A [*Future]: settled as canceled (it has no work, so there is
//     nothing to wait for; a later Resolve returns false).
//   - Any other awaitable that implements [Canceler] is cancelled and
//     waited for; one that does not, such as a durable job's handle in
//     package jobs, is left as it is and not waited for: the durable job
//     keeps running, and its handle can still be awaited. Revoke it
//     explicitly (jobs.Handle.Revoke) to stop it.
//
// See docs/asyncio.md for the same rules next to GatherSettled, Wait and
// AsCompleted.
func Gather[T any](ctx context.Context, aws ...Awaitable[T]) ([]T, error) {
	out := make([]T, len(aws))
	if len(aws) == 0 {
		return out, nil
	}
	w := watchGather(aws, out)
	defer w.stop()
	for {
		select {
		case <-w.wake:
			if f := w.failed.Load(); f != 0 {
				_, err := aws[f-1].Result()
				w.stop()
				cancelAndAwait(aws, err)
				gatherSucceeded(aws, out)
				return out, err
			}
			if w.left.Load() != 0 {
				continue
			}
			for _, i := range w.later {
				if v, err := aws[i].Result(); err == nil {
					out[i] = v
				}
			}
			return out, nil
		case <-ctx.Done():
			w.stop()
			cancelAndAwait(aws, context.Cause(ctx))
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

// cancelAndAwait cancels, with cause, every member of aws that has not
// settled and may be cancelled (see Gather), then blocks until each one
// it cancelled has settled. It takes no context on purpose: returning
// early would leave cancelled work running behind the caller's back.
func cancelAndAwait[T any](aws []Awaitable[T], cause error) {
	var cancelled []Awaitable[T]
	for _, a := range aws {
		c, ok := a.(Canceler)
		if !ok || shielded(a) {
			continue
		}
		// Cancel reports false for a member that had settled: nothing to
		// wait for. One that settles meanwhile is waited for at no cost.
		if c.Cancel(cause) {
			cancelled = append(cancelled, a)
		}
	}
	awaitSettled(cancelled)
}

// awaitSettled blocks until every awaitable in aws has settled.
func awaitSettled[T any](aws []Awaitable[T]) {
	if len(aws) == 0 {
		return
	}
	w := watchCompletions(aws)
	defer w.stop()
	for range aws {
		<-w.ch
	}
}

// shielded reports whether a is a task started with Shield.
func shielded(a any) bool {
	t, ok := a.(interface{ spindleMeta() *taskMeta })
	if !ok {
		return false
	}
	m := t.spindleMeta()
	return m.opts != nil && m.opts.shielded
}

// Outcome is one settled result, as returned by GatherSettled.
type Outcome[T any] struct {
	Value T
	Err   error
}

// GatherSettled waits for every awaitable and returns each outcome in the
// order given, failures included (asyncio.gather with
// return_exceptions=True). A member's failure cancels nothing: it is
// only recorded. It is safe to call from any number of goroutines.
//
// When ctx ends (a cancel or a deadline) before every member has settled,
// GatherSettled cancels the members that have not settled, with
// context.Cause(ctx) as the cause, waits for each one it cancelled to
// settle, and returns [Interrupted](ctx). Which members are cancelled and
// waited for is the same as for [Gather]: tasks started with [Go], yes;
// tasks started with [Shield] and durable jobs' handles, no; a [*Future]
// is settled as canceled. The outcomes then hold what each member settled
// with (for a cancelled task, usually a *CanceledError carrying ctx's
// cause), and Interrupted(ctx) as the Err of each member that was left
// running. The wait has no bound, as with Gather.
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
			w.stop()
			cancelAndAwait(aws, context.Cause(ctx))
			cause := interrupted(ctx, nil)
			for i, a := range aws {
				switch {
				case settled[i]:
				case settledNow(a):
					out[i].Value, out[i].Err = a.Result()
				default:
					out[i].Err = cause
				}
			}
			return out, cause
		}
	}
	return out, nil
}
