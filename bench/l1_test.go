package bench

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// ants starts a default pool of its own at init: only goroutines started later count.
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}

// The L1 workloads of docs/benchmarks.md: in-process fan-out.
//
// Convention: one benchmark iteration runs the whole workload (all its
// tasks) and waits for them, so the default ns/op, B/op and allocs/op are
// per workload run. Every case also reports the same figures per task
// (ns/task, B/task, allocs/task), which is what to compare; peak-B, the
// most memory the run held at once; and for the sleepy workload wall/ideal,
// its wall time over the ideal tasks*sleep/limit.
var (
	l1a = l1Workload{name: "L1a", tasks: 1_000_000}
	l1b = l1Workload{name: "L1b", tasks: 1_000_000, limit: 8}
	l1c = l1Workload{name: "L1c", tasks: 10_000, limit: 100, sleep: time.Millisecond}
)

func BenchmarkL1a(b *testing.B) { l1Bench(b, l1a) }
func BenchmarkL1b(b *testing.B) { l1Bench(b, l1b) }
func BenchmarkL1c(b *testing.B) { l1Bench(b, l1c) }

type l1Workload struct {
	name  string
	tasks int           // tasks per run
	limit int           // the most tasks running at once; 0 means no limit
	sleep time.Duration // how long each task sleeps; 0 for a trivial task
}

// An l1Runner is one way of running a workload: a library, or a way of
// using one. run starts n calls of task(i), i from 0 to n-1, with at most
// limit of them running at once (0: no limit; a runner that cannot go
// without one uses l1Unbounded, runtime.GOMAXPROCS(0) workers, as a pool
// sized for CPU-bound work would), and returns once every call has
// returned, with nothing of its own left running.
type l1Runner struct {
	name string
	run  func(n, limit int, task func(i int)) error
}

var l1Runners []l1Runner

// l1Register adds a runner to every L1 benchmark. Call it from an init
// function, one file per library or Spindle API (l1_spindle_*_test.go);
// runners appear in the order of their files' names.
func l1Register(name string, run func(n, limit int, task func(i int)) error) {
	l1Runners = append(l1Runners, l1Runner{name: name, run: run})
}

// l1Unbounded is the worker count for runners that need one when the
// workload has no limit.
func l1Unbounded(limit int) int {
	if limit == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return limit
}

func l1Bench(b *testing.B, w l1Workload) {
	for _, r := range l1Runners {
		b.Run(r.name, func(b *testing.B) { l1Measure(b, w, r) })
	}
}

// l1Task returns the workload's task, which counts its calls in ran.
func (w l1Workload) task(ran *atomic.Int64) func(int) {
	if w.sleep == 0 {
		return func(int) { ran.Add(1) }
	}
	return func(int) {
		time.Sleep(w.sleep)
		ran.Add(1)
	}
}

func l1Measure(b *testing.B, w l1Workload, r l1Runner) {
	var ran atomic.Int64
	task := w.task(&ran)
	runtime.GC()
	peak := l1SamplePeak()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		ran.Store(0)
		if err := r.run(w.tasks, w.limit, task); err != nil {
			b.Fatalf("%s: %v", r.name, err)
		}
		if got := ran.Load(); got != int64(w.tasks) {
			b.Fatalf("%s ran %d tasks, want %d", r.name, got, w.tasks)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	peakBytes := peak()

	tasks := float64(b.N) * float64(w.tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/tasks, "ns/task")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/tasks, "B/task")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/tasks, "allocs/task")
	b.ReportMetric(float64(peakBytes), "peak-B")
	if w.sleep > 0 && w.limit > 0 {
		ideal := time.Duration(w.tasks) * w.sleep / time.Duration(w.limit)
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ideal), "wall/ideal")
	}
}

// l1SamplePeak samples, every millisecond until the returned function is
// called, the memory held by heap objects and goroutine stacks, and then
// returns the highest sample above the first. It stands in for peak RSS,
// which a process running many benchmarks cannot measure per benchmark.
func l1SamplePeak() (stop func() uint64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
	read := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() + samples[1].Value.Uint64()
	}
	base := read()
	var peak uint64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if m := read(); m > base && m-base > peak {
				peak = m - base
			}
			select {
			case <-tick.C:
			case <-quit:
				return
			}
		}
	})
	return func() uint64 {
		close(quit)
		wg.Wait()
		return peak
	}
}

// TestL1RunnersRunEveryTask checks each runner against the contract the
// benchmarks rely on, on small workloads, including the limit.
func TestL1RunnersRunEveryTask(t *testing.T) {
	for _, r := range l1Runners {
		for _, limit := range []int{0, 1, 3} {
			t.Run(fmt.Sprintf("%s/limit=%d", r.name, limit), func(t *testing.T) {
				const n = 300
				var ran, running, peak atomic.Int64
				seen := make([]atomic.Bool, n)
				err := r.run(n, limit, func(i int) {
					cur := running.Add(1)
					for old := peak.Load(); cur > old && !peak.CompareAndSwap(old, cur); old = peak.Load() {
					}
					if seen[i].Swap(true) {
						t.Errorf("task %d ran twice", i)
					}
					time.Sleep(10 * time.Microsecond)
					running.Add(-1)
					ran.Add(1)
				})
				if err != nil || ran.Load() != n {
					t.Fatalf("run: %v after %d tasks, want %d", err, ran.Load(), n)
				}
				if limit > 0 && peak.Load() > int64(limit) {
					t.Errorf("%d tasks at once, limit %d", peak.Load(), limit)
				}
			})
		}
	}
}
