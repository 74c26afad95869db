package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle"
)

// The L1 workloads of docs/benchmarks.md. The bench/ module runs them against
// other libraries with go test; this command measures Spindle alone, each
// case in a fresh process so its peak RSS is its own.
type l1Workload struct {
	name  string
	tasks int
	limit int
	sleep time.Duration
}

var l1Workloads = []l1Workload{
	{name: "l1a", tasks: 1_000_000},
	{name: "l1b", tasks: 1_000_000, limit: 8},
	{name: "l1c", tasks: 10_000, limit: 100, sleep: time.Millisecond},
}

// l1Runners run task(0) … task(n-1), at most limit at once (0: no limit),
// and return once all have returned.
var l1Runners = []struct {
	name string
	run  func(n, limit int, task func(int)) error
}{
	{"spindle-go-gather", l1GoGather},
	{"spindle-group", l1Group},
	{"spindle-concurrent", l1Concurrent},
}

// l1GoGather starts every task with spindle.Go (Spawn in a limited Group
// for a limit), keeping its handle, and gathers the results in order.
func l1GoGather(n, limit int, task func(int)) error {
	ctx := context.Background()
	tasks := make([]spindle.Awaitable[int], n)
	if limit > 0 {
		g := spindle.NewGroup(ctx, spindle.GroupLimit(limit))
		for i := range n {
			tasks[i] = spindle.Spawn(g, func(context.Context) (int, error) { task(i); return i, nil })
		}
		if err := g.Wait(); err != nil {
			return err
		}
	} else {
		for i := range n {
			tasks[i] = spindle.Go(ctx, func(context.Context) (int, error) { task(i); return i, nil })
		}
	}
	_, err := spindle.Gather(ctx, tasks...)
	return err
}

// l1Group runs every task as a child of a spindle.Group.
func l1Group(n, limit int, task func(int)) error {
	var opts []spindle.GroupOption
	if limit > 0 {
		opts = append(opts, spindle.GroupLimit(limit))
	}
	g := spindle.NewGroup(context.Background(), opts...)
	for i := range n {
		g.Go(func(context.Context) error { task(i); return nil })
	}
	return g.Wait()
}

// l1Concurrent streams the tasks through spindle.Concurrent and consumes
// every result.
func l1Concurrent(n, limit int, task func(int)) error {
	if limit <= 0 {
		limit = -1
	}
	units := func(yield func(func(context.Context) (int, error)) bool) {
		for i := range n {
			if !yield(func(context.Context) (int, error) { task(i); return i, nil }) {
				return
			}
		}
	}
	for _, err := range spindle.Concurrent(context.Background(), units, spindle.ConcurrentLimit(limit)) {
		if err != nil {
			return err
		}
	}
	return nil
}

type l1Record struct {
	benchCommon
	NsPerTask     float64  `json:"ns_per_task"`
	BPerTask      float64  `json:"b_per_task"`
	AllocsPerTask float64  `json:"allocs_per_task"`
	PeakRSSBytes  *uint64  `json:"peak_rss_bytes"`
	PeakLiveBytes uint64   `json:"peak_live_bytes"`
	WallOverIdeal *float64 `json:"wall_over_ideal,omitempty"`
}

