package redis

import "github.com/spindlehq/spindle/jobs/store/internal/front"

// Store is a [store.Store] kept in Redis. Its methods are safe for
// concurrent use by any number of goroutines, and any number of Stores in
// this and other processes, on this and other machines, may share one
// Redis and namespace.
//
// Store implements store.Store, with store.Inspector, store.Leaser and
// store.Among, through the embedded front.Contract: it admits each call,
// checks the arguments as every store does, and hands the call to the
// Redis work. Every such method is safe for concurrent use, returns
// store.ErrClosed after Close, and is bounded by its ctx. In Redis:
//
//   - every change is one Lua script, so it is atomic and costs one round
//     trip whatever the batch: Insert stores a batch all or none, Claim
//     leases up to req.Limit jobs in claim order, Finish applies a whole
//     batch of outcomes;
//   - a call that ends with ctx may or may not have run its script: Insert
//     again reports the jobs that made it as dups, Finish again reports
//     every job lost, and jobs a lost Claim leased stay leased until their
//     lease expires and Recover returns them;
//   - Get and FinishedAmong only read, and ride out a lost connection for
//     up to the read-retry time ([WithReadRetry]);
//   - the scripts publish what they change by pub/sub, so the Ready,
//     Finished and Revoked watchers of every process wake at once, with no
//     polling;
//   - Recover, Purge and Prune work in batches: if ctx ends part-way, the
//     batches already applied stay applied.
//
// Close waits for calls in flight, stops the event subscription, wakes
// every Ready, Finished and Revoked channel (so waiters notice and get
// ErrClosed on their next call) and, if [Open] made the client, closes
// it. Later calls, Close included, return store.ErrClosed.
type Store struct {
	front.Contract // the store.Store methods: each admitted, its arguments checked, then run
	inner
}

// inner holds the store's state one embedding level below Contract, so that Store's
// methods are Contract's checked ones rather than core's work of the same names,
// while core's fields and helpers stay reachable as s.x.
type inner struct{ *core }
