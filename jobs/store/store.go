// Package store defines the contract between package jobs and the places
// jobs are kept (SQLite, memory, Redis, PostgreSQL), and the registry of
// drivers that jobs.Open resolves URL schemes through. Users do not call
// it directly: they import a driver and open a store with jobs.Open, and
// read jobs through package jobtype. Store authors implement [Store],
// register a [Driver], and prove it with the conformance suite in
// jobs/storetest.
//
// All times are UTC and come from the caller (the now arguments), never
// from the store's own clock, so tests can drive time and workers with
// skewed clocks still agree on leases.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/spindlehq/spindle/jobs/jobtype"
)

// State is where a job is in its life; the values are those of package
// jobtype, named here too so drivers read as before.
type State = jobtype.State

// The states, as in package jobtype.
const (
	Scheduled = jobtype.Scheduled
	Queued    = jobtype.Queued
	Running   = jobtype.Running
	Succeeded = jobtype.Succeeded
	Dead      = jobtype.Dead
	Canceled  = jobtype.Canceled
	Expired   = jobtype.Expired
)

// States lists every state in life order.
var States = jobtype.States

// Job is one durable job as a store keeps it.
type Job struct {
	ID          string    // unique, chosen by the client, time-ordered
	Name        string    // the definition that runs it
	Queue       string    // the queue it waits in
	Priority    int       // higher is claimed first
	Args        []byte    // JSON arguments
	State       State     //
	Attempt     int       // attempts started so far
	MaxAttempts int       // at least 1
	RunAt       time.Time // not claimable before this instant
	EnqueuedAt  time.Time //
	StartedAt   time.Time // start of the current or last attempt
	FinishedAt  time.Time // when it reached a final state
	LeaseOwner  string    // worker holding the lease while Running
	LeaseUntil  time.Time // lease expiry while Running
	Result      []byte    // JSON output once Succeeded
	LastError   string    // the error of the last failed attempt
	Errors      []AttemptError
	RetainUntil time.Time // final jobs are deleted after this; zero keeps them
	// UniqueKey, when not empty, is held by the job while it is
	// unfinished: Insert skips a job whose key an unfinished job holds.
	// See UniqueUntil for how a holder gives it up early.
	UniqueKey string
	// UniqueUntil bounds how long the job holds UniqueKey: a job
	// inserted with the same key and an EnqueuedAt at or after it takes
	// the key over (the old holder's UniqueKey then reads empty), though
	// the old holder has not finished. Zero holds the key until the job
	// is final.
	UniqueUntil time.Time
	Meta        []byte    // JSON metadata for features layered on top (workflows, signing, options)
	ExpiresAt   time.Time // not started by then: the job becomes Expired instead of running; zero never expires
	// Retention is how long a job the store finalizes by itself (Recover
	// moving it to Dead or Expired, Revoke moving it to Canceled) is kept:
	// RetainUntil becomes FinishedAt + Retention. Zero keeps it forever.
	Retention time.Duration
	// Revoke is non-empty on a Running job whose revoke was requested: the
	// reason. The lease owner cancels the attempt and reports Canceled. On
	// a Canceled job it holds the reason it was revoked with.
	Revoke string
}

// RevokeResult is what Store.Revoke found: the job's state after the
// call and what the caller needs to report the revoke (an event names
// the job's definition and queue) without reading the job back.
type RevokeResult struct {
	// State is Canceled (the job was Scheduled or Queued and never
	// runs), Running (its owner cancels the attempt) or, with ErrFinal,
	// the final state the job was already in.
	State   State
	Name    string // the job's definition
	Queue   string // the job's queue
	Attempt int    // attempts started so far
}

// AttemptError records one failed attempt.
type AttemptError = jobtype.AttemptError

// Dup is a job Insert did not insert because it duplicates another. It
// is a value: copy and share it freely.
type Dup struct {
	ID string // the job of the batch that was not inserted
	// Existing is the job it duplicates: ID itself when a job with that
	// ID exists, otherwise the unfinished job holding its UniqueKey.
	// It may be empty in one case only: the holder was deleted between
	// the insert and the store's reading of it back (stores that cannot
	// do both in one step).
	Existing string
}

// DupIDs returns the IDs of dups, in their order. It only reads dups, so
// it is safe for concurrent use with other readers.
func DupIDs(dups []Dup) []string {
	if len(dups) == 0 {
		return nil
	}
	ids := make([]string, len(dups))
	for i, d := range dups {
		ids[i] = d.ID
	}
	return ids
}

