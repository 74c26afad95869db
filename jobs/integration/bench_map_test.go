package integration_test

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkMapSQLite times the bulk enqueue of Q1 alone: one Map of
// SPINDLE_BENCH_N (20,000) no-op jobs per iteration into a fresh SQLite
// file, so a profile of it shows the whole path from the typed
// arguments to the committed rows. Run:
//
//	go test -run '^$' -bench MapSQLite -count 5 ./jobs/
func BenchmarkMapSQLite(b *testing.B) {
	n := benchN(20000)
	args := make([]benchArgs, n)
	for i := range args {
		args[i] = benchArgs{i}
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		c := benchOpen(b, "sqlite:"+filepath.Join(b.TempDir(), "map.db"))
		b.StartTimer()
		if _, err := benchNoop.Map(ctx, c, args); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(0, "ns/op")
}
