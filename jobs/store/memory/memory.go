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
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Store is the in-memory store. All methods are safe for concurrent use;
// each holds one mutex for the duration of the call and never blocks while
// holding it, so every call returns promptly.
type Store struct {
	mu        sync.Mutex
	closed    bool
	jobs      map[string]*entry
	ready     map[string]*jobHeap // per queue: Queued jobs, claim order
	scheduled jobHeap             // Scheduled jobs by RunAt
	expiring  expiryHeap          // waiting jobs with an ExpiresAt
	running   map[string]*entry
	unique    map[string]string // UniqueKey -> ID of the unfinished job
	paused    map[string]bool
	queues    map[string]bool // every queue ever seen
	leases    map[string]store.Lease
	counters  map[string]counter
	readySubs map[*readySub]struct{}
	finSubs   map[string]map[*finSub]struct{}
	revSubs   map[chan struct{}]struct{}
}

type readySub struct {
	queues map[string]bool
	ch     chan struct{}
}

type finSub struct{ ch chan struct{} }

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		jobs:      make(map[string]*entry),
		ready:     make(map[string]*jobHeap),
		scheduled: jobHeap{byRunAt: true},
		running:   make(map[string]*entry),
		unique:    make(map[string]string),
		paused:    make(map[string]bool),
		queues:    make(map[string]bool),
		leases:    make(map[string]store.Lease),
		counters:  make(map[string]counter),
		finSubs:   make(map[string]map[*finSub]struct{}),
		readySubs: make(map[*readySub]struct{}),
		revSubs:   make(map[chan struct{}]struct{}),
	}
}

// lock takes the mutex after checking ctx; it reports the error a method
// returns instead of going on.
func (s *Store) lock(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
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

// Insert implements [store.Store]. A job whose ID is already stored
// (inserted earlier, or by an earlier job of the same batch) is a
// duplicate like one whose UniqueKey is taken: it is skipped and returned
// in dups.
func (s *Store) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	for _, j := range jobs {
		if j == nil || j.ID == "" {
			return nil, fmt.Errorf("memory: insert: every job needs a non-empty ID")
		}
		if j.State != store.Queued && j.State != store.Scheduled {
			return nil, fmt.Errorf("memory: insert: job %q has state %q; new jobs are %q or %q", j.ID, j.State, store.Queued, store.Scheduled)
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
		if e.job.MaxAttempts < 1 {
			e.job.MaxAttempts = 1
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
func (s *Store) uniqueHolder(key string, t time.Time) string {
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
func (s *Store) enqueue(e *entry) {
	if !e.job.ExpiresAt.IsZero() && e.expIndex < 0 {
		heap.Push(&s.expiring, e)
	}
	if e.job.State == store.Scheduled {
		s.scheduled.add(e)
		return
	}
	h := s.ready[e.job.Queue]
	if h == nil {
		h = &jobHeap{}
		s.ready[e.job.Queue] = h
	}
	h.add(e)
}

// promote moves scheduled jobs due at now to their ready heaps. Their
// state stays Scheduled until they are claimed, as the contract allows.
func (s *Store) promote(now time.Time) {
	for s.scheduled.due(now) {
		e := s.scheduled.pop()
		h := s.ready[e.job.Queue]
		if h == nil {
			h = &jobHeap{}
			s.ready[e.job.Queue] = h
		}
		h.add(e)
	}
}

// Claim implements [store.Store].
func (s *Store) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if req.Limit < 1 {
		return nil, fmt.Errorf("memory: claim: limit is %d; it must be at least 1", req.Limit)
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	s.promote(req.Now)
	heaps := make([]*jobHeap, 0, len(req.Queues))
	for _, q := range req.Queues {
		if h := s.ready[q]; h != nil && h.Len() > 0 && !s.paused[q] && !slices.Contains(heaps, h) {
			heaps = append(heaps, h)
		}
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

func claimsBefore(a, b *entry) bool {
	h := jobHeap{items: []*entry{a, b}}
	return h.Less(0, 1)
}

// ExtendLeases implements [store.Store].
func (s *Store) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
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

// Finish implements [store.Store].
func (s *Store) Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error) {
	for _, o := range outcomes {
		switch o.State {
		case store.Succeeded, store.Scheduled, store.Dead, store.Canceled, store.Expired, store.Queued:
		default:
			return nil, fmt.Errorf("memory: finish: job %q: outcome state %q; accepted: succeeded, scheduled, dead, canceled, expired, queued", o.ID, o.State)
		}
	}
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
			j.LastError = o.Error
			j.Errors = append(j.Errors, store.AttemptError{Attempt: j.Attempt, At: o.FinishedAt, Error: o.Error})
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
func (s *Store) finished(e *entry) {
	if k := e.job.UniqueKey; k != "" && s.unique[k] == e.job.ID {
		delete(s.unique, k)
	}
	s.signalFinished(e.job.ID)
}

// Recover implements [store.Store].
func (s *Store) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
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
func (s *Store) expire(now time.Time) []store.Recovered {
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

// Get implements [store.Store].
func (s *Store) Get(ctx context.Context, id string) (*store.Job, error) {
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

// Prune implements [store.Store].
func (s *Store) Prune(ctx context.Context, now time.Time) (int, error) {
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
func (s *Store) remove(id string, e *entry) {
	s.detach(e)
	delete(s.jobs, id)
	if k := e.job.UniqueKey; k != "" && s.unique[k] == id {
		delete(s.unique, k)
	}
	s.signalFinished(id)
}

// Close implements [store.Store]. Watchers of Finished are woken so they
// notice; later calls return [store.ErrClosed].
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for id := range s.finSubs {
		s.signalFinished(id)
	}
	return nil
}
