package memory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Queues lists every queue that holds a job or is paused, sorted by name,
// with its job count per state.
func (s *core) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	byName := make(map[string]*store.QueueInfo)
	info := func(q string) *store.QueueInfo {
		qi := byName[q]
		if qi == nil {
			qi = &store.QueueInfo{Name: q, Paused: s.paused[q], Counts: make(map[store.State]int)}
			byName[q] = qi
		}
		return qi
	}
	for q := range s.paused {
		info(q)
	}
	for _, e := range s.jobs {
		info(e.job.Queue).Counts[e.job.State]++
	}
	out := make([]store.QueueInfo, 0, len(byName))
	for _, qi := range byName {
		out = append(out, *qi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// List returns one page of req.Limit jobs at most matching req, in ID
// order (descending with req.Desc), between req.After and req.Before.
func (s *core) List(ctx context.Context, req store.ListRequest) ([]*store.Job, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var ids []string
	for id, e := range s.jobs {
		j := &e.job
		if (req.Queue != "" && j.Queue != req.Queue) || (req.State != "" && j.State != req.State) ||
			(req.Name != "" && j.Name != req.Name) || (req.After != "" && id <= req.After) ||
			(req.Before != "" && id >= req.Before) {
			continue
		}
		ids = append(ids, id)
	}
	if req.Desc {
		sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	} else {
		sort.Strings(ids)
	}
	if len(ids) > req.Limit {
		ids = ids[:req.Limit]
	}
	out := make([]*store.Job, len(ids))
	for i, id := range ids {
		out[i] = clone(&s.jobs[id].job)
	}
	return out, nil
}

// Retry moves a final job back to Queued, ready at now, with a fresh
// attempt budget, under the store's lock. A final job
// loses its revoke reason and its ExpiresAt: retrying is a request to run
// it, which an old revoke or a passed deadline would otherwise undo at
// once. A Running job gives [store.ErrRunning] and a waiting one an error
// wrapping [store.ErrNotFinal]. ctx cancels the wait for the lock.
func (s *core) Retry(ctx context.Context, id string, now time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	e := s.jobs[id]
	if e == nil {
		return store.ErrNotFound
	}
	switch st := e.job.State; {
	case st == store.Running:
		return store.ErrRunning
	case !st.Final():
		return fmt.Errorf("memory: retry %s: job is %s: %w", id, st, store.ErrNotFinal)
	}
	return s.requeue(e, now, "retry")
}

// requeue moves the final job e back to Queued, ready at now, with a
// fresh attempt budget, unless its unique key is held by another
// unfinished job; s.mu is held. op names the call in errors.
func (s *core) requeue(e *entry, now time.Time, op string) error {
	j := &e.job
	if k := j.UniqueKey; k != "" {
		if other, ok := s.unique[k]; ok && other != j.ID {
			return fmt.Errorf("memory: %s %s: unique key %q is held by unfinished job %s", op, j.ID, k, other)
		}
		s.unique[k] = j.ID
	}
	j.Attempt = 0
	j.FinishedAt, j.RetainUntil, j.ExpiresAt = time.Time{}, time.Time{}, time.Time{}
	j.Result = nil
	j.Revoke = ""
	s.detach(e)
	j.State = store.Queued
	j.RunAt = now
	s.enqueue(e)
	s.signalReady(map[string]bool{j.Queue: true})
	return nil
}

// Delete removes a job that is not Running and wakes its Finished
// watchers; it fails with store.ErrNotFound or store.ErrRunning.
func (s *core) Delete(ctx context.Context, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	e := s.jobs[id]
	if e == nil {
		return store.ErrNotFound
	}
	if e.job.State == store.Running {
		return store.ErrRunning
	}
	s.remove(id, e)
	return nil
}

// Purge deletes the jobs of queue (any queue when empty) in state, and
// reports how many. An empty state matches every state but Running.
func (s *core) Purge(ctx context.Context, queue string, state store.State) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.jobs {
		j := &e.job
		if j.State == store.Running || (queue != "" && j.Queue != queue) || (state != "" && j.State != state) {
			continue
		}
		s.remove(id, e)
		n++
	}
	return n, nil
}

// Pause stops claims from queue; the jobs running are not affected.
func (s *core) Pause(ctx context.Context, queue string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.paused[queue] = true
	s.queues[queue] = true
	return nil
}

// Resume lets claims take from queue again and wakes its Ready watchers.
func (s *core) Resume(ctx context.Context, queue string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.paused, queue)
	s.signalReady(map[string]bool{queue: true})
	return nil
}

// Stats counts the jobs per state and the queues, and finds the enqueue
// time of the oldest Queued job.
func (s *core) Stats(ctx context.Context) (store.Stats, error) {
	if err := s.lock(ctx); err != nil {
		return store.Stats{}, err
	}
	defer s.mu.Unlock()
	st := store.Stats{Counts: make(map[store.State]int)}
	queues := make(map[string]bool)
	for q := range s.paused {
		queues[q] = true
	}
	for _, e := range s.jobs {
		j := &e.job
		st.Counts[j.State]++
		queues[j.Queue] = true
		if j.State == store.Queued && (st.Oldest.IsZero() || j.EnqueuedAt.Before(st.Oldest)) {
			st.Oldest = j.EnqueuedAt
		}
	}
	st.Queues = len(queues)
	return st, nil
}
