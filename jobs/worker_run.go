package jobs

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs/store"
)

// finishBatchMax caps how many outcomes one Finish call records.
const finishBatchMax = 512

// finalFlushBudget bounds how long a stopping worker keeps retrying to
// record its last outcomes; past it the leases expire and the jobs run
// again elsewhere.
const finalFlushBudget = 5 * time.Second

// activeJob is a job the worker holds a lease on: claimed and not yet
// recorded.
type activeJob struct {
	job    *store.Job
	mu     sync.Mutex
	cancel context.CancelCauseFunc // set while the handler runs
	lost   bool
	// revoked is the reason a revoke was requested; lock the lease key
	// of the job's lock while it holds it (renewed by heartbeats).
	revoked string
	lock    string
}

// markLost records that the lease is gone and stops the handler if it
// runs.
func (a *activeJob) markLost() {
	a.mu.Lock()
	a.lost = true
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel(ErrLeaseLost)
	}
}

// workerRun is the state of one Worker.Run.
type workerRun struct {
	w        *Worker
	opts     WorkerOptions
	st       store.Store
	log      *slog.Logger
	capacity int          // Concurrency + Prefetch: the most jobs held at once
	avgRun   atomic.Int64 // moving average of handler durations, ns; 0 until known

	runners sync.WaitGroup

	revokes revocations // by name: revoke.go
	wakeMu  sync.Mutex
	wakes   map[string][]string // job ID -> workflow steps to wake once its outcome is recorded
	recheck map[string][]string // deferred workflow step -> its dependencies, re-read once the deferral is recorded
	wakeN   atomic.Int64        // len(wakes) + len(recheck), read without the lock
	started time.Time

	heldMu sync.Mutex
	held   map[string]*activeJob

	busy     atomic.Int64 // claimed and not yet run
	freed    chan struct{}
	work     chan *activeJob
	outcomes chan store.Outcome
	stopping chan struct{} // closed at shutdown: unstarted jobs go back
	extras   chan struct{} // heartbeat -> heartbeatExtras

	storeCtx   context.Context // store calls; outlives the Run ctx for the shutdown writes
	jobsCtx    context.Context // parent of handler contexts; cancelled when grace runs out
	jobsCancel context.CancelCauseFunc
}

func newRun(w *Worker) *workerRun {
	capacity := w.opts.Concurrency + w.opts.Prefetch
	return &workerRun{
		w: w, opts: w.opts, st: w.c.store, log: w.opts.Logger,
		capacity: capacity,
		held:     make(map[string]*activeJob),
		freed:    make(chan struct{}, 1),
		work:     make(chan *activeJob, capacity),
		outcomes: make(chan store.Outcome, capacity),
		stopping: make(chan struct{}),
		extras:   make(chan struct{}, 1),
	}
}

func (r *workerRun) run(ctx context.Context) error {
	r.storeCtx = context.WithoutCancel(ctx)
	r.jobsCtx, r.jobsCancel = context.WithCancelCause(r.storeCtx)
	defer r.jobsCancel(nil)

	var background sync.WaitGroup
	for range r.opts.Concurrency {
		r.runners.Go(r.runner)
	}
	finisherDone := make(chan struct{})
	go func() {
		defer close(finisherDone)
		r.finisher()
	}()
	bgStop := make(chan struct{})
	r.started = now()
	r.publishPresence()
	background.Go(func() { r.heartbeat(bgStop) })
	background.Go(func() { r.heartbeatExtras(bgStop) })
	background.Go(func() { r.maintain(bgStop) })
	// Subscribe before the first claim: a revoke made just after Run starts
	// must not wait for a heartbeat to be noticed.
	revoked, stopRevoked := r.st.Revoked()
	defer stopRevoked()
	background.Go(func() { r.watchRevokes(revoked, bgStop) })
	schedStop := make(chan struct{})
	var schedulers sync.WaitGroup
	for _, sc := range r.opts.Schedules {
		schedulers.Go(func() { r.runSchedule(sc, schedStop) })
	}

	err := r.claimLoop(ctx)
	close(schedStop)
	schedulers.Wait()

	// Graceful shutdown: jobs waiting for a slot go back at once, so other
	// workers can take them while the running ones finish.
	close(r.stopping)
	close(r.work)
	for a := range r.work {
		r.report(a, store.Outcome{ID: a.job.ID, Owner: r.opts.ID, State: store.Queued, FinishedAt: now()}, false)
	}
	runnersDone := make(chan struct{})
	go func() {
		r.runners.Wait()
		close(runnersDone)
	}()
	grace := time.NewTimer(r.opts.Grace)
	select {
	case <-runnersDone:
	case <-grace.C:
		r.jobsCancel(ErrShutdown)
		<-runnersDone
	}
	grace.Stop()
	close(r.outcomes)
	<-finisherDone
	close(bgStop)
	background.Wait()
	r.withdrawPresence()
	return err
}

