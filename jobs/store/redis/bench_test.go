package redis_test

// Benchmarks Q1 (durable throughput) and Q2 (round-trip latency) of
// docs/benchmarks.md on Redis, through the jobs API with default settings:
//
//	SPINDLE_REDIS_URL=redis://127.0.0.1:6379/0 \
//	go test -run '^$' -bench 'Q1|Q2' -benchtime 1x -count 5 ./jobs/store/redis/
//
// SPINDLE_BENCH_N overrides the Q1 job count (20,000) and the Q2 round
// trips (1,000); SPINDLE_BENCH_TAIL=1 logs the slowest round trips.

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

func benchN(def int) int {
	if n, err := strconv.Atoi(os.Getenv("SPINDLE_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return def
}

func benchWorker(b *testing.B, c *jobs.Client, defs ...jobs.Registrable) (stop func()) {
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Concurrency: 8, Logger: quiet}, defs...)
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
		c, _ := openClient(b)
		start := time.Now()
		for i := range n {
			if _, err := benchNoop.Enqueue(ctx, c, benchArgs{i}); err != nil {
				b.Fatal(err)
			}
		}
		enq += float64(n) / time.Since(start).Seconds()

		benchRan.Store(0)
		cpu0 := selfCPU()
		stop := benchWorker(b, c, benchNoop)
		start = time.Now()
		waitSucceeded(b, c, n)
		proc += float64(n) / time.Since(start).Seconds()
		b.Logf("process: %v client CPU per job", (selfCPU()-cpu0)/time.Duration(n))
		stop()

		bc, _ := openClient(b)
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
	b.Run("in-process", func(b *testing.B) {
		for range b.N {
			c, _ := openClient(b)
			stop := benchWorker(b, c, benchDouble)
			roundTrips(b, c, n)
			stop()
		}
	})
	b.Run("other-process", func(b *testing.B) {
		for range b.N {
			c, url := openClient(b)
			w := startChild(b, "worker", url)
			w.waitReady(b)
			roundTrips(b, c, n)
			w.stopWorker(b)
		}
	})
}

// roundTrips enqueues and awaits n jobs in sequence, with default
// settings, and reports the latency percentiles.
func roundTrips(b *testing.B, c *jobs.Client, n int) {
	ctx := context.Background()
	// Warm up: the first jobs pay for connections and script loading.
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
