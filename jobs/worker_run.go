package jobs

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs/store"
)

// workerRun is one Worker.Run: the components, wired together, and the
// state their job logic shares (revocations by name, workflow wake-ups).
// Each component owns its own state and goroutines and has a start and a
// stop; run is the one place that orders them.
//
//	claimer      takes jobs from the store into the runner pool
//	runner pool  runs handlers, Concurrency at a time
//	finisher     records outcomes in batches
//	heartbeater  extends leases, renews locks and presence
//	maintainer   recovers expired leases, prunes old jobs
//	revoke watch cancels running jobs on a revoke push
//	scheduler    fires periodic jobs
type workerRun struct {
	w    *Worker
	opts WorkerOptions
	st   store.Store
	log  *slog.Logger

	held    *heldJobs
	claimer *claimer
	pool    *runnerPool
	fin     *finisher
	beat    *heartbeater
	maint   *maintainer
	revoke  *revokeWatcher
	sched   *scheduler

	revokes revocations // by name: revoke.go
	wakeMu  sync.Mutex
	wakes   map[string][]string // job ID -> workflow steps to wake once its outcome is recorded
	recheck map[string][]string // deferred workflow step -> its dependencies, re-read once the deferral is recorded
	wakeN   atomic.Int64        // len(wakes) + len(recheck), read without the lock
	started time.Time

	// storeCtx carries store calls; it outlives the Run ctx for the
	// shutdown writes.
	storeCtx context.Context
}

func newRun(w *Worker) *workerRun {
	r := &workerRun{w: w, opts: w.opts, st: w.c.store, log: w.opts.Logger, held: newHeldJobs()}
	capacity := w.opts.Concurrency + w.opts.Prefetch
	r.pool = newRunnerPool(capacity)
	r.pool.runOne = r.runOne
	r.pool.giveBack = func(a *activeJob) { r.report(a, givenBack(r.opts.ID, a), false) }
	r.fin = newFinisher(capacity, r.finish)
	r.claimer = &claimer{
		st: r.st, opts: &r.opts, queues: w.queues, names: w.claimNames(), weights: w.weights, held: r.held,
		work: r.pool.work, log: r.log, onClaimed: r.refreshRevocations,
	}
	r.beat = &heartbeater{st: r.st, opts: &r.opts, held: r.held, log: r.log, extras: r.afterHeartbeat}
	r.maint = &maintainer{st: r.st, opts: &r.opts, log: r.log, reportRecovered: r.reportRecovered, afterRecover: newOrphans(r).check}
	r.revoke = &revokeWatcher{st: r.st, check: r.checkRevokes}
	r.sched = &scheduler{schedules: r.opts.Schedules, run: r.runSchedule}
	return r
}

// run starts the components, claims until ctx ends or the store closes,
// then shuts down in one order: stop firing schedules, give back the jobs
// that have not started, let running ones finish for the grace period
// (then cancel them), record the last outcomes, and stop the background
// components.
func (r *workerRun) run(ctx context.Context) error {
	r.storeCtx = context.WithoutCancel(ctx)
	r.claimer.storeCtx, r.beat.storeCtx, r.maint.storeCtx = r.storeCtx, r.storeCtx, r.storeCtx
	r.started = now()
	r.publishPresence()

	r.fin.start()
	r.pool.start(r.storeCtx, r.opts.Concurrency)
	r.beat.start()
	r.maint.start()
	r.revoke.start()
	r.sched.start()

	err := r.claimer.run(ctx)

	r.sched.halt()
	r.pool.stop(r.opts.Grace)
	r.fin.halt()
	r.revoke.halt()
	r.maint.halt()
	r.beat.halt()
	r.withdrawPresence()
	return err
}

// runOne runs one job and hands its outcome to the finisher. A handler
// that calls runtime.Goexit ends this goroutine: the job is then recorded
// as failed and a new runner takes this one's place.
func (r *workerRun) runOne(a *activeJob) {
	returned := false
	defer func() {
		if !returned {
			r.report(a, r.failed(store.Outcome{ID: a.job.ID, Owner: r.opts.ID}, a.job, r.w.defs[a.job.Name], spindle.ErrGoexit, 0), false)
			r.pool.replace()
		}
	}()
	var o store.Outcome
	skip := false
	if r.pool.stoppingNow() {
		o = givenBack(r.opts.ID, a)
	} else {
		o, skip = r.execute(a)
	}
	returned = true
	r.report(a, o, skip)
}

// report hands an outcome to the finisher and frees the job's slot.
func (r *workerRun) report(a *activeJob, o store.Outcome, skip bool) {
	if skip {
		r.held.forget(a.job.ID)
	} else {
		r.fin.outcomes <- o
	}
	r.held.slotFreed()
}

// afterHeartbeat renews the running jobs' locks, checks for revoke
// requests and renews the worker's presence.
func (r *workerRun) afterHeartbeat(held []*activeJob) {
	if len(held) > 0 {
		r.renewLocks(held, now().Add(r.opts.LeaseDuration))
		r.checkRevokes()
	}
	r.publishPresence()
}