// ClaimRequest asks for up to Limit ready jobs.
type ClaimRequest struct {
	Queues     []string  // queues to take from; jobs come in priority, then RunAt, then ID order across all of them, whatever the order of Queues
	Limit      int       // at most this many (at least 1)
	Owner      string    // the worker that will hold the leases
	Now        time.Time // jobs with RunAt <= Now are ready
	LeaseUntil time.Time // lease expiry to set
	// Names, when not empty, are the job names the claimer can run: only
	// jobs with one of them are claimed, and the others stay where they
	// are, untouched, without holding back the jobs behind them (see
	// Store.Claim). Empty claims jobs of any name (tools, tests, older
	// callers). At most MaxClaimNames names; duplicates are ignored.
	Names []string
}

// MaxClaimNames bounds ClaimRequest.Names, so that every store can pass
// them in one statement or script.
const MaxClaimNames = 1000

// ClaimSkipMin is how many jobs of names not in ClaimRequest.Names a
// store that bounds the skipping steps over, at least, per queue and
// claim, before it stops looking further back in that queue.
const ClaimSkipMin = 1000

// ReadyNamesScan is how many claimable jobs of each queue, the first in
// claim order, Store.ReadyNames examines at least; stores that read jobs
// one by one stop near it, which bounds the call's cost.
const ReadyNamesScan = 1000

// ReadyName counts the claimable jobs of one name in one queue. It is a
// plain value, safe to copy and share once built.
type ReadyName struct {
	Queue string
	Name  string
	Count int // at least 1
}

// Recovered is one job Recover moved, as it stands after the move, so
// that the caller can report transitions no worker made (the jobs package
// emits events for them).
type Recovered struct {
	ID    string
	Name  string
	Queue string
	// Attempt is the attempt the lease belonged to (for Expired, the
	// attempts made so far).
	Attempt int
	// State is Queued (a lease expired and attempts remain), Dead (a lease
	// expired and none remain) or Expired (a waiting job's deadline
	// passed).
	State State
	// Error is the LastError the store recorded.
	Error string
}

// Outcome is what a worker reports for a claimed job.
type Outcome struct {
	ID    string
	Owner string // must still hold the lease, or the outcome is dropped with ErrLeaseLost
	// State is Succeeded, Scheduled (retry at RunAt), Dead, Canceled or
	// Expired (the worker found ExpiresAt passed before starting it), or
	// Queued to give the job back untouched (graceful shutdown, a lock or
	// rate limit that was not available, a dependency not yet finished):
	// Attempt is decremented so the attempt does not count, nothing is
	// appended to Errors, and the job is claimable again at RunAt (at once
	// when RunAt is zero or not after FinishedAt; it is Scheduled until
	// then).
	State       State
	Result      []byte    // with Succeeded
	Error       string    // with anything but Succeeded: appended to Errors
	RunAt       time.Time // with Scheduled: when to retry
	FinishedAt  time.Time
	RetainUntil time.Time // for final states; zero keeps the job forever
}

