package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// The jobs of Q1 and Q2, under the names jobs/bench_test.go uses.
type benchArgs struct {
	N int `json:"n"`
}

var benchRan atomic.Int64

var benchNoop = jobs.Define("bench.noop", func(ctx context.Context, a benchArgs) (struct{}, error) {
	benchRan.Add(1)
	return struct{}{}, nil
}, jobs.Queue(benchQueue))

var benchDouble = jobs.Define("bench.double", func(ctx context.Context, a benchArgs) (int, error) {
	return a.N * 2, nil
}, jobs.Queue(benchQueue))

type q1Record struct {
	benchCommon
	EnqueuePerS        float64 `json:"enqueue_per_s"`
	BulkEnqueuePerS    float64 `json:"bulk_enqueue_per_s"`
	ProcessPerS        float64 `json:"process_per_s"`
	EnqueueSeconds     float64 `json:"enqueue_seconds"`
	BulkEnqueueSeconds float64 `json:"bulk_enqueue_seconds"`
	// SQLite only: the driver's own rate of one-row commits in the same
	// run (driverCommits), and enqueue_per_s over it.
	DriverCommitPerS  float64 `json:"driver_commit_per_s,omitempty"`
	EnqueueOverDriver float64 `json:"enqueue_over_driver,omitempty"`
	// SQLite only: the driver's own rate of the same number of rows in
	// one transaction, timed just before and just after the bulk enqueue
	// (driverCommits.bulk), and bulk_enqueue_per_s over it.
	DriverBulkPerS float64 `json:"driver_bulk_per_s,omitempty"`
	BulkOverDriver float64 `json:"bulk_over_driver,omitempty"`
}

func (a *app) benchQ1Cmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "q1",
		Short: "Durable throughput: enqueue N no-op jobs one by one, then run them",
		Long: a.ex(`q1 measures durable throughput. It enqueues -n no-op jobs (arguments
{"n": i}) one by one, as a user would, then starts a worker with -w slots in
this process and times until all have run and their outcomes are stored.
Then it enqueues the same jobs again in one batch (Definition.Map) to time
bulk enqueue. The jobs are deleted afterwards.

One line per run: "seconds" is the processing time; "enqueue_per_s",
"bulk_enqueue_per_s" and "process_per_s" are the figures docs/benchmarks.md
quotes, and "enqueue_seconds" and "bulk_enqueue_seconds" the times they come
from. On SQLite, "driver_commit_per_s" is the driver's own rate of one-row
commits (a scratch table in a temporary file, the store's journal pragmas)
measured in slices between slices of the enqueues, and
"enqueue_over_driver" enqueue_per_s over it; "driver_bulk_per_s" is the
driver's own rate for as many rows (an ID and arguments each) in one
transaction of single-row INSERTs into that table, timed just before and
just after the bulk enqueue, and "bulk_over_driver" bulk_enqueue_per_s
over it.`),
		Example: a.ex(`  spindle bench q1
  spindle bench q1 --store sqlite:/tmp/x.db --count 5
  spindle bench q1 --store memory: -n 100000`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.benchRuns(cmd, f, func(ctx context.Context, c *jobs.Client, p *progress, url string, run int) ([]benchLine, error) {
				rec, err := a.runQ1(ctx, c, p, f, storeKind(url), run)
				return []benchLine{&rec}, err
			})
		},
	}
	f.add(cmd, 20000, 8)
	return cmd
}

