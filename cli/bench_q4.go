package cli

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

type q4Record struct {
	benchCommon
	EnqueuePerS float64 `json:"enqueue_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// Writes is how many store writes carried the enqueues, and
	// MeanBatch the calls per write (group commit).
	Writes    int     `json:"writes"`
	MeanBatch float64 `json:"mean_batch"`
}

func (a *app) benchQ4Cmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "q4",
		Short: "Concurrent enqueue: W goroutines share one client and enqueue N jobs, one call per job",
		Long: a.ex(`q4 measures enqueue throughput under concurrency. -w goroutines share one
client and enqueue -n no-op jobs between them, one Enqueue call per job;
each call returns once its job is durable. Nothing runs the jobs, and
they are deleted afterwards.

One line per run: "seconds" is the time of all calls, "enqueue_per_s"
the jobs stored per second, "p50_ms", "p99_ms" and "max_ms" the latency
of single calls, "writes" the store writes that carried them and
"mean_batch" the calls per write (concurrent calls share writes).`),
		Example: a.ex(`  spindle bench q4
  spindle bench q4 --store redis://127.0.0.1:6379/0 --count 3
  spindle bench q4 -n 100000 -w 64`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.benchRuns(cmd, f, func(ctx context.Context, c *jobs.Client, p *progress, _ string, run int) ([]benchLine, error) {
				rec, err := a.runQ4(ctx, c, p, f, run)
				return []benchLine{&rec}, err
			})
		},
	}
	f.add(cmd, 20000, 64)
	cmd.Flags().Lookup("workers").Usage = "the goroutines enqueueing at once"
	return cmd
}

func (a *app) runQ4(ctx context.Context, c *jobs.Client, p *progress, f benchFlags, run int) (q4Record, error) {
	rec := q4Record{benchCommon: newBenchCommon("q4", f.n, f.workers, run)}
	in := c.Inspect()
	if err := a.emptyBenchQueue(ctx, c); err != nil {
		return rec, err
	}
	defer func() { _, _ = in.Purge(context.WithoutCancel(ctx), benchQueue, "") }()

	var writes, calls atomic.Int64
	stopBatches := c.SubscribeBatches(func(n int) {
		writes.Add(1)
		calls.Add(int64(n))
	})
	p.Phase(fmt.Sprintf("q4 run %d: enqueue from %d goroutines", run, f.workers), f.n, nil)
	lat := make([]time.Duration, f.n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range f.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= f.n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if _, err := benchNoop.Enqueue(ctx, c, benchArgs{i}); err != nil {
					cancel(err)
					return
				}
				lat[i] = time.Since(t0)
				p.Set(int(done.Add(1)))
			}
		}()
	}
	wg.Wait()
	rec.Seconds = time.Since(start).Seconds()
	stopBatches()
	if err := context.Cause(ctx); err != nil {
		return rec, a.storeErr("enqueue", "", err)
	}
	rec.EnqueuePerS = float64(f.n) / rec.Seconds
	pc := percentiles(lat)
	rec.P50ms, rec.P99ms, rec.MaxMs = pc(0.5), pc(0.99), pc(1)
	if rec.Writes = int(writes.Load()); rec.Writes > 0 {
		rec.MeanBatch = float64(calls.Load()) / float64(rec.Writes)
	}
	return rec, nil
}

// percentiles sorts lat and returns its quantile function, in
// milliseconds.
func percentiles(lat []time.Duration) func(q float64) float64 {
	slices.Sort(lat)
	return func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
}
