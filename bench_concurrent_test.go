package spindle

import (
	"context"
	"iter"
	"sync"
	"testing"
	"time"
)

// The L1 workloads of docs/benchmarks.md for Concurrent, each beside a plain
// baseline measured in the same run, so the ratio is what to compare:
//
//	go test -run '^$' -bench 'BenchmarkConcurrent_L1[ab]' -benchtime 1000000x -count 5 .
//	go test -run '^$' -bench 'BenchmarkConcurrent_L1c' -benchtime 5x -count 5 .
//
// In L1a and L1b one op is one unit (b.N units in one iteration), so with
// -benchtime 1000000x an op is a unit of the N=1,000,000 workload and ns/op,
// B/op and allocs/op are per unit. Every variant builds the same closure per
// unit ("return i") and hands every result back to the benchmark goroutine.

type concBenchUnit = func(context.Context) (int, error)

func concBenchUnits(n int) iter.Seq[concBenchUnit] {
	return func(yield func(concBenchUnit) bool) {
		for i := range n {
			if !yield(func(context.Context) (int, error) { return i, nil }) {
				return
			}
		}
	}
}

func concBenchSpindle(b *testing.B, limit int) {
	b.ReportAllocs()
	sum := 0
	for v, err := range Concurrent(context.Background(), concBenchUnits(b.N), ConcurrentLimit(limit)) {
		if err != nil {
			b.Fatal(err)
		}
		sum += v
	}
	if want := b.N * (b.N - 1) / 2; sum != want {
		b.Fatalf("sum %d, want %d", sum, want)
	}
}

// concBenchWorkers is the plain way: a feeding goroutine, limit workers
// reading a work channel, results on a channel to the consumer.
func concBenchWorkers(b *testing.B, limit int) {
	b.ReportAllocs()
	ctx := context.Background()
	work := make(chan concBenchUnit, limit)
	results := make(chan int, limit)
	go func() {
		for u := range concBenchUnits(b.N) {
			work <- u
		}
		close(work)
	}()
	var wg sync.WaitGroup
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				v, _ := u(ctx)
				results <- v
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	sum := 0
	for v := range results {
		sum += v
	}
	if want := b.N * (b.N - 1) / 2; sum != want {
		b.Fatalf("sum %d, want %d", sum, want)
	}
}

// concBenchGoroutines is the plain way without a limit: a goroutine and a
// WaitGroup per unit, each result stored in its own slot.
func concBenchGoroutines(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	out := make([]int, b.N)
	var wg sync.WaitGroup
	i := 0
	for u := range concBenchUnits(b.N) {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out[i], _ = u(ctx)
		}(i)
		i++
	}
	wg.Wait()
	sum := 0
	for _, v := range out {
		sum += v
	}
	if want := b.N * (b.N - 1) / 2; sum != want {
		b.Fatalf("sum %d, want %d", sum, want)
	}
}

// BenchmarkConcurrent_L1a is L1a: trivial units with no limit.
func BenchmarkConcurrent_L1a(b *testing.B) {
	b.Run("spindle", func(b *testing.B) { concBenchSpindle(b, -1) })
	b.Run("goroutines", concBenchGoroutines)
}

// BenchmarkConcurrent_L1b is L1b: trivial units, limit 8.
func BenchmarkConcurrent_L1b(b *testing.B) {
	b.Run("spindle", func(b *testing.B) { concBenchSpindle(b, 8) })
	b.Run("workers", func(b *testing.B) { concBenchWorkers(b, 8) })
}

// BenchmarkConcurrent_L1c is L1c: 10,000 units that each sleep 1 ms, limit
// 100; one op is the whole run, and x-ideal its wall time over the ideal
// 100 ms.
func BenchmarkConcurrent_L1c(b *testing.B) {
	const n, limit = 10_000, 100
	ideal := time.Duration(n/limit) * time.Millisecond
	units := func(yield func(concBenchUnit) bool) {
		for i := range n {
			if !yield(func(context.Context) (int, error) { time.Sleep(time.Millisecond); return i, nil }) {
				return
			}
		}
	}
	report := func(b *testing.B) {
		per := b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(ideal), "x-ideal")
	}
	b.Run("spindle", func(b *testing.B) {
		for b.Loop() {
			count := 0
			for _, err := range Concurrent(context.Background(), units, ConcurrentLimit(limit)) {
				if err != nil {
					b.Fatal(err)
				}
				count++
			}
			if count != n {
				b.Fatalf("%d results, want %d", count, n)
			}
		}
		report(b)
	})
	b.Run("workers", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			work := make(chan concBenchUnit, limit)
			results := make(chan int, limit)
			go func() {
				for u := range units {
					work <- u
				}
				close(work)
			}()
			var wg sync.WaitGroup
			for range limit {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for u := range work {
						v, _ := u(ctx)
						results <- v
					}
				}()
			}
			go func() { wg.Wait(); close(results) }()
			count := 0
			for range results {
				count++
			}
			if count != n {
				b.Fatalf("%d results, want %d", count, n)
			}
		}
		report(b)
	})
}
