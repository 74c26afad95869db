package spindle

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Pipeline is the producer/consumer controller: one source feeds a bounded
// work queue, Workers goroutines run Work on each item, a bounded result
// queue feeds Handlers goroutines that call OnResult, and OnDone hears once
// that everything has finished, with statistics.
//
// Configure it with a composite literal, then call [Pipeline.Run] or
// [Pipeline.RunChan]. A Pipeline is only read by Run, so one value may serve
// any number of runs, concurrently, as long as nobody changes its fields
// meanwhile. Run copies the fields when it starts.
//
// Memory stays bounded however many items flow through: at most
// WorkQueue + Workers + ResultQueue + Handlers + 1 items are held at once,
// and reading the source pauses while the work queue is full. Each item
// costs one channel handoff to a worker, one more to a handler when
// OnResult is set, and no allocation; a run costs its goroutines and
// queues, allocated once.
//
// Failures of Work follow StopOnError. By default they are counted and
// passed to OnResult like any result, and the other items go on. With
// StopOnError the first failure cancels the run, with that failure as the
// cause (see [context.Cause]) of the ctx every Work call sees. Panics in
// Work, OnResult or the source are recovered into a [*PanicError] and
// reported the same way; they never crash the process and are never lost.
type Pipeline[In, Out any] struct {
	// Work turns one item into a result. It is required. Workers calls run
	// at once, each on its own goroutine. Its ctx is canceled, with the
	// cause, when the run stops early (the caller's ctx ended, or the first
	// failure under StopOnError); Work should then return promptly, since
	// Run waits for every call to return.
	Work func(ctx context.Context, in In) (Out, error)

	// Workers is the number of goroutines running Work, and so the limit
	// on concurrent Work calls. It must be 1 or more.
	Workers int

	// WorkQueue is how many items read from the source may wait for a free
	// worker. 0 means Workers, enough to keep every worker busy while the
	// source produces the next item.
	WorkQueue int

	// OnResult, when set, is called exactly once for every item read from
	// the source, in the order results become available (use Index for the
	// source order): with Work's result, with its failure, or, for an item
	// the run stopped before starting, with an error matching
	// [ErrPipelineSkipped]. Results already computed are still handed over
	// when the run stops early, so Run returns only after OnResult has seen
	// every item read.
	//
	// OnResult runs on Handlers goroutines at once; with the default of one
	// handler the calls never overlap and OnResult needs no locking. A
	// slow OnResult holds up the workers once the result queue is full.
	// When OnResult is nil there is no result stage at all.
	OnResult func(PipelineResult[In, Out])

	// Handlers is the number of goroutines calling OnResult. 0 means 1.
	// It must be 0 when OnResult is nil.
	Handlers int

	// ResultQueue is how many results may wait for a free handler. 0 means
	// Workers, so every worker can hand over a result without waiting. It
	// must be 0 when OnResult is nil.
	ResultQueue int

	// StopOnError makes the first failure stop the run: no further item is
	// read or started, running Work calls see their ctx canceled with that
	// failure as the cause, and Run returns it.
	//
	// When false (the default), failures are counted in
	// [PipelineStats].Failed, handed to OnResult, and the run goes on. A
	// failure that OnResult cannot be told about (OnResult is nil, or
	// OnResult itself panicked, or the source panicked) is returned by Run
	// instead: the first such failure, while the counters have them all.
	StopOnError bool

	// OnDone, when set, is called once, on the goroutine that called Run,
	// after every goroutine the run started has exited, with the statistics
	// and the error Run is about to return. It is the asyncio
	// producer/consumer controller's job-completed callback; the same values are also Run's return values.
	OnDone func(PipelineStats, error)
}

// PipelineResult is the outcome of one item, as handed to OnResult.
type PipelineResult[In, Out any] struct {
	// Index is the position of In in the source, counting from 0.
	Index int
	In    In
	// Out is what Work returned, even alongside an error; it is the zero
	// value when Work panicked or was never started.
	Out Out
	// Err is Work's error (a [*CanceledError] with the cause when Work
	// returned a context error after the run was stopped), a [*PanicError],
	// [ErrGoexit], or for an item never started an error matching both
	// [ErrPipelineSkipped] and the [*CanceledError] of the stop.
	Err error
}

