package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// runnerPool is the component that runs handlers: Concurrency goroutines
// take jobs from work, each under a per-attempt ctx derived from jobsCtx.
// At shutdown it gives the jobs that have not started back to their
// queues at once, lets running ones finish for the grace period, then
// cancels them with ErrShutdown.
type runnerPool struct {
	work     chan *activeJob
	stopping chan struct{} // closed at shutdown: unstarted jobs go back
	wg       sync.WaitGroup
	// runOne runs one job to its outcome and reports it; it may end its
	// goroutine with runtime.Goexit, after calling replace.
	runOne func(a *activeJob)
	// giveBack reports an unstarted job's outcome: back to its queue.
	giveBack func(a *activeJob)
	// jobsCtx is the parent of handler contexts; cancelJobs ends it.
	jobsCtx    context.Context
	cancelJobs context.CancelCauseFunc
}

func newRunnerPool(capacity int) *runnerPool {
	return &runnerPool{work: make(chan *activeJob, capacity), stopping: make(chan struct{})}
}

// start launches n runners; parent is what handler contexts derive from.
func (p *runnerPool) start(parent context.Context, n int) {
	p.jobsCtx, p.cancelJobs = context.WithCancelCause(parent)
	for range n {
		p.wg.Go(p.runner)
	}
}

// runner runs jobs from work until it is closed.
func (p *runnerPool) runner() {
	for a := range p.work {
		p.runOne(a)
	}
}

// replace starts a runner in place of one whose handler called
// runtime.Goexit, so the pool keeps its size.
func (p *runnerPool) replace() { p.wg.Go(p.runner) }

// stoppingNow reports whether shutdown has begun.
func (p *runnerPool) stoppingNow() bool {
	select {
	case <-p.stopping:
		return true
	default:
		return false
	}
}

// stop gives every job that has not started back, waits for running
// handlers for up to grace, then cancels them with ErrShutdown and waits
// for them to return. It is called once, after the claimer stopped.
func (p *runnerPool) stop(grace time.Duration) {
	close(p.stopping)
	close(p.work)
	for a := range p.work {
		p.giveBack(a)
	}
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		p.cancelJobs(ErrShutdown)
		<-done
	}
	p.cancelJobs(nil)
}

// givenBack is the outcome of a job handed back unstarted.
func givenBack(workerID string, a *activeJob) store.Outcome {
	return store.Outcome{ID: a.job.ID, Owner: workerID, State: store.Queued, FinishedAt: now()}
}
