package postgres_test

// Benchmarks Q1 (durable throughput) and Q2 (round-trip latency) of
// docs/benchmarks.md on PostgreSQL, through the jobs API with default
// settings, each run on a fresh schema. Run them once per figure:
//
//	SPINDLE_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	go test -run '^$' -bench 'Q1|Q2|Q3' -benchtime 1x -count 5 ./jobs/store/postgres/
//
// Q3 measures the server's own single-row commit and round-trip rates in
// the same run, so the ratios hold on a busy machine.
//
// SPINDLE_BENCH_N overrides the Q1 job count (20,000) and the Q2 round
// trips (1,000); SPINDLE_BENCH_PARAMS adds URL parameters (for example
// synchronous_commit=on or pool_max_conns=8); SPINDLE_BENCH_TAIL=1 logs
// the slowest round trips.

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

type benchArgs struct {
	N int `json:"n"`
}

var benchRan atomic.Int64

var benchNoop = jobs.Define("bench.noop", func(ctx context.Context, a benchArgs) (struct{}, error) {
	benchRan.Add(1)
	return struct{}{}, nil
})

var benchDouble = jobs.Define("bench.double", func(ctx context.Context, a benchArgs) (int, error) {
	return a.N * 2, nil
})

func benchN(def int) int {
	if n, err := strconv.Atoi(os.Getenv("SPINDLE_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return def
}

// benchURL returns a URL for a fresh schema with SPINDLE_BENCH_PARAMS
// added.
func benchURL(b *testing.B) string {
	u := schemaURL(b)
	extra, err := url.ParseQuery(os.Getenv("SPINDLE_BENCH_PARAMS"))
	if err != nil {
		b.Fatalf("SPINDLE_BENCH_PARAMS: %v", err)
	}
	var kv []string
	for k, vs := range extra {
		kv = append(kv, k, vs[0])
	}
	if len(kv) == 0 {
		return u
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	for i := 0; i < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	pu.RawQuery = q.Encode()
	return pu.String()
}

func benchOpen(b *testing.B, u string) *jobs.Client {
	b.Helper()
	c, err := jobs.Open(context.Background(), u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func benchWorker(b *testing.B, c *jobs.Client, defs ...jobs.Registrable) (stop func()) {
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Concurrency: 8, Logger: slog.New(slog.DiscardHandler)}, defs...)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}
}

func BenchmarkQ1(b *testing.B) {
	n := benchN(20000)
	var enq, bulk, proc float64
	for range b.N {
		ctx := context.Background()
		c := benchOpen(b, benchURL(b))
		start := time.Now()
		for i := range n {
			if _, err := benchNoop.Enqueue(ctx, c, benchArgs{i}); err != nil {
				b.Fatal(err)
			}
		}
		enq += float64(n) / time.Since(start).Seconds()

		benchRan.Store(0)
		stop := benchWorker(b, c, benchNoop)
		start = time.Now()
		waitSucceeded(b, c, n)
		proc += float64(n) / time.Since(start).Seconds()
		stop()

		bc := benchOpen(b, benchURL(b))
		args := make([]benchArgs, n)
		for i := range args {
			args[i] = benchArgs{i}
		}
		start = time.Now()
		if _, err := benchNoop.Map(ctx, bc, args); err != nil {
			b.Fatal(err)
		}
		bulk += float64(n) / time.Since(start).Seconds()
	}
	b.ReportMetric(enq/float64(b.N), "enqueue_per_s")
	b.ReportMetric(bulk/float64(b.N), "bulk_enqueue_per_s")
	b.ReportMetric(proc/float64(b.N), "process_per_s")
	b.ReportMetric(0, "ns/op")
}

// waitSucceeded waits until n jobs have run and their outcomes are
// committed, reading the counts only once the handlers are done so the
// polling does not compete with the worker.
func waitSucceeded(b *testing.B, c *jobs.Client, n int) {
	for benchRan.Load() < int64(n) {
		time.Sleep(200 * time.Microsecond)
	}
	for {
		st, err := c.Inspect().Stats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if st.Counts[store.Succeeded] >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func BenchmarkQ2(b *testing.B) {
	n := benchN(1000)
	b.Run("in-process", func(b *testing.B) {
		for range b.N {
			c := benchOpen(b, benchURL(b))
			stop := benchWorker(b, c, benchDouble)
			roundTrips(b, c, n)
			stop()
		}
	})
	b.Run("other-process", func(b *testing.B) {
		for range b.N {
			u := benchURL(b)
			c := benchOpen(b, u)
			w := startChild(b, "worker", u)
			w.waitReady(b)
			roundTrips(b, c, n)
			w.stop(b)
		}
	})
}

// roundTrips enqueues and awaits n jobs in sequence, with default
// settings, and reports the latency percentiles.
func roundTrips(b *testing.B, c *jobs.Client, n int) {
	ctx := context.Background()
	// Warm up: the first jobs pay for connections and statements.
	for i := range 10 {
		if h, err := benchDouble.Enqueue(ctx, c, benchArgs{i}); err != nil {
			b.Fatal(err)
		} else if _, err := h.Await(ctx); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		h, err := benchDouble.Enqueue(ctx, c, benchArgs{i})
		if err != nil {
			b.Fatal(err)
		}
		got, err := h.Await(ctx)
		if err != nil || got != 2*i {
			b.Fatalf("round trip %d: %d, %v", i, got, err)
		}
		lat[i] = time.Since(start)
	}
	slices.Sort(lat)
	if os.Getenv("SPINDLE_BENCH_TAIL") != "" {
		b.Logf("slowest: %v", lat[n-min(n, 15):])
	}
	ms := func(q float64) float64 { return float64(lat[int(q*float64(n-1))]) / 1e6 }
	b.ReportMetric(ms(0.5), "p50_ms")
	b.ReportMetric(ms(0.9), "p90_ms")
	b.ReportMetric(ms(0.99), "p99_ms")
	b.ReportMetric(ms(1), "max_ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkQ3 measures, for context, what the server itself does on this
// machine through the same driver and session settings: single-row
// INSERT commits one by one (the floor under enqueue_per_s) and empty
// round trips. Compare Q1's rates with these from the same run.
func BenchmarkQ3(b *testing.B) {
	n := benchN(20000)
	var commits, trips float64
	for range b.N {
		ctx := context.Background()
		c := benchOpen(b, benchURL(b))
		pool := c.Store().(*postgres.Store).Pool()
		table := `"` + c.Store().(*postgres.Store).Schema() + `".raw`
		if _, err := pool.Exec(ctx, `CREATE TABLE `+table+` (id text PRIMARY KEY, args bytea)`); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i := range n {
			if _, err := pool.Exec(ctx, `INSERT INTO `+table+` VALUES ($1, $2)`, strconv.Itoa(i), []byte(`{"n":1}`)); err != nil {
				b.Fatal(err)
			}
		}
		commits += float64(n) / time.Since(start).Seconds()
		var one int
		start = time.Now()
		for range n {
			if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
		trips += float64(n) / time.Since(start).Seconds()
	}
	b.ReportMetric(commits/float64(b.N), "insert_commits_per_s")
	b.ReportMetric(trips/float64(b.N), "round_trips_per_s")
	b.ReportMetric(0, "ns/op")
}
