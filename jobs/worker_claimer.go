package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// claimer is the component that takes jobs from the store: it waits for
// the store's wake-ups (or polls), claims batches while slots are free,
// prefetches a little work beyond them, and hands each job to the runner
// pool through work. It runs in Worker.Run's own goroutine; run returns
// when ctx ends or the store closes.
type claimer struct {
	st      store.Store
	opts    *WorkerOptions
	queues  []string // sorted
	names   []string // the job names this worker runs: it claims no other
	weights []int    // per queue, for the first queue a claim starts from
	held    *heldJobs
	work    chan *activeJob // capacity Concurrency + Prefetch
	log     *slog.Logger
	// onClaimed runs after a claim that took jobs, before they are
	// handed out (revocations by name are refreshed then).
	onClaimed func()
	storeCtx  context.Context
	avgRun    atomic.Int64 // moving average of handler durations, ns; 0 until known
}

// errStoreClosed ends a worker whose store closed under it.
var errStoreClosed = fmt.Errorf("jobs: worker: the store closed while the worker ran: %w", store.ErrClosed)

// run claims jobs into work until ctx ends (nil) or the store closes
// (an error matching store.ErrClosed). A wake-up channel the store
// closes counts as the store closing, so nothing spins on it.
func (c *claimer) run(ctx context.Context) error {
	ready, stopReady := c.st.Ready(c.queues)
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
		prefetch := c.prefetch()
		busy := int(c.held.busy.Load())
		free := c.opts.Concurrency + prefetch - busy
		// While work is plentiful, wait until a worthwhile batch is free.
		want := max(1, min(c.opts.ClaimBatch, prefetch))
		if busy == 0 {
			want = 1
		}
		if more && free >= want {
			limit := min(free, c.opts.ClaimBatch)
			got, err := c.claim(limit)
			if err != nil {
				if errors.Is(err, store.ErrClosed) {
					return errStoreClosed
				}
				failures++
				c.log.Warn("jobs: worker: claim failed", "worker", c.opts.ID, "err", err, "failures", failures)
				more = false
				delay = min(time.Duration(failures)*10*time.Millisecond, time.Second)
			} else {
				failures = 0
				if len(got) > 0 && c.onClaimed != nil {
					c.onClaimed()
				}
				for _, j := range got {
					a := &activeJob{job: j}
					c.held.add(a)
					c.work <- a // never blocks: busy <= capacity = cap(work)
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
			freed = c.held.freed
		}
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-ready:
			if !ok {
				return errStoreClosed
			}
			more = true
		case <-freed:
		case <-timer.C:
			more = true
			delay = min(delay*2, c.opts.PollInterval)
		}
	}
}

// prefetchWindow is how much work, in time, a worker may hold beyond its
// running jobs.
const prefetchWindow = 10 * time.Millisecond

// prefetch returns how many jobs may wait for a slot now: what the slots
// finish in prefetchWindow at the recent average duration, capped by
// WorkerOptions.Prefetch, and none until a duration is known.
func (c *claimer) prefetch() int {
	avg := c.avgRun.Load()
	if avg <= 0 || c.opts.Prefetch == 0 {
		return 0
	}
	n := int64(c.opts.Concurrency) * int64(prefetchWindow) / avg
	return int(min(n, int64(c.opts.Prefetch)))
}

// observeRun folds one handler duration into the moving average that
// sizes the prefetch. Safe for concurrent use.
func (c *claimer) observeRun(d time.Duration) {
	if d <= 0 {
		d = 1
	}
	for {
		old := c.avgRun.Load()
		nw := int64(d)
		if old > 0 {
			nw = old + (int64(d)-old)/8
		}
		if c.avgRun.CompareAndSwap(old, nw) {
			return
		}
	}
}

// claim takes up to limit jobs, starting from a queue picked by weight.
func (c *claimer) claim(limit int) ([]*store.Job, error) {
	t := now()
	req := store.ClaimRequest{Queues: c.queues, Limit: limit, Owner: c.opts.ID, Now: t, LeaseUntil: t.Add(c.opts.LeaseDuration), Names: c.names}
	if len(req.Names) == 0 {
		return nil, nil // no definitions: nothing this worker could run
	}
	if len(c.queues) == 1 {
		return c.st.Claim(c.storeCtx, req)
	}
	first := pickWeighted(c.weights, rand.IntN)
	req.Queues = c.queues[first : first+1]
	got, err := c.st.Claim(c.storeCtx, req)
	if err != nil || len(got) == limit {
		return got, err
	}
	rest := make([]string, 0, len(c.queues)-1)
	rest = append(rest, c.queues[:first]...)
	rest = append(rest, c.queues[first+1:]...)
	req.Queues, req.Limit = rest, limit-len(got)
	more, err := c.st.Claim(c.storeCtx, req)
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
