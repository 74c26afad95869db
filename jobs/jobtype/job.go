package jobtype

import "time"

// Job is one durable job as users and tools see it: what it runs, where
// it is in its life, its attempts and its output. It leaves out how the
// store coordinates workers (leases, feature metadata).
type Job struct {
	ID          string    // unique, time-ordered
	Name        string    // the definition that runs it
	Queue       string    // the queue it waits in
	Priority    int       // higher is claimed first
	Args        []byte    // JSON arguments
	State       State     //
	Attempt     int       // attempts started so far
	MaxAttempts int       // at least 1
	RunAt       time.Time // not started before this instant
	EnqueuedAt  time.Time //
	StartedAt   time.Time // start of the current or last attempt
	FinishedAt  time.Time // when it reached a final state
	Result      []byte    // JSON output once Succeeded
	LastError   string    // the error of the last failed attempt
	Errors      []AttemptError
	RetainUntil time.Time // a final job is deleted after this; zero keeps it
	ExpiresAt   time.Time // not started by then, it becomes Expired; zero never expires
	// Worker is the ID of the worker running the job (Running only).
	Worker string
	// UniqueKey is set on a job enqueued with a uniqueness rule: at most
	// one unfinished job holds it.
	UniqueKey string
	// Revoke is the reason given to a revoke: requested on a Running job,
	// or the reason a Canceled job was revoked with.
	Revoke string
	// DependsOn lists the workflow steps (job IDs) this job waits for: the
	// previous step of a chain, or every member of a chord's group.
	DependsOn []string
	// Next lists the workflow steps this job wakes once it is final.
	Next []string
	// Lock is the name of the lock the job holds while it runs, if any.
	Lock string
	// Headers are the values OnEnqueue hooks attached (trace context).
	Headers map[string]string
	// WaitingFor is set on a waiting job (Queued or Scheduled) that no
	// running worker would claim, and says what it waits for: a worker
	// taking jobs from its queue, or one there that knows its name (a
	// worker claims only the names it has definitions for). Empty when a
	// running worker would take it, when the job is not waiting, and in
	// listings; the inspector's Job fills it from the workers' presence.
	WaitingFor string
}

// AttemptError records one failed attempt.
type AttemptError struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
}
