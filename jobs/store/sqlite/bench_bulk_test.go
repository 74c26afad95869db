//go:build unix

package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

// mapJobs is n jobs shaped like those of one jobs.Map: increasing IDs,
// one name, queue and instant, small distinct arguments.
func mapJobs(n int) []*store.Job {
	js := make([]store.Job, n)
	out := make([]*store.Job, n)
	for i := range js {
		js[i] = store.Job{
			ID: fmt.Sprintf("01JXBENCH%017d", i), Name: "bench.noop", Queue: "spindle-bench",
			Args: fmt.Appendf(nil, `{"n":%d}`, i), State: store.Queued, MaxAttempts: 25,
			RunAt: benchT0, EnqueuedAt: benchT0,
		}
		out[i] = &js[i]
	}
	return out
}

// BenchmarkInsertBulk is one Insert of 20,000 jobs shaped like a Map's
// into a fresh file per iteration: the store's share of Q1's bulk
// enqueue, in jobs/s and in CPU time per job. Run:
//
//	go test -run '^$' -bench InsertBulk -count 5 ./jobs/store/sqlite/
func BenchmarkInsertBulk(b *testing.B) {
	const n = 20000
	jobs := mapJobs(n)
	ctx := context.Background()
	var cpu int64
	for b.Loop() {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulk.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuNow()
		if _, err := s.Insert(ctx, jobs); err != nil {
			b.Fatal(err)
		}
		cpu += cpuNow() - c0
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(cpu)/float64(n*b.N), "cpu-ns/job")
}

// cpuNow is the process's CPU time so far: on a shared machine it varies
// less with load than the elapsed time does.
func cpuNow() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
