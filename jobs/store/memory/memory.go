// Package memory is a [store.Store] that keeps jobs in the process's
// memory. It is for tests, examples and short-lived programs: nothing
// survives the process, and only one process sees the jobs. It pushes
// wake-ups, completions and revoke requests to waiters in the same
// process, so workers and handles never poll it for long.
//
// Open it through package jobs with the URL "memory:", or with [New].
package memory

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/finwatch"
	"github.com/spindlehq/spindle/jobs/store/internal/front"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// core is the store's state and its work (front.Work): what each contract
// method does once front.Contract has admitted the call and checked it.
// Every method holds mu for the whole call and never blocks while holding
// it, so every call returns promptly, and Close, which waits for the calls
// in flight, never waits long.
type core struct {
	mu sync.Mutex
	// closed is set by Close for the watch methods, which the gate does
	// not guard: a watch made after Close gets a closed channel.
	closed    bool
	jobs      map[string]*entry
	ready     map[string]byName // per queue: ready jobs, claim order
	scheduled jobHeap           // Scheduled jobs by RunAt
	expiring  expiryHeap        // waiting jobs with an ExpiresAt
	running   map[string]*entry
	unique    map[string]string // UniqueKey -> ID of the unfinished job
	paused    map[string]bool
	queues    map[string]bool // every queue ever seen
	leases    map[string]store.Lease
	counters  map[string]counter
	readySubs map[*readySub]struct{}
	fin       finwatch.Registry // Finished and WatchFinishes: notify.go
	revSubs   map[chan struct{}]struct{}
}

// byName holds one queue's ready jobs, one heap per job name, so that
// a claim naming the jobs it can run takes them without stepping over the
// others.
type byName map[string]*jobHeap

type readySub struct {
	queues map[string]bool
	ch     chan struct{}
}

// maxClaimQueues is no bound: a claim walks its queues' heaps in memory,
// with no statement or script whose size the queues would grow.
const maxClaimQueues = math.MaxInt

var (
	_ store.Store = (*Store)(nil)
	_ front.Work  = (*core)(nil)
)

// New returns an empty store.
func New() *Store {
	c := &core{
		jobs:      make(map[string]*entry),
		ready:     make(map[string]byName),
		scheduled: jobHeap{byRunAt: true},
		running:   make(map[string]*entry),
		unique:    make(map[string]string),
		paused:    make(map[string]bool),
		queues:    make(map[string]bool),
		leases:    make(map[string]store.Lease),
		counters:  make(map[string]counter),
		readySubs: make(map[*readySub]struct{}),
		revSubs:   make(map[chan struct{}]struct{}),
	}
	s := &Store{inner: inner{c}}
	front.Init(&s.Contract, "memory", maxClaimQueues, c)
	return s
}

// lock takes the mutex after checking ctx; it reports the error a method
// returns instead of going on. The mutex is never held for long, so only
// a ctx that already ended stops the call.
func (s *core) lock(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	s.mu.Lock()
	return nil
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return slices.Clone(b)
}

// clone returns a copy the caller may keep and change.
func clone(j *store.Job) *store.Job {
	c := *j
	c.Args = cloneBytes(j.Args)
	c.Result = cloneBytes(j.Result)
	c.Meta = cloneBytes(j.Meta)
	c.Errors = slices.Clone(j.Errors)
	return &c
}

// Insert stores a copy of each job, under one hold of the lock, after
// checking them all (storecheck.NewJob): a bad job inserts none. A job
// whose ID is already stored (inserted earlier, or by an earlier job of
// the same batch) is a duplicate like one whose UniqueKey is taken: it is
// skipped and returned in dups.
func (s *core) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	for i, j := range jobs {
		if err := storecheck.NewJob("memory", i, j); err != nil {
			return nil, err
		}
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var dups []store.Dup
	woke := make(map[string]bool)
	for _, j := range jobs {
		if _, ok := s.jobs[j.ID]; ok {
			dups = append(dups, store.Dup{ID: j.ID, Existing: j.ID})
			continue
		}
		if j.UniqueKey != "" {
			if holder := s.uniqueHolder(j.UniqueKey, j.EnqueuedAt); holder != "" {
				dups = append(dups, store.Dup{ID: j.ID, Existing: holder})
				continue
			}
		}
		e := &entry{job: *clone(j), index: -1, expIndex: -1}
		if e.job.State == "" {
			e.job.State = store.Queued
		}
		e.job.RunAt = e.job.RunAt.UTC()
		s.jobs[e.job.ID] = e
		if e.job.UniqueKey != "" {
			s.unique[e.job.UniqueKey] = e.job.ID
		}
		s.queues[e.job.Queue] = true
		s.enqueue(e)
		woke[e.job.Queue] = true
	}
	s.signalReady(woke)
	return dups, nil
}

// uniqueHolder returns the unfinished job holding key for a job enqueued
// at t, or "" when the key is free. A holder whose UniqueUntil is not
// after t gives the key up here.
func (s *core) uniqueHolder(key string, t time.Time) string {
	id, ok := s.unique[key]
	if !ok {
		return ""
	}
	h := &s.jobs[id].job
	if !h.UniqueUntil.IsZero() && !h.UniqueUntil.After(t) {
		h.UniqueKey, h.UniqueUntil = "", time.Time{}
		delete(s.unique, key)
		return ""
	}
	return id
}

