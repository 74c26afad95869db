package bench

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Kind names the job for River, which requires it of every job's
// arguments.
func (q1Args) Kind() string { return "bench.noop" }

// q1River enqueues with InsertManyFast (COPY) through an insert-only
// client (no queues to work) with default settings, after River's own
// migrations ran on its schema.
type q1River struct {
	pool   *pgxpool.Pool
	c      *river.Client[pgx.Tx]
	schema string
}

func q1OpenRiver(ctx context.Context, dbURL, schema string) (q1Bulk, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema, Logger: quiet})
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	var c *river.Client[pgx.Tx]
	if err == nil {
		c, err = river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: schema, Logger: quiet})
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &q1River{pool: pool, c: c, schema: schema}, nil
}

func (r *q1River) args(n int) any {
	ps := make([]river.InsertManyParams, n)
	for i := range ps {
		ps[i] = river.InsertManyParams{Args: q1Args{i}}
	}
	return ps
}

func (r *q1River) insert(ctx context.Context, args any) error {
	_, err := r.c.InsertManyFast(ctx, args.([]river.InsertManyParams))
	return err
}

func (r *q1River) table() string { return pgx.Identifier{r.schema, "river_job"}.Sanitize() }

func (r *q1River) close() { r.pool.Close() }
