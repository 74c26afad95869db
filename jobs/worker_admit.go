package jobs

import (
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// gated reports whether jobs of def pass checks even without metadata or
// an expiry: signing, rate limits, revocations by name. When it is false
// and a job has neither, the worker runs it straight away.
func (r *workerRun) gated(def *definitionCore) bool {
	return r.w.c.signer != nil || def.cfg.feat.rateN > 0 || r.revokes.any()
}

// admit runs the checks a job passes before its handler, in this order:
// signature, expiry, revocation (by ID, then by name), workflow
// dependencies, lock, rate limit. It returns the arguments to run with
// (a workflow step's come from the steps before it), the job's metadata
// and a func that releases the lock after the attempt; or, with stop,
// the outcome that ends this claim instead: dead-lettered, expired,
// cancelled, or deferred without spending an attempt.
func (r *workerRun) admit(a *activeJob, def *definitionCore, o store.Outcome) (args []byte, m *jobMeta, release func(), out store.Outcome, stop bool) {
	j := a.job
	args = j.Args
	m, err := decodeMeta(j.Meta)
	if err != nil {
		return nil, nil, nil, r.deadLetter(o, j, def, err), true
	}
	if s := r.w.c.signer; s != nil {
		sig := ""
		if m != nil {
			sig = m.Sig
		}
		if err := s.verify(j.ID, j.Name, j.Args, sig); err != nil {
			return nil, m, nil, r.deadLetter(o, j, def, err), true
		}
	}
	t := now()
	if !j.ExpiresAt.IsZero() && !t.Before(j.ExpiresAt) {
		return nil, m, nil, r.expired(o, j, def, t), true
	}
	a.mu.Lock()
	revoked := a.revoked != ""
	a.mu.Unlock()
	if revoked {
		return nil, m, nil, r.revokedOutcome(o, j, def, a.revokedCause()), true
	}
	if cause := r.revokedByName(j.Name, t); cause != nil {
		return nil, m, nil, r.revokedOutcome(o, j, def, cause), true
	}
	if m != nil && len(m.Deps) > 0 {
		var ok bool
		if args, out, ok = r.dependencies(o, j, def, m, t); !ok {
			return nil, m, nil, out, true
		}
	}
	if m != nil && m.Lock != "" {
		if release, out, stop = r.takeLock(a, o, def, m, t); stop {
			return nil, m, nil, out, true
		}
	}
	if def.cfg.feat.rateN > 0 {
		if out, stop = r.rateLimit(o, j, def, t); stop {
			if release != nil {
				release()
			}
			return nil, m, nil, out, true
		}
	}
	return args, m, release, o, false
}

// deferTo gives the job back, claimable again at runAt, without spending
// an attempt.
func deferTo(o store.Outcome, t, runAt time.Time) store.Outcome {
	o.State, o.FinishedAt, o.RunAt = store.Queued, t, runAt
	return o
}

// deadLetter ends a job that cannot run (a payload that does not verify
// or decode) without calling its handler.
func (r *workerRun) deadLetter(o store.Outcome, j *store.Job, def *definitionCore, err error) store.Outcome {
	t := now()
	o.State, o.Error, o.FinishedAt = store.Dead, r.w.c.errorText(err.Error()), t
	o.RetainUntil = r.retainUntil(def, t)
	r.w.c.bus.emit(Event{Kind: EventDeadLettered, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: Permanent(err), At: t})
	return o
}

func (r *workerRun) expired(o store.Outcome, j *store.Job, def *definitionCore, t time.Time) store.Outcome {
	err := fmt.Errorf("%w: not started before its expiry at %s", ErrExpired, j.ExpiresAt.Format(time.RFC3339Nano))
	o.State, o.Error, o.FinishedAt = store.Expired, r.w.c.errorText(err.Error()), t
	o.RetainUntil = r.retainUntil(def, t)
	r.w.c.bus.emit(Event{Kind: EventExpired, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: err, At: t})
	return o
}

// cancelled ends a job as Canceled for cause (a lock it may not wait for,
// a failed workflow dependency).
func (r *workerRun) cancelled(o store.Outcome, j *store.Job, def *definitionCore, cause error) store.Outcome {
	return r.revokedOutcome(o, j, def, cause)
}

// takeLock acquires the job's lock lease until the end of the worker's
// lease; heartbeats renew it while the attempt runs.
func (r *workerRun) takeLock(a *activeJob, o store.Outcome, def *definitionCore, m *jobMeta, t time.Time) (release func(), out store.Outcome, stop bool) {
	j := a.job
	wait := DefaultLockRetry
	if m.LockWait > 0 {
		wait = time.Duration(m.LockWait)
	}
	holder, ok, err := r.st.Acquire(r.storeCtx, store.Lease{Key: m.Lock, Owner: j.ID, Until: t.Add(r.opts.LeaseDuration)}, t)
	if err != nil {
		r.log.Warn("jobs: worker: taking a job's lock failed; deferring it", "worker", r.opts.ID, "job", j.ID, "lock", m.Lock, "err", err)
		return nil, deferTo(o, t, t.Add(wait)), true
	}
	if !ok {
		lockErr := fmt.Errorf("lock %q is held by job %s until %s", m.Lock[len("lock:"):], holder.Owner, holder.Until.Format(time.RFC3339Nano))
		if m.LockSkip {
			r.w.c.bus.emit(Event{Kind: EventLocked, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: lockErr, At: t})
			return nil, r.cancelled(o, j, def, fmt.Errorf("skipped: %w", lockErr)), true
		}
		runAt := t.Add(wait)
		r.w.c.bus.emit(Event{Kind: EventLocked, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: lockErr, At: runAt})
		return nil, deferTo(o, t, runAt), true
	}
	a.mu.Lock()
	a.lock = m.Lock
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.lock = ""
		a.mu.Unlock()
		if _, err := r.st.Release(r.storeCtx, m.Lock, j.ID); err != nil {
			r.log.Warn("jobs: worker: releasing a job's lock failed; it frees when its lease expires", "worker", r.opts.ID, "job", j.ID, "lock", m.Lock, "err", err)
		}
	}, o, false
}