func (a *app) runQ1(ctx context.Context, c *jobs.Client, p *progress, f benchFlags, kind string, run int) (q1Record, error) {
	rec := q1Record{benchCommon: newBenchCommon("q1", f.n, f.workers, run)}
	in := c.Inspect()
	if err := a.emptyBenchQueue(ctx, c); err != nil {
		return rec, err
	}
	defer func() { _, _ = in.Purge(context.WithoutCancel(ctx), benchQueue, "") }()

	// On SQLite, the driver's own commits run in slices between slices of
	// enqueues, so that the two rates see the same machine.
	var raw *driverCommits
	if kind == "sqlite" {
		var err error
		if raw, err = openDriverCommits(ctx); err != nil {
			return rec, fmt.Errorf("bench q1: the driver's own commits: %w", err)
		}
		defer raw.close()
	}
	const slice = 1000
	p.Phase(fmt.Sprintf("q1 run %d: enqueue", run), f.n, nil)
	var enqueueTime time.Duration
	for i := 0; i < f.n; i += slice {
		start := time.Now()
		for k := i; k < min(i+slice, f.n); k++ {
			if _, err := benchNoop.Enqueue(ctx, c, benchArgs{k}); err != nil {
				return rec, a.storeErr("enqueue", "", err)
			}
			p.Set(k + 1)
		}
		enqueueTime += time.Since(start)
		if raw != nil {
			if err := raw.run(ctx, min(slice, f.n-i)); err != nil {
				return rec, fmt.Errorf("bench q1: the driver's own commits: %w", err)
			}
		}
	}
	rec.EnqueueSeconds = enqueueTime.Seconds()
	rec.EnqueuePerS = float64(f.n) / rec.EnqueueSeconds
	if raw != nil && raw.n > 0 {
		rec.DriverCommitPerS = float64(raw.n) / raw.took.Seconds()
		rec.EnqueueOverDriver = rec.EnqueuePerS / rec.DriverCommitPerS
	}

	p.Phase(fmt.Sprintf("q1 run %d: process", run), f.n, nil)
	benchRan.Store(0)
	w, err := jobs.NewWorker(c, benchWorkerOptions(f.workers, p), benchNoop)
	if err != nil {
		return rec, err
	}
	start := time.Now()
	stop := runWorker(ctx, w)
	err = waitSucceeded(ctx, in, p, f.n)
	rec.Seconds = time.Since(start).Seconds()
	if serr := stop(); err == nil && serr != nil {
		err = fmt.Errorf("the worker stopped: %w", serr)
	}
	if err != nil {
		return rec, a.storeErr("wait for the jobs", "", err)
	}
	rec.ProcessPerS = float64(f.n) / rec.Seconds

	if _, err := in.Purge(ctx, benchQueue, ""); err != nil {
		return rec, a.storeErr("empty queue "+benchQueue, "", err)
	}
	p.Phase(fmt.Sprintf("q1 run %d: bulk enqueue", run), 1, nil)
	batch := make([]benchArgs, f.n)
	for i := range batch {
		batch[i] = benchArgs{i}
	}
	var rawBulk time.Duration
	if raw != nil {
		if rawBulk, err = raw.bulk(ctx, f.n); err != nil {
			return rec, fmt.Errorf("bench q1: the driver's own bulk insert: %w", err)
		}
	}
	start = time.Now()
	if _, err := benchNoop.Map(ctx, c, batch); err != nil {
		return rec, a.storeErr("bulk enqueue", "", err)
	}
	rec.BulkEnqueueSeconds = time.Since(start).Seconds()
	rec.BulkEnqueuePerS = float64(f.n) / rec.BulkEnqueueSeconds
	if raw != nil {
		took, err := raw.bulk(ctx, f.n)
		if err != nil {
			return rec, fmt.Errorf("bench q1: the driver's own bulk insert: %w", err)
		}
		rec.DriverBulkPerS = float64(2*f.n) / (rawBulk + took).Seconds()
		rec.BulkOverDriver = rec.BulkEnqueuePerS / rec.DriverBulkPerS
	}
	p.Set(1)
	return rec, nil
}

