package spindle

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"
)

// Task is the handle of a function running in its own goroutine, started
// by [Go] (asyncio's create_task). Its methods are safe for concurrent use.
//
// The function receives a context that is cancelled when the task is
// cancelled (Cancel), when the parent context passed to Go ends, and once
// the function has returned. A task always settles: with the function's
// result, with a *PanicError if it panicked, or with [ErrGoexit] if it
// called runtime.Goexit. When its context ended and the function returned
// a context error, the task reports a *CanceledError that carries the cause
// (see [CanceledError]) instead of a bare "context canceled".
//
// Cost: one goroutine and two allocations per task beyond what fn
// captures: the Task and the goroutine's closure. The done channel is
// made only if Done is called, and the task's cancellable context (three
// more allocations, and an entry in a cancellable parent's list of
// children) only once something looks at it (Done, Err, Value,
// context.Cause, a context derived from it) or Cancel is called, so a
// task that ignores its context never pays for it. The handle makes a
// task dearer than an errgroup goroutine; docs/benchmarks.md measures by
// how much.
type Task[T any] struct {
	taskMeta
	fn  func(context.Context) (T, error)
	val T
	err error
}

// TaskOption configures a task started by Go, Shield or a Group.
type TaskOption func(*taskOptions)

type taskOptions struct {
	name string
	// shielded marks a task started by Shield, which Gather and
	// GatherSettled must neither cancel nor wait for.
	shielded bool
}

