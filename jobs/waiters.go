package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// waits is the client's one watch over the jobs its handles wait for.
// However many handles, Awaits and Gathers wait, the store sees one
// subscription (store.FinishWatch) and one goroutine, which runs only
// while something waits: it reads the jobs a push names, and those the
// sweep finds due, in one FinishedAmong call per wake-up. Waiting thus
// costs the store reads per signal and per sweep, never per handle.
//
// A job has one entry, however many waiters it has; the entry goes when
// its job's outcome is known (every waiter hears it) or when its last
// waiter leaves (an Await whose ctx ended, a Gather that returned), so
// nothing goes on reading for a wait that ended.
type waits struct {
	c    *Client
	kick chan struct{} // capacity 1: work for the loop

	mu      sync.Mutex
	entries map[string]*waitEntry
	fresh   []*waitEntry      // to read at the next round: new, or joined by a waiter
	feed    store.FinishWatch // the loop's watch of the entries' jobs; nil: none
	sweep   sweepHeap         // entries read once, by when to read them again
	burst   time.Time         // until then, new entries wait to be read together
	holding int               // registrations under way (batch): their reads wait
	running bool              // the loop goroutine runs
	closed  bool              // the client closed: waits end at once
}

// waitEntry is the wait for one job.
type waitEntry struct {
	id      string
	waiters map[*waiter]struct{}
	poll    Polling       // of the latest waiter
	fresh   bool          // in waits.fresh
	watched bool          // added to the loop's watch
	delay   time.Duration // the wait before the next sweep of the job
	due     time.Time     // when the sweep reads it next
	index   int           // in waits.sweep; -1 when not there
}

// waiter is one party waiting for a job: fn hears the job once final, or
// the error that ended the wait (store.ErrNotFound: no such job; the
// store's error; ErrClientClosed), in the loop's goroutine, and must not
// block.
type waiter struct {
	fn func(j *store.Job, err error)
}

// amongMax caps the IDs one FinishedAmong call takes, so that one check
// of very many waits does not become one huge request.
const amongMax = 10000

// burstGap is how long new waits that follow a read of several new
// waits wait to be read together: a Gather registers its handles one by
// one, and without it the loop would read them in as many small batches
// as it happened to wake up during the registration. A lone wait is read
// at once.
const burstGap = time.Millisecond

func newWaits(c *Client) *waits {
	return &waits{c: c, kick: make(chan struct{}, 1), entries: map[string]*waitEntry{}}
}

// acquire adds a waiter for job id, polling with p where the store cannot
// push, and returns the func that withdraws it (idempotent). fn is called
// once, unless the waiter is withdrawn first; after Close it is called at
// once, with ErrClientClosed.
func (w *waits) acquire(id string, p Polling, fn func(*store.Job, error)) (release func()) {
	w.mu.Lock()
	if !w.running && !w.closed {
		if w.c.goWatch(w.run) {
			w.running = true
		} else {
			w.closed = true
		}
	}
	if w.closed {
		w.mu.Unlock()
		fn(nil, ErrClientClosed)
		return func() {}
	}
	e := w.entries[id]
	if e == nil {
		e = &waitEntry{id: id, waiters: map[*waiter]struct{}{}, index: -1}
		w.entries[id] = e
	}
	wt := &waiter{fn: fn}
	e.waiters[wt] = struct{}{}
	// The newcomer's wait starts as its own would: a read now, then its
	// polling from the start.
	e.poll = p
	if !e.fresh {
		e.fresh = true
		w.fresh = append(w.fresh, e)
	}
	w.mu.Unlock()
	w.wake()
	return func() { w.release(e, wt) }
}

// batch runs register, which acquires many waits, so that the loop reads
// them in one call however its rounds fall during the registration.
func (w *waits) batch(register func()) {
	w.mu.Lock()
	w.holding++
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.holding--
		w.mu.Unlock()
		w.wake()
	}()
	register()
}

