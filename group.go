package spindle

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Group runs child functions concurrently and waits for all of them:
// asyncio's TaskGroup (a nursery). Its rules:
//
//   - Wait returns only after every child has returned, always.
//   - The first child to fail cancels the group's context, with its error
//     as the cause, so the siblings can stop early.
//   - Wait returns every failure, joined with errors.Join in the order they
//     happened; errors that merely report the group's own cancellation
//     are left out, so the root cause is never buried.
//   - A child that panics or calls runtime.Goexit fails like any other
//     child: its panic is recovered into a *PanicError (with the stack),
//     cancels the siblings and comes back from Wait. It never crashes the
//     process and is never lost.
//   - With GroupLimit(n), at most n children run at once and at most n
//     more wait their turn; Go blocks while that many are admitted, and a
//     waiting child whose turn comes after the group was cancelled is
//     never started.
//
// Go, Spawn and TryGo may be called from any goroutine, including from
// children, until Wait has returned; calling them after that panics. The
// zero Group is ready to use, with context.Background() as its parent and
// no limit.
//
// Cost: without a limit, one goroutine and one allocation per child beyond
// what fn captures, as with errgroup. With GroupLimit(n), children run on
// at most n worker goroutines that take the next child when one finishes,
// with up to n more children waiting in a ring, so a fast stream of
// children costs one allocation and no goroutine start each, and a caller
// blocked in Go is woken once per n/2 children rather than once per child.
// Workers exit when the ring is empty: an idle group holds no goroutines.
// Spawn, which also gives each child a Task handle, costs what Go (the
// function) costs. docs/benchmarks.md compares Group with errgroup and
// worker pools.
type Group struct {
	once    sync.Once
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    <-chan struct{} // g.ctx.Done(), cached
	pool    *groupPool      // nil without a limit
	wg      sync.WaitGroup
	waited  atomic.Bool
	mu      sync.Mutex
	errs    []error
	dropped bool // a child returned or was skipped because the group was cancelled
}

// GroupOption configures a Group.
type GroupOption func(*Group)

// GroupLimit caps how many children run at once; n <= 0 means no limit.
func GroupLimit(n int) GroupOption {
	return func(g *Group) {
		if n > 0 {
			g.pool = newGroupPool(n)
		}
	}
}

// NewGroup returns a group whose context derives from ctx: ending ctx
// cancels every child.
func NewGroup(ctx context.Context, opts ...GroupOption) *Group {
	if ctx == nil {
		panic("spindle: NewGroup called with a nil context; use context.Background()")
	}
	g := &Group{parent: ctx}
	for _, o := range opts {
		o(g)
	}
	g.once.Do(g.init)
	return g
}

func (g *Group) init() {
	if g.parent == nil {
		g.parent = context.Background()
	}
	g.ctx, g.cancel = context.WithCancelCause(g.parent)
	g.done = g.ctx.Done()
}

// stopped reports whether the group's context has ended. A non-blocking
// receive on the cached Done channel takes no lock, where ctx.Err() would,
// and Go asks twice per child.
func (g *Group) stopped() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// Context returns the context the children receive. It is cancelled when a
// child fails, when the parent ends, and once Wait has returned.
func (g *Group) Context() context.Context {
	g.once.Do(g.init)
	return g.ctx
}

var errGroupDone = errors.New("spindle: the group's Wait has returned")

// Go runs fn in a new goroutine as a child of the group. With a limit of
// n, at most n children run at once and at most n more wait their turn;
// Go blocks while that many are admitted. A waiting child whose turn comes
// after the group was cancelled is never run.
func (g *Group) Go(fn func(ctx context.Context) error) {
	g.enter()
	if g.pool == nil {
		go g.run(fn)
		return
	}
	g.pool.submit(g.child(fn), g.stopped, true)
}

// TryGo starts fn only if it can run at once: it returns false, without
// running fn, when the group is already cancelled or, with a limit, when
// limit children are running. It never blocks and never queues.
func (g *Group) TryGo(fn func(ctx context.Context) error) bool {
	g.enter()
	if g.stopped() {
		g.drop()
		return false
	}
	if g.pool == nil {
		go g.run(fn)
		return true
	}
	if !g.pool.submit(g.child(fn), g.stopped, false) {
		g.wg.Done()
		return false
	}
	return true
}

// enter counts one child in the WaitGroup.
func (g *Group) enter() {
	g.once.Do(g.init)
	if g.waited.Load() {
		panic("spindle: Group used after Wait returned; start a new Group")
	}
	g.wg.Add(1)
}

// child wraps fn for the pool: run it, or drop it when its turn came after
// the group was cancelled.
func (g *Group) child(fn func(context.Context) error) groupChild {
	return func(start bool) {
		if start {
			g.run(fn)
		} else {
			g.drop()
		}
	}
}

// drop accounts for an admitted child that will never run.
func (g *Group) drop() {
	g.mu.Lock()
	g.dropped = true
	g.mu.Unlock()
	g.wg.Done()
}

func (g *Group) run(fn func(context.Context) error) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				g.fail(&PanicError{Value: r, Stack: debug.Stack()})
			} else {
				g.fail(ErrGoexit)
			}
		}
		g.wg.Done()
	}()
	err := fn(g.ctx)
	returned = true
	if err != nil {
		g.fail(err)
	}
}

// fail records a child's error and cancels the siblings. An error that
// only reports the group's own cancellation is not a failure of its own.
func (g *Group) fail(err error) {
	if g.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		g.mu.Lock()
		g.dropped = true
		g.mu.Unlock()
		return
	}
	g.mu.Lock()
	g.errs = append(g.errs, err)
	first := len(g.errs) == 1
	g.mu.Unlock()
	if first {
		g.cancel(err)
	}
}

// Wait blocks until every child has returned, then returns the children's
// failures joined (nil if none failed). When no child failed but some were
// stopped or never started because the parent context ended, it returns a
// *CanceledError carrying the parent's cause. Wait does not take a context
// on purpose: it must not return while children run; cancel the parent
// context to make them stop.
func (g *Group) Wait() error {
	g.once.Do(g.init)
	g.wg.Wait()
	g.waited.Store(true)
	parentCause := context.Cause(g.parent)
	g.cancel(errGroupDone)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case len(g.errs) == 1:
		return g.errs[0]
	case len(g.errs) > 1:
		return errors.Join(g.errs...)
	case g.dropped && parentCause != nil:
		return &CanceledError{Cause: parentCause}
	}
	return nil
}

// Spawn starts fn as a child of g and returns its Task handle
// (TaskGroup.create_task): the task's context is the group's, its failure
// fails the group, and Wait waits for it. With a limit, Spawn blocks until
// a slot is free; a task whose turn comes after the group was cancelled
// settles canceled without running.
func Spawn[T any](g *Group, fn func(ctx context.Context) (T, error), opts ...TaskOption) *Task[T] {
	g.once.Do(g.init)
	t := newTask(g.ctx, fn, opts)
	g.enter()
	if g.pool == nil {
		go spawnRun(g, t)
		return t
	}
	g.pool.submit(func(start bool) {
		if start {
			spawnRun(g, t)
			return
		}
		var zero T
		t.settle(zero, interrupted(g.ctx, nil))
		t.release()
		g.drop()
	}, g.stopped, true)
	return t
}

func spawnRun[T any](g *Group, t *Task[T]) {
	defer g.wg.Done()
	taskStart(t)
	if t.err != nil {
		g.fail(t.err)
	}
}
