package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke cancels the job with reason (Huey's revoke) and returns the
// job's state after the call, which says what the revoke did:
//
//   - [jobtype.Canceled]: the job had not started (it was queued or
//     scheduled); it is canceled now and never runs.
//   - [jobtype.Running]: the job is running; its worker cancels the
//     handler's ctx with a [*RevokedError] as the cause
//     (errors.Is(context.Cause(ctx), ErrRevoked)) and the job ends
//     Canceled when the handler returns (a handler that returns success
//     anyway succeeds). Every store pushes the revoke to the worker, in
//     whatever process it runs, so the ctx ends within milliseconds (see
//     docs/guarantees.md); the worker's heartbeat is only the fallback.
//   - the final state the job was already in (succeeded, dead, canceled,
//     expired), with an error wrapping store.ErrFinal: nothing changed.
//
// An unknown ID gives "" and an error wrapping store.ErrNotFound. Awaiting
// a revoked job returns a [*JobError] matching [ErrRevoked]. Revoke is one
// store round trip (an [EventRevoked] for a job that had not started is
// emitted from what that round trip returns), safe for concurrent use,
// and honours ctx: when ctx ends first the revoke may or may not have
// been made.
func (h *Handle[R]) Revoke(ctx context.Context, reason string) (State, error) {
	return h.c.Inspect().Revoke(ctx, h.id, reason)
}

// Revoke cancels the job with the given ID and returns its state after
// the call; see [Handle.Revoke].
func (in *Inspector) Revoke(ctx context.Context, id, reason string) (State, error) {
	res, err := in.c.store.Revoke(ctx, id, reason, now())
	if err != nil {
		return res.State, fmt.Errorf("jobs: revoke %s: %w", id, err)
	}
	if res.State == store.Canceled && in.c.bus.on() {
		in.c.bus.emit(Event{Kind: EventRevoked, JobID: id, Name: res.Name, Queue: res.Queue, Attempt: res.Attempt, Err: &RevokedError{Reason: reason}})
	}
	return res.State, nil
}

// Restore puts a Canceled job (revoked, or skipped by its lock) back in
// its queue, ready now, with a fresh attempt budget (Huey's restore), and
// returns the job's state after the call: Queued. The check that the job
// is Canceled and the move are one atomic store operation, so a job that
// was retried, restored or deleted meanwhile is never moved by mistake.
// A job in any other state is left alone: its state is returned with an
// error wrapping jobtype.ErrNotCanceled that says so ([Inspector.Retry]
// re-runs dead, expired and succeeded jobs); an unknown ID gives "" and an
// error wrapping jobtype.ErrNotFound. Restore is one store round trip on
// every store, safe for concurrent use, and honours ctx: when ctx ends
// first the job may or may not have been restored.
func (in *Inspector) Restore(ctx context.Context, id string) (State, error) {
	st, err := in.c.store.Restore(ctx, id, now())
	switch {
	case err == nil:
		return st, nil
	case errors.Is(err, store.ErrNotCanceled):
		how := "Retry re-runs finished jobs"
		if !st.Final() {
			how = "it has not finished"
		}
		return st, fmt.Errorf("jobs: restore %s: the job is %s, and %w (%s)", id, st, store.ErrNotCanceled, how)
	}
	return st, fmt.Errorf("jobs: restore %s: %w", id, err)
}

// RevokeAllOptions qualifies [Inspector.RevokeAll] (Huey's revoke_until
// and revoke_once).
type RevokeAllOptions struct {
	Reason string
	// Until ends the revocation at this instant; zero lasts until
	// RestoreAll.
	Until time.Time
	// Once skips only the next job of the definition that a worker
	// claims, then the revocation ends.
	Once bool
}

// Revocation is one revocation by name, as listed by
// [Inspector.Revocations].
type Revocation struct {
	Name   string
	Reason string
	Once   bool
	Until  time.Time // zero: until restored
}

// revokeForever stands in for "no end" in the lease's expiry.
const revokeForever = 100 * 365 * 24 * time.Hour

type revocationData struct {
	Reason  string `json:"reason,omitempty"`
	Once    bool   `json:"once,omitempty"`
	Forever bool   `json:"forever,omitempty"`
}

// RevokeAll cancels every job of the named definition that a worker
// claims from now on, until [Inspector.RestoreAll], until o.Until, or for
// one job with o.Once (Huey's task.revoke(revoke_until, revoke_once)).
// Jobs already running go on. Workers cache the revocations and refresh
// them about once a second while they claim jobs, so a job claimed within
// that second may still run. Revoking a name again replaces the previous
// revocation. Skipped jobs end Canceled with [EventRevoked]. RevokeAll is
// two store round trips (the name's previous revocation is released, then
// the new one taken), safe for concurrent use, and honours ctx.
func (in *Inspector) RevokeAll(ctx context.Context, name string, o RevokeAllOptions) error {
	if err := checkName("job name", name); err != nil {
		return err
	}
	t := now()
	until := o.Until.UTC()
	d := revocationData{Reason: o.Reason, Once: o.Once}
	if until.IsZero() {
		until, d.Forever = t.Add(revokeForever), true
	} else if !until.After(t) {
		return fmt.Errorf("jobs: revoke all %q: Until %s is not in the future", name, o.Until)
	}
	data, _ := json.Marshal(d)
	var b [8]byte
	_, _ = rand.Read(b[:])
	key := "revoke:" + name
	// Replace whatever is there: release it, then take it as a new owner.
	if _, err := in.c.store.Release(ctx, key, ""); err != nil {
		return fmt.Errorf("jobs: revoke all %q: %w", name, err)
	}
	if _, ok, err := in.c.store.Acquire(ctx, store.Lease{Key: key, Owner: hex.EncodeToString(b[:]), Data: data, Until: until}, t); err != nil {
		return fmt.Errorf("jobs: revoke all %q: %w", name, err)
	} else if !ok {
		return fmt.Errorf("jobs: revoke all %q: another revocation of the name was made at the same moment; try again", name)
	}
	return nil
}

// RestoreAll ends a revocation by name (Huey's task.restore) and reports
// whether there was one. Jobs it already cancelled stay Canceled; use
// [Inspector.Restore] for each.
func (in *Inspector) RestoreAll(ctx context.Context, name string) (bool, error) {
	ok, err := in.c.store.Release(ctx, "revoke:"+name, "")
	if err != nil {
		return false, fmt.Errorf("jobs: restore all %q: %w", name, err)
	}
	return ok, nil
}

// Revocations lists the revocations by name in force.
func (in *Inspector) Revocations(ctx context.Context) ([]Revocation, error) {
	ls, err := in.c.store.Leases(ctx, "revoke:", now())
	if err != nil {
		return nil, fmt.Errorf("jobs: revocations: %w", err)
	}
	out := make([]Revocation, 0, len(ls))
	for _, l := range ls {
		rv := parseRevocation(l)
		out = append(out, Revocation{Name: rv.name, Reason: rv.reason, Once: rv.once, Until: rv.shownUntil()})
	}
	return out, nil
}

type revocation struct {
	name, key, owner, reason string
	once, forever            bool
	until                    time.Time
}

func (rv revocation) shownUntil() time.Time {
	if rv.forever {
		return time.Time{}
	}
	return rv.until
}

func parseRevocation(l store.Lease) revocation {
	var d revocationData
	_ = json.Unmarshal(l.Data, &d)
	return revocation{name: strings.TrimPrefix(l.Key, "revoke:"), key: l.Key, owner: l.Owner, reason: d.Reason, once: d.Once, forever: d.Forever, until: l.Until}
}

// revocations is a worker's cache of the revocations by name: refreshed
// by the claim loop at most once a second, read by runners without locks.
type revocations struct {
	refreshed time.Time // claim loop only
	cur       atomic.Pointer[map[string]revocation]
}

func (rs *revocations) any() bool {
	m := rs.cur.Load()
	return m != nil && len(*m) > 0
}

// revokeRefresh is how stale a worker's view of revocations by name may
// be.
const revokeRefresh = time.Second

// refreshRevocations reloads the cache when it is older than
// revokeRefresh; called from the claim loop before jobs are handed out.
func (r *workerRun) refreshRevocations() {
	t := time.Now()
	if !r.revokes.refreshed.IsZero() && t.Sub(r.revokes.refreshed) < revokeRefresh {
		return
	}
	r.revokes.refreshed = t
	ls, err := r.st.Leases(r.storeCtx, "revoke:", now())
	if err != nil {
		r.log.Warn("jobs: worker: reading revocations failed", "worker", r.opts.ID, "err", err)
		return
	}
	if len(ls) == 0 {
		if r.revokes.any() {
			r.revokes.cur.Store(nil)
		}
		return
	}
	m := make(map[string]revocation, len(ls))
	for _, l := range ls {
		rv := parseRevocation(l)
		m[rv.name] = rv
	}
	r.revokes.cur.Store(&m)
}

// revokedByName returns the cause to cancel a job of name with, or nil
// when no revocation applies. A once-revocation is consumed by releasing
// its lease: only the worker whose release succeeds skips its job.
func (r *workerRun) revokedByName(name string, t time.Time) error {
	mp := r.revokes.cur.Load()
	if mp == nil {
		return nil
	}
	rv, ok := (*mp)[name]
	if !ok || !t.Before(rv.until) {
		return nil
	}
	if rv.once {
		r.forgetRevocation(name)
		released, err := r.st.Release(r.storeCtx, rv.key, rv.owner)
		if err != nil {
			r.log.Warn("jobs: worker: consuming a revoke-once failed; running the job", "worker", r.opts.ID, "name", name, "err", err)
			return nil
		}
		if !released {
			return nil // another worker skipped its job
		}
	}
	reason := "all jobs of " + name + " are revoked"
	if rv.once {
		reason = "the next job of " + name + " was revoked"
	}
	if rv.reason != "" {
		reason += ": " + rv.reason
	}
	return &RevokedError{Reason: reason}
}

func (r *workerRun) forgetRevocation(name string) {
	for {
		old := r.revokes.cur.Load()
		if old == nil {
			return
		}
		if _, ok := (*old)[name]; !ok {
			return
		}
		m := make(map[string]revocation, len(*old))
		for k, v := range *old {
			if k != name {
				m[k] = v
			}
		}
		if r.revokes.cur.CompareAndSwap(old, &m) {
			return
		}
	}
}

// revoke records that the job's revoke was requested and cancels its
// handler if it runs.
func (a *activeJob) revoke(reason string) {
	a.mu.Lock()
	if a.revoked != "" {
		a.mu.Unlock()
		return
	}
	if reason == "" {
		reason = "revoked"
	}
	a.revoked = reason
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel(a.revokedCause())
	}
}

func (a *activeJob) revokedCause() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &RevokedError{Reason: a.revoked}
}

// checkRevokes asks the store which held jobs were revoked and cancels
// them.
func (r *workerRun) checkRevokes() {
	reqs, err := r.st.RevokeRequests(r.storeCtx, r.opts.ID)
	if err != nil {
		if !errors.Is(err, store.ErrClosed) {
			r.log.Warn("jobs: worker: reading revoke requests failed", "worker", r.opts.ID, "err", err)
		}
		return
	}
	for id, reason := range reqs {
		if a := r.held.get(id); a != nil {
			a.revoke(reason)
		}
	}
}
