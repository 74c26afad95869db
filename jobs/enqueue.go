package jobs

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/spindlehq/spindle/jobs/store"
)

// Group commit. Concurrent calls that enqueue through one client share
// store writes: a call that finds no write in flight writes its own jobs
// at once, under its own ctx, so a lone producer waits for nothing; calls
// that arrive while a write is in flight queue, and the next write
// carries all of them together (one transaction, script or statement).
// Each call keeps its own all-or-none share (a unit): its jobs are stored
// together, and it learns its own outcome. Store.Insert is all or none
// for the whole write, so a write that fails is split and its halves
// written again, down to single units, so that a unit the store rejects
// fails alone rather than failing its neighbours.

// maxWriteJobs bounds the jobs one shared write carries; the units
// queued beyond it go in the next. A unit larger than this (a big Map)
// is written alone, whole.
const maxWriteJobs = 1000

// committer is a client's group-commit queue.
type committer struct {
	mu    sync.Mutex
	busy  bool    // a write is in flight (a lone call's, or flush's)
	queue []*unit // calls waiting for the next write, in arrival order
	idle  sync.Cond
}

// setIdle records that no write is in flight, for waitIdle; the caller
// holds g.mu.
func (g *committer) setIdle() {
	g.busy = false
	if g.idle.L != nil {
		g.idle.Broadcast()
	}
}

// waitIdle waits until no write is in flight and none is queued.
func (g *committer) waitIdle() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.idle.L == nil {
		g.idle.L = &g.mu
	}
	for g.busy {
		g.idle.Wait()
	}
}

// unitState is where a queued unit is; guarded by committer.mu.
type unitState uint8

const (
	unitQueued    unitState = iota // waiting for a write
	unitWriting                    // in a write now
	unitAbandoned                  // its caller's ctx ended; not written again
	unitWritten                    // dups and err are set, done is closed
)

// unit is one call's jobs, stored all or none.
type unit struct {
	jobs  []*store.Job
	ctx   context.Context // the caller's, while it waits in the queue
	state unitState
	w     *sharedWrite // while unitWriting
	done  chan struct{}
	dups  []store.Dup
	err   error
}

// sharedWrite is one write of queued units. Its ctx ends when every
// caller it carries has stopped waiting: nobody wants its outcome then.
type sharedWrite struct {
	live   int // callers still waiting; guarded by committer.mu
	cancel context.CancelFunc
}

// insert stores jobs in one atomic write, possibly shared with other
// calls (see above), and returns their IDs: a job's own ID when it is
// stored, or when its pre-assigned ID (cron ticks, workflow steps) or a
// repeated write found it there already; the holder's ID for a job whose
// unique key an unfinished job holds, with a [*DuplicateError] for each
// such job joined into err. ctx ending before the jobs' write begins
// leaves them unstored and returns its cause; ending during the write,
// it returns its cause at once, and the jobs may or may not be stored.
func (c *Client) insert(ctx context.Context, jobs []*store.Job) ([]string, error) {
	if ts, ok := c.store.(store.TxScoped); ok && ts.InTx(ctx) {
		dups, err := c.store.Insert(ctx, jobs)
		if err != nil {
			return nil, err
		}
		return c.settle(jobs, dups)
	}
	u := &unit{jobs: jobs}
	if c.gc.lead(ctx, u) {
		c.writeAlone(ctx, u)
	} else if err := c.gc.wait(ctx, u); err != nil {
		return nil, err
	}
	if u.err != nil {
		return nil, u.err
	}
	return c.settle(jobs, u.dups)
}

// writeAlone writes a lone call's unit under its own ctx, then hands the
// calls that queued meanwhile to flush, also when the store panics. Its
// batch event goes out before the hand-off, so that batch observers see
// the writes in the order they were made.
func (c *Client) writeAlone(ctx context.Context, u *unit) {
	defer c.handOff()
	u.dups, u.err = c.store.Insert(ctx, u.jobs)
	if u.err == nil {
		c.emitBatch(1)
	}
}

// lead reports whether the caller may write u itself, now: no write is
// in flight. Otherwise u is queued for the next write.
func (g *committer) lead(ctx context.Context, u *unit) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.busy {
		g.busy = true
		return true
	}
	u.ctx, u.done = ctx, make(chan struct{})
	g.queue = append(g.queue, u)
	return false
}

// wait waits until u is written or ctx ends. A unit still queued when
// ctx ends is never written; one in a write is left to it.
func (g *committer) wait(ctx context.Context, u *unit) error {
	select {
	case <-u.done:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch u.state {
	case unitWritten: // as ctx ended: the outcome is known
		return nil
	case unitWriting:
		if u.w.live--; u.w.live == 0 {
			u.w.cancel()
		}
	}
	u.state = unitAbandoned
	return context.Cause(ctx)
}

// handOff ends a lone call's write: the calls that queued meanwhile go
// in a write of their own, made by flush in a goroutine of its own.
// Close waits for it (waitIdle), so the calls queued before Close are
// written.
func (c *Client) handOff() {
	g := &c.gc
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.setIdle()
		return
	}
	go c.flush()
}

