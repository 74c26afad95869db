package memory

// Ready implements [store.Notifier]. Each call makes a subscription that
// lasts until stop, which may be called any number of times.
func (s *Store) Ready(queues []string) (<-chan struct{}, func()) {
	sub := &readySub{queues: make(map[string]bool, len(queues)), ch: make(chan struct{}, 1)}
	for _, q := range queues {
		sub.queues[q] = true
	}
	s.mu.Lock()
	s.readySubs[sub] = struct{}{}
	s.mu.Unlock()
	return sub.ch, func() {
		s.mu.Lock()
		delete(s.readySubs, sub)
		s.mu.Unlock()
	}
}

// signalReady wakes the subscribers of any of queues; s.mu is held.
func (s *Store) signalReady(queues map[string]bool) {
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
// subscription and may be called any number of times.
func (s *Store) Finished(id string) (<-chan struct{}, func()) {
	sub := &finSub{ch: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(sub.ch)
		return sub.ch, func() {}
	}
	m := s.finSubs[id]
	if m == nil {
		m = make(map[*finSub]struct{})
		s.finSubs[id] = m
	}
	m[sub] = struct{}{}
	return sub.ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if m, ok := s.finSubs[id]; ok {
			if _, ok := m[sub]; ok {
				delete(m, sub)
				if len(m) == 0 {
					delete(s.finSubs, id)
				}
			}
		}
	}
}

// signalFinished closes and forgets the watchers of id; s.mu is held.
func (s *Store) signalFinished(id string) {
	m := s.finSubs[id]
	if m == nil {
		return
	}
	for sub := range m {
		close(sub.ch)
	}
	delete(s.finSubs, id)
}

// Revoked implements [store.Notifier]. Each call makes a subscription
// that lasts until stop, which may be called any number of times. A
// revoke of a Running job signals every subscriber after the call that
// requested it changed the job.
func (s *Store) Revoked() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.revSubs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.revSubs, ch)
		s.mu.Unlock()
	}
}

// signalRevoked wakes every Revoked subscriber; s.mu is held.
func (s *Store) signalRevoked() {
	for ch := range s.revSubs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
