package integration_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spindlehq/spindle/internal/servertest"
)

// BenchmarkQ4 is Q4 of docs/benchmarks.md, concurrent enqueue: 64 goroutines
// share one client and enqueue SPINDLE_BENCH_N (20,000) no-op jobs, one
// call per job. Redis and PostgreSQL run when their URLs are set.
//
//	go test -run '^$' -bench Q4 -benchtime 1x ./jobs/integration/
func BenchmarkQ4(b *testing.B) {
	stores := append(benchStores[:len(benchStores):len(benchStores)],
		struct {
			name string
			url  func(b *testing.B) string
		}{"redis", func(b *testing.B) string { return servertest.RedisURL(b) }},
		struct {
			name string
			url  func(b *testing.B) string
		}{"postgres", func(b *testing.B) string { return servertest.PostgresURL(b) }})
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			c := benchOpen(b, s.url(b))
			n := benchN(20000)
			ctx := context.Background()
			for b.Loop() {
				var next atomic.Int64
				var wg sync.WaitGroup
				for range 64 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
							if _, err := benchNoop.Enqueue(ctx, c, benchArgs{i}); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "enqueue/s")
		})
	}
}
