package postgres

import "github.com/spindlehq/spindle/jobs/store/internal/front"

// Store is a [store.Store] kept in a PostgreSQL schema. Its methods are
// safe for concurrent use by any number of goroutines, and any number of
// Stores in this and other processes, on this and other machines, may
// share the schema.
//
// Store implements store.Store, its store.Inspector, store.Leaser and
// store.Among methods included, through the embedded [front.Contract];
// its own are the watch methods of store.Notifier (Ready, Finished,
// WatchFinishes, Revoked), FinishedJob (store.FinalNotifier) and InTx
// (store.TxScoped). Every Contract method is safe for concurrent use,
// returns store.ErrClosed after Close, and its ctx cancels its
// statements; Close waits for the calls in flight, stops the listener,
// wakes every watcher and closes the pool. What this store adds:
//
//   - Insert stores a batch atomically, all of it or, on error, none, and
//     joins the caller's transaction when called by [EnqueueTx], [MapTx]
//     or [EnqueueGroupTx], as Acquire and Release of unique keys do.
//   - Claim leases jobs in one round trip and one transaction, with FOR
//     UPDATE SKIP LOCKED, so claimers in any process never wait for each
//     other. With req.Names it steps over any number of jobs of other
//     names; ReadyNames reads, per queue, the first
//     [store.ReadyNamesScan] claimable jobs in claim order.
//   - Finish applies its outcomes in one statement and NOTIFYs, on
//     commit, the waiters of jobs that became final; every other write
//     that may wake a worker or a waiter NOTIFYs on commit too.
//   - A call whose connection died is repeated on another connection
//     when that is safe: reads and idempotent writes always, other writes
//     when the server certainly did not commit them.
//   - Prune ends by vacuuming the store's jobs, leases and counters
//     tables where autovacuum is off for them and their dead rows pass
//     autovacuum's default threshold (50 plus a fifth of the live rows);
//     where autovacuum runs, the store never vacuums.
type Store struct {
	front.Contract // the store.Store methods: each admitted, its arguments checked, then run
	inner
}

// inner holds the store's state one embedding level below Contract, so
// that Store's methods are Contract's checked ones rather than core's
// work of the same names, while core's fields and helpers stay reachable
// as s.x.
type inner struct{ *core }
