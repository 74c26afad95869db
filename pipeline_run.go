package spindle

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// pipeItem is an item on its way from the source to a worker.
type pipeItem[In any] struct {
	index int
	in    In
}

// pipeTally holds one goroutine's counters, merged into the run's when the
// goroutine exits, so the hot path shares no memory between workers.
type pipeTally struct {
	done, failed, skipped, handlerPanics int
}

func (t *pipeTally) add(o pipeTally) {
	t.done += o.done
	t.failed += o.failed
	t.skipped += o.skipped
	t.handlerPanics += o.handlerPanics
}

// pipeRun is one run of a Pipeline: its queues, goroutines and outcome.
type pipeRun[In, Out any] struct {
	p       Pipeline[In, Out] // a copy, so changes to the caller's value do not reach a running pipeline
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    <-chan struct{}
	work    chan pipeItem[In]
	results chan PipelineResult[In, Out] // nil when OnResult is nil

	workers  sync.WaitGroup
	handlers sync.WaitGroup

	// Written by the producer (the goroutine calling Run) only.
	read    int
	stopped bool // reading stopped because ctx ended

	errOnce sync.Once
	err     error // the first failure to report, see Pipeline.StopOnError

	mu    sync.Mutex
	tally pipeTally
}

func (p *Pipeline[In, Out]) run(ctx context.Context, feed func(*pipeRun[In, Out])) (PipelineStats, error) {
	if err := p.validate(); err != nil {
		return PipelineStats{}, err
	}
	start := time.Now()
	r := &pipeRun[In, Out]{p: *p}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	r.done = r.ctx.Done()
	r.work = make(chan pipeItem[In], pipeOr(p.WorkQueue, p.Workers))
	r.workers.Add(p.Workers)
	for range p.Workers {
		go r.worker()
	}
	if p.OnResult != nil {
		r.results = make(chan PipelineResult[In, Out], pipeOr(p.ResultQueue, p.Workers))
		handlers := pipeOr(p.Handlers, 1)
		r.handlers.Add(handlers)
		for range handlers {
			go r.handler()
		}
	}

	returned := false
	defer func() {
		if !returned {
			// The source called runtime.Goexit (t.FailNow, say), which
			// cannot be stopped: still stop and wait for everything the run
			// started before this goroutine goes.
			r.cancel(ErrGoexit)
			r.wait()
		}
	}()
	r.produce(feed)
	r.wait()
	returned = true

	stats := PipelineStats{
		Elapsed:       time.Since(start),
		Read:          r.read,
		Done:          r.tally.done,
		Failed:        r.tally.failed,
		Skipped:       r.tally.skipped,
		HandlerPanics: r.tally.handlerPanics,
	}
	err := r.outcome()
	r.cancel(nil)
	if r.p.OnDone != nil {
		err = pipeCallOnDone(r.p.OnDone, stats, err)
	}
	return stats, err
}

