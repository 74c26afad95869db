package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs"
)

// Enqueueing in the caller's transaction is explicit: the transaction is
// an argument of EnqueueTx, MapTx and EnqueueGroupTx, never something a
// context carries from call to call. A context that carried it would take
// it wherever the context goes (a Worker.Run, a handle's Await, a
// goroutine), and send concurrent statements into one pgx.Tx, which is not
// safe for concurrent use.
//
// Inside, the functions still hand the transaction to the store through
// the context, because that is the only thing Definition.Enqueue passes
// down; the binding is unexported, so only these functions make one, it
// is honoured only by the statements an enqueue makes (Insert, and the
// Acquire and Release of unique keys), only by the store it was made for,
// and only until the function returns. A context that escapes the call
// (an OnEnqueue hook that keeps it, say) routes nothing afterwards.

// txBinding binds an enqueue's statements to the caller's transaction.
type txBinding struct {
	s    *core
	tx   pgx.Tx
	live atomic.Bool // true only while the EnqueueTx-style call runs
}

type txKey struct{}

// EnqueueTx is [jobs.Definition.Enqueue] inside tx, the caller's own
// transaction: the job is stored if, and only if, tx commits, atomically
// with whatever else tx writes.
//
//	tx, _ := pool.Begin(ctx)
//	defer tx.Rollback(ctx) // a no-op after Commit
//	// ... the caller's own writes in tx ...
//	h, err := postgres.EnqueueTx(ctx, tx, c, sendReceipt, receipt)
//	// ...
//	err = tx.Commit(ctx) // the job exists from here; workers are woken now
//	msg, err := h.Await(ctx)
//
// Workers and waiting handles are woken by a NOTIFY that PostgreSQL
// delivers only when tx commits, so nobody sees the job early, and a
// rollback leaves no trace: neither the job nor, with [jobs.Unique], its
// unique key. The handle belongs to c, not to tx: await it after the
// commit (before, the job does not exist outside tx, and the handle would
// settle on "not found"). Events of kind jobs.EventEnqueued are emitted
// when the insert returns, before the commit, and also for a job a
// rollback then discards.
//
// c's store must be a PostgreSQL [*Store] (from jobs.Open or jobs.New),
// and tx a transaction on the same database (Store.Pool, or the
// application's own pool); otherwise EnqueueTx returns an error and
// stores nothing. Only the enqueue's own statements run in tx, once each:
// a failure is returned, never retried elsewhere, and tx is the caller's
// to roll back. A pgx.Tx is not safe for concurrent use: do not use tx in
// another goroutine until EnqueueTx returns. ctx cancels the statements
// as usual (pgx may then close tx's connection); it is not kept.
func EnqueueTx[A, R any](ctx context.Context, tx pgx.Tx, c *jobs.Client, def *jobs.Definition[A, R], args A, opts ...jobs.EnqueueOption) (*jobs.Handle[R], error) {
	if def == nil {
		return nil, errors.New("postgres: EnqueueTx: nil definition")
	}
	ctx, done, err := bindTx(ctx, "EnqueueTx", tx, c)
	if err != nil {
		return nil, err
	}
	defer done()
	return def.Enqueue(ctx, c, args, opts...)
}

// MapTx is [jobs.Definition.Map] inside tx: one job per element of args,
// stored in one statement if, and only if, tx commits. Everything
// [EnqueueTx] says about tx, c, handles, events and concurrency holds.
func MapTx[A, R any](ctx context.Context, tx pgx.Tx, c *jobs.Client, def *jobs.Definition[A, R], args []A, opts ...jobs.EnqueueOption) (*jobs.Group[R], error) {
	if def == nil {
		return nil, errors.New("postgres: MapTx: nil definition")
	}
	ctx, done, err := bindTx(ctx, "MapTx", tx, c)
	if err != nil {
		return nil, err
	}
	defer done()
	return def.Map(ctx, c, args, opts...)
}

// EnqueueGroupTx is [jobs.EnqueueGroup] inside tx: the workflow's steps
// (chains, groups, chords) are stored in one statement if, and only if,
// tx commits. A single chain is a group of one step. Everything
// [EnqueueTx] says about tx, c, handles, events and concurrency holds.
func EnqueueGroupTx[R any](ctx context.Context, tx pgx.Tx, c *jobs.Client, steps ...jobs.Step[R]) (*jobs.Group[R], error) {
	ctx, done, err := bindTx(ctx, "EnqueueGroupTx", tx, c)
	if err != nil {
		return nil, err
	}
	defer done()
	return jobs.EnqueueGroup(ctx, c, steps...)
}

// bindTx returns ctx with tx bound for c's store, and the func that ends
// the binding when the call returns.
func bindTx(ctx context.Context, what string, tx pgx.Tx, c *jobs.Client) (context.Context, func(), error) {
	if tx == nil {
		return nil, nil, fmt.Errorf("postgres: %s: nil transaction", what)
	}
	if c == nil {
		return nil, nil, fmt.Errorf("postgres: %s: nil client", what)
	}
	s, ok := c.Store().(*Store)
	if !ok {
		return nil, nil, fmt.Errorf("postgres: %s: the client's store is a %T, not a PostgreSQL store: it cannot write in a PostgreSQL transaction", what, c.Store())
	}
	ctx, b := withTxBinding(ctx, s.core, tx)
	return ctx, func() { b.live.Store(false) }, nil
}

func withTxBinding(ctx context.Context, s *core, tx pgx.Tx) (context.Context, *txBinding) {
	b := &txBinding{s: s, tx: tx}
	b.live.Store(true)
	return context.WithValue(ctx, txKey{}, b), b
}

// enqueueTx returns the transaction an EnqueueTx-style call bound to ctx
// for s, while that call runs, or nil.
func (s *core) enqueueTx(ctx context.Context) pgx.Tx {
	b, _ := ctx.Value(txKey{}).(*txBinding)
	if b == nil || b.s != s || !b.live.Load() {
		return nil
	}
	return b.tx
}

// InTx reports whether ctx carries a transaction that [EnqueueTx] (or
// MapTx, EnqueueGroupTx) bound for this store, so that package jobs
// writes that enqueue under it alone rather than in a write shared with
// other enqueues (store.TxScoped). Safe for concurrent use.
func (s *Store) InTx(ctx context.Context) bool { return s.enqueueTx(ctx) != nil }