// taskOptionsOf applies opts. It is kept apart from newTask because the
// options escape to the heap (the option functions are opaque), which
// would otherwise cost every task an allocation, options or not. The task
// keeps the result, so a name costs an unnamed task no bytes.
func taskOptionsOf(opts []TaskOption) *taskOptions {
	o := new(taskOptions)
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Named gives a task a name, shown by AllTasks, DumpTasks and CurrentTask.
// Unnamed tasks are called "task-<id>".
func Named(name string) TaskOption { return func(o *taskOptions) { o.name = name } }

// Go starts fn in a new goroutine and returns its handle at once. The
// task's context derives from ctx, so ending ctx cancels the task (with
// ctx's cause). Go never blocks.
func Go[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...TaskOption) *Task[T] {
	t := newTask(ctx, fn, opts)
	go taskStart(t)
	return t
}

func newTask[T any](ctx context.Context, fn func(context.Context) (T, error), opts []TaskOption) *Task[T] {
	if ctx == nil {
		panic("spindle: Go called with a nil context; use context.Background()")
	}
	if fn == nil {
		panic("spindle: Go called with a nil function")
	}
	t := &Task[T]{fn: fn}
	if len(opts) > 0 {
		t.opts = taskOptionsOf(opts)
	}
	t.parent = ctx
	taskRegister(&t.taskMeta)
	return t
}

// runBody runs the task's function and settles the task, whatever way the
// function ends. It is called at the bottom of the goroutine's stack, under
// the frames that encode the task's id for DumpTasks.
func (t *Task[T]) runBody() {
	returned := false
	defer func() {
		if returned {
			return
		}
		var zero T
		if r := recover(); r != nil {
			t.settle(zero, &PanicError{Value: r, Stack: debug.Stack()})
		} else {
			t.settle(zero, ErrGoexit)
		}
	}()
	t.started.Store(int64(time.Since(taskEpoch)))
	t.cell.state.Add(int32(Running - Pending)) // keeps cellWatched
	ctx := t.context()
	v, err := t.fn(ctx)
	returned = true
	t.settle(v, settleErr(ctx, err))
}

// settle is called once, by the task's goroutine. Nobody else writes
// the outcome, so it is stored before the cell is settled either way.
func (t *Task[T]) settle(v T, err error) {
	t.val, t.err = v, err
	t.fn = nil // let the closure and what it holds be collected
	st := stateOf(err)
	if !t.settleAlone(st) && t.begin() {
		t.commit(st)
	}
}

// release frees what the task holds once it has settled: its context (so
// goroutines it left behind see errTaskFinished as the cause) and its entry
// in the task table. taskStart defers it from the top of the goroutine's
// stack, where cancelling a context does not force the stack to grow.
func (t *Task[T]) release() {
	t.ctxFinish()
	taskUnregister(&t.taskMeta)
}

// Done returns a channel closed once the task has settled.
func (t *Task[T]) Done() <-chan struct{} { return t.doneChan() }

// Result returns the task's outcome once it has settled, or ErrNotDone
// before.
func (t *Task[T]) Result() (T, error) {
	if !t.settled() {
		var zero T
		return zero, ErrNotDone
	}
	return t.val, t.err
}

// Await blocks until the task settles or ctx ends, whichever is first.
// When ctx ends first it returns [Interrupted](ctx) and leaves the task running;
// use Cancel to stop it.
func (t *Task[T]) Await(ctx context.Context) (T, error) { return Await[T](ctx, t) }

// Cancel asks the task to stop by cancelling its context with cause
// (context.Canceled when nil). It does not wait: the task settles when its
// function returns. It returns false when the task had already settled.
// asyncio's uncancel has no counterpart: a Go context cannot be
// un-cancelled; start the work under Shield instead.
func (t *Task[T]) Cancel(cause error) bool {
	if t.getState().Done() {
		return false
	}
	if cause == nil {
		cause = context.Canceled
	}
	t.ctxCancel(cause)
	return true
}

// OnDone arranges for fn to be called with t once it has settled: in the
// task's goroutine, or at once in the caller's goroutine when t has already
// settled (asyncio's add_done_callback). Callbacks registered before t
// settles run in registration order, just after Done is closed, so a
// goroutine woken by Done may run before them. They should be quick; a
// panic in one is not recovered.
func (t *Task[T]) OnDone(fn func(*Task[T])) {
	t.addWaiter(cellWaiter{n: funcNotify(func() { fn(t) })})
}

// State reports where the task is.
func (t *Task[T]) State() State { return t.getState() }

// Name returns the task's name ("task-<id>" unless Named was given).
func (t *Task[T]) Name() string { return t.displayName() }

// ID returns the task's process-unique id. IDs are not ordered: a later
// task may have a smaller one.
func (t *Task[T]) ID() uint64 { return t.id }

func (t *Task[T]) spindleCell() *cell     { return &t.cell }
func (t *Task[T]) spindleMeta() *taskMeta { return &t.taskMeta }

// taskCtx is the context a task's function receives: the task's own
// cancellable context, plus the task itself as a value so CurrentTask can
// find it. It is the task's taskMeta under another type, so it costs no
// allocation and no pointer of its own.
//
// The cancellable context is made on first use: a context.WithCancelCause
// costs two allocations (and, under a cancellable parent, an entry in the
// parent's children map), which most short tasks never need because they
// never look at their context. Every method but Deadline and the
// CurrentTask lookup goes through inner, so the function, and anything it
// derives from its context, sees exactly the context it would have seen
// had it been made at start: cancelled by Cancel, by the parent, and once
// the task has finished, with the same cause.
type taskCtx taskMeta

// taskCtxState is the part of taskMeta that backs taskCtx.
// Its state word is cell.ctxSt, which fills padding in the cell.
type taskCtxState struct {
	parent context.Context
	made   *taskCtxMade // set once while ctxMaking, read freely once ctxReady
}

// taskCtxMade is the cancellable context of a task that used its context.
// It is a separate allocation so that tasks that never do carry one
// pointer instead of three words.
type taskCtxMade struct {
	inner  context.Context
	cancel context.CancelCauseFunc
}

// The life of a task's context. ctxFinish moves a fresh context to one of
// the ended states with a single compare-and-swap, so a task that never
// used its context takes no lock to end it.
const (
	taskCtxFresh         uint32 = iota // inner not made; the task is live
	taskCtxEnded                       // the task finished while its parent was live
	taskCtxEndedByParent               // the task finished after its parent ended
	taskCtxMaking                      // inner is being made (under ctxMu)
	taskCtxReady                       // inner and cancel are set for good
)

type currentTaskKey struct{}

func (m *taskMeta) context() *taskCtx { return (*taskCtx)(m) }

func (c *taskCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *taskCtx) Done() <-chan struct{}       { return c.get().Done() }
func (c *taskCtx) Err() error                  { return c.get().Err() }

func (c *taskCtx) Value(key any) any {
	if _, ok := key.(currentTaskKey); ok {
		return (*taskMeta)(c)
	}
	return c.get().Value(key)
}

// String names the task without making inner.
func (c *taskCtx) String() string {
	return "spindle.taskContext(" + (*taskMeta)(c).displayName() + ")"
}

func (c *taskCtx) get() context.Context {
	if c.ctxSt.Load() == taskCtxReady {
		return c.made.inner
	}
	return (*taskMeta)(c).ctxMake()
}

// ctxMake makes inner, or waits for the goroutine making it. No lock is
// held while context.WithCancelCause runs, since it calls into the parent,
// which may be another task's context making its own. Waiting yields
// instead of parking: making takes well under a microsecond, never
// blocks, and only goroutines that first use the same context at the same
// moment ever wait.
func (m *taskMeta) ctxMake() context.Context {
	for {
		st := m.ctxSt.Load()
		switch st {
		case taskCtxReady:
			return m.made.inner
		case taskCtxMaking:
			runtime.Gosched()
			continue
		}
		// ctxFinish may move a fresh context to an ended state meanwhile,
		// failing this swap; the loop then reads the new state.
		if !m.ctxSt.CompareAndSwap(st, taskCtxMaking) {
			continue
		}
		m.ctxBuild(st)
		return m.made.inner
	}
}

// ctxBuild makes inner for a context that was in state st, which the
// caller moved to taskCtxMaking. Should the parent panic, the state goes
// back to st so that other goroutines do not wait for ever.
func (m *taskMeta) ctxBuild(st uint32) {
	defer func() {
		if m.ctxSt.Load() == taskCtxMaking {
			m.ctxSt.Store(st)
		}
	}()
	if st == taskCtxEnded {
		// The task finished while its parent was live: what it would have
		// seen is a context cancelled by the task's end, still carrying
		// the parent's values (Deadline reads the parent).
		inner, cancel := context.WithCancelCause(context.WithoutCancel(m.parent))
		cancel(errTaskFinished)
		m.made = &taskCtxMade{inner, cancel}
	} else {
		inner, cancel := context.WithCancelCause(m.parent)
		m.made = &taskCtxMade{inner, cancel}
	}
	m.ctxSt.Store(taskCtxReady)
}

// ctxCancel cancels the task's context with cause. Cancelling is rare, so
// it simply makes inner first.
func (m *taskMeta) ctxCancel(cause error) {
	m.context().get()
	m.made.cancel(cause)
}

// ctxFinish cancels the context with errTaskFinished once the task has
// settled. When inner was never made it only records how the context
// would have ended, so a task that never used its context costs nothing.
func (m *taskMeta) ctxFinish() {
	if m.ctxSt.Load() == taskCtxFresh {
		ended := taskCtxEnded
		if m.parent.Err() != nil {
			ended = taskCtxEndedByParent
		}
		if m.ctxSt.CompareAndSwap(taskCtxFresh, ended) {
			return
		}
	}
	// inner exists or is being made: get waits for it.
	m.context().get()
	m.made.cancel(errTaskFinished)
}