// enqueue puts a Queued or Scheduled entry into the heap that holds it,
// and into the expiry heap when it has an ExpiresAt.
func (s *core) enqueue(e *entry) {
	if !e.job.ExpiresAt.IsZero() && e.expIndex < 0 {
		heap.Push(&s.expiring, e)
	}
	if e.job.State == store.Scheduled {
		s.scheduled.add(e)
		return
	}
	s.readyHeap(&e.job).add(e)
}

// readyHeap returns the heap of j's queue and name, making it if needed.
func (s *core) readyHeap(j *store.Job) *jobHeap {
	hs := s.ready[j.Queue]
	if hs == nil {
		hs = make(byName)
		s.ready[j.Queue] = hs
	}
	h := hs[j.Name]
	if h == nil {
		h = &jobHeap{}
		hs[j.Name] = h
	}
	return h
}

// promote moves scheduled jobs due at now to their ready heaps. Their
// state stays Scheduled until they are claimed, as the contract allows.
func (s *core) promote(now time.Time) {
	for s.scheduled.due(now) {
		e := s.scheduled.pop()
		s.readyHeap(&e.job).add(e)
	}
}

// Claim leases up to req.Limit ready jobs in claim order, under one hold
// of the lock. Ready jobs are kept in one heap per queue and job name, so
// a claim with Names merges the heads of its names' heaps and never steps
// over the jobs of other names: it costs the same however many of those
// wait.
func (s *core) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	s.promote(req.Now)
	// req.Queues and req.Names come distinct (storecheck.Claim), and a
	// heap belongs to one queue and name, so no heap is met twice.
	var heaps []*jobHeap
	for _, q := range req.Queues {
		s.eachReady(q, req.Names, func(_ string, h *jobHeap) { heaps = append(heaps, h) })
	}
	var out []*store.Job
	for len(out) < req.Limit {
		var best *jobHeap
		for _, h := range heaps {
			if h.Len() == 0 {
				continue
			}
			if best == nil || claimsBefore(h.peek(), best.peek()) {
				best = h
			}
		}
		if best == nil {
			break
		}
		e := best.pop()
		s.unexpire(e)
		j := &e.job
		j.State = store.Running
		j.Attempt++
		j.StartedAt = req.Now
		j.LeaseOwner = req.Owner
		j.LeaseUntil = req.LeaseUntil
		s.running[j.ID] = e
		out = append(out, clone(j))
	}
	return out, nil
}

// eachReady calls fn with every non-empty ready heap of queue q, or only
// those of names when there are any, unless q is paused.
func (s *core) eachReady(q string, names []string, fn func(name string, h *jobHeap)) {
	if s.paused[q] {
		return
	}
	hs := s.ready[q]
	if names == nil {
		for n, h := range hs {
			if h.Len() > 0 {
				fn(n, h)
			}
		}
		return
	}
	for _, n := range names {
		if h := hs[n]; h != nil && h.Len() > 0 {
			fn(n, h)
		}
	}
}

// ReadyNames counts every claimable job of
// the queues, not only the first [store.ReadyNamesScan]: one heap length
// per name, under the store's mutex. ctx is checked before it starts.
func (s *core) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	s.promote(now)
	var out []store.ReadyName
	for _, q := range storecheck.Distinct(queues) {
		s.eachReady(q, nil, func(n string, h *jobHeap) {
			out = append(out, store.ReadyName{Queue: q, Name: n, Count: h.Len()})
		})
	}
	storecheck.SortReadyNames(out)
	return out, nil
}

func claimsBefore(a, b *entry) bool {
	h := jobHeap{items: []*entry{a, b}}
	return h.Less(0, 1)
}

// ExtendLeases moves the lease of each job in ids that owner still holds
// to until, and returns the IDs it no longer holds.
func (s *core) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var lost []string
	for _, id := range ids {
		e := s.running[id]
		if e == nil || e.job.LeaseOwner != owner {
			lost = append(lost, id)
			continue
		}
		e.job.LeaseUntil = until
	}
	return lost, nil
}

// Finish applies the outcomes of jobs their owners still hold, all
// under one hold of the lock, and returns the IDs of the others (lost).
func (s *core) Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var lost []string
	woke := make(map[string]bool)
	for _, o := range outcomes {
		e := s.running[o.ID]
		if e == nil || e.job.LeaseOwner != o.Owner {
			lost = append(lost, o.ID)
			continue
		}
		delete(s.running, o.ID)
		j := &e.job
		j.LeaseOwner, j.LeaseUntil = "", time.Time{}
		switch o.State {
		case store.Queued:
			// A give-back: the attempt does not count, and a RunAt after
			// FinishedAt defers the job until then.
			j.State = store.Queued
			if o.RunAt.After(o.FinishedAt) {
				j.State, j.RunAt = store.Scheduled, o.RunAt
			}
			j.Attempt = max(j.Attempt-1, 0)
			s.enqueue(e)
			woke[j.Queue] = true
			continue
		case store.Succeeded:
			j.Result = cloneBytes(o.Result)
		default:
			msg := storetext.Clean(o.Error)
			j.LastError = msg
			j.Errors = append(j.Errors, store.AttemptError{Attempt: j.Attempt, At: o.FinishedAt, Error: msg})
		}
		if o.State == store.Scheduled {
			j.State = store.Scheduled
			j.RunAt = o.RunAt
			s.enqueue(e)
			woke[j.Queue] = true
			continue
		}
		j.State = o.State
		j.FinishedAt = o.FinishedAt
		j.RetainUntil = o.RetainUntil
		s.finished(e)
	}
	s.signalReady(woke)
	return lost, nil
}

