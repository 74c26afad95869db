package integration_test

// Benchmarks Q1 (durable throughput) and Q2 (round-trip latency) of
// docs/benchmarks.md, against the memory and SQLite stores. Run them once
// per figure:
//
//	go test -run '^$' -bench 'Q1|Q2' -benchtime 1x ./jobs/integration/
//
// SPINDLE_BENCH_N overrides the Q1 job count (20,000) and the Q2 round
// trips (1,000); SPINDLE_BENCH_CLAIM and SPINDLE_BENCH_PREFETCH set the
// worker's ClaimBatch and Prefetch; SPINDLE_BENCH_CONSUME=1 awaits with
// Consume; SPINDLE_BENCH_TAIL=1 logs the slowest round trips.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
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

// benchStores opens a fresh store of each kind.
var benchStores = []struct {
	name string
	url  func(b *testing.B) string
}{
	{"memory", func(*testing.B) string { return "memory:" }},
	{"sqlite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "bench.db") }},
}

func benchOpen(b *testing.B, url string) *jobs.Client {
	b.Helper()
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func benchWorker(b *testing.B, c *jobs.Client, defs ...jobs.Registrable) (stop func()) {
	opts := jobs.WorkerOptions{Concurrency: 8, Logger: quiet}
	opts.ClaimBatch, _ = strconv.Atoi(os.Getenv("SPINDLE_BENCH_CLAIM"))
	opts.Prefetch, _ = strconv.Atoi(os.Getenv("SPINDLE_BENCH_PREFETCH"))
	w, err := jobs.NewWorker(c, opts, defs...)
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
	for _, st := range benchStores {
		b.Run(st.name, func(b *testing.B) {
			var enq, bulk, proc float64
			for range b.N {
				ctx := context.Background()
				c := benchOpen(b, st.url(b))
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

				bc := benchOpen(b, st.url(b))
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
		})
	}
}

// waitSucceeded waits until n jobs have run and been recorded.
func waitSucceeded(b *testing.B, c *jobs.Client, n int) {
	for benchRan.Load() < int64(n) {
		time.Sleep(100 * time.Microsecond)
	}
	for {
		st, err := c.Inspect().Stats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if st.Counts[store.Succeeded] >= n {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func BenchmarkQ2(b *testing.B) {
	n := benchN(1000)
	for _, st := range benchStores {
		b.Run(st.name+"/in-process", func(b *testing.B) {
			for range b.N {
				c := benchOpen(b, st.url(b))
				stop := benchWorker(b, c, benchDouble)
				roundTrips(b, c, n)
				stop()
			}
		})
		if st.name == "memory" {
			continue // one process only
		}
		b.Run(st.name+"/other-process", func(b *testing.B) {
			for range b.N {
				url := st.url(b)
				c := benchOpen(b, url)
				w := startChild(b, "worker", url[len("sqlite:"):])
				w.waitReady(b)
				roundTrips(b, c, n)
				_ = w.cmd.Process.Kill()
				<-w.done
			}
		})
	}
}

// roundTrips enqueues and awaits n jobs in sequence, with default
// settings, and reports the latency percentiles.
func roundTrips(b *testing.B, c *jobs.Client, n int) {
	ctx := context.Background()
	// Warm up: the first job pays for connections and statements.
	if h, err := benchDouble.Enqueue(ctx, c, benchArgs{1}); err != nil {
		b.Fatal(err)
	} else if _, err := h.Await(ctx); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		h, err := benchDouble.Enqueue(ctx, c, benchArgs{i})
		if err != nil {
			b.Fatal(err)
		}
		var opts []jobs.AwaitOption
		if os.Getenv("SPINDLE_BENCH_CONSUME") != "" {
			opts = append(opts, jobs.Consume())
		}
		got, err := h.Await(ctx, opts...)
		if err != nil || got != 2*i {
			b.Fatalf("round trip %d: %d, %v", i, got, err)
		}
		lat[i] = time.Since(start)
	}
	reportLatency(b, lat)
}

// reportLatency sorts lat and reports its percentiles (p50_ms, p90_ms,
// p99_ms, max_ms) in place of ns/op. SPINDLE_BENCH_TAIL=1 logs the
// slowest.
func reportLatency(b *testing.B, lat []time.Duration) {
	n := len(lat)
	slices.Sort(lat)
	if os.Getenv("SPINDLE_BENCH_TAIL") != "" {
		over := 0
		for _, l := range lat {
			if l > time.Millisecond {
				over++
			}
		}
		b.Logf("over 1ms: %d; slowest: %v", over, lat[max(0, n-15):])
	}
	ms := func(q float64) float64 { return float64(lat[int(q*float64(n-1))]) / 1e6 }
	b.ReportMetric(ms(0.5), "p50_ms")
	b.ReportMetric(ms(0.9), "p90_ms")
	b.ReportMetric(ms(0.99), "p99_ms")
	b.ReportMetric(ms(1), "max_ms")
	b.ReportMetric(0, "ns/op")
}
