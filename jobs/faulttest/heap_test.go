//go:build fault

package faulttest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// heapSample is the live heap (after a full GC) at a point of a run.
type heapSample struct {
	done    int64  // jobs finished so far
	heap    uint64 // HeapAlloc after runtime.GC
	queued  int    // the queue's Queued and Scheduled jobs
	running int    // the queue's Running jobs
}

// liveHeap collects garbage and returns what is still reachable.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sampler records heap samples every interval until stopped.
type sampler struct {
	mu      sync.Mutex
	samples []heapSample
	stop    chan struct{}
	done    chan struct{}
}

// startSampler samples every interval, or when every > 0, each time
// done() passes another multiple of every (checked each millisecond), so
// the samples fall at the same job counts however fast the machine is.
func startSampler(ctx context.Context, t *testing.T, c *jobs.Client, queue string, interval time.Duration, every int64, done func() int64) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	if every > 0 {
		interval = time.Millisecond
	}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		next := int64(0)
		for {
			if d := done(); every == 0 || d >= next {
				next = (d/max(every, 1) + 1) * every
				s.sample(ctx, c, queue, d)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(s.finish)
	return s
}

func (s *sampler) sample(ctx context.Context, c *jobs.Client, queue string, done int64) {
	smp := heapSample{done: done, heap: liveHeap()}
	if qs, err := c.Inspect().Queues(ctx); err == nil {
		for _, q := range qs {
			if q.Name == queue {
				smp.queued = q.Counts[store.Queued] + q.Counts[store.Scheduled]
				smp.running = q.Counts[store.Running]
			}
		}
	}
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	s.mu.Unlock()
}

// finish stops sampling (idempotent) and returns the samples.
func (s *sampler) finish() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}

func (s *sampler) all() []heapSample {
	s.finish()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]heapSample(nil), s.samples...)
}

func mib(b uint64) string { return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20)) }

// heapSeries renders samples compactly for the log: done:heap pairs.
func heapSeries(ss []heapSample, every int) string {
	var b strings.Builder
	for i, s := range ss {
		if i%every == 0 || i == len(ss)-1 {
			fmt.Fprintf(&b, "%d:%s ", s.done, mib(s.heap))
		}
	}
	return strings.TrimSpace(b.String())
}
