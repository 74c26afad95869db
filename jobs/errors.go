package jobs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// ErrTimeout is the cause a handler's ctx reports when its attempt ran
// longer than the definition's [Timeout]; the attempt fails with an error
// that matches it (errors.Is) and is retried while attempts remain. The
// [*JobError] of a job whose last attempt timed out matches it too.
var ErrTimeout = errors.New("jobs: attempt timed out")

// ErrExpired is matched (errors.Is) by the [*JobError] of a job that was
// not started before its expiry (see [Expires]).
var ErrExpired = errors.New("jobs: job expired before it started")

// ErrLeaseExpired is matched (errors.Is) by the error of an attempt that
// ended because its worker stopped, or lost contact with the store,
// before finishing it: the attempt's lease expired and a worker's
// recovery sweep took the job back (see [WorkerOptions.LeaseDuration]).
// The Failed, Retrying and DeadLettered events of such an attempt carry
// it, and so does the [*JobError] of a job whose last attempt ended that
// way.
var ErrLeaseExpired = errors.New("jobs: the worker stopped or lost contact before the attempt finished")

// leaseExpiredNote is in the LastError every store records for a lease
// it recovers (store.Store.Recover); storetest checks that it is.
const leaseExpiredNote = "(the worker stopped or lost contact)"

// recoveredError is the error of a transition a store's Recover made:
// the store's own words, matching the sentinel that names the case.
type recoveredError struct {
	sentinel error
	msg      string
}

func (e *recoveredError) Error() string        { return "jobs: " + e.msg }
func (e *recoveredError) Is(target error) bool { return target == e.sentinel }

// ErrRevoked is the cause a handler's ctx reports when its job is revoked
// while it runs (see [Handle.Revoke]); context.Cause(ctx) is a
// [*RevokedError] carrying the reason. The [*JobError] of any Canceled job
// matches it: revoked by ID or by name, skipped by its lock policy, or a
// workflow step whose dependency failed.
var ErrRevoked = errors.New("jobs: job revoked")

// ErrDuplicate is matched (errors.Is) by the error Enqueue returns when a
// unique job (see [Unique], [UniqueArgs]) already exists; the handle
// returned with it is the existing job's, so the caller can still await it.
var ErrDuplicate = errors.New("jobs: duplicate job")

// RevokedError is the cause of a revoked job's ctx.
type RevokedError struct{ Reason string }

func (e *RevokedError) Error() string {
	if e.Reason == "" {
		return ErrRevoked.Error()
	}
	return ErrRevoked.Error() + ": " + e.Reason
}

// Is makes errors.Is(err, ErrRevoked) true.
func (e *RevokedError) Is(target error) bool { return target == ErrRevoked }

// DuplicateError is the error of an Enqueue whose unique key was taken.
type DuplicateError struct {
	Key string // the unique key, as the job stores it (store.Job.UniqueKey: "NAME:KEY")
	// ID is the existing job's. It is empty in one rare case: the store
	// reads the holder back after its insert (PostgreSQL), and the holder
	// finished or was deleted in the instant between; Enqueue then
	// returns no handle.
	ID string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("jobs: duplicate job: %s is held by job %s", e.Key, e.ID)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// Is reports whether the job's final state matches target: [ErrExpired]
// for Expired jobs, [ErrRevoked] for Canceled ones, [ErrLeaseExpired] for
// Dead ones whose last attempt's worker stopped or lost contact,
// [ErrBadArgs] for Dead ones whose arguments did not decode, and
// [ErrTimeout] when the last attempt's recorded error says it timed out.
func (e *JobError) Is(target error) bool {
	switch target {
	case ErrExpired:
		return e.State == store.Expired
	case ErrRevoked:
		return e.State == store.Canceled
	case ErrLeaseExpired:
		return e.State == store.Dead && strings.Contains(e.Err, leaseExpiredNote)
	case ErrTimeout:
		return strings.Contains(e.Err, ErrTimeout.Error())
	case ErrBadArgs:
		return e.State == store.Dead && strings.Contains(e.Err, badArgsNote)
	}
	return false
}