// finished releases the unique key of a job that reached a final state
// and wakes its watchers.
func (s *core) finished(e *entry) {
	if k := e.job.UniqueKey; k != "" && s.unique[k] == e.job.ID {
		delete(s.unique, k)
	}
	s.signalFinished(e.job.ID)
}

// Recover moves the Running jobs whose lease expired before now back to
// Queued, or to Dead when they used their attempts, and the waiting jobs
// whose ExpiresAt is before now to Expired; it returns them all.
func (s *core) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	// Expire waiting jobs first, so a job whose lease is recovered below
	// is not also expired by the same call.
	moved := s.expire(now)
	woke := make(map[string]bool)
	for id, e := range s.running {
		j := &e.job
		if !j.LeaseUntil.Before(now) {
			continue
		}
		delete(s.running, id)
		msg := fmt.Sprintf("lease of worker %s expired at %s before the attempt finished (the worker stopped or lost contact)", j.LeaseOwner, j.LeaseUntil.Format(time.RFC3339Nano))
		j.LeaseOwner, j.LeaseUntil = "", time.Time{}
		j.LastError = msg
		j.Errors = append(j.Errors, store.AttemptError{Attempt: j.Attempt, At: now, Error: msg})
		if j.Attempt < j.MaxAttempts {
			j.State = store.Queued
			s.enqueue(e)
			woke[j.Queue] = true
		} else {
			j.State = store.Dead
			j.FinishedAt = now
			j.RetainUntil = retainUntil(j, now)
			s.finished(e)
		}
		moved = append(moved, recovered(j))
	}
	s.signalReady(woke)
	return moved, nil
}

func recovered(j *store.Job) store.Recovered {
	return store.Recovered{ID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, State: j.State, Error: j.LastError}
}

// expire moves the waiting jobs whose ExpiresAt is before now to Expired
// and returns them.
func (s *core) expire(now time.Time) []store.Recovered {
	var moved []store.Recovered
	for len(s.expiring) > 0 && s.expiring[0].job.ExpiresAt.Before(now) {
		e := s.expiring[0]
		s.detach(e)
		j := &e.job
		j.State = store.Expired
		j.FinishedAt = now
		j.LastError = fmt.Sprintf("expired: not started before its deadline %s", j.ExpiresAt.Format(time.RFC3339Nano))
		j.RetainUntil = retainUntil(j, now)
		s.finished(e)
		moved = append(moved, recovered(j))
	}
	return moved
}

// retainUntil is the RetainUntil of a job the store finalizes itself at
// now: now + Retention, or zero (keep) without a Retention.
func retainUntil(j *store.Job, now time.Time) time.Time {
	if j.Retention <= 0 {
		return time.Time{}
	}
	return now.Add(j.Retention)
}

// Get returns a copy of job id, or store.ErrNotFound.
func (s *core) Get(ctx context.Context, id string) (*store.Job, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	e := s.jobs[id]
	if e == nil {
		return nil, store.ErrNotFound
	}
	return clone(&e.job), nil
}

// Prune deletes the final jobs whose RetainUntil is set and before now,
// and the leases and counters that expired before now, and reports how
// many jobs it deleted.
func (s *core) Prune(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.jobs {
		if e.job.State.Final() && !e.job.RetainUntil.IsZero() && e.job.RetainUntil.Before(now) {
			s.remove(id, e)
			n++
		}
	}
	s.pruneLeases(now)
	return n, nil
}

// remove deletes a job that is not Running.
func (s *core) remove(id string, e *entry) {
	s.detach(e)
	delete(s.jobs, id)
	if k := e.job.UniqueKey; k != "" && s.unique[k] == id {
		delete(s.unique, k)
	}
	s.signalFinished(id)
}

// Close closes every Ready, Finished and Revoked channel, and makes a
// watch asked for afterwards get a closed one. The gate and the waiting
// for the calls in flight are Store's (front.Contract), as is the
// ErrClosed of later calls; this is the release, run once.
func (s *core) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.fin.Close()
	// Watchers learn of the close as the other stores' do: their
	// channels close, and their next call gets ErrClosed.
	for sub := range s.readySubs {
		close(sub.ch)
	}
	clear(s.readySubs)
	for ch := range s.revSubs {
		close(ch)
	}
	clear(s.revSubs)
	return nil
}
