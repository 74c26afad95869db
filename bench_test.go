package spindle

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// The L1 workloads of docs/benchmarks.md, per task: b.N trivial tasks per
// iteration of the benchmark loop, so ns/op is ns/task. Peer libraries are
// measured in the nested bench module; the raw-goroutine baseline is here
// so every run carries its own reference.

func BenchmarkL1aRawGoroutines(b *testing.B) {
	b.ReportAllocs()
	var n atomic.Int64
	var wg sync.WaitGroup
	for b.Loop() {
		wg.Add(1)
		go func() { n.Add(1); wg.Done() }()
	}
	wg.Wait()
}

func BenchmarkL1aGroup(b *testing.B) {
	b.ReportAllocs()
	var n atomic.Int64
	g := NewGroup(context.Background())
	for b.Loop() {
		g.Go(func(context.Context) error { n.Add(1); return nil })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkL1aGoGather(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	tasks := make([]Awaitable[int], 0, b.N)
	i := 0
	for b.Loop() {
		tasks = append(tasks, Go(ctx, func(context.Context) (int, error) { return i, nil }))
		i++
	}
	if _, err := Gather(ctx, tasks...); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkL1bRawGoroutinesLimit8(b *testing.B) {
	b.ReportAllocs()
	var n atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for b.Loop() {
		sem <- struct{}{}
		wg.Add(1)
		go func() { n.Add(1); <-sem; wg.Done() }()
	}
	wg.Wait()
}

func BenchmarkL1bGroupLimit8(b *testing.B) {
	b.ReportAllocs()
	var n atomic.Int64
	g := NewGroup(context.Background(), GroupLimit(8))
	for b.Loop() {
		g.Go(func(context.Context) error { n.Add(1); return nil })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTaskOverhead is what a task costs beyond its goroutine: making
// the handle, running and settling it, and releasing it, all in the
// benchmark's goroutine so the scheduler's noise stays out of the figure.
func BenchmarkTaskOverhead(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		t := newTask(ctx, fn, nil)
		t.runBody()
		t.release()
	}
}