// claimLoop claims jobs into r.work until ctx ends or the store closes.
func (r *workerRun) claimLoop(ctx context.Context) error {
	ready, stopReady := r.st.Ready(r.w.queues)
	defer stopReady()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	delay := time.Millisecond
	more := true // the queues may hold claimable jobs
	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		prefetch := r.prefetch()
		busy := int(r.busy.Load())
		free := r.opts.Concurrency + prefetch - busy
		// While work is plentiful, wait until a worthwhile batch is free.
		want := max(1, min(r.opts.ClaimBatch, prefetch))
		if busy == 0 {
			want = 1
		}
		if more && free >= want {
			limit := min(free, r.opts.ClaimBatch)
			got, err := r.claim(limit)
			if err != nil {
				if errors.Is(err, store.ErrClosed) {
					return err
				}
				failures++
				r.log.Warn("jobs: worker: claim failed", "worker", r.opts.ID, "err", err, "failures", failures)
				more = false
				delay = min(time.Duration(failures)*10*time.Millisecond, time.Second)
			} else {
				failures = 0
				if len(got) > 0 {
					r.refreshRevocations()
				}
				for _, j := range got {
					a := &activeJob{job: j}
					r.heldMu.Lock()
					r.held[j.ID] = a
					r.heldMu.Unlock()
					r.busy.Add(1)
					r.work <- a // never blocks: busy <= capacity = cap(work)
				}
				if len(got) == limit {
					continue
				}
				more = false
				if len(got) > 0 {
					delay = time.Millisecond
				}
			}
			timer.Reset(delay)
		}
		var freed chan struct{}
		if more {
			freed = r.freed
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ready:
			more = true
		case <-freed:
		case <-timer.C:
			more = true
			delay = min(delay*2, r.opts.PollInterval)
		}
	}
}

// prefetchWindow is how much work, in time, a worker may hold beyond its
// running jobs.
const prefetchWindow = 10 * time.Millisecond

// prefetch returns how many jobs may wait for a slot now: what the slots
// finish in prefetchWindow at the recent average duration, capped by
// WorkerOptions.Prefetch, and none until a duration is known.
func (r *workerRun) prefetch() int {
	avg := r.avgRun.Load()
	if avg <= 0 || r.opts.Prefetch == 0 {
		return 0
	}
	n := int64(r.opts.Concurrency) * int64(prefetchWindow) / avg
	return int(min(n, int64(r.opts.Prefetch)))
}

// observeRun folds one handler duration into the moving average.
func (r *workerRun) observeRun(d time.Duration) {
	if d <= 0 {
		d = 1
	}
	for {
		old := r.avgRun.Load()
		nw := int64(d)
		if old > 0 {
			nw = old + (int64(d)-old)/8
		}
		if r.avgRun.CompareAndSwap(old, nw) {
			return
		}
	}
}

