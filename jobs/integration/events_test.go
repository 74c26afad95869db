package integration_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

var evFlaky = jobs.Define("test.ev-flaky", func(ctx context.Context, n int) (int, error) {
	j, _ := jobs.JobFromContext(ctx)
	if j.Attempt < n {
		return 0, errors.New("flaked")
	}
	return j.Attempt, nil
}, jobs.Retries(1), jobs.RetryDelay(func(int) time.Duration { return time.Millisecond }))

func TestEventsLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), evFlaky)
		h, err := evFlaky.Enqueue(ctx, c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Await(ctx); err != nil {
			t.Fatal(err)
		}
		want := []jobs.EventKind{jobs.EventEnqueued, jobs.EventStarted, jobs.EventFailed, jobs.EventRetrying, jobs.EventStarted, jobs.EventSucceeded}
		for i, k := range want {
			e := ev.waitFor(t, ctx, k, h.ID())
			if e.Name != "test.ev-flaky" || e.Queue != "default" || e.At.IsZero() {
				t.Fatalf("event %d: %+v", i, e)
			}
			if k == jobs.EventFailed && (e.Err == nil || e.Err.Error() != "flaked" || e.Attempt != 1) {
				t.Fatalf("failed event %+v", e)
			}
		}
		// The second job fails for good: Failed, then DeadLettered.
		h2, _ := evFlaky.Enqueue(ctx, c, 5)
		_, err = h2.Await(ctx)
		wantJobError(t, err, "dead", 2)
		ev.waitFor(t, ctx, jobs.EventFailed, h2.ID())
		ev.waitFor(t, ctx, jobs.EventFailed, h2.ID())
		if e := ev.waitFor(t, ctx, jobs.EventDeadLettered, h2.ID()); e.Attempt != 2 {
			t.Fatalf("dead-lettered event %+v", e)
		}
	})
}

func TestSubscribeOrderAndStop(t *testing.T) {
	c, _ := memClient(t)
	var mu sync.Mutex
	var got []string
	release := make(chan struct{})
	stop := c.Subscribe(func(e jobs.Event) {
		<-release // a slow subscriber: emitting must not wait for it
		mu.Lock()
		got = append(got, e.JobID)
		mu.Unlock()
	})
	ctx := context.Background()
	var ids []string
	for i := range 50 {
		h, err := add.Enqueue(ctx, c, addArgs{i, i})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.ID())
	}
	close(release)
	stop() // delivers everything queued before it
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("delivered %d events %v, want the 50 enqueues in order", len(got), got)
	}
	// After stop nothing more arrives.
	add.Enqueue(ctx, c, addArgs{})
	if len(got) != 50 {
		t.Fatalf("delivered after stop: %d", len(got))
	}
}

func TestSubscriberPanicDoesNotStopDelivery(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(quiet) // the recovered panic is logged there
	c, _ := memClient(t)
	n := 0
	done := make(chan struct{})
	stop := c.Subscribe(func(e jobs.Event) {
		n++
		if n == 1 {
			panic("subscriber bug")
		}
		close(done)
	})
	defer stop()
	ctx := context.Background()
	add.Enqueue(ctx, c, addArgs{})
	add.Enqueue(ctx, c, addArgs{})
	<-done
}

func TestMiddlewareAndHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, c0 *jobs.Client) {
		ctx := testCtx(t)
		type traceKey struct{}
		c, err := jobs.New(c0.Store(), jobs.OnEnqueue(func(ctx context.Context, h map[string]string) {
			if id, ok := ctx.Value(traceKey{}).(string); ok {
				h["trace-id"] = id
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var mu sync.Mutex
		var trail []string
		mw := func(tag string) jobs.Middleware {
			return func(next jobs.Handler) jobs.Handler {
				return func(ctx context.Context, job *jobs.RunningJob, args []byte) ([]byte, error) {
					mu.Lock()
					trail = append(trail, tag+":"+job.Headers["trace-id"])
					mu.Unlock()
					res, err := next(ctx, job, args)
					if job.Name == "test.fail-odd" && err != nil {
						return nil, jobs.Permanent(err)
					}
					return res, err
				}
			}
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Middleware: []jobs.Middleware{mw("outer"), mw("inner")}}), add, failOdd)
		h, err := add.Enqueue(context.WithValue(ctx, traceKey{}, "abc"), c, addArgs{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := h.Await(ctx); err != nil || got != 3 {
			t.Fatalf("Await = %d, %v", got, err)
		}
		mu.Lock()
		if strings.Join(trail, " ") != "outer:abc inner:abc" {
			t.Fatalf("middleware saw %v, want outer then inner with the header", trail)
		}
		mu.Unlock()
		// Middleware may turn an error permanent: one attempt only.
		hf, _ := failOdd.Enqueue(ctx, c, 1)
		_, err = hf.Await(ctx)
		wantJobError(t, err, "dead", 1)
		// No hook set anything: no metadata is stored.
		hp, _ := add.Enqueue(ctx, c, addArgs{})
		info, err := c.Inspect().Job(ctx, hp.ID())
		if err != nil || info.Headers != nil {
			t.Fatalf("job without headers has headers %v, %v", info.Headers, err)
		}
	})
}

func TestWorkersPresence(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		stop := startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "w-one", Concurrency: 3, Queues: map[string]int{"a": 2, "b": 1}}), add)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{ID: "w-two"}), add)
		var ws []jobs.WorkerInfo
		for len(ws) < 2 {
			var err error
			if ws, err = c.Inspect().Workers(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		w := ws[0]
		if w.ID != "w-one" || w.Concurrency != 3 || w.Queues["a"] != 2 || w.PID == 0 || w.Started.IsZero() || !w.Until.After(w.LastHeartbeat) {
			t.Fatalf("worker info %+v", w)
		}
		stop()
		ws, err := c.Inspect().Workers(ctx)
		if err != nil || len(ws) != 1 || ws[0].ID != "w-two" {
			t.Fatalf("after one stopped: %+v, %v", ws, err)
		}
	})
}
