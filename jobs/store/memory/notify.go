package memory

import "github.com/spindlehq/spindle/jobs/store"

// Ready implements [store.Notifier]. Each call makes a subscription that
// lasts until stop, which may be called any number of times.
func (s *Store) Ready(queues []string) (<-chan struct{}, func()) {
	sub := &readySub{queues: make(map[string]bool, len(queues)), ch: make(chan struct{}, 1)}
	for _, q := range queues {
		sub.queues[q] = true
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(sub.ch)
		return sub.ch, func() {}
	}
	s.readySubs[sub] = struct{}{}
	s.mu.Unlock()
	return sub.ch, func() {
		s.mu.Lock()
		delete(s.readySubs, sub)
		s.mu.Unlock()
	}
}

// signalReady wakes the subscribers of any of queues; s.mu is held.
func (s *core) signalReady(queues map[string]bool) {
	if len(queues) == 0 {
		return
	}
	for sub := range s.readySubs {
		for q := range queues {
			if sub.queues[q] {
				select {
				case sub.ch <- struct{}{}:
				default:
				}
				break
			}
		}
	}
}

// Finished implements [store.Notifier]. The channel is closed when the job
// reaches a final state, is deleted, or the store closes; stop forgets the
// watch and may be called any number of times.
func (s *Store) Finished(id string) (<-chan struct{}, func()) {
	ch, _, stop := s.fin.Watch(id)
	return ch, stop
}

// WatchFinishes implements [store.Notifier]. A job that becomes final is
// carried to the watch, so its waiters need not read it back.
func (s *Store) WatchFinishes() store.FinishWatch { return s.fin.Feed() }

// signalFinished wakes the watchers of id, handing them the job when it
// is still stored and final (it is gone when it was deleted); s.mu is
// held.
func (s *core) signalFinished(id string) {
	if !s.fin.Wants(id) {
		return
	}
	var j *store.Job
	if e := s.jobs[id]; e != nil && e.job.State.Final() {
		j = clone(&e.job)
	}
	s.fin.FireJob(id, j)
}

// Revoked implements [store.Notifier]. Each call makes a subscription
// that lasts until stop, which may be called any number of times. A
// revoke of a Running job signals every subscriber after the call that
// requested it changed the job.
func (s *Store) Revoked() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		close(ch)
		return ch, func() {}
	}
	s.revSubs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.revSubs, ch)
		s.mu.Unlock()
	}
}

// signalRevoked wakes every Revoked subscriber; s.mu is held.
func (s *core) signalRevoked() {
	for ch := range s.revSubs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
