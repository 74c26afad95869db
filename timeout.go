package spindle

import (
	"context"
	"errors"
	"sync"
	"time"
)

// TimeoutScope is a deadline that can be moved while work runs under it
// (asyncio.timeout and timeout_at, with reschedule and expired). Create one
// with NewTimeout or NewTimeoutAt, run the work with the context they
// return, and call Stop when the work is over (defer it). Its methods are
// safe for concurrent use.
//
// When the deadline passes, the scope's context is cancelled with cause
// [ErrTimeout]: ctx.Err() on the scope's own context reports
// context.DeadlineExceeded, context.Cause reports ErrTimeout, and Err
// turns whatever the work returned into an error that errors.Is matches
// with ErrTimeout (and not with context.Canceled).
type TimeoutScope struct {
	ctx    timeoutCtx
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	when   time.Time
	timer  *time.Timer
	fired  bool
}

// NewTimeout returns a scope whose deadline is d from now (d <= 0 expires
// at once) and the context to run the work with, which ends when ctx
// does, at the deadline (cause [ErrTimeout]) or at Stop. It panics if
// ctx is nil.
func NewTimeout(ctx context.Context, d time.Duration) (*TimeoutScope, context.Context) {
	return NewTimeoutAt(ctx, time.Now().Add(d))
}

// NewTimeoutAt is [NewTimeout] with an absolute deadline; the zero time
// means no deadline yet (asyncio.timeout(None)), to be set later with
// Reschedule.
func NewTimeoutAt(ctx context.Context, when time.Time) (*TimeoutScope, context.Context) {
	if ctx == nil {
		panic("spindle: NewTimeout called with a nil context; use context.Background()")
	}
	s := &TimeoutScope{}
	inner, cancel := context.WithCancelCause(ctx)
	s.ctx = timeoutCtx{Context: inner, scope: s}
	s.cancel = cancel
	s.Reschedule(when)
	return s, &s.ctx
}

// Reschedule moves the deadline to when; the zero time removes it. It has
// no effect once the scope has expired or been stopped.
func (s *TimeoutScope) Reschedule(when time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fired || s.ctx.Context.Err() != nil {
		return
	}
	s.when = when
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if when.IsZero() {
		return
	}
	d := time.Until(when)
	if d <= 0 {
		s.fired = true
		s.cancel(ErrTimeout)
		return
	}
	s.timer = time.AfterFunc(d, s.expire)
}

func (s *TimeoutScope) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fired || s.ctx.Context.Err() != nil || time.Now().Before(s.when) {
		return
	}
	s.fired = true
	s.cancel(ErrTimeout)
}

// When returns the current deadline (zero when there is none).
func (s *TimeoutScope) When() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.when
}

// Expired reports whether the deadline passed before Stop.
func (s *TimeoutScope) Expired() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fired
}

// Stop ends the scope: the deadline no longer applies and the scope's
// context is released (cancelled with context.Canceled if it had not
// ended). Call it when the work is over. It is idempotent.
func (s *TimeoutScope) Stop() {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	s.cancel(context.Canceled)
}

// Err converts what the work returned: if the scope expired and err
// reports a context ending, the result is a *CanceledError with cause
// ErrTimeout that keeps err's message; anything else comes back unchanged.
// This is asyncio's conversion of CancelledError into TimeoutError when
// leaving the timeout block.
func (s *TimeoutScope) Err(err error) error {
	if err == nil || !s.Expired() {
		return err
	}
	if errors.Is(err, ErrTimeout) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &CanceledError{Cause: ErrTimeout, Err: err}
	}
	return err
}

// timeoutCtx reports the scope's deadline and, once it expired, the
// standard context.DeadlineExceeded from Err, so code that only looks at
// ctx.Err() still sees a timeout.
type timeoutCtx struct {
	context.Context
	scope *TimeoutScope
}

func (c *timeoutCtx) Deadline() (time.Time, bool) {
	when := c.scope.When()
	if parent, ok := c.Context.Deadline(); ok && (when.IsZero() || parent.Before(when)) {
		return parent, true
	}
	return when, !when.IsZero()
}

func (c *timeoutCtx) Err() error {
	err := c.Context.Err()
	if err != nil && errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// WaitFor runs fn with a deadline d from now and returns its result
// (asyncio.wait_for). fn runs in the caller's goroutine with a context that
// expires at the deadline; if it returns a context error after the
// deadline passed, WaitFor returns an error that errors.Is matches with
// ErrTimeout. Like asyncio's wait_for, it returns only once fn has
// returned, so fn must honour its context.
func WaitFor[T any](ctx context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	s, tctx := NewTimeout(ctx, d)
	defer s.Stop()
	v, err := fn(tctx)
	if err != nil {
		return v, s.Err(settleErr(tctx, err))
	}
	return v, nil
}

// Sleep pauses the caller for d or until ctx ends, whichever comes first
// (asyncio.sleep). It returns nil after the full pause, or [Interrupted](ctx).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		if ctx.Err() != nil {
			return interrupted(ctx, nil)
		}
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return interrupted(ctx, nil)
	}
}

// Shield starts fn as a task that outlives the cancellation of ctx
// (asyncio.shield): its context keeps ctx's values but is not cancelled
// when ctx ends. The task is still a task: it can be awaited, cancelled
// explicitly with Cancel, and it appears in AllTasks until it returns.
// Awaiting it with a context that ends returns early and leaves it
// running, and so does gathering it: [Gather] and [GatherSettled] neither
// cancel a shielded task nor wait for it when they stop early, as
// asyncio's gather leaves the work behind a shield running. Shield never
// blocks.
func Shield[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...TaskOption) *Task[T] {
	if ctx == nil {
		panic("spindle: Shield called with a nil context; use context.Background()")
	}
	// The full slice expression makes append copy, so the caller's
	// slice is never written to.
	return Go(context.WithoutCancel(ctx), fn, append(opts[:len(opts):len(opts)], shieldTask)...)
}

// shieldTask marks a task as started by Shield.
func shieldTask(o *taskOptions) { o.shielded = true }

// Blocking runs fn, a call that cannot be interrupted (it takes no
// context), in its own goroutine and waits for it (asyncio.to_thread). If
// ctx ends first, Blocking returns [Interrupted](ctx) at once and abandons the
// call: it runs to completion in the background, stays visible in
// AllTasks under the name "blocking" (or the name given) until it
// returns, and its result is dropped. A panic in fn is returned as a
// *PanicError.
func Blocking[T any](ctx context.Context, fn func() (T, error), opts ...TaskOption) (T, error) {
	if fn == nil {
		panic("spindle: Blocking called with a nil function")
	}
	opts = append([]TaskOption{Named("blocking")}, opts...)
	t := Shield(ctx, func(context.Context) (T, error) { return fn() }, opts...)
	return t.Await(ctx)
}