// PipelineStats summarizes a run. Read == Done + Failed + Skipped always.
//
// There is deliberately no per-item timing: reading the clock twice per
// item costs more than the rest of the pipeline's per-item overhead on
// some machines. Work that wants its duration measures it and returns it
// in Out.
type PipelineStats struct {
	// Elapsed is the wall time from the start of Run until every goroutine
	// it started had exited.
	Elapsed time.Duration
	// Read is the number of items taken from the source.
	Read int
	// Done is the number of items whose Work returned a nil error.
	Done int
	// Failed is the number of items whose Work returned an error, panicked
	// or called runtime.Goexit.
	Failed int
	// Skipped is the number of items read but never started because the
	// run was stopped first.
	Skipped int
	// HandlerPanics is the number of OnResult calls that panicked or called
	// runtime.Goexit.
	HandlerPanics int
}

// ErrPipelineSkipped marks the result of an item that was read from the
// source but never started because the run stopped first. The same error
// also matches the stop's [*CanceledError], so errors.Is(err,
// context.Canceled) and errors.Is(err, cause) hold too. With a channel
// source such items have already been received from the channel: OnResult
// is where the caller learns about them and can hand them back.
var ErrPipelineSkipped = errors.New("spindle: pipeline item skipped: the run stopped before it started")

// Run reads items on the calling goroutine, feeding them to the workers, and
// blocks until every item read has been worked and handed to OnResult, or
// the run has stopped and drained. When Run returns, every goroutine it
// started has exited.
//
// Run returns nil when every item of the source was worked and every
// failure was handed to OnResult. Otherwise it returns, in this order: the
// first failure under StopOnError; the first failure no callback could
// report (see StopOnError); and, when ctx ended before the source was
// exhausted, a [*CanceledError] carrying [context.Cause] of ctx (joined
// with the failure, if any, when StopOnError is false). A Pipeline with an
// invalid configuration returns an error naming the field, without starting
// anything.
//
// Reading stops as soon as ctx ends. items is then asked for no further
// element, but an element it is computing at that moment is awaited: an
// iterator that blocks for long should watch ctx itself, or use
// [Pipeline.RunChan]. If items panics, the panic ends the source and is
// reported like a failure.
func (p *Pipeline[In, Out]) Run(ctx context.Context, items iter.Seq[In]) (PipelineStats, error) {
	if items == nil {
		return PipelineStats{}, errors.New("spindle: Pipeline.Run: items is nil: want an iter.Seq yielding the items (slices.Values for a slice)")
	}
	return p.run(ctx, func(r *pipeRun[In, Out]) {
		if !r.live() {
			return
		}
		for v := range items {
			r.send(v)
			if !r.live() {
				return
			}
		}
	})
}

// RunChan is [Pipeline.Run] for a channel source: it receives items until
// the channel is closed or ctx ends, whichever comes first, and never
// waits on the channel after ctx has ended. Items received but not started
// when the run stops are handed to OnResult as skipped (see
// [ErrPipelineSkipped]), so none is lost silently.
func (p *Pipeline[In, Out]) RunChan(ctx context.Context, items <-chan In) (PipelineStats, error) {
	if items == nil {
		return PipelineStats{}, errors.New("spindle: Pipeline.RunChan: items is a nil channel, which would never deliver anything: want a channel the producer closes when done")
	}
	return p.run(ctx, func(r *pipeRun[In, Out]) {
		for r.live() {
			select {
			case v, ok := <-items:
				if !ok {
					return
				}
				r.send(v)
			case <-r.done:
			}
		}
	})
}

// validate reports the first field that cannot work, and what it accepts.
func (p *Pipeline[In, Out]) validate() error {
	switch {
	case p.Work == nil:
		return errors.New("spindle: Pipeline.Work is nil: want the function that turns each item into a result")
	case p.Workers < 1:
		return fmt.Errorf("spindle: Pipeline.Workers is %d: want 1 or more (the number of goroutines running Work)", p.Workers)
	case p.WorkQueue < 0:
		return fmt.Errorf("spindle: Pipeline.WorkQueue is %d: want 0 (the default, Workers) or more", p.WorkQueue)
	case p.Handlers < 0:
		return fmt.Errorf("spindle: Pipeline.Handlers is %d: want 0 (the default, 1) or more", p.Handlers)
	case p.ResultQueue < 0:
		return fmt.Errorf("spindle: Pipeline.ResultQueue is %d: want 0 (the default, Workers) or more", p.ResultQueue)
	case p.OnResult == nil && p.Handlers != 0:
		return fmt.Errorf("spindle: Pipeline.Handlers is %d but OnResult is nil: handlers only call OnResult; set OnResult or leave Handlers at 0", p.Handlers)
	case p.OnResult == nil && p.ResultQueue != 0:
		return fmt.Errorf("spindle: Pipeline.ResultQueue is %d but OnResult is nil: the queue only feeds OnResult; set OnResult or leave ResultQueue at 0", p.ResultQueue)
	}
	return nil
}
