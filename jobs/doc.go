// Package jobs runs durable background jobs: typed definitions, a client
// that enqueues them into a store, handles that await their results, and
// workers that run them with at-least-once delivery.
//
// With zero set-up the jobs live in an embedded SQLite file (spindle.db in
// the working directory); "memory:" keeps them in the process for tests.
//
//	var Resize = jobs.Define("images.resize", resize, jobs.Retries(5))
//
//	c, err := jobs.Open(ctx, "")            // sqlite:spindle.db
//	h, err := Resize.Enqueue(ctx, c, Args{...})
//	thumb, err := h.Await(ctx)             // a worker somewhere ran it
//
// # Delivery
//
// A worker that claims a job holds a lease on it and extends the lease
// while the job runs. If the worker dies, the lease expires and any other
// worker's recoverer puts the job back in its queue (or dead-letters it
// after its last attempt), so nothing is lost: a job runs at least once,
// and may run more than once when a worker dies at the wrong moment. Make
// handlers idempotent.
//
// # Handles
//
// A [Handle] satisfies spindle.Awaitable, so spindle.Gather, Wait and the
// timeout helpers mix durable jobs with in-process work. It wakes as soon
// as the store pushes the job's finish, from this process or another
// (every store of this module pushes), and otherwise polls with Huey's
// backoff (see [Polling]). However many handles wait, a client holds one
// subscription and reads the jobs they wait for together, and a wait
// that ends (its ctx, a Gather's) leaves nothing running.
//
// A handle is not a spindle.Canceler: when a spindle.Gather or
// GatherSettled stops early (its ctx ended, or with Gather a member
// failed) it cancels the in-process tasks it holds but leaves durable
// jobs running, and does not wait for them. The job stays in the store
// and the handle can be awaited again; to stop the job, revoke it
// explicitly with [Handle.Revoke].
//
// # Features
//
// Everything below is kept in the store, so it holds across any number
// of workers and processes, and costs nothing when unused:
//
//   - Periodic jobs from cron expressions: [Definition.Cron] and
//     WorkerOptions.Schedules; each tick runs once however many workers
//     fire it.
//   - Revoke and restore: [Handle.Revoke] (a running job's ctx is
//     cancelled with a [*RevokedError] cause), [Inspector.RevokeAll] by
//     name (until a time, or once), [Inspector.Restore].
//   - Per-attempt [Timeout] ([ErrTimeout]) and [Expires] ([ErrExpired]).
//   - [Unique] and [UniqueArgs] enqueue ([ErrDuplicate] with the existing
//     job's handle), named locks ([Lock], [LockArgs]) held as leases, and
//     [RateLimit] per definition.
//   - Workflows: chains ([Then]), groups ([EnqueueGroup]) and chords
//     ([EnqueueChord]), all awaitable, all inserted at once and crash-safe.
//   - [Middleware], [OnEnqueue] headers for tracing, and lifecycle events
//     through [Client.Subscribe].
//   - HMAC signing of payloads: [WithSigning].
//   - [Inspector.Workers] lists the workers running on the store.
package jobs
