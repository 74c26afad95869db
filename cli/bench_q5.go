package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

type q5Record struct {
	benchCommon
	// Await is how this process waited for every handle at once:
	// "group" (jobs.Group.Await) or "gather" (spindle.Gather).
	Await string `json:"await"`
	// EnqueueSeconds is the time of the Map; Seconds runs from its end
	// until every handle had its result, ProcessSeconds from its end
	// until the last job finished by the store's record, and
	// AwaitOverProcess is their ratio: how much later than the store the
	// waiter knew.
	EnqueueSeconds   float64 `json:"enqueue_seconds"`
	ProcessSeconds   float64 `json:"process_seconds"`
	AwaitOverProcess float64 `json:"await_over_process"`
	// PeakGoroutines is the most goroutines this process ran while
	// awaiting, sampled every millisecond, and BaseGoroutines those it ran
	// before the Map.
	PeakGoroutines int `json:"peak_goroutines"`
	BaseGoroutines int `json:"base_goroutines"`
	// PeakOpenFiles and BaseOpenFiles are the same for the process's open
	// file descriptors (store connections, the SQLite file and its
	// journal among them), sampled every 10 ms where the system lists
	// them (/proc/self/fd), and absent elsewhere.
	PeakOpenFiles int `json:"peak_open_files,omitempty"`
	BaseOpenFiles int `json:"base_open_files,omitempty"`
}

func (a *app) benchQ5Cmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "q5",
		Short: "Awaiting many: Map N jobs, run them in another process, await all handles at once",
		Long: a.ex(`q5 measures waiting for many jobs at once. A worker with -w slots runs in
another process (this binary again, as bench q2 starts it); this process
enqueues -n no-op jobs in one Map and awaits every handle at once, first
through jobs.Group.Await, then, in a second line, through spindle.Gather.

One line per way of awaiting and run, with "await" ("group" or "gather"),
"enqueue_seconds" (the Map), "seconds" (from the Map's end until every
handle had its result), "process_seconds" (from the Map's end until the
last job finished, by the store's record; not positive when every job
finished before the Map returned, as a tiny -n allows), "await_over_process"
(their ratio, 0 then), and "peak_goroutines" (the most this process ran while awaiting,
sampled every millisecond) beside "base_goroutines" (before the Map), and
likewise "peak_open_files" and "base_open_files" (file descriptors: store
connections and files; on systems with /proc/self/fd). The memory store cannot be used: another process cannot see it.`),
		Example: a.ex(`  spindle bench q5 --store sqlite:/tmp/x.db
  spindle bench q5 --store redis://127.0.0.1:6379/0 --count 3`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.benchRuns(cmd, f, func(ctx context.Context, c *jobs.Client, p *progress, url string, run int) ([]benchLine, error) {
				if storeKind(url) == "memory" {
					return nil, usagef("q5 runs its worker in another process, which a memory store cannot reach; use a SQLite, Redis or PostgreSQL store")
				}
				var lines []benchLine
				for _, way := range []string{"group", "gather"} {
					rec, err := a.runQ5(cmd, c, url, p, f, run, way)
					if err != nil {
						return nil, err
					}
					lines = append(lines, &rec)
				}
				return lines, nil
			})
		},
	}
	f.add(cmd, 10000, 8)
	return cmd
}

func (a *app) runQ5(cmd *cobra.Command, c *jobs.Client, url string, p *progress, f benchFlags, run int, way string) (q5Record, error) {
	ctx := cmd.Context()
	rec := q5Record{benchCommon: newBenchCommon("q5", f.n, f.workers, run), Await: way}
	in := c.Inspect()
	if err := a.emptyBenchQueue(ctx, c); err != nil {
		return rec, err
	}
	defer func() { _, _ = in.Purge(context.WithoutCancel(ctx), benchQueue, "") }()
	stop, err := a.startQ2Worker(cmd, url, f.workers)
	if err != nil {
		return rec, err
	}
	defer stop()

	args := make([]benchArgs, f.n)
	for i := range args {
		args[i] = benchArgs{i}
	}
	p.Phase(fmt.Sprintf("q5 run %d, %s: enqueue and await", run, way), f.n, nil)
	rec.BaseGoroutines = runtime.NumGoroutine()
	rec.BaseOpenFiles = openFiles()
	start := time.Now()
	g, err := benchNoop.Map(ctx, c, args)
	if err != nil {
		return rec, a.storeErr("enqueue", "", err)
	}
	mapped := time.Now()
	rec.EnqueueSeconds = mapped.Sub(start).Seconds()

	var peak, peakFiles atomic.Int64
	sampled := make(chan struct{})
	sampling, endSampling := context.WithCancel(ctx)
	go func() {
		defer close(sampled)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for tick := 0; ; tick++ {
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
			if tick%10 == 0 {
				peakFiles.Store(max(peakFiles.Load(), int64(openFiles())))
			}
			select {
			case <-sampling.Done():
				return
			case <-t.C:
			}
		}
	}()
	if way == "group" {
		_, err = g.Await(ctx)
	} else {
		hs := g.Handles()
		aws := make([]spindle.Awaitable[struct{}], len(hs))
		for i, h := range hs {
			aws[i] = h
		}
		_, err = spindle.Gather(ctx, aws...)
	}
	rec.Seconds = time.Since(mapped).Seconds()
	endSampling()
	<-sampled
	rec.PeakGoroutines = int(peak.Load())
	rec.PeakOpenFiles = max(int(peakFiles.Load()), openFiles())
	if err != nil {
		return rec, a.storeErr("await", "", err)
	}
	p.Set(f.n)
	last, err := lastFinished(ctx, in)
	if err != nil {
		return rec, a.storeErr("read the jobs back", "", err)
	}
	if rec.ProcessSeconds = last.Sub(mapped).Seconds(); rec.ProcessSeconds > 0 {
		rec.AwaitOverProcess = rec.Seconds / rec.ProcessSeconds
	}
	return rec, nil
}

// lastFinished returns the latest FinishedAt of the jobs in the
// benchmark queue.
func lastFinished(ctx context.Context, in *jobs.Inspector) (time.Time, error) {
	var last time.Time
	opts := jobs.ListOptions{Queue: benchQueue, Limit: 1000}
	for {
		page, err := in.Jobs(ctx, opts)
		if err != nil {
			return last, err
		}
		for _, j := range page.Jobs {
			if j.FinishedAt.After(last) {
				last = j.FinishedAt
			}
		}
		if page.Next == "" {
			return last, nil
		}
		opts.After = page.Next
	}
}

// openFiles counts the process's open file descriptors, or returns 0
// where the system does not list them in /proc/self/fd.
func openFiles() int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(fds) - 1 // the descriptor ReadDir itself held open
}
