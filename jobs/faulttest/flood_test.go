//go:build fault

package faulttest

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Slow handler under a flood: a worker with 8 slots runs a 2ms handler
// while a producer enqueues 20,000 jobs as fast as it can. The jobs the
// worker holds (its memory) must stay within its slots and prefetch, not
// grow with the queue; the heap must stay within a constant of where it
// started (plus the backlog itself for the memory store, whose queue is
// its heap); the queue must drain.
const (
	floodJobs = 20000
	floodConc = 8
	// floodHeapSlack bounds the heap above its start: the worker's held
	// jobs, a producer's batch, the store's caches and buffers.
	floodHeapSlack = 16 << 20
	// memoryJobBytes bounds what the memory store keeps per job of a
	// fault.work backlog (measured: about 700).
	memoryJobBytes = 2048
)

func TestSlowHandlerFlood(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		testSlowHandlerFlood(t, sk, sk.url(t))
	})
}

func testSlowHandlerFlood(t *testing.T, sk storeKind, url string) {
	ctx := testCtx(t, 5*time.Minute)
	// Finished jobs are pruned at once, so a store keeps only its backlog.
	c := openClient(t, url, jobs.WithRetention(time.Millisecond))
	queue := uniqueQueue("flood")
	var done atomic.Int64
	slow := jobs.Define("fault.work", func(ctx context.Context, a workArgs) (int, error) {
		time.Sleep(2 * time.Millisecond)
		done.Add(1)
		return a.N, nil
	})
	base := liveHeap()
	smp := startSampler(ctx, t, c, queue, 100*time.Millisecond, 0, done.Load)
	startWorker(t, c, jobs.WorkerOptions{Concurrency: floodConc, Queues: map[string]int{queue: 1}, PruneInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, slow)
	for n := 0; n < floodJobs; n += 500 {
		if _, err := producerDef.Map(ctx, c, make([]workArgs, 500), jobs.Queue(queue)); err != nil {
			t.Fatal(err)
		}
	}
	for done.Load() < floodJobs || unfinished(ctx, t, c, queue) > 0 {
		if ctx.Err() != nil {
			t.Fatalf("the queue did not drain: %d of %d done", done.Load(), floodJobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ss := smp.all()
	var peakQueued, peakRunning int
	var peakHeap uint64
	for _, s := range ss {
		peakQueued, peakRunning, peakHeap = max(peakQueued, s.queued), max(peakRunning, s.running), max(peakHeap, s.heap)
	}
	end := liveHeap()
	t.Logf("heap by jobs done: %s", heapSeries(ss, max(1, len(ss)/20)))
	// A worker holds at most its slots plus its prefetch (default cap
	// 4 per slot) of claimed jobs; as many finished ones may wait in its
	// outcome queue, all still Running in the store until the write
	// recording them commits. That write drains the queue, and with it
	// the outcomes of the slots that were blocked sending to the full
	// queue and of those that finished while it drained: at most the
	// queue plus twice the slots.
	capacity := floodConc + 4*floodConc
	runningCap := capacity + capacity + (capacity + 2*floodConc)
	report(t, "slow-handler-flood", sk.name, "jobs", floodJobs, "slots", floodConc, "handler", "2ms",
		"peak_queued", peakQueued, "peak_running", peakRunning, "running_cap", runningCap,
		"heap_base", mib(base), "heap_peak", mib(peakHeap), "heap_end", mib(end), "done", done.Load())
	if peakRunning > runningCap {
		t.Errorf("%d jobs were Running at once; the worker's slots, prefetch and outcome queues allow %d", peakRunning, runningCap)
	}
	for _, s := range ss {
		limit := base + floodHeapSlack
		if sk.heapQueue {
			limit += uint64(s.queued+s.running) * memoryJobBytes
		}
		if s.heap > limit {
			t.Errorf("heap %s with %d jobs queued and %d running: over %s", mib(s.heap), s.queued, s.running, mib(limit))
		}
	}
	if done.Load() != floodJobs {
		t.Errorf("%d handler runs for %d jobs", done.Load(), floodJobs)
	}
}