func (w *waits) release(e *waitEntry, wt *waiter) {
	w.mu.Lock()
	if _, ok := e.waiters[wt]; !ok {
		w.mu.Unlock()
		return
	}
	delete(e.waiters, wt)
	last := len(e.waiters) == 0
	if last {
		w.dropLocked(e)
	}
	w.mu.Unlock()
	if last {
		w.wake() // to stop if nothing else waits
	}
}

func (w *waits) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// dropLocked forgets e, and unwatches its job before the waiters hear
// of it, so that a wait that ended holds nothing in the store; w.mu is
// held.
func (w *waits) dropLocked(e *waitEntry) {
	if w.entries[e.id] != e {
		return
	}
	delete(w.entries, e.id)
	w.sweep.remove(e)
	if w.feed != nil {
		w.feed.Remove(e.id)
	}
}

// run is the loop: it lives while anything waits, and ends with the
// client's ctx, ending every wait with ErrClientClosed.
func (w *waits) run(ctx context.Context) {
	feed := w.c.store.WatchFinishes()
	var signals <-chan struct{}
	if feed != nil {
		defer feed.Stop()
		signals = feed.C()
		w.mu.Lock()
		w.feed = feed
		w.mu.Unlock()
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			w.closeAll()
			return
		}
		if !w.round(ctx, feed) {
			return
		}
		timer.Stop()
		if next, ok := w.nextDue(); ok {
			timer.Reset(time.Until(next))
		}
		select {
		case <-w.kick:
		case <-signals:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
}

// round does one pass: it watches new entries, unwatches dropped ones,
// settles jobs a signal carried, and reads in one call (per amongMax)
// the jobs that are new, signalled or due. It reports false, having
// marked the loop stopped, once nothing waits.
func (w *waits) round(ctx context.Context, feed store.FinishWatch) bool {
	w.mu.Lock()
	if len(w.entries) == 0 {
		w.running, w.feed = false, nil
		w.mu.Unlock()
		return false
	}
	now := time.Now()
	// Every new entry is watched at once, even while its first read waits
	// for the burst: a finish pushed meanwhile then settles it, so a lone
	// round trip never waits out the burst.
	var watchIDs []string
	for _, e := range w.fresh {
		if !e.watched && w.entries[e.id] == e {
			e.watched = true
			watchIDs = append(watchIDs, e.id)
		}
	}
	fresh := w.fresh
	if len(fresh) > 0 && (now.Before(w.burst) || w.holding > 0) {
		fresh = nil // read with the rest of the burst, when it ends
	} else {
		w.fresh = nil
		// Only a round that found several new waits starts a burst: they
		// come from one registration (a Gather), and the next ones are
		// read together. A lone wait, as in round trips one after another,
		// is always read at once.
		if len(fresh) > 1 {
			w.burst = now.Add(burstGap)
		}
	}
	freshIDs := make([]string, 0, len(fresh))
	for _, e := range fresh {
		e.fresh = false
		if w.entries[e.id] == e {
			freshIDs = append(freshIDs, e.id)
		}
	}
	var (
		fired map[string]*store.Job
		all   bool
	)
	if feed != nil {
		// Watch before reading: a finish after the read is signalled.
		// Under w.mu, so that an entry dropped meanwhile is not watched.
		feed.Add(watchIDs...)
		fired, all = feed.Take()
	}

	check := map[*waitEntry]bool{} // true: a first read
	var carried []settlement
	for id, j := range fired {
		if e := w.entries[id]; e != nil {
			if j != nil && j.State.Final() {
				carried = append(carried, w.settleLocked(e, j, nil))
			} else {
				check[e] = false
			}
		}
	}
	if all {
		for _, e := range w.entries {
			check[e] = false
		}
	}
	for _, id := range freshIDs {
		if e := w.entries[id]; e != nil {
			check[e] = true
		}
	}
	for _, e := range w.sweep.popDue(now, feed != nil) {
		if _, ok := check[e]; !ok {
			check[e] = false
		}
	}
	w.mu.Unlock()
	deliver(carried)
	if len(check) > 0 {
		w.check(ctx, check, feed != nil)
	}
	return true
}

// check reads the jobs of entries, amongMax at a time, settles those
// whose outcome is known and schedules the others' next sweep. A read
// that fails ends the waits it was the first read of, and all of them
// where the store cannot push (their waiters hear the error, as from a
// poll); where it can, a wait already under way goes on.
func (w *waits) check(ctx context.Context, entries map[*waitEntry]bool, push bool) {
	ids := make([]string, 0, len(entries))
	byID := make(map[string]*waitEntry, len(entries))
	for e := range entries {
		ids = append(ids, e.id)
		byID[e.id] = e
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), amongMax)]
		ids = ids[len(chunk):]
		final, missing, err := w.c.store.FinishedAmong(ctx, chunk)
		if err != nil && ctx.Err() != nil {
			return // Close: the loop ends every wait
		}
		now := time.Now()
		w.mu.Lock()
		var done []settlement
		if err != nil {
			for _, id := range chunk {
				e := byID[id]
				if push && !entries[e] && w.entries[id] == e {
					// A failed sweep or confirmation where the store
					// pushes: the wait goes on, and the job is read
					// again soon.
					e.delay, e.due = e.poll.First, now.Add(e.poll.First)
					w.sweep.set(e)
					continue
				}
				done = append(done, w.settleLocked(e, nil, err))
			}
		}
		for _, j := range final {
			if e := byID[j.ID]; e != nil {
				done = append(done, w.settleLocked(e, j, nil))
			}
		}
		for _, id := range missing {
			if e := byID[id]; e != nil {
				done = append(done, w.settleLocked(e, nil, store.ErrNotFound))
			}
		}
		for _, id := range chunk {
			if e := byID[id]; err == nil && w.entries[id] == e && !e.fresh {
				w.reschedule(e, entries[e], push, now)
			}
		}
		w.mu.Unlock()
		deliver(done)
	}
}

