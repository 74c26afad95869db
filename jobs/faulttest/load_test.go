//go:build fault

package faulttest

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Load: 200,000 jobs through each store in one run, produced in batches
// of 1,000 with at most 5,000 waiting, run by 16 slots, finished jobs
// pruned. Every job must run exactly once, and the heap must stay flat:
// every sample under a bound that does not depend on the job count, and
// the median of the samples over the last 50,000 jobs within a constant
// of the median over the first 50,000, so no memory grows with the number
// of jobs. (The memory store's heap swings with its backlog and with the
// finished jobs awaiting the next prune; medians see through that.)
const (
	loadJobs    = 200000
	loadBatch   = 1000
	loadBacklog = 5000
	loadEarly   = 50000
	// loadSampleEvery: a heap sample each time this many more jobs are
	// done, so each window of 50,000 has ten.
	loadSampleEvery = 5000
	// loadHeapSlack is what the median heap may grow by from the first
	// 50,000 jobs to the last: below the 150,000 jobs' worth a leak of
	// 60 bytes a job would add.
	loadHeapSlack = 8 << 20
	// loadHeapMax bounds every sample, generously: the memory store
	// holds about 700 bytes a job of backlog and of finished jobs
	// awaiting the next prune.
	loadHeapMax = 64 << 20
)

func TestLoad200k(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		testLoad(t, sk.name, sk.url(t))
	})
}

func testLoad(t *testing.T, storeName, url string) {
	ctx := testCtx(t, 5*time.Minute)
	c := openClient(t, url, jobs.WithRetention(time.Millisecond))
	queue := uniqueQueue("load")
	runs := make([]atomic.Int32, loadJobs)
	var done atomic.Int64
	count := jobs.Define("fault.work", func(ctx context.Context, a workArgs) (int, error) {
		runs[a.N].Add(1)
		done.Add(1)
		return a.N, nil
	})
	smp := startSampler(ctx, t, c, queue, 0, loadSampleEvery, done.Load)
	startWorker(t, c, jobs.WorkerOptions{Concurrency: 16, Queues: map[string]int{queue: 1}, PruneInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, count)
	start := time.Now()
	args := make([]workArgs, loadBatch)
	for n := 0; n < loadJobs; n += loadBatch {
		for n-int(done.Load()) > loadBacklog {
			if ctx.Err() != nil {
				t.Fatalf("stalled at %d done", done.Load())
			}
			time.Sleep(time.Millisecond)
		}
		for i := range args {
			args[i] = workArgs{N: n + i}
		}
		if _, err := producerDef.Map(ctx, c, args, jobs.Queue(queue)); err != nil {
			t.Fatal(err)
		}
	}
	for done.Load() < loadJobs {
		if ctx.Err() != nil {
			t.Fatalf("%d of %d done at the deadline", done.Load(), loadJobs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	ss := smp.all()
	var first, last []uint64
	var peak uint64
	for _, s := range ss {
		peak = max(peak, s.heap)
		switch {
		case s.done > 0 && s.done <= loadEarly:
			first = append(first, s.heap)
		case s.done > loadJobs-loadEarly:
			last = append(last, s.heap)
		}
	}
	early, late := median(first), median(last)
	dups, missing := 0, 0
	for i := range runs {
		switch n := runs[i].Load(); {
		case n == 0:
			missing++
		case n > 1:
			dups += int(n) - 1
		}
	}
	t.Logf("heap by jobs done: %s", heapSeries(ss, max(1, len(ss)/25)))
	report(t, "load-200k", storeName, "jobs", loadJobs, "seconds", int(elapsed.Seconds()+0.5), "missing", missing, "duplicate_runs", dups,
		"heap_median_first_50k", mib(early), "heap_median_last_50k", mib(late), "heap_max", mib(peak), "samples", len(ss))
	if missing > 0 || dups > 0 {
		t.Errorf("%d jobs never ran, %d extra runs", missing, dups)
	}
	if len(first) < 3 || len(last) < 3 {
		t.Fatalf("too few heap samples: %d in the first %d jobs, %d in the last", len(first), loadEarly, len(last))
	}
	if late > early+loadHeapSlack {
		t.Errorf("heap grew with the job count: median %s over the first %d jobs, %s over the last", mib(early), loadEarly, mib(late))
	}
	if peak > loadHeapMax {
		t.Errorf("heap peaked at %s; want at most %s whatever the job count", mib(peak), mib(loadHeapMax))
	}
}

func median(xs []uint64) uint64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
