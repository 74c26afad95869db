// Package watchset holds the Ready and Revoked watchers of a store: sets
// of channels that receive coalesced signals (at most one is buffered)
// and are closed when the store closes. A set is not safe for concurrent
// use: its store guards it with its own lock, the sync.Locker given to
// Add, which the stop funcs Add returns take.
package watchset

import (
	"slices"
	"sync"
)

// closed is returned by Add after Close: receiving from it succeeds at
// once, and the caller's next call to the store reports ErrClosed.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Closed returns a closed channel, for the watch calls of a closed store.
func Closed() <-chan struct{} { return closed }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Ready is a set of Ready watchers, each of some queues or of every
// queue. The zero value is empty and open.
type Ready struct {
	ws     map[*readyWatcher]struct{}
	closed bool
}

type readyWatcher struct {
	queues map[string]bool // nil: every queue
	ch     chan struct{}   // capacity 1: signals coalesce
}

// Add registers a watcher of queues (of every queue when queues is empty)
// and returns its channel and a stop func, idempotent, that takes mu and
// removes it. mu must be held by the caller of Add. After Close, Add
// returns a closed channel and a stop func that does nothing.
func (r *Ready) Add(mu sync.Locker, queues []string) (ch <-chan struct{}, stop func()) {
	if r.closed {
		return closed, func() {}
	}
	w := &readyWatcher{ch: make(chan struct{}, 1)}
	if len(queues) > 0 {
		w.queues = make(map[string]bool, len(queues))
		for _, q := range queues {
			w.queues[q] = true
		}
	}
	if r.ws == nil {
		r.ws = map[*readyWatcher]struct{}{}
	}
	r.ws[w] = struct{}{}
	return w.ch, func() {
		mu.Lock()
		delete(r.ws, w)
		mu.Unlock()
	}
}

// Signal signals the watchers of any of queues, and those of every queue.
func (r *Ready) Signal(queues ...string) {
	for w := range r.ws {
		if w.queues == nil || slices.ContainsFunc(queues, func(q string) bool { return w.queues[q] }) {
			signal(w.ch)
		}
	}
}

// SignalAll signals every watcher.
func (r *Ready) SignalAll() {
	for w := range r.ws {
		signal(w.ch)
	}
}

// Watches reports whether some watcher waits for queue q.
func (r *Ready) Watches(q string) bool {
	for w := range r.ws {
		if w.queues == nil || w.queues[q] {
			return true
		}
	}
	return false
}

// Len returns the number of watchers.
func (r *Ready) Len() int { return len(r.ws) }

// Close closes every watcher's channel and removes it; later Adds return
// a closed channel.
func (r *Ready) Close() {
	r.closed = true
	for w := range r.ws {
		close(w.ch)
	}
	clear(r.ws)
}

// Set is a set of watchers that every signal reaches (Revoked watchers).
// The zero value is empty and open.
type Set struct {
	chs    map[chan struct{}]struct{}
	closed bool
}

// Add registers a watcher and returns its channel and a stop func,
// idempotent, that takes mu and removes it. mu must be held by the caller
// of Add. After Close, Add returns a closed channel and a stop func that
// does nothing.
func (s *Set) Add(mu sync.Locker) (ch <-chan struct{}, stop func()) {
	if s.closed {
		return closed, func() {}
	}
	c := make(chan struct{}, 1)
	if s.chs == nil {
		s.chs = map[chan struct{}]struct{}{}
	}
	s.chs[c] = struct{}{}
	return c, func() {
		mu.Lock()
		delete(s.chs, c)
		mu.Unlock()
	}
}

// Signal signals every watcher.
func (s *Set) Signal() {
	for c := range s.chs {
		signal(c)
	}
}

// Len returns the number of watchers.
func (s *Set) Len() int { return len(s.chs) }

// Close closes every watcher's channel and removes it; later Adds return
// a closed channel.
func (s *Set) Close() {
	s.closed = true
	for c := range s.chs {
		close(c)
	}
	clear(s.chs)
}
