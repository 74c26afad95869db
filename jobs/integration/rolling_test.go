package integration_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// Rolling deploys: a worker claims only the job names it has definitions
// for, so a job of a name it does not know waits, with its attempts
// untouched, for a worker that knows it; meanwhile the inspector says so
// and the workers warn.

// attemptOf returns the attempt the handler runs.
func attemptOf(ctx context.Context) int {
	j, _ := jobs.JobFromContext(ctx)
	return j.Attempt
}

var (
	rollOld = jobs.Define("test.roll-old", func(ctx context.Context, _ int) (int, error) { return attemptOf(ctx), nil })
	rollNew = jobs.Define("test.roll-new", func(ctx context.Context, _ int) (int, error) { return attemptOf(ctx), nil })
)

// eachStoreLater runs fn on every store row, with later the time between
// the enqueue of a job of a new kind and the start of the worker that
// knows it: 5s in the memory row's fake time, 1.5s in real time.
func eachStoreLater(t *testing.T, fn func(t *testing.T, c *jobs.Client, later time.Duration)) {
	for _, row := range storeRows {
		t.Run(row.name, func(t *testing.T) {
			if row.bubble {
				synctest.Test(t, func(t *testing.T) { fn(t, row.open(t), 5*time.Second) })
				return
			}
			fn(t, row.open(t), 1500*time.Millisecond)
		})
	}
}

// noWorkerEvent returns the next EventNoWorker about name, skipping
// other events.
func (l *eventLog) noWorkerEvent(t *testing.T, ctx context.Context, name string) jobs.Event {
	t.Helper()
	for {
		select {
		case e := <-l.ch:
			if e.Kind == jobs.EventNoWorker && e.Name == name {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %s event for job name %s", jobs.EventNoWorker, name)
		}
	}
}

// TestRollingDeployWaitsForAWorkerThatKnowsTheJob: a job of a new kind,
// enqueued while only an old worker runs, waits untouched (the inspector
// says for what, the old worker warns) until a new worker starts, which
// runs it at its first attempt.
func TestRollingDeployWaitsForAWorkerThatKnowsTheJob(t *testing.T) {
	eachStoreLater(t, func(t *testing.T, c *jobs.Client, later time.Duration) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		// The old worker knows only the old kind; it looks for jobs
		// nobody knows at every recovery sweep.
		startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "old", RecoverInterval: 100 * time.Millisecond}), rollOld)
		hNew, err := rollNew.Enqueue(ctx, c, 1)
		if err != nil {
			t.Fatal(err)
		}
		hOld, err := rollOld.Enqueue(ctx, c, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := hOld.Await(ctx); err != nil || n != 1 {
			t.Fatalf("old job: %v, %v; want it run by the old worker at attempt 1", n, err)
		}
		// The old worker, running (it ran the old job), left the new one
		// alone; the inspector says what it waits for.
		info, err := c.Inspect().Job(ctx, hNew.ID())
		if err != nil {
			t.Fatal(err)
		}
		if info.State != store.Queued || info.Attempt != 0 || !strings.Contains(info.WaitingFor, `"test.roll-new"`) {
			t.Fatalf("new job while only the old worker runs: %s, attempt %d, waiting for %q; want queued, 0, a worker that knows test.roll-new",
				info.State, info.Attempt, info.WaitingFor)
		}
		// The old worker warns: a job waits that no running worker knows.
		e := ev.noWorkerEvent(t, ctx, "test.roll-new")
		if e.Queue != "default" || e.Waiting != 1 || e.JobID != "" {
			t.Fatalf("no-worker event %+v; want queue default, 1 waiting", e)
		}
		time.Sleep(later)
		if info, err := c.Inspect().Job(ctx, hNew.ID()); err != nil || info.State != store.Queued || info.Attempt != 0 || len(info.Errors) != 0 {
			t.Fatalf("new job %s later: %+v, %v; want it queued and untouched", later, info, err)
		}
		// The new worker starts and runs it, at its first attempt.
		startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "new"}), rollNew, rollOld)
		if n, err := hNew.Await(ctx); err != nil || n != 1 {
			t.Fatalf("new job: %v, %v; want it run at attempt 1", n, err)
		}
		// The warning ends: a last event with nothing waiting.
		for e := ev.noWorkerEvent(t, ctx, "test.roll-new"); e.Waiting != 0; e = ev.noWorkerEvent(t, ctx, "test.roll-new") {
		}
	})
}

// TestDisjointWorkersShareAQueue: two workers with different definitions
// on one queue each run their own jobs, each once, at its first attempt.
func TestDisjointWorkersShareAQueue(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "a", Concurrency: 2}), rollOld)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "b", Concurrency: 2}), rollNew)
		var hs []*jobs.Handle[int]
		for i := range 20 {
			def := rollOld
			if i%2 == 1 {
				def = rollNew
			}
			h, err := def.Enqueue(ctx, c, i)
			if err != nil {
				t.Fatal(err)
			}
			hs = append(hs, h)
		}
		for i, h := range hs {
			if n, err := h.Await(ctx); err != nil || n != 1 {
				t.Fatalf("job %d: %v, %v; want it run once, at attempt 1, by the worker that knows it", i, n, err)
			}
		}
	})
}

// namesIgnored is a store that claims jobs of any name whatever the
// worker asks, as a store written before ClaimRequest.Names would.
type namesIgnored struct{ store.Store }

func (s namesIgnored) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	req.Names = nil
	return s.Store.Claim(ctx, req)
}

// TestUnknownNameIsGivenBack: a worker handed a job it has no definition
// for gives it back without spending an attempt, and not at once, so it
// does not spin claiming it again.
func TestUnknownNameIsGivenBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := memory.New()
		// Closed after the workers stop (cleanups run last first): a
		// store closed under a running worker ends it with an error.
		t.Cleanup(func() { mem.Close() })
		s := &countingClaims{Store: namesIgnored{mem}}
		c, err := jobs.New(s)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		stopOld := startWorker(t, c, jobs.WorkerOptions{ID: "old"}, rollOld)
		h, err := rollNew.Enqueue(ctx, c, 1)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		j, err := mem.Get(ctx, h.ID())
		if err != nil || j.Attempt != 0 || len(j.Errors) != 0 || j.State.Final() || j.State == store.Running {
			t.Fatalf("job of a name the worker does not know: %+v, %v; want it waiting at attempt 0, no errors", j, err)
		}
		if n := s.gave.Load(); n < 1 || n > 4 {
			t.Fatalf("the worker was handed the job %d times in 3s; want about one a second", n)
		}
		stopOld()
		startWorker(t, c, jobs.WorkerOptions{ID: "new"}, rollNew)
		if n, err := h.Await(ctx); err != nil || n != 1 {
			t.Fatalf("new job: %v, %v; want it run at attempt 1", n, err)
		}
	})
}

// countingClaims counts the jobs of rollNew's name its claims hand out.
type countingClaims struct {
	store.Store
	gave atomic.Int64
}

func (s *countingClaims) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	got, err := s.Store.Claim(ctx, req)
	for _, j := range got {
		if j.Name == "test.roll-new" {
			s.gave.Add(1)
		}
	}
	return got, err
}