// waitSucceeded waits until n jobs have run here and the store records
// them as succeeded: the handler's counter first, so the wait adds no
// reads while the worker works.
func waitSucceeded(ctx context.Context, in *jobs.Inspector, p *progress, n int) error {
	for {
		ran := benchRan.Load()
		p.Set(int(ran))
		if ran >= int64(n) {
			break
		}
		if err := sleepCtx(ctx, 200*time.Microsecond); err != nil {
			return err
		}
	}
	for {
		qs, err := in.Queues(ctx)
		if err != nil {
			return err
		}
		for _, q := range qs {
			if q.Name == benchQueue && q.Counts[store.Succeeded] >= n {
				return nil
			}
		}
		if err := sleepCtx(ctx, 200*time.Microsecond); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

type q2Record struct {
	benchCommon
	Client string  `json:"client"`
	P50ms  float64 `json:"p50_ms"`
	P90ms  float64 `json:"p90_ms"`
	P99ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
}

func (a *app) benchQ2Cmd() *cobra.Command {
	var (
		f      benchFlags
		client string
	)
	cmd := &cobra.Command{
		Use:   "q2",
		Short: "Round-trip latency: enqueue a job and await its result, N times in a row",
		Long: a.ex(`q2 measures round-trip latency. A worker with -w slots runs and the queue is
idle; one client enqueues a job that returns n*2 and awaits its result, -n
times in sequence, after one warm-up round trip. Awaiting uses the default
settings: woken by the store where it can push, polling with backoff where
it cannot, and keeping the job (its result stays readable until its
retention ends; the queue is emptied after the run).

--client says where the client is: "in-process" (the worker shares this
process and its connection to the store), "other-process" (the worker runs
in a second process: this same binary started again with the hidden
command "bench q2-worker", given the store URL in the environment, stopped
when the measurement ends), or "both" (the default; the memory store has
only "in-process", since another process cannot see it).

One line per client and run with "client", "p50_ms", "p90_ms", "p99_ms" and
"max_ms"; "seconds" is the time of all round trips.`),
		Example: a.ex(`  spindle bench q2
  spindle bench q2 --store sqlite:/tmp/x.db --client other-process --count 5`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			modes := map[string][]string{"both": {"in-process", "other-process"}, "in-process": {"in-process"}, "other-process": {"other-process"}}[client]
			if modes == nil {
				return usagef("--client %q: want in-process, other-process or both", client)
			}
			return a.benchRuns(cmd, f, func(ctx context.Context, c *jobs.Client, p *progress, url string, run int) ([]benchLine, error) {
				if storeKind(url) == "memory" {
					if client == "other-process" {
						return nil, usagef("--client other-process: a memory store lives in one process; use a SQLite, Redis or PostgreSQL store")
					}
					modes = []string{"in-process"}
				}
				var lines []benchLine
				for _, mode := range modes {
					rec, err := a.runQ2(cmd, c, url, p, f, run, mode)
					if err != nil {
						return nil, err
					}
					lines = append(lines, &rec)
				}
				return lines, nil
			})
		},
	}
	f.add(cmd, 1000, 8)
	cmd.Flags().StringVar(&client, "client", "both", "where the client runs: in-process, other-process or both")
	_ = cmd.RegisterFlagCompletionFunc("client", cobra.FixedCompletions([]string{"in-process", "other-process", "both"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) runQ2(cmd *cobra.Command, c *jobs.Client, url string, p *progress, f benchFlags, run int, mode string) (q2Record, error) {
	ctx := cmd.Context()
	rec := q2Record{benchCommon: newBenchCommon("q2", f.n, f.workers, run), Client: mode}
	in := c.Inspect()
	if err := a.emptyBenchQueue(ctx, c); err != nil {
		return rec, err
	}
	defer func() { _, _ = in.Purge(context.WithoutCancel(ctx), benchQueue, "") }()
	var stop func() error
	if mode == "in-process" {
		w, err := jobs.NewWorker(c, benchWorkerOptions(f.workers, p), benchDouble)
		if err != nil {
			return rec, err
		}
		stop = runWorker(ctx, w)
	} else {
		var err error
		if stop, err = a.startQ2Worker(cmd, url, f.workers); err != nil {
			return rec, err
		}
	}
	p.Phase(fmt.Sprintf("q2 run %d, %s", run, mode), f.n, nil)
	lat, err := roundTrips(ctx, c, p, f.n)
	if serr := stop(); err == nil && serr != nil {
		err = fmt.Errorf("the worker stopped: %w", serr)
	}
	if err != nil {
		return rec, a.storeErr("round trip", "", err)
	}
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	ms := percentiles(lat)
	rec.Seconds = sum.Seconds()
	rec.P50ms, rec.P90ms, rec.P99ms, rec.MaxMs = ms(0.5), ms(0.9), ms(0.99), ms(1)
	return rec, nil
}

// roundTrips enqueues and awaits n jobs in sequence after a warm-up, as
// jobs/bench_test.go does, and returns each latency.
func roundTrips(ctx context.Context, c *jobs.Client, p *progress, n int) ([]time.Duration, error) {
	trip := func(i int) error {
		h, err := benchDouble.Enqueue(ctx, c, benchArgs{i})
		if err != nil {
			return err
		}
		got, err := h.Await(ctx)
		if err != nil {
			return err
		}
		if got != 2*i {
			return fmt.Errorf("job %s returned %d, want %d", h.ID(), got, 2*i)
		}
		return nil
	}
	if err := trip(1); err != nil {
		return nil, err
	}
	lat := make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		if err := trip(i); err != nil {
			return nil, err
		}
		lat[i] = time.Since(start)
		p.Set(i + 1)
	}
	return lat, nil
}

// startQ2Worker starts this binary again as a worker process and waits
// until it says it runs; stop ends it by closing its stdin.
func (a *app) startQ2Worker(cmd *cobra.Command, url string, workers int) (stop func() error, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench q2: finding this program to start the worker process: %w", err)
	}
	args := append(pathFromRoot(cmd.Parent()), "q2-worker", "-w", strconv.Itoa(workers),
		"--connect-timeout", a.connectTimeout.String())
	child := exec.Command(exe, args...)
	// The URL travels in the environment, not the command line, where
	// other users of the machine could read a password.
	child.Env = append(os.Environ(), a.cfg.StoreEnv+"="+url)
	child.Stderr = cmd.ErrOrStderr()
	stdin, err := child.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := child.Start(); err != nil {
		return nil, fmt.Errorf("bench q2: starting the worker process: %w", err)
	}
	exited := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line == "ready\n"
		_, _ = io.Copy(io.Discard, stdout)
		exited <- child.Wait()
	}()
	stop = func() error {
		stdin.Close()
		select {
		case err := <-exited:
			return err
		case <-time.After(20 * time.Second):
			_ = child.Process.Kill()
			<-exited
			return errors.New("the worker process did not stop within 20s of being asked; killed it")
		}
	}
	select {
	case ok := <-ready:
		if !ok {
			return nil, fmt.Errorf("bench q2: the worker process failed to start: %v", stop())
		}
	case <-cmd.Context().Done():
		_ = child.Process.Kill()
		<-exited
		return nil, context.Cause(cmd.Context())
	}
	return stop, nil
}

func (a *app) benchQ2WorkerCmd() *cobra.Command {
	var workers int
	cmd := &cobra.Command{
		Use:    "q2-worker",
		Short:  "The worker process of bench q2 --client other-process",
		Hidden: true,
		Long: `q2-worker runs a worker with the benchmark's jobs in the queue
"spindle-bench" of the store, says "ready" on stdout once it runs, and
stops when its stdin closes (or on SIGINT/SIGTERM). "bench q2" starts it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if workers < 1 {
				return usagef("-w %d: want at least 1", workers)
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			go func() {
				// The parent closes stdin to stop us; if it dies, so do we.
				_, _ = io.Copy(io.Discard, cmd.InOrStdin())
				cancel()
			}()
			c, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			w, err := jobs.NewWorker(c, benchWorkerOptions(workers, cmd.ErrOrStderr()), benchDouble, benchNoop)
			if err != nil {
				return err
			}
			stop := runWorker(ctx, w)
			fmt.Fprintln(cmd.OutOrStdout(), "ready")
			<-ctx.Done()
			return stop()
		},
	}
	cmd.Flags().IntVarP(&workers, "workers", "w", 8, "the worker's concurrent slots")
	return cmd
}