// claim takes up to limit jobs, starting from a queue picked by weight.
func (r *workerRun) claim(limit int) ([]*store.Job, error) {
	t := now()
	req := store.ClaimRequest{Queues: r.w.queues, Limit: limit, Owner: r.opts.ID, Now: t, LeaseUntil: t.Add(r.opts.LeaseDuration), Names: r.w.claimNames()}
	if len(req.Names) == 0 {
		return nil, nil // no definitions: nothing this worker could run
	}
	if len(r.w.queues) == 1 {
		return r.st.Claim(r.storeCtx, req)
	}
	first := pickWeighted(r.w.weights, rand.IntN)
	req.Queues = r.w.queues[first : first+1]
	got, err := r.st.Claim(r.storeCtx, req)
	if err != nil || len(got) == limit {
		return got, err
	}
	rest := make([]string, 0, len(r.w.queues)-1)
	rest = append(rest, r.w.queues[:first]...)
	rest = append(rest, r.w.queues[first+1:]...)
	req.Queues, req.Limit = rest, limit-len(got)
	more, err := r.st.Claim(r.storeCtx, req)
	return append(got, more...), err
}

// pickWeighted returns an index with probability proportional to its
// weight; intn is rand.IntN (injectable for tests).
func pickWeighted(weights []int, intn func(int) int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := intn(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// runner runs jobs from r.work until it is closed.
func (r *workerRun) runner() {
	for a := range r.work {
		r.runOne(a)
	}
}

// runOne runs one job and hands its outcome to the finisher. A handler
// that calls runtime.Goexit ends this goroutine: the job is then recorded
// as failed and a new runner takes this one's place.
func (r *workerRun) runOne(a *activeJob) {
	returned := false
	defer func() {
		if !returned {
			r.report(a, r.failed(store.Outcome{ID: a.job.ID, Owner: r.opts.ID}, a.job, r.w.defs[a.job.Name], spindle.ErrGoexit, 0), false)
			r.runners.Go(r.runner)
		}
	}()
	var o store.Outcome
	skip := false
	select {
	case <-r.stopping:
		o = store.Outcome{ID: a.job.ID, Owner: r.opts.ID, State: store.Queued, FinishedAt: now()}
	default:
		o, skip = r.execute(a)
	}
	returned = true
	r.report(a, o, skip)
}

// report hands an outcome to the finisher and frees the job's slot.
func (r *workerRun) report(a *activeJob, o store.Outcome, skip bool) {
	if skip {
		r.release(a.job.ID)
	} else {
		r.outcomes <- o
	}
	r.busy.Add(-1)
	select {
	case r.freed <- struct{}{}:
	default:
	}
}

// release forgets a job whose lease is no longer ours to extend.
func (r *workerRun) release(ids ...string) {
	r.heldMu.Lock()
	for _, id := range ids {
		delete(r.held, id)
	}
	r.heldMu.Unlock()
}

// finisher records outcomes in batches: while one Finish is in flight the
// next outcomes gather, so under load one write records hundreds of jobs
// and when idle an outcome is written at once.
func (r *workerRun) finisher() {
	batch := make([]store.Outcome, 0, finishBatchMax)
	for o := range r.outcomes {
		batch = append(batch[:0], o)
	drain:
		for len(batch) < finishBatchMax {
			select {
			case o, ok := <-r.outcomes:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		r.finish(batch)
	}
}

// finish writes one batch, retrying store failures; while stopping it
// gives up after finalFlushBudget and leaves the jobs to lease recovery.
func (r *workerRun) finish(batch []store.Outcome) {
	var deadline time.Time
	for attempt := 1; ; attempt++ {
		lost, err := r.st.Finish(r.storeCtx, batch)
		if err == nil {
			if len(lost) > 0 {
				r.log.Warn("jobs: worker: outcomes dropped: leases lost (the jobs were recovered and may run again)", "worker", r.opts.ID, "jobs", lost)
			}
			r.wakeAfter(batch)
			break
		}
		stopping := false
		select {
		case <-r.stopping:
			stopping = true
		default:
		}
		if stopping && deadline.IsZero() {
			deadline = time.Now().Add(finalFlushBudget)
		}
		if errors.Is(err, store.ErrClosed) || (stopping && time.Now().After(deadline)) {
			r.log.Error("jobs: worker: could not record outcomes; the jobs will run again after their leases expire", "worker", r.opts.ID, "jobs", len(batch), "err", err)
			break
		}
		r.log.Warn("jobs: worker: recording outcomes failed; retrying", "worker", r.opts.ID, "jobs", len(batch), "err", err, "attempt", attempt)
		time.Sleep(min(time.Duration(attempt)*10*time.Millisecond, time.Second))
	}
	r.heldMu.Lock()
	for _, o := range batch {
		delete(r.held, o.ID)
	}
	r.heldMu.Unlock()
}

// heartbeat extends the leases of every held job (and their locks),
// renews the worker's presence and checks for revoke requests, until
// stop is closed.
func (r *workerRun) heartbeat(stop <-chan struct{}) {
	t := time.NewTicker(r.opts.HeartbeatInterval)
	defer t.Stop()
	var ids []string
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ids = ids[:0]
		r.heldMu.Lock()
		for id := range r.held {
			ids = append(ids, id)
		}
		r.heldMu.Unlock()
		if len(ids) > 0 {
			until := now().Add(r.opts.LeaseDuration)
			lost, err := r.st.ExtendLeases(r.storeCtx, r.opts.ID, ids, until)
			if err != nil {
				r.log.Warn("jobs: worker: extending leases failed", "worker", r.opts.ID, "jobs", len(ids), "err", err)
			}
			for _, id := range lost {
				r.heldMu.Lock()
				a := r.held[id]
				r.heldMu.Unlock()
				if a != nil {
					a.markLost()
				}
			}
		}
		select {
		case r.extras <- struct{}{}:
		default: // the previous round is still going
		}
	}
}

// heartbeatExtras renews the running jobs' locks, checks for revoke
// requests and renews the worker's presence after each heartbeat, in its
// own goroutine so that a slow store never delays the leases, until stop
// is closed.
func (r *workerRun) heartbeatExtras(stop <-chan struct{}) {
	var held []*activeJob
	for {
		select {
		case <-stop:
			return
		case <-r.extras:
		}
		held = held[:0]
		r.heldMu.Lock()
		for _, a := range r.held {
			held = append(held, a)
		}
		r.heldMu.Unlock()
		if len(held) > 0 {
			r.renewLocks(held, now().Add(r.opts.LeaseDuration))
			r.checkRevokes()
		}
		r.publishPresence()
	}
}

// maintain recovers expired leases and prunes old jobs until stop is
// closed. It recovers once at start, so a restarted worker picks up the
// jobs its predecessor left behind as soon as their leases expire.
func (r *workerRun) maintain(stop <-chan struct{}) {
	recoverT := time.NewTimer(0)
	pruneT := time.NewTimer(r.opts.PruneInterval)
	orphans := newOrphans(r)
	defer recoverT.Stop()
	defer pruneT.Stop()
	for {
		select {
		case <-stop:
			return
		case <-recoverT.C:
			moved, err := r.st.Recover(r.storeCtx, now())
			r.reportRecovered(moved)
			if err != nil {
				r.log.Warn("jobs: worker: recovering expired leases failed", "worker", r.opts.ID, "err", err)
			}
			orphans.check()
			recoverT.Reset(r.opts.RecoverInterval)
		case <-pruneT.C:
			if _, err := r.st.Prune(r.storeCtx, now()); err != nil {
				r.log.Warn("jobs: worker: pruning finished jobs failed", "worker", r.opts.ID, "err", err)
			}
			pruneT.Reset(r.opts.PruneInterval)
		}
	}
}
