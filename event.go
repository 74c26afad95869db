package spindle

import (
	"context"
	"sync"
)

// Event is asyncio.Event: a flag that goroutines can wait for. It starts
// clear; Set raises it and releases every waiter, Clear lowers it again.
// The zero Event is ready to use (clear). All methods are safe for
// concurrent use by any number of goroutines; Wait parks on a channel, so
// testing/synctest sees a waiting goroutine as durably blocked.
//
// A Set releases every goroutine that was waiting at that moment even if
// Clear follows immediately: they observed the event set, as in asyncio.
//
// An Event must not be copied after first use.
type Event struct {
	mu  sync.Mutex
	set bool
	// ch is the channel the current waiters park on: made by the first Wait
	// while the event is clear, closed and dropped by Set. Clear makes no
	// channel, so the waiters of one Set are never mixed with the next.
	ch chan struct{}
}

// Set raises the event, releasing every waiting goroutine; waits that start
// while it stays set return at once. Setting a set event does nothing.
func (e *Event) Set() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set {
		return
	}
	e.set = true
	if e.ch != nil {
		close(e.ch)
		e.ch = nil
	}
}

// Clear lowers the event, so later waits block until the next Set. Waiters
// already released by a Set stay released.
func (e *Event) Clear() {
	e.mu.Lock()
	e.set = false
	e.mu.Unlock()
}

// IsSet reports whether the event is set. Under concurrent use it is a
// snapshot.
func (e *Event) IsSet() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.set
}

// Wait blocks until the event is set and returns nil, at once if it is set
// already. If ctx ends first it returns [Interrupted](ctx); when both happen together, the Set wins.
func (e *Event) Wait(ctx context.Context) error {
	e.mu.Lock()
	if e.set {
		e.mu.Unlock()
		return nil
	}
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	ch := e.ch
	e.mu.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		select {
		case <-ch:
			return nil
		default:
			return interrupted(ctx, nil)
		}
	}
}