func (a *app) benchL1Cmd() *cobra.Command {
	var (
		workloads, runners []string
		n, count           int
	)
	cmd := &cobra.Command{
		Use:   "l1",
		Short: "In-process fan-out: a million tasks through Go+Gather, Group and Concurrent",
		Long: a.ex(`l1 measures in-process fan-out with Spindle's own tools:

  l1a  1,000,000 tasks that bump an atomic counter, no limit
  l1b  the same with at most 8 running at once
  l1c  10,000 tasks that sleep 1 ms, at most 100 at once (ideal: 100 ms)

each through spindle.Go + Gather (a handle per task; Spawn in a limited
Group for a limit), spindle.Group and spindle.Concurrent. Each case runs
in a new process (this binary, with the hidden command "bench l1-case"),
so "peak_rss_bytes" is that case's alone. For the other libraries in the
same workloads, run the bench/ module (see bench/README.md).

One line per case and run with "lib" (the runner), "workers" (the limit; 0
for none), "ns_per_task", "b_per_task", "allocs_per_task",
"peak_rss_bytes" (the process's maximum resident set; null where the
system does not say), "peak_live_bytes" (heap objects and goroutine stacks
above the level before the run, sampled every millisecond) and, for l1c,
"wall_over_ideal".`),
		Example: a.ex(`  spindle bench l1
  spindle bench l1 --workload l1b --runner spindle-group,spindle-concurrent --count 5`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := pickWorkloads(workloads)
			if err != nil {
				return err
			}
			rs, err := pickRunners(runners)
			if err != nil {
				return err
			}
			if count < 1 {
				return usagef("--count %d: want at least 1", count)
			}
			if n < 0 {
				return usagef("-n %d: want 0 (each workload's own) or more", n)
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("bench l1: finding this program to run each case in: %w", err)
			}
			p := newProgress(cmd.ErrOrStderr())
			defer p.Stop()
			bout := newBenchOut(cmd)
			total := count * len(ws) * len(rs)
			p.Phase("l1", total, nil)
			done := 0
			for run := 1; run <= count; run++ {
				for _, w := range ws {
					for _, r := range rs {
						args := append(pathFromRoot(cmd.Parent()), "l1-case", "--workload", w.name, "--runner", r,
							"-n", strconv.Itoa(n), "--run", strconv.Itoa(run))
						child := exec.CommandContext(cmd.Context(), exe, args...)
						var out, errOut bytes.Buffer
						child.Stdout, child.Stderr = &out, &errOut
						if err := child.Run(); err != nil {
							return fmt.Errorf("bench l1 %s %s: %v: %s", w.name, r, err, oneLine(errOut.String()))
						}
						if !json.Valid(bytes.TrimSpace(out.Bytes())) {
							return fmt.Errorf("bench l1 %s %s: the case printed %q, not a JSON line", w.name, r, oneLine(out.String()))
						}
						if err := bout.addJSON(out.Bytes()); err != nil {
							return err
						}
						done++
						p.Set(done)
					}
				}
			}
			return bout.flush(p)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&workloads, "workload", nil, "workloads to run: l1a, l1b, l1c (default all)")
	f.StringSliceVar(&runners, "runner", nil, "runners: "+strings.Join(l1RunnerNames(), ", ")+" (default all)")
	f.IntVarP(&n, "jobs", "n", 0, "tasks per case instead of the workload's own count")
	f.IntVar(&count, "count", 1, "how many times to run each case")
	_ = cmd.RegisterFlagCompletionFunc("workload", cobra.FixedCompletions([]string{"l1a", "l1b", "l1c"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("runner", cobra.FixedCompletions(l1RunnerNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func l1RunnerNames() []string {
	var out []string
	for _, r := range l1Runners {
		out = append(out, r.name)
	}
	return out
}

func pickWorkloads(names []string) ([]l1Workload, error) {
	if len(names) == 0 {
		return l1Workloads, nil
	}
	var out []l1Workload
	for _, n := range names {
		found := false
		for _, w := range l1Workloads {
			if strings.EqualFold(n, w.name) {
				out, found = append(out, w), true
			}
		}
		if !found {
			return nil, usagef("--workload %q: want l1a, l1b or l1c", n)
		}
	}
	return out, nil
}

func pickRunners(names []string) ([]string, error) {
	if len(names) == 0 {
		return l1RunnerNames(), nil
	}
	for _, n := range names {
		if l1Runner(n) == nil {
			return nil, usagef("--runner %q: want one of %s", n, strings.Join(l1RunnerNames(), ", "))
		}
	}
	return names, nil
}

func l1Runner(name string) func(n, limit int, task func(int)) error {
	for _, r := range l1Runners {
		if r.name == name {
			return r.run
		}
	}
	return nil
}

func (a *app) benchL1CaseCmd() *cobra.Command {
	var (
		workload, runner string
		n, run           int
	)
	cmd := &cobra.Command{
		Use:    "l1-case",
		Short:  "One case of bench l1, in a process of its own",
		Hidden: true,
		Long: `l1-case runs one L1 workload with one runner once and prints its line.
"bench l1" starts it, one process per case.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := pickWorkloads([]string{workload})
			if err != nil {
				return err
			}
			w := ws[0]
			fn := l1Runner(runner)
			if fn == nil {
				return usagef("--runner %q: want one of %s", runner, strings.Join(l1RunnerNames(), ", "))
			}
			if n > 0 {
				w.tasks = n
			}
			rec, err := measureL1(w, runner, fn, run)
			if err != nil {
				return err
			}
			return emit(cmd.OutOrStdout(), rec)
		},
	}
	f := cmd.Flags()
	f.StringVar(&workload, "workload", "l1a", "l1a, l1b or l1c")
	f.StringVar(&runner, "runner", "spindle-group", "the runner")
	f.IntVarP(&n, "jobs", "n", 0, "tasks instead of the workload's own count")
	f.IntVar(&run, "run", 1, "the repetition number to report")
	return cmd
}

// measureL1 runs one case and measures it the way the bench/ module does.
func measureL1(w l1Workload, runner string, run func(n, limit int, task func(int)) error, rep int) (l1Record, error) {
	var ran atomic.Int64
	task := func(int) { ran.Add(1) }
	if w.sleep > 0 {
		task = func(int) {
			time.Sleep(w.sleep)
			ran.Add(1)
		}
	}
	runtime.GC()
	peak := samplePeakLive()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := run(w.tasks, w.limit, task)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	live := peak()
	if err != nil {
		return l1Record{}, err
	}
	if got := ran.Load(); got != int64(w.tasks) {
		return l1Record{}, fmt.Errorf("%s ran %d tasks, want %d", runner, got, w.tasks)
	}
	rec := l1Record{benchCommon: newBenchCommon(w.name, w.tasks, w.limit, rep)}
	rec.Lib = runner
	rec.Seconds = elapsed.Seconds()
	tasks := float64(w.tasks)
	rec.NsPerTask = float64(elapsed.Nanoseconds()) / tasks
	rec.BPerTask = float64(after.TotalAlloc-before.TotalAlloc) / tasks
	rec.AllocsPerTask = float64(after.Mallocs-before.Mallocs) / tasks
	rec.PeakLiveBytes = live
	if rss, ok := peakRSS(); ok {
		rec.PeakRSSBytes = &rss
	}
	if w.sleep > 0 && w.limit > 0 {
		ideal := time.Duration(w.tasks) * w.sleep / time.Duration(w.limit)
		r := float64(elapsed) / float64(ideal)
		rec.WallOverIdeal = &r
	}
	return rec, nil
}

// samplePeakLive samples, every millisecond until the returned func is
// called, the bytes held by heap objects and goroutine stacks, and returns
// the highest sample above the first (as bench/l1_test.go does).
func samplePeakLive() (stop func() uint64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
	read := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() + samples[1].Value.Uint64()
	}
	base := read()
	var peak uint64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if m := read(); m > base && m-base > peak {
				peak = m - base
			}
			select {
			case <-tick.C:
			case <-quit:
				return
			}
		}
	})
	return func() uint64 {
		close(quit)
		wg.Wait()
		return peak
	}
}
