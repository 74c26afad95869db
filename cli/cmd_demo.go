package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

func (a *app) demoCmd() *cobra.Command {
	var n, workers int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a batch of durable jobs through workers in this process, with a summary",
		Long: a.ex(`demo shows the durable job queue at work. It opens the store (spindle.db in
the working directory unless --store says otherwise), starts workers in
this process, and enqueues a mixed batch of -n jobs the way a web
application would:

  thumbnail  fast (2-20 ms), priority 10                    12 in 20
  report     slow (150-600 ms)                               5 in 20
  webhook    flaky: fails once or twice, then a retry works  2 in 20
             (priority 5)
  import     broken: fails every attempt, is dead-lettered   1 in 20

plus one chain of three jobs (fetch an order, price it, send the receipt;
priority 10), each enqueued from the awaited result of the one before.
Priorities let the jobs a user waits for pass the slow reports queued
before them.

While the workers run them it waits for every result with
spindle.AsCompleted over the jobs' handles, showing progress on stderr (a
bar on a terminal, a line every few seconds otherwise), and ends with a
summary: jobs per second, latency from enqueue to result (p50, p99),
retries and failures, per kind of job.

The jobs live in the queue "spindle-demo" and stay in the store for an
hour afterwards, so you can look at them with the other commands. Each run
first deletes what an earlier run left in that queue.`),
		Example: a.ex(`  spindle demo
  spindle demo -n 2000 -w 32
  spindle demo --store memory:
  spindle jobs --queue spindle-demo --state dead`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 || n > 1_000_000 {
				return usagef("-n %d: want 1 to 1000000 jobs", n)
			}
			if workers < 1 || workers > 10_000 {
				return usagef("-w %d: want 1 to 10000 workers", workers)
			}
			return a.runDemo(cmd, n, workers)
		},
	}
	cmd.Flags().IntVarP(&n, "jobs", "n", 400, "how many jobs to enqueue (plus the chain's three)")
	cmd.Flags().IntVarP(&workers, "workers", "w", 8, "how many jobs the workers run at once")
	return cmd
}

// demoItem is one awaited thing: a job, or the chain.
type demoItem struct {
	kind  int // index in demoKinds; len(demoKinds) for the chain
	start time.Time
	id    string
	lat   time.Duration
	err   error
	res   string
}

func (a *app) runDemo(cmd *cobra.Command, n, workers int) (err error) {
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	c, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	in := c.Inspect()
	if err := in.Resume(ctx, demoQueue); err != nil {
		return a.storeErr("resume queue "+demoQueue, "", err)
	}
	purged, err := in.Purge(ctx, demoQueue, "")
	if err != nil {
		return a.storeErr("clear queue "+demoQueue, "", err)
	}

	fmt.Fprintf(out, "Spindle demo: %d durable jobs in %s, %d at a time on workers in this process.\n", n+3, jobs.RedactURL(a.store), workers)
	if purged > 0 {
		fmt.Fprintf(out, "Cleared %d jobs an earlier run left in queue %s.\n", purged, demoQueue)
	}
	counts := make([]int, len(demoKinds))
	for i := range n {
		counts[demoKindOf(i)]++
	}
	for k, dk := range demoKinds {
		fmt.Fprintf(out, "  %4d %s\n", counts[k], dk.label)
	}
	fmt.Fprintf(out, "  %4d order chain: fetch → price → receipt, each enqueued from the previous result\n\n", 3)

	var tag [6]byte
	_, _ = rand.Read(tag[:])
	run := hex.EncodeToString(tag[:])
	resetDemoRetries(run)

	p := newProgress(cmd.ErrOrStderr())
	var stopOnce sync.Once
	stopProgress := func() { stopOnce.Do(p.Stop) }
	defer stopProgress()

	waitCtx, cancelWait := context.WithCancelCause(ctx)
	defer cancelWait(nil)
	logger := warnLogger(p)
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: workers, Queues: map[string]int{demoQueue: 1},
		Grace: 2 * time.Second, PollInterval: 50 * time.Millisecond, Logger: logger,
	}, demoDefinitions...)
	if err != nil {
		return err
	}
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if err := w.Run(workerCtx); err != nil {
			cancelWait(fmt.Errorf("the worker stopped: %w", err))
		}
	}()
	defer func() {
		stopWorker()
		<-workerDone
	}()

	items := make([]demoItem, n+1)
	var mu sync.Mutex // guards done and chainLat, touched by the chain's goroutine
	done := 0
	var failed atomic.Int64 // read by the progress display
	var chainLat []time.Duration
	p.Phase("demo", n+3, func() string {
		return fmt.Sprintf("%d retries  %d failed", demoRetryCount(), failed.Load())
	})

	aws := make([]spindle.Awaitable[string], 0, n+1)
	index := make(map[spindle.Awaitable[string]]int, n+1)
	begin := time.Now()
	items[n] = demoItem{kind: len(demoKinds), start: begin}
	chain := spindle.Go(waitCtx, func(ctx context.Context) (string, error) {
		return runChain(ctx, c, run, func(d time.Duration) {
			mu.Lock()
			chainLat = append(chainLat, d)
			done++
			p.Set(done)
			mu.Unlock()
		})
	}, spindle.Named("demo order chain"))
	defer func() {
		cancelWait(errors.New("demo over"))
		<-chain.Done()
	}()
	for i := range n {
		k := demoKindOf(i)
		r := mrand.New(mrand.NewPCG(uint64(i), 1138))
		items[i] = demoItem{kind: k, start: time.Now()}
		h, err := demoKinds[k].def.Enqueue(waitCtx, c, demoKinds[k].args(r, demoArgs{Run: run, Item: i}))
		if err != nil && waitCtx.Err() != nil {
			break // said below
		}
		if err != nil {
			return a.storeErr("enqueue", "", err)
		}
		items[i].id = h.ID()
		aws = append(aws, h)
		index[h] = i
	}
	aws = append(aws, chain)
	index[chain] = n
	if len(aws) < n+1 {
		aws = nil // interrupted while enqueueing
	}

	for aw := range spindle.AsCompleted(waitCtx, aws...) {
		i := index[aw]
		it := &items[i]
		it.lat = time.Since(it.start)
		it.res, it.err = aw.Result()
		if it.err != nil {
			failed.Add(1)
		}
		mu.Lock()
		if i < n {
			done++
		}
		p.Set(done)
		mu.Unlock()
	}
	wall := time.Since(begin)
	if waitCtx.Err() != nil {
		stopProgress()
		cause := context.Cause(waitCtx)
		if ctx.Err() != nil {
			cause = errors.New("interrupted")
		}
		return fmt.Errorf("demo stopped after %d of %d jobs: %v", done, n+3, cause)
	}
	stopProgress()
	mu.Lock()
	defer mu.Unlock()
	return a.demoSummary(out, items, chainLat, wall)
}