// flush writes the queued units, a write at a time, until none are left.
func (c *Client) flush() {
	g := &c.gc
	for yielded := false; ; {
		g.mu.Lock()
		batch := g.take()
		if len(batch) == 0 && !yielded {
			// The callers just written are runnable but may not have
			// run yet: let them call again, so that their next calls
			// queue for this goroutine's next write rather than each
			// finding no write in flight and writing alone.
			g.mu.Unlock()
			runtime.Gosched()
			yielded = true
			continue
		}
		if len(batch) == 0 {
			g.setIdle()
			g.mu.Unlock()
			return
		}
		yielded = false
		ctx, cancel := context.WithCancel(context.Background())
		w := &sharedWrite{live: len(batch), cancel: cancel}
		for _, u := range batch {
			u.state, u.w = unitWriting, w
		}
		g.mu.Unlock()
		c.write(ctx, batch)
		cancel()
	}
}

// take removes the next write's units from the queue: those whose
// callers still wait, in order, up to maxWriteJobs jobs (at least one
// unit). The caller holds g.mu.
func (g *committer) take() []*unit {
	var batch []*unit
	n, i := 0, 0
	for ; i < len(g.queue); i++ {
		u := g.queue[i]
		if u.state == unitAbandoned || u.ctx.Err() != nil {
			u.state = unitAbandoned
			continue
		}
		if len(batch) > 0 && n+len(u.jobs) > maxWriteJobs {
			break
		}
		batch = append(batch, u)
		n += len(u.jobs)
	}
	rest := copy(g.queue, g.queue[i:])
	clear(g.queue[rest:])
	g.queue = g.queue[:rest]
	return batch
}

// write stores units in one Insert and gives each its share of the
// outcome. An Insert that fails stored nothing (it is all or none), so
// the units are written again in two halves, and so on down to single
// units: a unit the store rejects fails alone. A failure every write
// would meet (the store closed, ctx ended) fails them all at once.
func (c *Client) write(ctx context.Context, units []*unit) {
	jobs := units[0].jobs
	if len(units) > 1 {
		n := 0
		for _, u := range units {
			n += len(u.jobs)
		}
		jobs = make([]*store.Job, 0, n)
		for _, u := range units {
			jobs = append(jobs, u.jobs...)
		}
	}
	dups, err := c.store.Insert(ctx, jobs)
	g := &c.gc
	if err == nil {
		c.emitBatch(len(units))
		of := dupIndex(dups)
		for _, u := range units {
			var mine []store.Dup
			for _, j := range u.jobs {
				if d, ok := of[j.ID]; ok {
					mine = append(mine, d)
				}
			}
			g.deliver(u, mine, nil)
		}
		return
	}
	if len(units) == 1 || ctx.Err() != nil || errors.Is(err, store.ErrClosed) {
		for _, u := range units {
			g.deliver(u, nil, err)
		}
		return
	}
	mid := len(units) / 2
	for _, half := range [][]*unit{units[:mid], units[mid:]} {
		if half = g.waiting(half); len(half) > 0 {
			c.write(ctx, half)
		}
	}
}

// waiting returns the units of a failed write whose callers still wait,
// and settles the others: they are not written again.
func (g *committer) waiting(units []*unit) []*unit {
	out := units[:0:0]
	for _, u := range units {
		g.mu.Lock()
		gone := u.state == unitAbandoned
		g.mu.Unlock()
		if gone {
			g.deliver(u, nil, context.Canceled)
			continue
		}
		out = append(out, u)
	}
	return out
}

// deliver settles u with its outcome.
func (g *committer) deliver(u *unit, dups []store.Dup, err error) {
	g.mu.Lock()
	u.dups, u.err = dups, err
	if u.state != unitAbandoned {
		u.state = unitWritten
	}
	g.mu.Unlock()
	close(u.done)
}

// settle turns the duplicates an Insert of jobs reported into the IDs
// insert returns, and emits the Enqueued events of the jobs it stored.
func (c *Client) settle(jobs []*store.Job, dups []store.Dup) ([]string, error) {
	ids := make([]string, len(jobs))
	of := dupIndex(dups)
	var errs []error
	on := c.bus.on()
	for i, j := range jobs {
		ids[i] = j.ID
		d, dup := of[j.ID]
		if dup && d.Existing != j.ID {
			ids[i] = d.Existing
			errs = append(errs, &DuplicateError{Key: j.UniqueKey, ID: d.Existing})
		}
		if !dup && on {
			c.bus.emit(Event{Kind: EventEnqueued, JobID: j.ID, Name: j.Name, Queue: j.Queue, At: j.EnqueuedAt})
		}
	}
	return ids, errors.Join(errs...)
}

// dupIndex indexes dups by the ID of the job not inserted; nil when
// there are none.
func dupIndex(dups []store.Dup) map[string]store.Dup {
	if len(dups) == 0 {
		return nil
	}
	of := make(map[string]store.Dup, len(dups))
	for _, d := range dups {
		of[d.ID] = d
	}
	return of
}

// emitBatch reports one write that carried the jobs of n calls to
// SubscribeBatches.
func (c *Client) emitBatch(n int) {
	if c.bus.nb.Load() > 0 {
		c.bus.emit(Event{Kind: eventBatch, Attempt: n})
	}
}
