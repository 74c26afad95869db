// Package sqlite is the SQLite job store: Spindle's zero set-up default.
// One file holds the queue; any number of goroutines and processes on the
// same machine may share it.
//
// The driver is modernc.org/sqlite, a pure-Go SQLite, so programs using the
// store build with CGO_ENABLED=0.
//
// # How it uses SQLite
//
// The database runs in WAL mode with synchronous=NORMAL: a commit survives
// a process crash, and a power loss can drop only the last few commits.
// Each [Store] owns one write connection, whose statements are prepared
// once and reused, and a small pool of read connections; readers never wait
// for writers. Every write transaction starts with BEGIN IMMEDIATE, so two
// processes never deadlock upgrading a read lock, and SQLITE_BUSY is
// retried until the busy timeout ([WithBusyTimeout]) runs out. Nothing the
// store relies on for correctness lives in process memory: two Stores on
// one file, in one process or two, never hand out the same job.
//
// # Wake-ups
//
// Inside one process, [Store.Ready] and [Store.Finished] are signalled
// right after the committing transaction. Changes made by other processes
// are noticed by polling PRAGMA data_version on a dedicated connection
// every few milliseconds ([WithWatchInterval]) while anyone is watching;
// the poll costs one tiny query and touches no table unless something
// changed.
//
// [Store.Revoked] is signalled the same way: at once for revokes made
// through the same Store, and within the watch interval for revokes made
// by other processes, which the poller finds by reading the running jobs
// that have a revoke request when the file changed. A worker then calls
// [Store.RevokeRequests] and cancels the handler, so a revoke reaches a
// running job in a few milliseconds from any process; the worker's
// heartbeat, which also calls it, is only the fallback.
//
// # Schema
//
// The schema is created and upgraded by numbered, embedded migrations,
// each applied in its own transaction and recorded in schema_migrations.
// Opening a file whose schema is newer than this code knows is refused, so
// an old binary never writes to a database it does not understand.
package sqlite
