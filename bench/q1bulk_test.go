package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Q1 bulk of docs/benchmarks.md against River: enqueue 20,000 no-op jobs
// in one batch on PostgreSQL, Spindle's Definition.Map against River's
// Client.InsertManyFast (COPY into river_job), on one server and database,
// each in a schema of its own. The two alternate within one run, round by
// round, so that both see the same machine, after a round each that is not
// counted; each round starts from an empty table and a collected heap.
// Only a benchmark, and only with SPINDLE_POSTGRES_URL:
//
//	SPINDLE_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/DB?sslmode=disable&synchronous_commit=on' \
//	go test -run '^$' -bench River -benchtime 1x ./bench/
//
// SPINDLE_BENCH_ROUNDS sets the rounds (default 7; at least 3) and
// SPINDLE_BENCH_N the jobs per batch (default 20,000).

// q1Bulk is one library's way of enqueueing a batch of no-op jobs on
// PostgreSQL, opened on a schema of its own.
type q1Bulk interface {
	// insert enqueues jobs 0 to n-1 (arguments {"n": i}) in one batch;
	// args is whatever the runner prepared, outside the timing.
	insert(ctx context.Context, args any) error
	// args prepares the input of a batch of n jobs, as its caller would
	// hold it before enqueueing.
	args(n int) any
	// table is the schema-qualified table the jobs land in.
	table() string
	close()
}

type q1BulkRunner struct {
	name string
	open func(ctx context.Context, dbURL, schema string) (q1Bulk, error)
}

// q1BulkRunners run in this order in each odd round, reversed in even
// rounds; the ratio reported is the first's rate over the second's.
var q1BulkRunners = []q1BulkRunner{
	{"spindle", q1OpenSpindle},
	{"river", q1OpenRiver},
}

func BenchmarkQ1BulkRiver(b *testing.B) {
	dbURL := os.Getenv("SPINDLE_POSTGRES_URL")
	if dbURL == "" {
		b.Skip("SPINDLE_POSTGRES_URL is not set: Q1 bulk against River needs a PostgreSQL server")
	}
	n, rounds := benchEnv("SPINDLE_BENCH_N", 20000, 1), benchEnv("SPINDLE_BENCH_ROUNDS", 7, 3)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close(context.WithoutCancel(ctx)) })

	var syncCommit string
	if err := admin.QueryRow(ctx, "SHOW synchronous_commit").Scan(&syncCommit); err != nil {
		b.Fatal(err)
	}

	bulks := make([]q1Bulk, len(q1BulkRunners))
	for i, r := range q1BulkRunners {
		schema := "bench_q1bulk_" + strings.ReplaceAll(r.name, "-", "_")
		q1DropSchema(b, admin, schema)
		if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { q1DropSchema(b, admin, schema) })
		bk, err := r.open(ctx, dbURL, schema)
		if err != nil {
			b.Fatalf("%s: open: %v", r.name, err)
		}
		b.Cleanup(bk.close)
		bulks[i] = bk
	}

	// A round each, not counted, first: the first batch of a process
	// pays for cold statement caches, catalog lookups and heap growth.
	for i, bk := range bulks {
		q1BulkRound(b, admin, bk, q1BulkRunners[i].name, n)
	}
	perS := make([][]float64, len(bulks)) // rows/s by runner, then round
	b.ResetTimer()
	for range b.N {
		for round := range rounds {
			order := make([]int, len(bulks))
			for i := range order {
				order[i] = i
			}
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, i := range order {
				perS[i] = append(perS[i], q1BulkRound(b, admin, bulks[i], q1BulkRunners[i].name, n))
			}
		}
	}
	b.StopTimer()

	med := make([]float64, len(bulks))
	for i, r := range q1BulkRunners {
		med[i] = q1Median(perS[i])
		b.ReportMetric(med[i], r.name+"-rows/s")
		b.Logf("%-8s rows/s by round: %s", r.name, q1Fmt(perS[i]))
	}
	// Each round's ratio pairs runs made moments apart; their median is
	// steadier on a busy machine than the ratio of the two medians.
	ratios := make([]float64, len(perS[0]))
	for k := range ratios {
		ratios[k] = perS[0][k] / perS[1][k]
	}
	b.ReportMetric(q1Median(ratios), q1BulkRunners[0].name+"/"+q1BulkRunners[1].name)
	b.Logf("%s/%s by round: %s; ratio of medians %.2f; %d rounds of %d jobs; synchronous_commit %s",
		q1BulkRunners[0].name, q1BulkRunners[1].name, q1Fmt(ratios), med[0]/med[1], len(ratios), n, syncCommit)
}

// q1BulkRound empties bk's table, then times one batch of n jobs and
// checks that all of them were stored.
func q1BulkRound(b *testing.B, admin *pgx.Conn, bk q1Bulk, name string, n int) float64 {
	ctx := context.Background()
	b.StopTimer()
	if _, err := admin.Exec(ctx, "TRUNCATE "+bk.table()); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	args := bk.args(n)
	// Neither library pays for the other's garbage.
	runtime.GC()
	b.StartTimer()
	start := time.Now()
	if err := bk.insert(ctx, args); err != nil {
		b.Fatalf("%s: insert: %v", name, err)
	}
	took := time.Since(start)
	b.StopTimer()
	var stored int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM "+bk.table()).Scan(&stored); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	if stored != n {
		b.Fatalf("%s stored %d jobs, want %d", name, stored, n)
	}
	b.StartTimer()
	return float64(n) / took.Seconds()
}

func q1DropSchema(b *testing.B, admin *pgx.Conn, schema string) {
	if _, err := admin.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		b.Errorf("drop schema %s: %v", schema, err)
	}
}

// q1SchemaURL is dbURL with the schema parameter Spindle's driver reads.
func q1SchemaURL(dbURL, schema string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("SPINDLE_POSTGRES_URL: %w", err)
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func q1Median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func q1Fmt(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		if x >= 100 {
			parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
		} else {
			parts[i] = strconv.FormatFloat(x, 'f', 2, 64)
		}
	}
	return strings.Join(parts, " ")
}
