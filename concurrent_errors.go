package spindle

import (
	"errors"
	"fmt"
)

// ErrConcurrentStopped is the cause the units of a [Concurrent] iteration
// see on their context when the loop over the results ended before they
// finished: the loop body broke out, returned or panicked. When an error
// ended the iteration, the cause is that error instead.
var ErrConcurrentStopped = errors.New("spindle: Concurrent: the loop over the results stopped before this unit finished")

// ErrConcurrentLimit is wrapped by the error a [Concurrent] iteration yields
// when it was given an invalid limit. The limit is the number of units that
// may run at once: a positive number, or -1 for no limit.
var ErrConcurrentLimit = errors.New("spindle: Concurrent: invalid limit: want a positive number of units to run at once, or -1 for no limit")

// ConcurrentIteratorError reports that the source of units failed: an
// iter.Seq2 source yielded a non-nil error, the source panicked (Err is then
// a [*PanicError]), or the source was nil. It ends the iteration at once,
// ahead of any result not yet yielded, whatever [ConcurrentYieldErrors]
// says: a failed source means the set of units is unknown, so nothing more
// is handled. Units already running are cancelled with this error as their
// cause.
//
// Index is the number of units the source had produced before it failed,
// which is the source position of the element that failed.
type ConcurrentIteratorError struct {
	Index int
	Err   error
}

func (e *ConcurrentIteratorError) Error() string {
	return fmt.Sprintf("spindle: Concurrent: the source of units failed at position %d: %v", e.Index, e.Err)
}

// Unwrap returns Err.
func (e *ConcurrentIteratorError) Unwrap() error { return e.Err }

// ConcurrentError reports a unit that could not be started, such as a nil
// func. Index is the unit's position in the source (0 for the first). It is
// handled like a [ConcurrentExecutionError]: yielded in the results under
// [ConcurrentYieldErrors], otherwise it ends the iteration.
type ConcurrentError struct {
	Index int
	Err   error
}

func (e *ConcurrentError) Error() string {
	return fmt.Sprintf("spindle: Concurrent: unit %d could not be started: %v", e.Index, e.Err)
}

// Unwrap returns Err.
func (e *ConcurrentError) Unwrap() error { return e.Err }

// ConcurrentExecutionError reports a unit that failed while it ran. Index is
// the unit's position in the source (0 for the first). Err is what the unit
// returned (a context error is replaced by a [*CanceledError] carrying the
// cause, see [context.Cause]), a [*PanicError] when it panicked, or
// [ErrGoexit] when it called runtime.Goexit.
type ConcurrentExecutionError struct {
	Index int
	Err   error
}

func (e *ConcurrentExecutionError) Error() string {
	return fmt.Sprintf("spindle: Concurrent: unit %d failed: %v", e.Index, e.Err)
}

// Unwrap returns Err.
func (e *ConcurrentExecutionError) Unwrap() error { return e.Err }

// Unexported names in package spindle carry their area as a prefix.
var (
	errConcNilUnit   = errors.New("the unit is a nil func")
	errConcNilSource = errors.New("the source is nil")
)
