package spindle

import (
	"context"
	"fmt"
	"iter"
	"runtime"
)

// Concurrent runs the units that units produces, at most a limit of them at
// once, and yields their results as they become available: bounded fan-out
// over a stream of work of any length, with results streamed back to the
// loop (errgroup.SetLimit that returns values).
//
//	for v, err := range spindle.Concurrent(ctx, units, spindle.ConcurrentLimit(3)) {
//		if err != nil {
//			return err // the iteration is over: see below
//		}
//		use(v)
//	}
//
// # Sources
//
// The source is pulled on a goroutine of its own, one unit at a time, and
// only while fewer than 4×limit units are pulled and not yet yielded (see
// below), so a generator may be slow, infinite, or fed as results arrive,
// and a source that blocks never holds back results that are ready. Up to
// limit pulled units may wait for a slot, so that when many units return
// together the next ones start at once. Concurrent
// takes an iter.Seq (a sync generator, slices.Values of a slice of funcs);
// [ConcurrentSeq2] takes a source that can fail; [ConcurrentChan] takes a
// channel fed by another goroutine (the async generator). Three functions
// rather than a source adapter keep the call site short for the common case.
//
// A unit is a func(ctx) (T, error). Its ctx is derived from ctx and is
// cancelled, with a cause saying why (see [context.Cause]), when the
// iteration ends early. To match results to inputs, let the unit return
// what identifies its input (the closure has it at hand), use
// [ConcurrentOrdered], or read Index from the error types, which carry the
// unit's position in the source.
//
// # Limit and backpressure
//
// [ConcurrentLimit] sets the limit; the default is min(32, runtime.NumCPU()+4)
// and -1 means no limit. A unit holds its slot from the moment it starts
// until it returns, so at most limit units run at once and a unit starts as
// soon as a slot frees, whatever the loop body is doing. A slow consumer
// still holds back the work: at most 4×limit units are pulled and not yet
// yielded (so at most 4×limit finished results wait, counting the one the
// loop body has), and once that many are, nothing else is pulled from the
// source until the loop body takes the next. An invalid
// limit (0, or below -1) is reported as the first and only element, an error
// wrapping [ErrConcurrentLimit]; nothing is run.
//
// # Errors
//
// A unit that returns an error, panics or calls runtime.Goexit is reported
// as a [*ConcurrentExecutionError]; a unit that cannot be started (a nil
// func) as a [*ConcurrentError]. By default the first of them is yielded, as
// the last element, with the zero T, and ends the iteration; under
// [ConcurrentYieldErrors] each is yielded in the results, with whatever
// value the unit returned beside it, and the iteration goes on. A failing
// source ([*ConcurrentIteratorError]) always ends the iteration at once.
// When ctx ends, the iteration ends with a [*CanceledError] carrying the
// cause of ctx as the last element.
//
// # Ending
//
// Once a unit has failed in a way that ends the iteration, no unit after it
// in the source is started or pulled.
//
// When the iteration ends for any reason (the source is exhausted, an error,
// ctx, or the loop body breaks out, returns or panics), nothing more is
// pulled from the source, units already pulled but not started are dropped
// without running, running units are cancelled (cause: the error, the cause
// of ctx, or [ErrConcurrentStopped]) and the iterator returns only after
// every unit it started has returned. A unit that ignores its ctx therefore
// delays the end of the loop, as with errgroup. A channel source is no
// longer received from. An iter.Seq that is blocked inside its own code
// cannot be interrupted: it is abandoned, and the goroutine ranging over it
// ends as soon as it yields again (yield then returns false and the unit is
// not run) or returns.
//
// yield is only ever called on the goroutine ranging over the iterator,
// which may therefore use its own state without locks. The iterator may be
// ranged over more than once: each range pulls the source again.
//
// # Cost
//
// A fixed set of at most limit worker goroutines, started as work needs
// them, runs the units; each takes the next unit as soon as it finishes one
// and hands results back in batches to the ranging goroutine, so there is no
// goroutine and no allocation per unit beyond the unit itself.
// docs/benchmarks.md compares Concurrent with worker pools.
func Concurrent[T any](ctx context.Context, units iter.Seq[func(context.Context) (T, error)], opts ...ConcurrentOption) iter.Seq2[T, error] {
	var src concSource[T]
	if units != nil {
		src = func(r *concRun[T]) error {
			for u := range units {
				if !r.admit(u) {
					break
				}
			}
			return nil
		}
	}
	return concIterate(ctx, src, opts)
}