// Store keeps jobs durably. Every method is safe for concurrent use by
// many goroutines and, where the store allows it, many processes. Every
// method honours ctx cancellation and returns promptly when it ends.
type Store interface {
	// Insert adds jobs atomically: all or none. A job whose ID already
	// exists (in any state, or earlier in the batch), or whose UniqueKey
	// an unfinished job holds (stored, or earlier in the batch; see
	// Job.UniqueUntil), is not inserted: it is returned in dups, with
	// the job it duplicates, and the other jobs are still inserted. The
	// order of dups is not specified. Cron ticks and workflow steps rely
	// on the first rule: inserting a pre-assigned ID twice runs it once.
	// Unique enqueue relies on the second: checking the key and storing
	// the job are one step, so of concurrent inserts of one key, from
	// any process, exactly one is stored and the others learn its ID.
	Insert(ctx context.Context, jobs []*Job) (dups []Dup, err error)

	// Claim leases up to req.Limit ready jobs (Queued, or Scheduled with
	// RunAt <= req.Now) from req.Queues, in order of Priority (highest
	// first), then RunAt, then ID. Each claimed job becomes Running with
	// Attempt incremented, StartedAt = req.Now and the lease set. Two
	// concurrent claimers never receive the same job. Jobs of paused
	// queues are not claimed.
	//
	// With req.Names set, a job whose name is not among them is never
	// claimed: it is not leased and keeps its Attempt and its place (a
	// due Scheduled one may become Queued, as on any claim), and the
	// claim takes the jobs of the names given behind it, in claim order.
	// A store may bound how many such jobs one claim steps over per
	// queue (its doc says how many, at least ClaimSkipMin); jobs of the
	// names given further back then wait until the others ahead of them
	// leave the queue, and the claim returns what it found.
	Claim(ctx context.Context, req ClaimRequest) ([]*Job, error)

	// ReadyNames counts, per queue and job name, the jobs of queues that
	// a claim at now could take (Queued, or Scheduled with RunAt <= now,
	// in queues that are not paused), sorted by queue then name. Workers
	// call it periodically to find names that no running worker knows.
	// To bound its cost a store may examine, per queue, only those of
	// such jobs that a claim would take first, at least ReadyNamesScan
	// of them (its doc says which): counts are then those of the jobs
	// examined, and a name found only further back is missing until the
	// jobs ahead of it are claimed. It changes no job's state, Attempt or
	// order.
	ReadyNames(ctx context.Context, queues []string, now time.Time) ([]ReadyName, error)

	// ExtendLeases moves LeaseUntil of the given Running jobs held by owner
	// to until. It returns the IDs whose lease owner has lost them (taken
	// back by Recover, revoked, deleted).
	ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error)

	// Finish applies outcomes in one batch. An outcome whose job is not
	// Running under Outcome.Owner is skipped and its ID returned in lost.
	// Error is kept as valid UTF-8 without NUL, the same in every store:
	// each NUL byte and each byte of invalid UTF-8 is written as the four
	// characters \xNN (hex, lower case) and other text is kept unchanged
	// (the stores of this module share that rule, in
	// jobs/internal/storetext). Result is kept byte for byte. When the store refuses the data of the batch itself
	// (a value it cannot hold, a constraint it breaks), so that the same
	// call would fail the same way again, the error matches [ErrRejected];
	// every other error (a lost connection, a busy database) may pass
	// when the call is repeated. A rejected batch applied nothing, or,
	// in a store without transactions, leaves the outcomes it applied
	// reported as lost by a repeat.
	Finish(ctx context.Context, outcomes []Outcome) (lost []string, err error)

	// Recover returns Running jobs whose lease expired before now: to
	// Queued when attempts remain, else to Dead with LastError saying the
	// lease expired. Either way the expiry is appended to Errors as that
	// attempt's error. It also moves Queued and Scheduled jobs whose
	// non-zero ExpiresAt is before now to Expired (FinishedAt = now,
	// LastError saying so). It returns the jobs it moved, each once: when
	// several callers recover at once, a job is in exactly one caller's
	// list. A call that fails may still have moved jobs (a store that
	// works in batches keeps the batches it applied) and returns those
	// with the error.
	Recover(ctx context.Context, now time.Time) ([]Recovered, error)

	// Revoke cancels job id with reason, atomically. A Scheduled or Queued
	// job becomes Canceled at once (FinishedAt = now, LastError = Revoke =
	// reason, RetainUntil from Retention). A Running job keeps its lease
	// with Revoke = reason; its owner learns of it from RevokeRequests,
	// woken by Notifier.Revoked in every process that watches, and reports
	// Canceled. The result describes the job after the call (State
	// Canceled or Running); a job already final is left alone and
	// described, its final state in State, with an error wrapping
	// ErrFinal. An unknown id gives ErrNotFound and a zero result. reason
	// is kept as Finish keeps error text.
	Revoke(ctx context.Context, id, reason string, now time.Time) (RevokeResult, error)

	// RevokeRequests returns the Running jobs leased by owner whose revoke
	// was requested, as ID to reason.
	RevokeRequests(ctx context.Context, owner string) (map[string]string, error)

	// Wake makes the Scheduled jobs among ids claimable now (State Queued,
	// RunAt = now) and signals Ready; jobs in other states are untouched
	// and unknown IDs are ignored. Workflows wake a waiting step when the
	// step it depends on finishes.
	Wake(ctx context.Context, ids []string, now time.Time) error

	// Leases: named, expiring claims (locks, revocations by name, worker
	// presence); see Leaser. Unique keys are not leases: Insert holds
	// them (Job.UniqueKey, Job.UniqueUntil).
	Leaser

	// Get returns one job, or ErrNotFound.
	Get(ctx context.Context, id string) (*Job, error)

	// FinishedAmong reads many jobs at the cost of one: see Among.
	Among

	// Prune deletes final jobs whose RetainUntil is non-zero and before
	// now, and reports how many. It also deletes leases and counters that
	// expired before now (not counted).
	Prune(ctx context.Context, now time.Time) (int, error)

	// Inspector: queues, listing and administration.
	Inspector

	// Notifier: push signals where the store can give them; see Notifier.
	Notifier

	// Close releases the store's resources. Calls after Close return
	// ErrClosed.
	Close() error
}