// reschedule sets when the sweep reads e again; w.mu is held. Where the
// store pushes, the sweep only catches a lost signal: every
// Polling.Sweep. Elsewhere it is Huey's backoff, from First after a
// first read.
func (w *waits) reschedule(e *waitEntry, first, push bool, now time.Time) {
	switch {
	case push:
		e.delay = e.poll.Sweep
	case first:
		e.delay = e.poll.First
	default:
		e.delay = e.poll.next(e.delay)
	}
	e.due = now.Add(e.delay)
	w.sweep.set(e)
}

// nextDue is when the loop must next read jobs: the sweep's next due
// time, or the end of a burst of new waits.
func (w *waits) nextDue() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	next, ok := w.sweep.next()
	if len(w.fresh) > 0 && (!ok || w.burst.Before(next)) {
		return w.burst, true
	}
	return next, ok
}

// settlement is an entry's outcome on its way to the waiters.
type settlement struct {
	waiters map[*waiter]struct{}
	j       *store.Job
	err     error
}

// settleLocked ends e's wait with j or err; w.mu is held. The waiters
// hear it from deliver, after the lock is released.
func (w *waits) settleLocked(e *waitEntry, j *store.Job, err error) settlement {
	s := settlement{waiters: e.waiters, j: j, err: err}
	e.waiters = map[*waiter]struct{}{}
	w.dropLocked(e)
	return s
}

func deliver(ss []settlement) {
	for _, s := range ss {
		for wt := range s.waiters {
			wt.fn(s.j, s.err)
		}
	}
}

// closeAll ends every wait with ErrClientClosed, and every later one.
func (w *waits) closeAll() {
	w.mu.Lock()
	var ss []settlement
	for _, e := range w.entries {
		ss = append(ss, w.settleLocked(e, nil, ErrClientClosed))
	}
	w.closed, w.running, w.feed, w.fresh = true, false, nil, nil
	w.mu.Unlock()
	deliver(ss)
}

// ends reports whether err ends a wait for good, so that an Await settles
// its handle with it: the job does not exist, or the store or the client
// closed. Other errors leave the outcome unknown.
func ends(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrClosed) || errors.Is(err, ErrClientClosed)
}
