//go:build fault

package faulttest

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Clock skew: three workers share a store, one with its clock 5s ahead,
// one 5s behind and one exact, each recovering expired leases every
// 100ms. Each holds four jobs that run longer than the lease. No job may
// run twice or lose its lease: the bound is that the skew between any two
// workers (here up to 10s) stays below the lease minus the heartbeat
// interval (16s - 2s).
const (
	skew          = 5 * time.Second
	skewLease     = 16 * time.Second
	skewHeartbeat = 2 * time.Second
	skewJob       = 20 * time.Second
	skewConc      = 4
)

func TestClockSkew(t *testing.T) {
	for _, sk := range stores {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel() // the jobs mostly sleep
			testClockSkew(t, sk.name, sk.url(t))
		})
	}
}

func testClockSkew(t *testing.T, storeName, url string) {
	ctx := testCtx(t, 2*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue("skew")
	log := newExecLog()
	warn := &warnings{}
	offsets := map[string]time.Duration{"ahead": skew, "behind": -skew, "exact": 0}
	for tag, d := range offsets {
		wc := newClient(t, c, func(s store.Store) store.Store { return skewedStore{s, d} })
		startWorker(t, wc, jobs.WorkerOptions{
			Concurrency: skewConc, Queues: map[string]int{queue: 1}, LeaseDuration: skewLease,
			HeartbeatInterval: skewHeartbeat, RecoverInterval: 100 * time.Millisecond, ID: tag,
			Logger: slog.New(warn),
		}, workDef(tag, log))
	}
	// Until its first job ends a worker prefetches nothing, so each of
	// the three holds exactly four of the twelve jobs.
	args := make([]workArgs, 3*skewConc)
	for i := range args {
		args[i] = workArgs{N: i, Sleep: skewJob}
	}
	g, err := producerDef.Map(ctx, c, args, jobs.Queue(queue), jobs.Retries(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Await(ctx); err != nil {
		t.Fatalf("jobs: %v\nwarnings: %v", err, warn.list())
	}
	perWorker := map[string]int{}
	runs := 0
	for _, id := range groupIDs(g) {
		started, _ := log.runs(id)
		runs += len(started)
		for _, tag := range started {
			perWorker[tag]++
		}
		j, err := c.Inspect().Job(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(started) != 1 || j.Attempt != 1 || len(j.Errors) != 0 || j.State != store.Succeeded {
			t.Errorf("job %s: runs %v, attempt %d, errors %v, state %s; want one run", id, started, j.Attempt, j.Errors, j.State)
		}
	}
	if w := warn.list(); len(w) > 0 {
		t.Errorf("workers warned: %v", w)
	}
	report(t, "clock-skew", storeName, "skew", skew, "lease", skewLease, "heartbeat", skewHeartbeat, "job", skewJob,
		"jobs", len(args), "runs", runs, "duplicate_runs", runs-len(args), "lease_warnings", len(warn.list()),
		"per_worker", fmt.Sprintf("ahead:%d,behind:%d,exact:%d", perWorker["ahead"], perWorker["behind"], perWorker["exact"]))
	for tag := range offsets {
		if perWorker[tag] != skewConc {
			t.Errorf("worker %s ran %d jobs, want %d: the test did not put leases under every clock", tag, perWorker[tag], skewConc)
		}
	}
}

// TestClockSkewBeyondLease is the control: with the same skew and a
// lease shorter than it, a worker whose clock is ahead takes the job from
// its live owner, and the job runs twice. It shows the test above can see
// a double run, and the bound guarantees.md states.
func TestClockSkewBeyondLease(t *testing.T) {
	for _, sk := range stores {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t, time.Minute)
			c := openClient(t, sk.url(t))
			queue := uniqueQueue("skew-control")
			log := newExecLog()
			opts := func(id string) jobs.WorkerOptions {
				return jobs.WorkerOptions{Concurrency: 1, Queues: map[string]int{queue: 1}, LeaseDuration: time.Second,
					RecoverInterval: 100 * time.Millisecond, ID: id, Logger: slog.New(slog.DiscardHandler)}
			}
			h, err := producerDef.Enqueue(ctx, c, workArgs{Sleep: 2 * time.Second}, jobs.Queue(queue))
			if err != nil {
				t.Fatal(err)
			}
			startWorker(t, newClient(t, c, nil), opts("owner"), workDef("owner", log))
			for started, _ := log.runs(h.ID()); len(started) == 0; started, _ = log.runs(h.ID()) {
				if ctx.Err() != nil {
					t.Fatal("the job never started")
				}
				time.Sleep(5 * time.Millisecond)
			}
			ahead := newClient(t, c, func(s store.Store) store.Store { return skewedStore{s, skew} })
			startWorker(t, ahead, opts("ahead"), workDef("ahead", log))
			if _, err := h.Await(ctx); err != nil {
				t.Fatal(err)
			}
			started, returned := log.runs(h.ID())
			if len(started) < 2 || started[0] != "owner" || started[1] != "ahead" {
				t.Fatalf("runs %v: want the owner's run, then the skewed worker's", started)
			}
			report(t, "clock-skew-beyond-lease", sk.name, "skew", skew, "lease", time.Second, "runs", len(started),
				"owner_run_completed", len(returned) > 0 && returned[0] == "owner")
		})
	}
}

// startWorker runs a worker until the test ends and checks Run's result.
func startWorker(t *testing.T, c *jobs.Client, opts jobs.WorkerOptions, defs ...jobs.Registrable) {
	t.Helper()
	w, err := jobs.NewWorker(c, opts, defs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker %s: %v", opts.ID, err)
		}
	})
}

// warnings is a slog handler that keeps the messages of warnings and
// errors.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	w.mu.Lock()
	w.msgs = append(w.msgs, b.String())
	w.mu.Unlock()
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.msgs...)
	sort.Strings(out)
	return out
}
