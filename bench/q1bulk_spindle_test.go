package bench

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs"
	_ "github.com/spindlehq/spindle/jobs/store/postgres"
)

// q1Args are a Q1 job's arguments, the same for both libraries.
type q1Args struct {
	N int `json:"n"`
}

var q1Noop = jobs.Define("bench.noop", func(context.Context, q1Args) (struct{}, error) {
	return struct{}{}, nil
})

// q1Spindle enqueues with Definition.Map through a client with default
// settings.
type q1Spindle struct {
	c      *jobs.Client
	schema string
}

func q1OpenSpindle(ctx context.Context, dbURL, schema string) (q1Bulk, error) {
	u, err := q1SchemaURL(dbURL, schema)
	if err != nil {
		return nil, err
	}
	c, err := jobs.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	return &q1Spindle{c: c, schema: schema}, nil
}

func (s *q1Spindle) args(n int) any {
	a := make([]q1Args, n)
	for i := range a {
		a[i] = q1Args{i}
	}
	return a
}

func (s *q1Spindle) insert(ctx context.Context, args any) error {
	_, err := q1Noop.Map(ctx, s.c, args.([]q1Args))
	return err
}

func (s *q1Spindle) table() string { return pgx.Identifier{s.schema, "jobs"}.Sanitize() }

func (s *q1Spindle) close() { s.c.Close() }
