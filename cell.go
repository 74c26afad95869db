package spindle

import (
	"sync"
	"sync/atomic"
)

// State is where a task or future is in its life. The zero value is Pending.
type State int32

const (
	// Pending: a future not yet settled, or a task not yet started.
	Pending State = iota
	// Running: a task whose function is executing.
	Running
	// Succeeded: settled with a value and a nil error.
	Succeeded
	// Failed: settled with an error other than a cancellation.
	Failed
	// Canceled: settled by a cancel or a timeout (the error is a
	// *CanceledError).
	Canceled
)

var stateNames = [...]string{"pending", "running", "succeeded", "failed", "canceled"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + itoa(int64(s)) + ")"
}

// Done reports whether the outcome is final.
func (s State) Done() bool { return s >= Succeeded }

func stateOf(err error) State {
	if err == nil {
		return Succeeded
	}
	if _, ok := err.(*CanceledError); ok {
		return Canceled
	}
	return Failed
}

// cellWaiter is something to tell when a cell settles. Internal watchers
// (Gather, Wait, AsCompleted) register a pointer and an index so that
// registering costs no allocation beyond the slice, and can be removed
// again by identity.
type cellWaiter struct {
	n cellNotify
	i int
}

type cellNotify interface{ cellSettled(i int) }

// funcNotify adapts a plain callback.
type funcNotify func()

func (f funcNotify) cellSettled(int) { f() }

// cell is the settle-once core shared by Task and Future: a done channel
// closed exactly once, a state, and the waiters to call when it settles.
type cell struct {
	done  chan struct{} // made on demand by doneChan: most cells are watched through waiters
	state atomic.Int32  // a State, with cellWatched once a waiter or done exists
	mu    sync.Mutex
	// ctxSt is a task's context state (see taskCtxState), kept here
	// because this word would otherwise be padding: tasks get it free.
	ctxSt   atomic.Uint32
	first   cellWaiter    // inline slot: most cells have at most one waiter
	waiters *[]cellWaiter // the rest, rarely needed, so kept out of line
}

// cellWatched is set in a cell's state, under mu and while the cell is
// unsettled, once it has a waiter or a done channel. A task that settles
// with the bit clear has no one to tell, so it settles with one
// compare-and-swap and no lock (settleAlone).
const cellWatched = 1 << 8

// load returns the cell's state without the cellWatched bit.
func (c *cell) load() State { return State(c.state.Load() &^ cellWatched) }

// watchLocked sets cellWatched unless the cell has settled, and reports
// whether it did. It is a compare-and-swap so that it cannot cross a
// settleAlone: exactly one of the two succeeds.
func (c *cell) watchLocked() bool {
	for {
		s := c.state.Load()
		if State(s &^ cellWatched).Done() {
			return false
		}
		if s&cellWatched != 0 || c.state.CompareAndSwap(s, s|cellWatched) {
			return true
		}
	}
}

// closedChan is what doneChan hands out once a cell has settled.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// doneChan returns a channel closed when the cell settles, making it on
// first use so that cells nobody selects on never allocate one.
func (c *cell) doneChan() <-chan struct{} {
	if c.load().Done() {
		return closedChan
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.watchLocked() {
		return closedChan
	}
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

// settled reports whether the outcome is final; a true result also makes
// the outcome's fields visible to the caller (they are written before the
// state is stored).
func (c *cell) settled() bool { return c.load().Done() }

func (c *cell) getState() State { return c.load() }

// addWaiter registers w, or calls it at once (in the caller's goroutine)
// when the cell has already settled.
func (c *cell) addWaiter(w cellWaiter) {
	if c.load().Done() { // settled: no need to lock
		w.n.cellSettled(w.i)
		return
	}
	c.mu.Lock()
	if !c.watchLocked() {
		c.mu.Unlock()
		w.n.cellSettled(w.i)
		return
	}
	switch {
	case c.first.n == nil:
		c.first = w
	case c.waiters == nil:
		c.waiters = &[]cellWaiter{w}
	default:
		*c.waiters = append(*c.waiters, w)
	}
	c.mu.Unlock()
}

// removeWaiter forgets a waiter registered by an internal watcher; it is a
// no-op when the cell already settled (commit took the waiters in the same
// critical section that stored the final state, so there is nothing left
// to remove and no need to lock).
func (c *cell) removeWaiter(n cellNotify, i int) {
	if c.load().Done() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first.n == n && c.first.i == i {
		c.first = cellWaiter{}
		return
	}
	if c.waiters == nil {
		return
	}
	ws := *c.waiters
	for k, w := range ws {
		if w.n == n && w.i == i {
			*c.waiters = append(ws[:k], ws[k+1:]...)
			return
		}
	}
}

// begin starts settling: it locks the cell and returns true, or returns
// false (unlocked) when the cell already settled. After a true begin the
// caller stores its outcome and calls commit; readers that see done closed
// therefore also see the outcome.
func (c *cell) begin() bool {
	c.mu.Lock()
	if c.load().Done() {
		c.mu.Unlock()
		return false
	}
	return true
}

// settleAlone settles a running task's cell with st when it has no
// waiter and no done channel, without locking; false means it has one
// (or the cell is not running), and the caller settles through begin and
// commit. Only the goroutine that runs the task may call it, after storing
// the outcome, which the compare-and-swap publishes.
func (c *cell) settleAlone(st State) bool {
	return c.state.CompareAndSwap(int32(Running), int32(st))
}

// commit finishes what begin started: final state, done closed, waiters
// told (outside the lock, in the settling goroutine, in registration order).
func (c *cell) commit(st State) {
	c.state.Store(int32(st))
	first, rest := c.first, c.waiters
	c.first, c.waiters = cellWaiter{}, nil
	if c.done != nil {
		close(c.done)
	}
	c.mu.Unlock()
	if first.n != nil {
		first.n.cellSettled(first.i)
	}
	if rest != nil {
		for _, w := range *rest {
			w.n.cellSettled(w.i)
		}
	}
}

// awaitableCell is cellOf for an Awaitable: Spindle's own handles are
// recognised by a concrete type assertion, a comparison, where the
// interface assertion in cellOf looks the type up in a table.
func awaitableCell[T any](a Awaitable[T]) *cell {
	switch h := a.(type) {
	case *Task[T]:
		return &h.cell
	case *Future[T]:
		return &h.cell
	case nil:
		return nil
	}
	return cellOf(a)
}

// cellOf returns the cell behind a Spindle awaitable, or nil for an
// awaitable defined elsewhere.
func cellOf(a any) *cell {
	if h, ok := a.(interface{ spindleCell() *cell }); ok {
		return h.spindleCell()
	}
	return nil
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
