package jobs

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/spindlehq/spindle/jobs/store"
)

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

// heldJobs is the one record of the jobs a worker holds leases on, shared
// by the components that touch them: the claimer adds, the runner pool
// frees slots, the finisher forgets, the heartbeater renews and the
// revoke watcher cancels. Safe for concurrent use.
type heldJobs struct {
	mu sync.Mutex
	m  map[string]*activeJob
	// busy counts jobs claimed and not yet run to an outcome: the slots
	// in use, which bound how many the claimer may take.
	busy atomic.Int64
	// freed is signalled, coalesced, whenever a slot frees up.
	freed chan struct{}
}

func newHeldJobs() *heldJobs {
	return &heldJobs{m: make(map[string]*activeJob), freed: make(chan struct{}, 1)}
}

// add holds a newly claimed job and takes a slot for it.
func (h *heldJobs) add(a *activeJob) {
	h.mu.Lock()
	h.m[a.job.ID] = a
	h.mu.Unlock()
	h.busy.Add(1)
}

// get returns the held job with id, or nil.
func (h *heldJobs) get(id string) *activeJob {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[id]
}

// forget drops jobs whose leases are no longer the worker's to extend.
func (h *heldJobs) forget(ids ...string) {
	h.mu.Lock()
	for _, id := range ids {
		delete(h.m, id)
	}
	h.mu.Unlock()
}

// forgetOutcomes drops the jobs of a batch of outcomes.
func (h *heldJobs) forgetOutcomes(batch []store.Outcome) {
	h.mu.Lock()
	for _, o := range batch {
		delete(h.m, o.ID)
	}
	h.mu.Unlock()
}

// ids appends the IDs of the held jobs to dst.
func (h *heldJobs) ids(dst []string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id := range h.m {
		dst = append(dst, id)
	}
	return dst
}

// all appends the held jobs to dst.
func (h *heldJobs) all(dst []*activeJob) []*activeJob {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.m {
		dst = append(dst, a)
	}
	return dst
}

// len is the number of jobs held.
func (h *heldJobs) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}

// slotFreed gives back the slot of a job that reached an outcome and
// wakes the claimer.
func (h *heldJobs) slotFreed() {
	h.busy.Add(-1)
	select {
	case h.freed <- struct{}{}:
	default:
	}
}
