package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/front"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// core is the store's state and its work ([front.Work]): the statements
// behind the contract's methods, run once Contract admitted the call and
// checked its arguments.
type core struct {
	schema  string
	channel string
	where   string // host/database for error messages, without the password
	pool    *pgxpool.Pool
	q       *queries
	notify  *notifier
	resets  resetLimiter
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.TxScoped = (*Store)(nil)
	_ front.Work     = (*core)(nil)
)

// Open connects to the PostgreSQL database named by connString, creates
// the store's schema and tables when needed (or upgrades them), and
// returns the store.
//
// connString is a URL, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE,
// whose query takes pgx's parameters (sslmode, pool_max_conns,
// pool_min_conns, pool_max_conn_lifetime, pool_max_conn_idle_time, ...),
// server settings (application_name, synchronous_commit, ...) and the
// store's own: schema=NAME (default [DefaultSchema]). A pgx keyword/value
// string ("host=... dbname=...") is accepted too, with the schema given by
// [WithSchema]. The pool holds pool_max_conns connections (pgx's default:
// 4 or the number of CPUs, whichever is more); the store opens one more,
// outside the pool, to LISTEN once anything watches for signals.
//
// The store's sessions commit with the server's synchronous_commit
// setting (on by default): an acknowledged job is on disk. Add
// synchronous_commit=off to the URL to trade the last few hundred
// milliseconds of commits on a server crash for speed; see the package
// documentation.
//
// ctx bounds the opening work (connecting, waiting for another process's
// migration), not the Store's life. Close the Store to release its
// connections and goroutines. Errors name what was wrong and never contain
// the password.
func Open(ctx context.Context, connString string, opts ...Option) (*Store, error) {
	var o options
	if err := storecheck.Options(&o, opts); err != nil {
		return nil, err
	}
	cfg, err := parseConfig(connString, &o)
	if err != nil {
		return nil, err
	}
	c := &core{
		schema:  o.schema,
		channel: channelName(o.schema),
		where:   fmt.Sprintf("%s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database),
	}
	c.q = newQueries(c.schema, c.channel)
	if c.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", c.where, err)
	}
	if err := c.migrate(ctx); err != nil {
		c.pool.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: open %s schema %q: %w", c.where, c.schema, context.Cause(ctx))
		}
		return nil, err
	}
	c.notify = newNotifier(c, cfg.ConnConfig.Copy())
	s := &Store{inner: inner{c}}
	front.Init(&s.Contract, "postgres", maxClaimQueues, c)
	return s, nil
}

// Schema reports the schema the store keeps its tables in. Safe for
// concurrent use, also after Close.
func (s *Store) Schema() string { return s.schema }

// Pool returns the store's connection pool, for callers that want to run
// their own statements (in a transaction they pass to [EnqueueTx], say)
// without a second pool. Do not close it: Close the Store, after ending
// the transactions begun on it (Close waits for their connections).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close waits for the calls in flight (they end when their ctx does),
// then stops the listener, wakes every Ready, Finished and Revoked
// channel (so waiters notice and get ErrClosed from their next call) and
// closes the pool. Later calls, Close included, return store.ErrClosed.
//
// The gate and the waiting are Store's (front.Contract); this is the
// release, run once.
func (s *core) Close() error {
	s.notify.close()
	s.pool.Close()
	return nil
}

// querier is what statements run on: the pool, or a caller's transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// retryKind says when run may repeat an operation whose connection failed.
type retryKind int

const (
	// retryRead: the operation changes nothing, so it is repeated after
	// any connection failure.
	retryRead retryKind = iota
	// retryUnsent: the operation writes, so it is repeated only when the
	// server certainly did not commit it (it never got it, or it
	// terminated the session before answering, which rolls back).
	retryUnsent
)

// maxAttempts bounds how many connections one call tries. A pool whose
// connections were all terminated at once hands out a dead one per try
// until each has been found out, so it is more than the usual pool.
const maxAttempts = 12

// runEnqueue is run for the statements an enqueue makes (Insert, and the
// Acquire and Release of unique keys): inside an EnqueueTx-style call it
// runs op once on the caller's transaction, never retried elsewhere since
// the transaction is bound to its own connection; otherwise it is run.
func (s *core) runEnqueue(ctx context.Context, what string, kind retryKind, op func(q querier) error) error {
	if tx := s.enqueueTx(ctx); tx != nil {
		return s.wrap(ctx, what, op(tx))
	}
	return s.run(ctx, what, kind, op)
}

// run runs op on the pool, repeating it on another connection when the
// one it used died and kind allows, and then on serialization failures
// and deadlocks. It returns op's error wrapped as "postgres: what: ...",
// or the cause of ctx when ctx ended. It never looks for a caller's
// transaction: only runEnqueue does.
func (s *core) run(ctx context.Context, what string, kind retryKind, op func(q querier) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = op(s.pool); err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt == maxAttempts {
			break
		}
		switch {
		case isRetryableTx(err):
		case isConnLoss(err) && (kind == retryRead || notCommitted(err)):
			s.resets.reset(s.pool)
		default:
			return s.wrap(ctx, what, err)
		}
		if err := pause(ctx, attempt); err != nil {
			break
		}
	}
	return s.wrap(ctx, what, err)
}

func (s *core) wrap(ctx context.Context, what string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("postgres: %s: %w", what, context.Cause(ctx))
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrRunning), errors.Is(err, store.ErrFinal), errors.Is(err, store.ErrClosed),
		errors.Is(err, store.ErrNotCanceled):
		return fmt.Errorf("postgres: %s: %w", what, err)
	case rejected(err):
		return fmt.Errorf("postgres: %s (%s, schema %q): %w: %w", what, s.where, s.schema, store.ErrRejected, err)
	}
	return fmt.Errorf("postgres: %s (%s, schema %q): %w", what, s.where, s.schema, err)
}
