package memory

import "github.com/spindlehq/spindle/jobs/store/internal/front"

// Store is a [store.Store] kept in the process's memory. Its methods are
// safe for concurrent use by any number of goroutines; only this process
// sees its jobs, and nothing survives it.
//
// The methods of [store.Store] that reach the data, those of
// [store.Inspector], [store.Leaser] and [store.Among] included, come from
// the embedded front.Contract, which checks their arguments and hands them
// to the store's work. Every one is safe for concurrent use and returns
// store.ErrClosed after Close. What memory adds:
//   - Each call holds one mutex for the whole call and never blocks while
//     holding it, so every call returns promptly and is atomic: Insert
//     checks every job before it stores any, Claim leases its batch and
//     Finish applies all its outcomes in one step.
//   - A call made after its ctx ended changes nothing and returns
//     context.Cause(ctx); one under way is not interrupted, as it is
//     short.
//   - The store keeps its own copy of every job and lease it is given, and
//     hands out copies the caller may keep and change.
//   - The Ready, Finished and Revoked watchers are signalled before the
//     call that made the change returns.
//   - Close waits for the calls in flight, closes every Ready, Finished
//     and Revoked channel (a watch asked for afterwards gets a closed
//     one), and later calls, Close included, return store.ErrClosed.
//
// The watch methods (Ready, Finished, WatchFinishes, Revoked) are Store's
// own.
type Store struct {
	front.Contract // the store.Store methods: each admitted, its arguments checked, then run
	inner
}

// inner holds the store's state one embedding level below Contract, so that
// Store's methods are Contract's checked ones rather than core's work of the
// same names, while core's fields and helpers stay reachable as s.x.
type inner struct{ *core }