// ConcurrentSeq2 is [Concurrent] over a source that can fail: a pair whose
// error is not nil means the source itself failed (its unit is ignored), and
// ends the iteration at once with a [*ConcurrentIteratorError] wrapping that
// error, whatever [ConcurrentYieldErrors] says. Rows read from a database
// and turned into units are the typical case.
func ConcurrentSeq2[T any](ctx context.Context, units iter.Seq2[func(context.Context) (T, error), error], opts ...ConcurrentOption) iter.Seq2[T, error] {
	var src concSource[T]
	if units != nil {
		src = func(r *concRun[T]) error {
			for u, err := range units {
				if err != nil {
					return err
				}
				if !r.admit(u) {
					break
				}
			}
			return nil
		}
	}
	return concIterate(ctx, src, opts)
}

// ConcurrentChan is [Concurrent] over a channel fed by another goroutine,
// the counterpart of an async generator. The source ends when the channel
// is closed. When the iteration ends, the channel is no longer received
// from at once; units still in it, and any sent later, are left to the
// sender, who should therefore select on its own ctx (or on ctx) when it
// sends. A nil channel is reported as a [*ConcurrentIteratorError].
func ConcurrentChan[T any](ctx context.Context, units <-chan func(context.Context) (T, error), opts ...ConcurrentOption) iter.Seq2[T, error] {
	var src concSource[T]
	if units != nil {
		src = func(r *concRun[T]) error {
			for {
				var u func(context.Context) (T, error)
				var ok bool
				select {
				case u, ok = <-units:
				default:
					select {
					case u, ok = <-units:
					case <-r.stopCh:
						return nil
					}
				}
				if !ok || !r.admit(u) {
					return nil
				}
			}
		}
	}
	return concIterate(ctx, src, opts)
}

// ConcurrentOption configures [Concurrent], [ConcurrentSeq2] and
// [ConcurrentChan].
type ConcurrentOption func(*concConfig)

// ConcurrentLimit sets how many units may run at once: a positive number,
// or -1 for no limit (every unit starts as soon as it is pulled, and results
// wait for the consumer without bound). The default is
// min(32, runtime.NumCPU()+4). Any other value makes the iteration yield
// one error wrapping [ErrConcurrentLimit] and run nothing.
func ConcurrentLimit(n int) ConcurrentOption {
	return func(c *concConfig) { c.limit = n }
}

// ConcurrentYieldErrors makes unit failures ([*ConcurrentExecutionError],
// [*ConcurrentError]) elements of the results instead of the end of the
// iteration. A failing source and the end of ctx still end it.
func ConcurrentYieldErrors() ConcurrentOption {
	return func(c *concConfig) { c.yieldErrors = true }
}

// ConcurrentOrdered yields the results in source order instead of as they
// become available. Results that finish ahead of an earlier unit wait in a
// reorder buffer; since at most 4×limit units are pulled and not yet
// yielded, the buffer holds at most 4×limit-1 results, and when it is full
// no new unit is pulled or started until the earliest one finishes and is
// yielded (with no limit, the buffer is not bounded either). A unit failure
// is reported at its position, after the results before it, so the outcome
// matches a sequential loop.
func ConcurrentOrdered() ConcurrentOption {
	return func(c *concConfig) { c.ordered = true }
}

type concConfig struct {
	limit       int
	yieldErrors bool
	ordered     bool
}

// concDefaultLimit is aio.tasks' default, itself the default of Python's
// ThreadPoolExecutor: enough to overlap I/O without flooding a peer.
func concDefaultLimit() int { return min(32, runtime.NumCPU()+4) }

func concNewConfig(opts []ConcurrentOption) (concConfig, error) {
	c := concConfig{limit: concDefaultLimit()}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.limit == 0 || c.limit < -1 {
		return c, fmt.Errorf("%w (got %d)", ErrConcurrentLimit, c.limit)
	}
	return c, nil
}
