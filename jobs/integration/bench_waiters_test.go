package integration_test

// BenchmarkWaitingHandles measures what waiting costs: 10,000 handles
// gathered on jobs that no worker runs, for a window of seconds, and then
// the Gather's ctx ends. It reports the store's operations per second
// while they wait (store_ops/s), the client process's CPU time as a share
// of one core (client_cpu_%), and the goroutines left once the Gather
// returned, above the client's own (goroutines_left). Each store is
// measured the way its server counts work, on a server only this
// benchmark uses: Redis by the total_commands_processed of a private
// redis-server (commands that scripts call included), PostgreSQL by the
// xact_commit of a database of its own, the embedded stores by the calls
// a counting wrapper sees.
//
//	SPINDLE_REDIS_URL=redis://127.0.0.1:6379/0 \
//	SPINDLE_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	go test -run '^$' -bench WaitingHandles -benchtime 1x ./jobs/
//
// SPINDLE_BENCH_N sets the handles (10,000) and SPINDLE_BENCH_WINDOW the
// window (20s: PostgreSQL publishes a backend's counts up to a second
// late, and an idle backend's up to ten).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

// waitBench is one store under measurement: a client, and its count of
// the store's operations so far.
type waitBench struct {
	c   *jobs.Client
	ops func() int64
}

var waitBenchStores = []struct {
	name string
	open func(b *testing.B) waitBench
}{
	{"memory", func(b *testing.B) waitBench { return countedBench(b, memory.New()) }},
	{"sqlite", func(b *testing.B) waitBench {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "wait.db"))
		if err != nil {
			b.Fatal(err)
		}
		return countedBench(b, s)
	}},
	{"redis", func(b *testing.B) waitBench {
		srv := servertest.StartRedis(b)
		if err := srv.Client().ConfigSet(context.Background(), "appendonly", "no").Err(); err != nil {
			b.Fatal(err)
		}
		return waitBench{c: benchOpen(b, srv.URL()), ops: srv.Commands}
	}},
	{"postgres", func(b *testing.B) waitBench {
		u, commits := privateDatabase(b)
		return waitBench{c: benchOpen(b, u), ops: commits}
	}},
}

func BenchmarkWaitingHandles(b *testing.B) {
	n := benchN(10000)
	window := 20 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SPINDLE_BENCH_WINDOW")); err == nil && d > 0 {
		window = d
	}
	for _, st := range waitBenchStores {
		b.Run(st.name, func(b *testing.B) {
			for range b.N {
				wb := st.open(b)
				ops, cpu, left := measureWaiting(b, wb, n, window)
				b.ReportMetric(ops, "store_ops/s")
				b.ReportMetric(cpu, "client_cpu_%")
				b.ReportMetric(float64(left), "goroutines_left")
			}
		})
	}
}

// measureWaiting gathers n handles of jobs no worker runs, counts the
// store's operations and the process's CPU over window, ends the Gather
// and counts the goroutines left behind.
func measureWaiting(b *testing.B, wb waitBench, n int, window time.Duration) (opsPerSec, cpuPercent float64, left int) {
	ctx := context.Background()
	args := make([]benchArgs, n)
	g, err := benchDouble.Map(ctx, wb.c, args)
	if err != nil {
		b.Fatal(err)
	}
	// A first wait starts what the store keeps for good (a subscription,
	// a listening connection); then the count is the client's own.
	probe, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, _ = g.Handles()[0].Await(probe)
	cancel()
	time.Sleep(time.Second)
	base := runtime.NumGoroutine()

	aws := make([]spindle.Awaitable[int], n)
	for i, h := range g.Handles() {
		aws[i] = h
	}
	gctx, stop := context.WithCancel(ctx)
	gathered := make(chan error, 1)
	go func() {
		_, err := spindle.Gather(gctx, aws...)
		gathered <- err
	}()
	time.Sleep(2 * time.Second) // the first reads are done: what is left is the waiting
	b.ResetTimer()
	ops0, cpu0, t0 := wb.ops(), processCPU(), time.Now()
	time.Sleep(window)
	ops1, cpu1, t1 := wb.ops(), processCPU(), time.Now()
	b.StopTimer()
	stop()
	if err := <-gathered; !errors.Is(err, context.Canceled) {
		b.Fatalf("Gather = %v; want it canceled", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := t1.Sub(t0).Seconds()
	return float64(ops1-ops0) / elapsed, 100 * (cpu1 - cpu0).Seconds() / elapsed, max(0, runtime.NumGoroutine()-base)
}

// countingStore counts the calls that read jobs, of any number of jobs.
type countingStore struct {
	store.Store
	calls atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, id string) (*store.Job, error) {
	s.calls.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *countingStore) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	s.calls.Add(1)
	return s.Store.FinishedAmong(ctx, ids)
}

// countedBench is a client of s through a countingStore.
func countedBench(b *testing.B, s store.Store) waitBench {
	q := &countingStore{Store: s}
	c, err := jobs.New(q)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c.Close()
		s.Close()
	})
	return waitBench{c: c, ops: q.calls.Load}
}

// privateDatabase creates a database of the benchmark's own on the
// PostgreSQL server, dropped when b ends, and returns its URL and a count
// of its committed transactions.
func privateDatabase(b *testing.B) (string, func() int64) {
	base := servertest.URL(b, servertest.PostgresEnv)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close(context.Background()) })
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "spindle_waitbench_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	commits := func() int64 {
		var n int64
		// A fresh snapshot each time: within a transaction the statistics
		// would not move.
		if _, err := admin.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
			b.Fatal(err)
		}
		if err := admin.QueryRow(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", name).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	return u.String(), commits
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
