package jobtype

import "errors"

// The errors administrative calls wrap; match them with errors.Is.
var (
	// ErrNotFound: no job with that ID.
	ErrNotFound = errors.New("job not found")
	// ErrRunning: the operation needs a job that is not running.
	ErrRunning = errors.New("job is running")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrFinal: the operation needs a job that has not finished.
	ErrFinal = errors.New("job already finished")
	// ErrNotFinal: the operation (retry) needs a job that has finished.
	ErrNotFinal = errors.New("only finished jobs (succeeded, dead, canceled, expired) can be put back in their queue")
	// ErrNotCanceled: the operation (restore) needs a job that was
	// canceled (revoked, or skipped by its lock).
	ErrNotCanceled = errors.New("only canceled jobs can be restored")
)
