package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
)

// benchCommon are the fields every benchmark line starts with: workload,
// store or lib, n, workers, seconds (docs/cli.md lists them all).
type benchCommon struct {
	Workload   string  `json:"workload"`
	Store      string  `json:"store,omitempty"`
	Lib        string  `json:"lib,omitempty"`
	N          int     `json:"n"`
	Workers    int     `json:"workers"`
	Seconds    float64 `json:"seconds"`
	Run        int     `json:"run"`
	Go         string  `json:"go"`
	GOMAXPROCS int     `json:"gomaxprocs"`
}

func newBenchCommon(workload string, n, workers, run int) benchCommon {
	return benchCommon{Workload: workload, N: n, Workers: workers, Run: run, Go: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
}

// benchLine is a benchmark's record of one run.
type benchLine interface{ common() *benchCommon }

func (b *benchCommon) common() *benchCommon { return b }

// benchRuns runs a durable workload f.count times on the store cmd names
// (see benchStore, whose URL run is given), printing the lines of each
// run; run fills in all but the store.
func (a *app) benchRuns(cmd *cobra.Command, f benchFlags, run func(ctx context.Context, c *jobs.Client, p *progress, url string, run int) ([]benchLine, error)) error {
	if err := f.check(); err != nil {
		return err
	}
	url, cleanup, err := a.benchStore(cmd)
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := cmd.Context()
	c, err := a.openURL(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close()
	p := newProgress(cmd.ErrOrStderr())
	defer p.Stop()
	out := newBenchOut(cmd)
	for i := 1; i <= f.count; i++ {
		recs, err := run(ctx, c, p, url, i)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			rec.common().Store = storeKind(url)
			if err := out.add(rec); err != nil {
				return err
			}
		}
	}
	return out.flush(p)
}

// benchFlags are the flags every durable benchmark takes.
type benchFlags struct {
	n, workers, count int
}

func (a *app) benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the benchmark workloads: l1, q1, q2, q4, q5",
		Long: a.ex(`bench runs the project's benchmark workloads, with progress on stderr. On a
terminal it prints a table of the figures once done; with --json, or when
stdout is not a terminal, one JSON object per line as each run ends:

  l1  in-process fan-out: 1,000,000 trivial tasks without a limit (l1a) and
      with a limit of 8 (l1b), 10,000 tasks sleeping 1 ms with a limit of
      100 (l1c), through Spindle's Go+Gather, Group and Concurrent
  q1  durable throughput: enqueue 20,000 no-op jobs one by one, run them
      with a worker of 8 slots, and enqueue them again in one batch
  q2  round trip: enqueue a job and await its result, 1,000 times in a
      row, with an idle worker of 8 slots in this process or another one
  q4  concurrent enqueue: 64 goroutines share one client and enqueue
      20,000 no-op jobs, one call per job
  q5  awaiting many: Map 10,000 jobs, run them with a worker of 8 slots
      in another process, and await every handle at once

Every line has "workload", "store" (q1, q2, q4, q5) or "lib" (l1), "n", "workers",
"seconds", "run" (the repetition, from 1), "go" and "gomaxprocs", and the
workload's own figures; docs/cli.md lists them. Machines are noisy: repeat
with --count and compare medians, and compare ratios measured in one run.

q1, q2, q4 and q5 use --store. Without --store (or ` + a.cfg.StoreEnv + `) they use a
new SQLite file in a temporary directory, removed afterwards. With a store
of yours they work in the queue "spindle-bench", which they empty before
and after; before, they also prune the store as a worker does every
minute (finished jobs past their retention, in any queue), so that a
PostgreSQL server with autovacuum off starts each run vacuumed.`),
		Example: a.ex(`  spindle bench q1
  spindle bench q1 --store sqlite:/tmp/x.db --count 5
  spindle bench q2 --store memory:
  spindle bench l1 --count 5 > l1.jsonl`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().Bool("json", false, "print JSON lines, even on a terminal")
	// bench's own --store, so that its help shows the default it really
	// uses: a throwaway SQLite file, not the store the other commands use.
	cmd.PersistentFlags().String(storeFlag, "", "the store's URL (default: a new SQLite file in a temporary directory, removed afterwards; or set "+a.cfg.StoreEnv+")")
	cmd.AddCommand(a.benchQ1Cmd(), a.benchQ2Cmd(), a.benchQ4Cmd(), a.benchQ5Cmd(), a.benchL1Cmd(), a.benchQ2WorkerCmd(), a.benchL1CaseCmd())
	return cmd
}

func (f *benchFlags) add(cmd *cobra.Command, n, workers int) {
	cmd.Flags().IntVarP(&f.n, "jobs", "n", n, "how many jobs (q1) or round trips (q2)")
	cmd.Flags().IntVarP(&f.workers, "workers", "w", workers, "the worker's concurrent slots")
	cmd.Flags().IntVar(&f.count, "count", 1, "how many times to run the workload")
}

func (f *benchFlags) check() error {
	if f.n < 1 {
		return usagef("-n %d: want at least 1", f.n)
	}
	if f.workers < 1 {
		return usagef("-w %d: want at least 1", f.workers)
	}
	if f.count < 1 {
		return usagef("--count %d: want at least 1", f.count)
	}
	return nil
}

// benchQueue is where the durable benchmarks put their jobs.
const benchQueue = "spindle-bench"

// benchStore returns the store URL a durable benchmark uses, and a
// cleanup: a temporary SQLite file unless the user named a store.
func (a *app) benchStore(cmd *cobra.Command) (url string, cleanup func(), err error) {
	if f := cmd.Flags().Lookup(storeFlag); f != nil && f.Changed {
		return f.Value.String(), func() {}, nil
	}
	if env := os.Getenv(a.cfg.StoreEnv); env != "" {
		return env, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "spindle-bench-")
	if err != nil {
		return "", nil, fmt.Errorf("bench: a temporary directory for the store: %w", err)
	}
	return "sqlite:" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
}

// storeKind names the store of a URL in benchmark lines: its scheme.
func storeKind(url string) string {
	scheme, _, _ := strings.Cut(url, ":")
	switch s := strings.ToLower(scheme); s {
	case "sqlite3":
		return "sqlite"
	case "postgresql":
		return "postgres"
	case "rediss":
		return "redis"
	default:
		return s
	}
}

// emit prints one benchmark line.
func emit(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// pathFromRoot is the arguments that reach cmd from the root, so a child
// process of the same binary can run a sibling command even when this tree
// is mounted under a user's own command.
func pathFromRoot(cmd *cobra.Command) []string {
	var path []string
	for c := cmd; c.HasParent(); c = c.Parent() {
		path = append(path, c.Name())
	}
	slices.Reverse(path)
	return path
}

// emptyBenchQueue empties the benchmark queue before a run and prunes the
// store as a worker would, so that a store that is not vacuumed on its
// own (PostgreSQL with autovacuum off) starts each run without the dead
// rows of the runs before.
func (a *app) emptyBenchQueue(ctx context.Context, c *jobs.Client) error {
	if _, err := c.Inspect().Purge(ctx, benchQueue, ""); err != nil {
		return a.storeErr("empty queue "+benchQueue, "", err)
	}
	if _, err := c.Store().Prune(ctx, time.Now()); err != nil {
		return a.storeErr("prune the store", "", err)
	}
	return nil
}

// benchWorkerOptions are the worker settings of q1 and q2: the defaults
// but the slots, as jobs/bench_test.go uses.
func benchWorkerOptions(workers int, logTo io.Writer) jobs.WorkerOptions {
	return jobs.WorkerOptions{Concurrency: workers, Queues: map[string]int{benchQueue: 1}, Logger: warnLogger(logTo)}
}

// runWorker runs w until the returned stop is called and returns Run's
// error from stop.
func runWorker(ctx context.Context, w *jobs.Worker) (stop func() error) {
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	return func() error {
		cancel()
		return <-done
	}
}
