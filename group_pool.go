package spindle

import (
	"runtime"
	"sync"
)

// groupChild runs an admitted child (start true) or drops it because the
// group was cancelled before its turn came (start false). Either way it
// marks the child done in the group's WaitGroup.
type groupChild func(start bool)

// groupPool runs the children of a limited group on at most limit worker
// goroutines, with at most limit more children waiting their turn in a
// ring. A worker that finds the ring empty exits, so an idle group holds
// no goroutines. A caller of Go blocks only when the ring is full, and is
// woken once it has drained to half: one wake-up per limit/2 children
// rather than one per child, which is where the pool beats a goroutine
// and a semaphore hand-off per child.
type groupPool struct {
	mu      sync.Mutex
	cond    sync.Cond // signalled when the ring drains to half
	limit   int
	workers int          // live worker goroutines
	waiting int          // callers blocked in submit
	ring    []groupChild // len limit
	head, n int
}

func newGroupPool(limit int) *groupPool {
	p := &groupPool{limit: limit, ring: make([]groupChild, limit)}
	p.cond.L = &p.mu
	return p
}

// submit hands c to a new worker if fewer than limit exist, or else, with
// wait set, queues it, blocking while the ring is full. Without wait it
// only starts c at once or reports false (errgroup's TryGo). stopped tells
// the worker whether the group has been cancelled.
func (p *groupPool) submit(c groupChild, stopped func() bool, wait bool) bool {
	p.mu.Lock()
	for {
		if p.workers < p.limit {
			p.workers++
			p.mu.Unlock()
			go p.work(c, stopped)
			return true
		}
		if !wait {
			p.mu.Unlock()
			return false
		}
		if p.n < p.limit {
			p.ring[(p.head+p.n)%p.limit] = c
			p.n++
			p.mu.Unlock()
			return true
		}
		p.waiting++
		p.cond.Wait()
		p.waiting--
	}
}

// next takes the oldest queued child, or nil; p.mu is held.
func (p *groupPool) next() groupChild {
	if p.n == 0 {
		return nil
	}
	c := p.ring[p.head]
	p.ring[p.head] = nil
	p.head = (p.head + 1) % p.limit
	p.n--
	if p.waiting > 0 && p.n <= p.limit/2 {
		p.cond.Broadcast()
	}
	return c
}

// work runs children until the ring is empty. A child that calls
// runtime.Goexit ends its worker mid-loop; the deferred hand-over starts a
// replacement for whatever is still queued, so no queued child is
// stranded.
func (p *groupPool) work(c groupChild, stopped func() bool) {
	exited := true
	defer func() {
		if !exited {
			return
		}
		p.mu.Lock()
		next := p.next()
		if next == nil {
			p.workers--
		}
		p.mu.Unlock()
		if next != nil {
			go p.work(next, stopped)
		}
	}()
	for c != nil {
		c(!stopped())
		c = p.take()
	}
	exited = false
}

// take returns the next queued child or, when the ring stays empty across
// one yield, un-counts the worker and returns nil. The yield lets a
// producer that is about to submit run first, so a stream of children
// slower to make than to run (Spawn's handles) keeps its workers instead
// of starting a goroutine per child.
func (p *groupPool) take() groupChild {
	for yielded := false; ; yielded = true {
		p.mu.Lock()
		c := p.next()
		if c != nil || yielded {
			if c == nil {
				p.workers--
			}
			p.mu.Unlock()
			return c
		}
		p.mu.Unlock()
		runtime.Gosched()
	}
}
