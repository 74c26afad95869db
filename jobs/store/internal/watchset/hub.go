package watchset

import "sync"

// Hub is the watcher state every store's notifier keeps: its Ready and
// Revoked watchers, the lock that guards them (and whatever else the
// notifier keeps with them), and whether the store closed. A notifier
// embeds it, and its close sets Closed under Mu and then closes both
// sets. The zero value is open and empty.
type Hub struct {
	Mu      sync.Mutex
	Closed  bool // set under Mu when the store closes
	Ready   Ready
	Revoked Set
}

// AddReady registers a Ready watcher of queues (of every queue when
// queues is empty), taking Mu, and calls started with Mu still held, so
// the notifier starts hearing of changes (a listening connection, a
// subscription, a poller) before anyone can wait on the channel. Once
// the hub closed it returns a closed channel and a stop func that does
// nothing, without calling started.
func (h *Hub) AddReady(queues []string, started func()) (ch <-chan struct{}, stop func()) {
	h.Mu.Lock()
	defer h.Mu.Unlock()
	if h.Closed {
		return closed, func() {}
	}
	ch, stop = h.Ready.Add(&h.Mu, queues)
	started()
	return ch, stop
}

// AddRevoked is AddReady for a Revoked watcher.
func (h *Hub) AddRevoked(started func()) (ch <-chan struct{}, stop func()) {
	h.Mu.Lock()
	defer h.Mu.Unlock()
	if h.Closed {
		return closed, func() {}
	}
	ch, stop = h.Revoked.Add(&h.Mu)
	started()
	return ch, stop
}