// produce runs the source on the calling goroutine, then closes the work
// queue, whatever way the source ends.
func (r *pipeRun[In, Out]) produce(feed func(*pipeRun[In, Out])) {
	defer close(r.work)
	defer func() {
		if v := recover(); v != nil {
			r.report(&PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	feed(r)
}

// send queues an item. It cannot block for good: workers keep receiving
// until the queue is closed, skipping items once the run is stopped.
func (r *pipeRun[In, Out]) send(v In) {
	r.work <- pipeItem[In]{index: r.read, in: v}
	r.read++
}

// live reports whether the source may be read further, and records when it
// may not.
func (r *pipeRun[In, Out]) live() bool {
	select {
	case <-r.done:
		r.stopped = true
		return false
	default:
		return true
	}
}

// wait returns once every worker and handler has exited. The producer must
// have closed the work queue.
func (r *pipeRun[In, Out]) wait() {
	r.workers.Wait()
	if r.results != nil {
		close(r.results)
		r.handlers.Wait()
	}
}

func (r *pipeRun[In, Out]) worker() {
	var t pipeTally
	exited := false
	defer func() {
		r.merge(t)
		if !exited {
			// Work called runtime.Goexit; its item has been reported.
			// Replace this worker so the run keeps its concurrency.
			r.workers.Add(1)
			go r.worker()
		}
		r.workers.Done()
	}()
	for it := range r.work {
		r.process(it, &t)
	}
	exited = true
}

// process works one item and hands its result on. The result is delivered
// from a deferred call so that a panic or runtime.Goexit in Work still
// reports the item.
func (r *pipeRun[In, Out]) process(it pipeItem[In], t *pipeTally) {
	res := PipelineResult[In, Out]{Index: it.index, In: it.in}
	select {
	case <-r.done:
		t.skipped++
		res.Err = pipeSkipped(r.ctx)
		r.deliver(res)
		return
	default:
	}
	returned := false
	defer func() {
		if !returned {
			res.Err = pipeRecovered(recover())
		}
		if res.Err == nil {
			t.done++
		} else {
			t.failed++
			r.workFailed(res.Err)
		}
		r.deliver(res)
	}()
	res.Out, res.Err = r.p.Work(r.ctx, it.in)
	res.Err = settleErr(r.ctx, res.Err)
	returned = true
}

// workFailed reports a failure of Work where OnResult cannot, or where the
// policy says to stop. A cancellation that follows from the run being
// stopped is not a failure of its own: the stop is already reported.
func (r *pipeRun[In, Out]) workFailed(err error) {
	if !r.p.StopOnError && r.p.OnResult != nil {
		return
	}
	var ce *CanceledError
	if r.ctx.Err() != nil && errors.As(err, &ce) {
		return
	}
	r.report(err)
}

func (r *pipeRun[In, Out]) deliver(res PipelineResult[In, Out]) {
	if r.results != nil {
		r.results <- res
	}
}

func (r *pipeRun[In, Out]) handler() {
	var t pipeTally
	exited := false
	defer func() {
		r.merge(t)
		if !exited {
			// OnResult called runtime.Goexit: replace this handler so the
			// remaining results are still delivered.
			r.handlers.Add(1)
			go r.handler()
		}
		r.handlers.Done()
	}()
	for res := range r.results {
		r.handle(res, &t)
	}
	exited = true
}

func (r *pipeRun[In, Out]) handle(res PipelineResult[In, Out], t *pipeTally) {
	returned := false
	defer func() {
		if !returned {
			t.handlerPanics++
			r.report(pipeRecovered(recover()))
		}
	}()
	r.p.OnResult(res)
	returned = true
}

// report records the run's first failure and, under StopOnError, stops the
// run with it as the cause.
func (r *pipeRun[In, Out]) report(err error) {
	r.errOnce.Do(func() {
		r.err = err
		if r.p.StopOnError {
			r.cancel(err)
		}
	})
}

func (r *pipeRun[In, Out]) merge(t pipeTally) {
	r.mu.Lock()
	r.tally.add(t)
	r.mu.Unlock()
}

// outcome is the error Run returns; see Pipeline.Run.
func (r *pipeRun[In, Out]) outcome() error {
	cut := r.stopped || r.tally.skipped > 0
	switch {
	case r.err != nil && cut && !r.p.StopOnError:
		return errors.Join(r.err, interrupted(r.ctx, nil))
	case r.err != nil:
		return r.err
	case cut:
		return interrupted(r.ctx, nil)
	}
	return nil
}

// pipeRecovered turns what recover returned in a deferred call that ran
// without its function returning into the error to report: a panic, or,
// when there is no panic value, runtime.Goexit.
func pipeRecovered(v any) error {
	if v == nil {
		return ErrGoexit
	}
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// pipeSkipped is the error of an item the run stopped before starting.
func pipeSkipped(ctx context.Context) error {
	return fmt.Errorf("%w (%w)", ErrPipelineSkipped, interrupted(ctx, nil))
}

func pipeCallOnDone(onDone func(PipelineStats, error), stats PipelineStats, err error) (result error) {
	defer func() {
		if v := recover(); v != nil {
			result = errors.Join(err, &PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	onDone(stats, err)
	return err
}

// pipeOr returns n, or def when n is 0.
func pipeOr(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}
