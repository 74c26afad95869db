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
// timeout helpers mix durable jobs with in-process work. In the process
// that ran the job it wakes as soon as the job finishes; from another
// process it polls with Huey's backoff (see [Polling]).
package jobs
