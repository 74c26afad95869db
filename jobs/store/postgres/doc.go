// Package postgres is the PostgreSQL job store: workers on any number of
// machines share one database, and results, wake-ups and revokes are
// pushed with LISTEN/NOTIFY instead of polled.
//
// Open it through package jobs with a URL,
//
//	postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?sslmode=disable&schema=myapp&pool_max_conns=16
//
// or with [Open]. The driver is github.com/jackc/pgx/v5 and its pool
// (pgxpool).
//
// # How it uses PostgreSQL
//
// Everything lives in one schema ([DefaultSchema] unless the URL's schema=
// or [WithSchema] says otherwise), created on first use, so several
// applications or environments can share a database. Claims take the
// first ready jobs in claim order with FOR UPDATE SKIP LOCKED on a partial
// index in that order, so concurrent workers never wait for each other;
// delayed jobs sit in a separate index and are promoted when due, so a
// million of them cost a claim nothing. Every operation is one statement
// or one pipelined round trip: a claim of 32 jobs and a finish of 500
// outcomes alike. Nothing the store relies on for correctness lives in
// process memory.
//
// # Durability
//
// The store's sessions commit with the server's synchronous_commit
// setting, on unless the server says otherwise: a job is acknowledged only
// once its commit is on disk, so an acknowledged enqueue survives a crash
// of the server or its machine. That bounds a one-by-one enqueue loop to
// the disk's flush rate. Adding synchronous_commit=off to the URL
// acknowledges a commit once it is in the server's WAL buffers: the
// database stays consistent and nothing acknowledged is lost when a client
// or a connection dies, but a crash of the PostgreSQL server or its
// machine can lose the last few hundred milliseconds of commits (at most
// 3 × wal_writer_delay). Jobs claimed or finished in that window run again
// (delivery is at least once anyway); jobs enqueued in it are lost, so
// choose it only when lost enqueues can be made again. Jobs enqueued
// through [EnqueueTx] commit with the caller's transaction and session
// settings, as durable as the caller's own data.
//
// # Wake-ups
//
// Every statement that may wake someone sends its own NOTIFY on the
// schema's channel, in the same transaction, so it is delivered when, and
// only if, the change commits: whenever jobs of a queue may have become
// claimable (an insert, a retry, a give-back, a recovered lease, a Wake,
// a Retry, a Resume), whenever jobs became final (their IDs, in chunks;
// a job finished alone travels whole, so that whoever awaits it need not
// read it back: see [Store.WatchFinishes]) and whenever a running job is
// revoked. Inserts through [EnqueueTx] notify
// when the caller's transaction commits. Each Store LISTENs on one
// dedicated connection outside the pool, opened when something first
// watches, and demultiplexes the notifications to its [Store.Ready],
// [Store.Finished] and [Store.Revoked] channels. When that connection
// dies it reconnects by itself and wakes every watcher to re-check, so
// nothing announced while it was down is missed. Changes made by hand in
// SQL notify nobody; workers still find them at their next poll.
//
// # Connection loss
//
// Pool connections that die are replaced by the pool. A call whose
// connection died is repeated on another connection when that is safe:
// reads and idempotent writes always, other writes when the server
// certainly did not commit them (it never received them, or it terminated
// the session, which rolls back). A write lost in the middle of its commit
// is reported, and at-least-once delivery covers the rest: a claim that
// committed unseen runs its jobs again after their leases expire.
//
// # Schema
//
// The schema is created and upgraded by numbered, embedded migrations,
// applied in one transaction under a pg_advisory_xact_lock per schema, so
// any number of processes may open a new schema at once, and recorded in
// schema_migrations. Opening a schema newer than this code knows is
// refused.
package postgres