// renewLocks extends the locks of running jobs with their leases.
func (r *workerRun) renewLocks(held []*activeJob, until time.Time) {
	t := now()
	for _, a := range held {
		a.mu.Lock()
		key := a.lock
		a.mu.Unlock()
		if key == "" {
			continue
		}
		if _, ok, err := r.st.Acquire(r.storeCtx, store.Lease{Key: key, Owner: a.job.ID, Until: until}, t); err != nil {
			r.log.Warn("jobs: worker: renewing a job's lock failed", "worker", r.opts.ID, "job", a.job.ID, "lock", key, "err", err)
		} else if !ok {
			r.log.Warn("jobs: worker: a running job's lock was taken by another job (its lease expired)", "worker", r.opts.ID, "job", a.job.ID, "lock", key)
		}
	}
}

// rateLimit counts the start in the current fixed window and defers the
// job to the window's end when the window is full. A window that ends
// while the store counts (a round trip) does not take the start: it is
// counted again in the window the handler will run in, so starts stay
// within the limit by the clock the handler sees, not only by the time
// the job was admitted.
func (r *workerRun) rateLimit(o store.Outcome, j *store.Job, def *definitionCore, t time.Time) (store.Outcome, bool) {
	per := def.cfg.feat.ratePer
	for {
		start := t.Truncate(per)
		end := start.Add(per)
		key := fmt.Sprintf("rate:%s:%d", j.Name, start.UnixNano())
		n, err := r.st.Count(r.storeCtx, key, end, t)
		if err != nil {
			r.log.Warn("jobs: worker: counting a rate-limited start failed; deferring the job", "worker", r.opts.ID, "job", j.ID, "err", err)
			return deferTo(o, t, t.Add(time.Second)), true
		}
		if n > def.cfg.feat.rateN {
			return deferTo(o, t, end), true
		}
		if t = now(); t.Before(end) {
			return o, false
		}
	}
}

// settled does what follows a job's outcome once it is final: workflow
// steps waiting for it are woken after the outcome is recorded. (A unique
// key needs nothing: the store frees it with the final state.)
func (r *workerRun) settled(j *store.Job, m *jobMeta, o store.Outcome) {
	if m == nil || !o.State.Final() {
		return
	}
	if len(m.Next) > 0 {
		r.wakeMu.Lock()
		if r.wakes == nil {
			r.wakes = make(map[string][]string)
		}
		r.wakes[j.ID] = m.Next
		r.wakeN.Store(int64(len(r.wakes) + len(r.recheck)))
		r.wakeMu.Unlock()
	}
}

// wakeAfter wakes the steps waiting for the jobs of a recorded batch, and
// the deferred steps of the batch whose dependencies finished meanwhile.
func (r *workerRun) wakeAfter(batch []store.Outcome) {
	if r.wakeN.Load() == 0 {
		return
	}
	var ids []string
	var steps map[string][]string
	r.wakeMu.Lock()
	for _, o := range batch {
		if next, ok := r.wakes[o.ID]; ok {
			ids = append(ids, next...)
			delete(r.wakes, o.ID)
		}
		if deps, ok := r.recheck[o.ID]; ok {
			if steps == nil {
				steps = make(map[string][]string)
			}
			steps[o.ID] = deps
			delete(r.recheck, o.ID)
		}
	}
	r.wakeN.Store(int64(len(r.wakes) + len(r.recheck)))
	r.wakeMu.Unlock()
	ids = append(ids, r.rechecked(steps)...)
	if len(ids) == 0 {
		return
	}
	if err := r.st.Wake(r.storeCtx, ids, now()); err != nil {
		r.log.Warn("jobs: worker: waking workflow steps failed; they start at their fallback time", "worker", r.opts.ID, "steps", len(ids), "err", err)
	}
}