// demoSummary prints the table and what to look at next.
func (a *app) demoSummary(w io.Writer, items []demoItem, chainLat []time.Duration, wall time.Duration) error {
	type row struct {
		label                     string
		jobs, ok, failed, retries int
		lat                       []time.Duration
	}
	rows := make([]row, len(demoKinds)+1)
	for k, dk := range demoKinds {
		rows[k].label = dk.label
		rows[k].retries = demoRetryCount(dk.def.Name())
	}
	chainRow := len(demoKinds)
	rows[chainRow].label = "order chain (per step)"
	rows[chainRow].retries = demoRetryCount(demoFetch.Name(), demoPrice.Name(), demoReceipt.Name())
	var all []time.Duration
	var deadID, chainResult string
	var chainErr error
	for _, it := range items {
		if it.kind == chainRow {
			chainResult, chainErr = it.res, it.err
			continue
		}
		r := &rows[it.kind]
		r.jobs++
		r.lat = append(r.lat, it.lat)
		all = append(all, it.lat)
		if it.err != nil {
			r.failed++
			if deadID == "" {
				deadID = it.id
			}
		} else {
			r.ok++
		}
	}
	r := &rows[chainRow]
	r.jobs, r.lat = 3, chainLat
	r.ok = len(chainLat)
	if chainErr != nil {
		r.failed = 1
	}
	all = append(all, chainLat...)

	total, ok, failed := 0, 0, 0
	for _, r := range rows {
		total += r.jobs
		ok += r.ok
		failed += r.failed
	}
	retries := demoRetryCount()

	fmt.Fprintln(w, "Summary (latency: from enqueue to the awaited result)")
	t := newTable(w, "  KIND", "JOBS", "OK", "FAILED", "RETRIES", "P50", "P99")
	for _, r := range rows {
		t.row("  "+r.label, strconv.Itoa(r.jobs), strconv.Itoa(r.ok), strconv.Itoa(r.failed), strconv.Itoa(r.retries), fmtLat(pct(r.lat, 0.50)), fmtLat(pct(r.lat, 0.99)))
	}
	t.row("  all", strconv.Itoa(total), strconv.Itoa(ok), strconv.Itoa(failed), strconv.Itoa(retries), fmtLat(pct(all, 0.50)), fmtLat(pct(all, 0.99)))
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d jobs in %v: %.1f jobs/s · latency p50 %s, p99 %s · retries %d · failures %d (dead-lettered after their last attempt)\n",
		total, wall.Round(time.Millisecond), float64(total)/wall.Seconds(), fmtLat(pct(all, 0.5)), fmtLat(pct(all, 0.99)), retries, failed)
	if chainErr != nil {
		fmt.Fprintf(w, "The chain failed: %v\n", chainErr)
	} else {
		fmt.Fprintf(w, "The chain's last job says: %s\n", chainResult)
	}
	if storeKind(a.store) == "memory" {
		fmt.Fprintf(w, "\nThe jobs lived in this process's memory and are gone with it; run the demo without --store to keep them in spindle.db.\n")
		return nil
	}
	store := ""
	if a.store != jobs.DefaultURL {
		store = " --store " + jobs.RedactURL(a.store)
	}
	fmt.Fprintf(w, "\nThe jobs stay in the store for an hour. Look at them:\n")
	fmt.Fprintf(w, "  %s queues%s\n", a.name, store)
	fmt.Fprintf(w, "  %s jobs --queue %s --state dead%s\n", a.name, demoQueue, store)
	if deadID != "" {
		fmt.Fprintf(w, "  %s job %s%s\n", a.name, deadID, store)
		fmt.Fprintf(w, "  %s retry %s%s\n", a.name, deadID, store)
	}
	return nil
}

// pct returns the q-quantile of ds (nearest rank), or -1 for none.
func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return -1
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}

func fmtLat(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return roundDur(d)
}
