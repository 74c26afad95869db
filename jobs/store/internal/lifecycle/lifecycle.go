// Package lifecycle is the open/closed state every store shares, so that
// all of them close by one rule: Close waits for the calls in flight,
// later calls (Close included) fail with store.ErrClosed, and what the
// store must release is released once.
package lifecycle

import (
	"sync"

	"github.com/spindlehq/spindle/jobs/store"
)

// Gate admits a store's calls until it closes. Every call holds it shared
// while it runs (Enter, then Leave); Close takes it exclusively, so it
// waits for the calls in flight, and a call that ends when its ctx does
// lets Close return. The zero value is open. Safe for concurrent use.
type Gate struct {
	mu     sync.RWMutex
	closed bool
}

// Enter admits a call, or returns store.ErrClosed once the gate closed.
// A nil error must be followed by exactly one Leave.
func (g *Gate) Enter() error {
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// Leave ends a call Enter admitted.
func (g *Gate) Leave() { g.mu.RUnlock() }

// Close waits for the calls in flight and closes the gate. It reports
// whether this call closed it: the caller then releases the store's
// resources. Later calls return false and store.ErrClosed.
func (g *Gate) Close() (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false, store.ErrClosed
	}
	g.closed = true
	return true, nil
}

// Closed reports whether Close was called.
func (g *Gate) Closed() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.closed
}
