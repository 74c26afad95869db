package sqlite

import "github.com/spindlehq/spindle/jobs/store/internal/front"

// Store is a [store.Store] kept in one SQLite file. Its methods are safe
// for concurrent use by any number of goroutines, and any number of Stores
// in this and other processes may share the file.
//
// The methods of [store.Store] that reach the data, those of
// [store.Inspector], [store.Leaser] and [store.Among] included, come from
// the embedded front.Contract, which checks their arguments and hands them
// to the store's work. Every one is safe for concurrent use, returns
// store.ErrClosed after Close, and is canceled by its ctx: the wait for
// the write lock, the statements and the queries. What SQLite adds:
//   - Writes run in BEGIN IMMEDIATE transactions on the Store's one write
//     connection. Insert writes its whole batch in one (all or none),
//     Claim leases its batch with a single UPDATE ... RETURNING, Finish
//     applies all its outcomes in one. Claimers in other goroutines,
//     Stores and processes serialize on SQLite's write lock and never
//     receive the same job.
//   - A canceled Insert, Claim, Finish, ExtendLeases or Recover changes
//     nothing and returns context.Cause(ctx). Purge and Prune commit in
//     chunks, so one ended part-way keeps what it deleted and returns the
//     count so far.
//   - Get, List, Queues, Stats, ReadyNames, FinishedAmong, Leases and
//     RevokeRequests run on the read pool and never wait for writers.
//   - The Ready, Finished and Revoked watchers of this Store are signalled
//     right after the commit of a change made through it.
//   - Close waits for the calls in flight (which end when their ctx does),
//     stops the change watcher, wakes every Ready and Finished channel so
//     waiters get store.ErrClosed on their next call, and closes the
//     connections; later calls, Close included, return store.ErrClosed.
//
// The watch methods (Ready, Finished, WatchFinishes, Revoked) and Path
// are Store's own.
type Store struct {
	front.Contract // the store.Store methods: each admitted, its arguments checked, then run
	inner
}

// inner holds the store's state one embedding level below Contract, so that
// Store's methods are Contract's checked ones rather than core's work of the
// same names, while core's fields and helpers stay reachable as s.x.
type inner struct{ *core }
