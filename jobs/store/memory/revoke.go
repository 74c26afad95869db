package memory

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke cancels or marks job id, under the store's lock. A waiting job
// is canceled at once and its Finished watchers are woken; a Running one
// is marked and the Revoked subscribers are signalled. reason must not be
// empty: it is how the lease owner tells a revoked job from one that is
// not. ctx cancels the wait for the lock.
func (s *core) Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error) {
	if err := s.lock(ctx); err != nil {
		return store.RevokeResult{}, err
	}
	defer s.mu.Unlock()
	e := s.jobs[id]
	if e == nil {
		return store.RevokeResult{}, store.ErrNotFound
	}
	j := &e.job
	switch {
	case j.State.Final():
		return revokeResult(j), store.ErrFinal
	case j.State == store.Running:
		j.Revoke = reason
		s.signalRevoked()
		return revokeResult(j), nil
	}
	s.detach(e)
	j.State = store.Canceled
	j.FinishedAt = now
	j.LastError, j.Revoke = reason, reason
	j.RetainUntil = retainUntil(j, now)
	s.finished(e)
	return revokeResult(j), nil
}

func revokeResult(j *store.Job) store.RevokeResult {
	return store.RevokeResult{State: j.State, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt}
}

// RevokeRequests returns the revoke reasons of the Running jobs owner
// holds that were revoked, by job ID.
func (s *core) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out map[string]string
	for id, e := range s.running {
		if e.job.Revoke != "" && e.job.LeaseOwner == owner {
			if out == nil {
				out = make(map[string]string)
			}
			out[id] = e.job.Revoke
		}
	}
	return out, nil
}

// Wake makes the Scheduled jobs of ids ready at now and wakes their
// queues' Ready watchers; other jobs are left alone.
func (s *core) Wake(ctx context.Context, ids []string, now time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	woke := make(map[string]bool)
	for _, id := range ids {
		e := s.jobs[id]
		if e == nil || e.job.State != store.Scheduled {
			continue
		}
		s.detach(e)
		e.job.State = store.Queued
		e.job.RunAt = now
		s.enqueue(e)
		woke[e.job.Queue] = true
	}
	s.signalReady(woke)
	return nil
}