// Notifier tells a process about changes without polling where the store
// can push (same-process for embedded stores, pub/sub for servers). Its
// methods are safe for concurrent use and take no ctx: they register a
// watch and return at once, and the stop func they return ends it.
type Notifier interface {
	// Ready returns a channel that receives a value, coalesced, whenever
	// jobs may have become claimable on one of queues, and a func that
	// ends the watch and releases what it holds (call it once done; it
	// may be called any number of times). A nil channel means the store
	// cannot push and workers poll.
	Ready(queues []string) (ch <-chan struct{}, stop func())

	// Finished returns a channel that is closed once job id may have
	// reached a final state, and a func to stop watching. A nil channel
	// means the store cannot push and the caller polls with backoff.
	Finished(id string) (ch <-chan struct{}, stop func())

	// WatchFinishes returns a new watch over the finishes of many jobs
	// (see FinishWatch), watching none yet, or nil when the store cannot
	// push. A client keeps one, whatever the number of jobs it awaits.
	WatchFinishes() FinishWatch

	// Revoked returns a channel that receives a value, coalesced, whenever
	// a revoke was requested for some Running job, so lease owners call
	// RevokeRequests at once instead of at their next heartbeat, and a
	// func that ends the watch as Ready's does. A nil channel means the
	// store cannot push.
	Revoked() (ch <-chan struct{}, stop func())
}

// TxScoped is implemented by stores whose methods can run in a
// transaction of the caller's that ctx carries (postgres.EnqueueTx). It is
// optional. Package jobs shares one Insert among concurrent enqueues
// (group commit); a call whose ctx InTx reports true is written alone,
// under its own ctx, so that its jobs commit with its transaction only.
type TxScoped interface {
	// InTx reports whether calls under ctx run in a transaction of the
	// caller's. It is safe for concurrent use and never blocks.
	InTx(ctx context.Context) bool
}

// FinalNotifier is implemented by stores whose finish signal can carry
// the final job, so that a waiter it wakes need not read the job back.
// It is optional; package jobs takes carried jobs from FinishWatch.Take.
type FinalNotifier interface {
	// FinishedJob is Notifier.Finished with job added: once ch is closed,
	// job returns the final job the signal carried, as the commit that
	// made it final left it, or nil when the signal carried none (the
	// job was deleted, was too large to send, the store re-established
	// its connection...); the caller then confirms with Get, as after
	// Finished. The returned job may be shared with other watchers of id:
	// do not modify it. job is safe for concurrent use and never blocks.
	FinishedJob(id string) (ch <-chan struct{}, job func() *Job, stop func())
}

// Lease is a named claim with an expiry.
type Lease struct {
	Key   string
	Owner string
	Data  []byte    // opaque to the store; replaced on renewal
	Until time.Time // the lease is free from this instant
}

// Leaser keeps leases and counters. Keys are opaque strings chosen by
// package jobs (prefixes "lock:", "revoke:", "worker:", "rate:"; jobs
// enqueued by versions before unique keys moved into Insert also left
// "unique:" leases, which expire by themselves); stores must not
// interpret them beyond prefix matching. Its methods are part of [Store]
// and share its contract: safe for concurrent use (two concurrent
// Acquires of a free key give it to one), honouring ctx.
type Leaser interface {
	// Acquire takes or renews l.Key for l.Owner until l.Until. It succeeds
	// when the key is absent, expired (Until <= now), or already held by
	// l.Owner (Until and Data are then replaced). It returns the holder
	// after the call: l itself on success, the current holder otherwise.
	Acquire(ctx context.Context, l Lease, now time.Time) (holder Lease, ok bool, err error)

	// Release deletes key if owner holds it, or whoever holds it when
	// owner is "". It reports whether a lease was deleted.
	Release(ctx context.Context, key, owner string) (bool, error)

	// Leases lists the leases not expired at now whose key starts with
	// prefix, in key order.
	Leases(ctx context.Context, prefix string, now time.Time) ([]Lease, error)

	// Count adds one to counter key and returns the new value. A counter
	// that is absent or expired (its until <= now) restarts at 1 and takes
	// until as its expiry; a live one keeps its expiry. Counters and
	// leases are separate namespaces. Fixed-window rate limits use it.
	// An empty key, or an until not after now, is refused with an error
	// and counts nothing.
	Count(ctx context.Context, key string, until, now time.Time) (int64, error)
}

