package spindle

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotDone is returned by Result on an awaitable whose outcome is not yet
// final.
var ErrNotDone = errors.New("spindle: result is not ready: the work has not finished (wait on Done or call Await first)")

// ErrTimeout is the cause recorded when a Spindle timeout ([NewTimeout],
// [WaitFor], the Wait timeout) expires. errors.Is(ErrTimeout,
// context.DeadlineExceeded) is true, and errors.Is(ErrTimeout,
// context.Canceled) is false, so a timeout is always distinguishable from a
// cancel.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "spindle: timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
func (timeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded
}

// ErrGoexit is the error of a task whose function called runtime.Goexit (for
// example through t.FailNow in a test) instead of returning.
var ErrGoexit = errors.New("spindle: task function called runtime.Goexit before returning")

// CanceledError reports work that stopped because its context ended. Cause
// says why: context.Canceled for a plain cancel, the error passed to Cancel,
// the cause of a parent context, or a timeout ([ErrTimeout],
// context.DeadlineExceeded). Err keeps what the work itself returned, for its
// message, and may be nil.
//
// errors.Is(err, cause) holds for the cause. errors.Is(err, context.Canceled)
// holds unless the cause is a timeout, so callers can tell the two apart.
type CanceledError struct {
	Cause error
	Err   error
}

func (e *CanceledError) Error() string {
	var msg string
	switch {
	case e.Cause == nil || e.Cause == context.Canceled:
		msg = "context canceled"
	case e.Cause == context.DeadlineExceeded:
		msg = "context deadline exceeded"
	case e.Cause == ErrTimeout:
		msg = "timed out"
	case isTimeout(e.Cause):
		msg = "timed out: " + e.Cause.Error()
	default:
		msg = "canceled: " + e.Cause.Error()
	}
	if e.Err != nil && e.Err != e.Cause && e.Err != context.Canceled && e.Err != context.DeadlineExceeded {
		return e.Err.Error() + " (" + msg + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *CanceledError) Unwrap() error { return e.Cause }

// Is reports context.Canceled for every cause but a timeout.
func (e *CanceledError) Is(target error) bool {
	return target == context.Canceled && !isTimeout(e.Cause)
}

func isTimeout(err error) bool { return errors.Is(err, context.DeadlineExceeded) }

// Interrupted returns the error Spindle's blocking calls report when ctx
// has ended: a *CanceledError carrying context.Cause(ctx). Use it in your
// own code to report a context's end the way Spindle does.
func Interrupted(ctx context.Context) error { return interrupted(ctx, nil) }

// interrupted is the error Spindle reports for work whose context ended:
// the cause of ctx, wrapped so that errors.Is answers both the cause and
// whether it was a cancel or a timeout. workErr is what the work returned.
func interrupted(ctx context.Context, workErr error) error {
	cause := context.Cause(ctx)
	if cause == nil {
		cause = context.Canceled
	}
	return &CanceledError{Cause: cause, Err: workErr}
}

// settleErr decides the error a task reports. Work that returned a context
// error after its context ended reports the cause instead of a bare
// "context canceled"; any other error is kept as it is.
func settleErr(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	var ce *CanceledError
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return interrupted(ctx, err)
	}
	return err
}

// PanicError is the error of work that panicked. Spindle recovers every
// panic in work it runs and reports it through the work's handle (and
// through Group.Wait), so a panic is never lost and never crashes an
// unrelated goroutine. Value is what was passed to panic; Stack is the
// panicking goroutine's stack at the time.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\ngoroutine stack at panic:\n%s", e.Value, e.Stack)
}

// Unwrap returns Value when it is an error, so errors.Is and errors.As see
// through a panic(err).
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

var errNilReject = errors.New("spindle: Future.Reject called with a nil error")

// errTaskFinished is the cause a task's context carries once the task's
// function has returned, for any goroutine it left behind.
var errTaskFinished = errors.New("spindle: the task this context belongs to has finished")
