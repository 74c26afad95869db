package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type txKey struct{}

// WithTx returns a context that makes the store run its statements in tx,
// the caller's own transaction, instead of on its pool. Enqueue through
// it and the job is stored if, and only if, tx commits:
//
//	tx, _ := pool.Begin(ctx)
//	// ... the caller's own writes ...
//	h, err := def.Enqueue(postgres.WithTx(ctx, tx), client, args)
//	// ...
//	err = tx.Commit(ctx) // the job exists from here; workers are woken now
//
// Workers and waiting handles are woken by a NOTIFY that PostgreSQL
// delivers only when tx commits, so nobody sees the job early, and a
// rollback leaves no trace. Await the handle after the commit: before it,
// the job does not exist outside tx, and the handle would settle on "not
// found". Every Store method honours the context, not
// only Insert; none retries on another connection (the transaction is
// bound to its own), so a failure is returned for the caller to roll back.
//
// tx must belong to a connection of the same database (usually
// Store.Pool or the application's own pool). A pgx.Tx is not safe for
// concurrent use, so neither is the returned context: use it from one
// goroutine at a time. The deadline and cancellation of ctx apply as
// usual.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// txFrom returns the transaction WithTx put in ctx, or nil.
func txFrom(ctx context.Context) pgx.Tx {
	tx, _ := ctx.Value(txKey{}).(pgx.Tx)
	return tx
}

// InTx reports whether ctx carries a transaction from [WithTx], so that
// package jobs writes an enqueue under it alone rather than in a write
// shared with other enqueues (store.TxScoped). Safe for concurrent use.
func (s *Store) InTx(ctx context.Context) bool { return txFrom(ctx) != nil }