// QueueInfo describes one queue.
type QueueInfo = jobtype.QueueInfo

// ListRequest selects jobs for listing. Empty fields match everything.
// Jobs come in ID order, ascending unless Desc; After and Before bound
// the IDs and may be given together.
type ListRequest struct {
	Queue  string
	State  State
	Name   string
	Limit  int    // page size; 0 means 100
	After  string // return jobs with ID greater than this (the previous page's last ID when ascending)
	Before string // return jobs with ID less than this (the previous page's last ID when Desc)
	// Desc lists in descending ID order: newest first, since IDs are
	// time-ordered. The next page starts Before the last ID returned.
	Desc bool
}

// Stats summarizes the whole store.
type Stats = jobtype.Stats

// Inspector is the administration surface used by the CLI and dashboard.
// Its methods are part of [Store] and share its contract: safe for
// concurrent use, honouring ctx.
type Inspector interface {
	// Queues lists every queue that holds jobs or is paused, with counts
	// per state.
	Queues(ctx context.Context) ([]QueueInfo, error)
	// List returns up to req.Limit jobs matching req, in ID order, after
	// req.After.
	List(ctx context.Context, req ListRequest) ([]*Job, error)
	// Retry moves a final job (Dead, Canceled, Expired, Succeeded) back to
	// Queued with a fresh attempt budget, keeping its error history. A
	// Running job gives ErrRunning; a Scheduled or Queued one an error
	// wrapping ErrNotFinal that names its state, and is left alone.
	Retry(ctx context.Context, id string, now time.Time) error
	// Restore is Retry for a Canceled job only, checked and done in one
	// atomic step: the job moves back to Queued (claimable from now) as
	// Retry moves it, or fails as Retry does when its UniqueKey is now
	// held by another unfinished job, and Queued is returned. A job in any
	// other state is left alone and its state is returned with an error
	// wrapping ErrNotCanceled that names it; an unknown id gives
	// ErrNotFound.
	Restore(ctx context.Context, id string, now time.Time) (State, error)
	// Delete removes a job that is not Running (ErrRunning otherwise).
	Delete(ctx context.Context, id string) error
	// Purge deletes every job of queue (all queues when empty) in state,
	// except Running ones, and reports how many.
	Purge(ctx context.Context, queue string, state State) (int, error)
	// Pause stops Claim from taking jobs of queue; Running jobs go on.
	Pause(ctx context.Context, queue string) error
	// Resume undoes Pause and signals Ready for queue.
	Resume(ctx context.Context, queue string) error
	// Stats counts jobs per state and queues, and reports the enqueue time
	// of the oldest waiting job.
	Stats(ctx context.Context) (Stats, error)
}

// The errors of the contract, the values of package jobtype so that users
// match them without importing this package.
var (
	// ErrNotFound: no job with that ID.
	ErrNotFound = jobtype.ErrNotFound
	// ErrRunning: the operation needs a job that is not running.
	ErrRunning = jobtype.ErrRunning
	// ErrClosed: the store was closed.
	ErrClosed = jobtype.ErrClosed
	// ErrFinal: the operation needs a job that has not finished.
	ErrFinal = jobtype.ErrFinal
	// ErrNotFinal: Retry needs a job that has finished.
	ErrNotFinal = jobtype.ErrNotFinal
	// ErrNotCanceled: Restore needs a job that was canceled.
	ErrNotCanceled = jobtype.ErrNotCanceled
	// ErrRejected is matched by the error of a call the store refused
	// because of the data it was given (a value it cannot hold, a
	// constraint it breaks, an outcome that is not valid): repeating the
	// call unchanged fails the same way, so callers must not retry it
	// as they retry a lost connection.
	ErrRejected = errors.New("the store cannot hold this data")
)
