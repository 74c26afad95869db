package integration_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// flaky fails until its attempt reaches the number it is given.
var flaky = jobs.Define("test.flaky", func(ctx context.Context, succeedAt int) (int, error) {
	j, _ := jobs.JobFromContext(ctx)
	if j.Attempt < succeedAt {
		return 0, errors.New("not yet")
	}
	return j.Attempt, nil
}, jobs.Retries(4), jobs.RetryDelay(func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }))

func TestRetriesThenSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{PollInterval: time.Second}, flaky)
		ctx := context.Background()
		start := time.Now()
		h, _ := flaky.Enqueue(ctx, c, 3)
		got, err := h.Await(ctx)
		if err != nil || got != 3 {
			t.Fatalf("Await = %d, %v; want success on attempt 3", got, err)
		}
		// Waits of 1 and 2 minutes; each retry starts within one poll.
		if d := time.Since(start); d < 3*time.Minute || d > 3*time.Minute+2*time.Second {
			t.Fatalf("took %v, want about 3m of backoff", d)
		}
		info, err := c.Inspect().Job(ctx, h.ID())
		if err != nil {
			t.Fatal(err)
		}
		if info.Attempt != 3 || len(info.Errors) != 2 || info.Errors[0].Error != "not yet" || info.Errors[1].Attempt != 2 {
			t.Fatalf("job after retries: attempt %d errors %+v", info.Attempt, info.Errors)
		}
	})
}

var alwaysFails = jobs.Define("test.always-fails", func(ctx context.Context, _ struct{}) (struct{}, error) {
	return struct{}{}, errors.New("disk on fire")
}, jobs.Retries(2), jobs.RetryBackoff(time.Second, time.Minute))

func TestDeadLetterAfterLastAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, alwaysFails)
		ctx := context.Background()
		h, _ := alwaysFails.Enqueue(ctx, c, struct{}{})
		_, err := h.Await(ctx)
		je := wantJobError(t, err, store.Dead, 3)
		if je.Err != "disk on fire" || len(je.Errors) != 3 || je.ID != h.ID() || je.Name != "test.always-fails" {
			t.Fatalf("JobError %+v", je)
		}
		if !strings.Contains(err.Error(), "dead after 3 attempts: disk on fire") {
			t.Fatalf("message %q", err)
		}
		page, err := c.Inspect().Jobs(ctx, jobs.ListOptions{State: store.Dead})
		if err != nil || len(page.Jobs) != 1 {
			t.Fatalf("dead letters %v, %v", page.Jobs, err)
		}
	})
}

var permanentFail = jobs.Define("test.permanent", func(ctx context.Context, _ int) (int, error) {
	return 0, jobs.Permanent(errors.New("invalid card"))
})

func TestPermanentErrorSkipsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, permanentFail)
		h, _ := permanentFail.Enqueue(context.Background(), c, 1)
		_, err := h.Await(context.Background())
		wantJobError(t, err, store.Dead, 1)
	})
}

var panics = jobs.Define("test.panics", func(ctx context.Context, _ int) (int, error) {
	panic("nil map somewhere")
}, jobs.Retries(1), jobs.RetryDelay(func(int) time.Duration { return 0 }))

var exits = jobs.Define("test.goexit", func(ctx context.Context, _ int) (int, error) {
	runtime.Goexit()
	return 0, nil
}, jobs.Retries(0))

func TestBadInputDoesNotStopTheWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 2}, panics, exits, add)
		ctx := context.Background()

		hp, _ := panics.Enqueue(ctx, c, 1)
		_, err := hp.Await(ctx)
		je := wantJobError(t, err, store.Dead, 2)
		if !strings.Contains(je.Err, `job "test.panics" panicked: nil map somewhere`) || !strings.Contains(je.Err, "goroutine") {
			t.Fatalf("panic error %q: want what panicked and the stack", je.Err)
		}

		hx, _ := exits.Enqueue(ctx, c, 1)
		_, err = hx.Await(ctx)
		je = wantJobError(t, err, store.Dead, 1)
		if !strings.Contains(je.Err, "Goexit") {
			t.Fatalf("Goexit error %q", je.Err)
		}

		// Jobs enqueued by other code: an unknown name, bad arguments.
		now := time.Now().UTC()
		raw := []*store.Job{
			{ID: "00000000000000000000UNKNWN", Name: "no.such.job", Queue: "default", Args: []byte(`{}`), State: store.Queued, MaxAttempts: 5, RunAt: now, EnqueuedAt: now},
			{ID: "00000000000000000000BADARG", Name: "test.add", Queue: "default", Args: []byte(`{"A":"two"}`), State: store.Queued, MaxAttempts: 5, RunAt: now, EnqueuedAt: now},
		}
		if _, err := mem.Insert(ctx, raw); err != nil {
			t.Fatal(err)
		}
		_, err = jobs.HandleOf[int](c, raw[1].ID).Await(ctx)
		je = wantJobError(t, err, store.Dead, 1)
		if !strings.Contains(je.Err, `arguments of job "test.add" do not decode into integration_test.addArgs`) || !strings.Contains(je.Err, `"two"`) {
			t.Fatalf("bad arguments error %q", je.Err)
		}
		if !errors.Is(err, jobs.ErrBadArgs) {
			t.Errorf("arguments that do not decode on the worker: %v does not match ErrBadArgs", err)
		}
		// The worker has no definition for the unknown name: it never
		// claims the job, which waits, untouched, for a worker that does.
		synctest.Wait()
		info, err := c.Inspect().Job(ctx, raw[0].ID)
		if err != nil || info.State != store.Queued || info.Attempt != 0 || !strings.Contains(info.WaitingFor, `"no.such.job"`) {
			t.Fatalf("job of an unknown name: %+v, %v; want it queued at attempt 0, waiting for a worker that knows no.such.job", info, err)
		}

		// The worker is still fine, with all its slots.
		g, err := add.Map(ctx, c, []addArgs{{1, 1}, {2, 2}, {3, 3}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := g.Await(ctx); err != nil || got[2] != 6 {
			t.Fatalf("after bad input: %v, %v", got, err)
		}
	})
}

func TestResultTypeMismatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		h, _ := add.Enqueue(context.Background(), c, addArgs{1, 2})
		_, err := jobs.HandleOf[string](c, h.ID()).Await(context.Background())
		if err == nil || !strings.Contains(err.Error(), "does not decode into string") {
			t.Fatalf("Await with the wrong type = %v", err)
		}
	})
}

var timesOut = jobs.Define("test.times-out", func(ctx context.Context, _ int) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}, jobs.Timeout(time.Second), jobs.Retries(0))

func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, timesOut)
		h, _ := timesOut.Enqueue(context.Background(), c, 0)
		_, err := h.Await(context.Background())
		je := wantJobError(t, err, store.Dead, 1)
		if !strings.Contains(je.Err, "timed out after 1s") {
			t.Fatalf("timeout error %q", je.Err)
		}
	})
}

// blocker runs until released or its ctx ends; it reports its starts.
type blocker struct {
	started chan string
	release chan struct{}
	def     *jobs.Definition[string, string]
}

func newBlocker(name string) *blocker {
	b := &blocker{started: make(chan string, 100), release: make(chan struct{})}
	b.def = jobs.Define(name, func(ctx context.Context, s string) (string, error) {
		b.started <- s
		select {
		case <-b.release:
			return s, nil
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	})
	return b
}

func TestGracefulShutdownGivesBackWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		b := newBlocker("test.blocker-shutdown")
		ctx := context.Background()
		stop := startWorker(t, c, jobs.WorkerOptions{Concurrency: 2, Prefetch: 2, Grace: 5 * time.Second}, b.def, add)
		// Fast jobs first: the worker prefetches only once it knows jobs
		// are short.
		warm, _ := add.Map(ctx, c, []addArgs{{1, 2}, {3, 4}})
		if _, err := warm.Await(ctx); err != nil {
			t.Fatal(err)
		}
		hs := make([]*jobs.Handle[string], 4)
		for i, s := range []string{"a", "b", "c", "d"} {
			hs[i], _ = b.def.Enqueue(ctx, c, s)
		}
		<-b.started
		<-b.started
		synctest.Wait()
		// c is prefetched. d may or may not be: while slots are busy the
		// claim loop waits for a batch worth a round trip, so d is held only
		// if it arrived in the same claim as c. Either way it must come
		// back unspent below.
		if j, _ := mem.Get(ctx, hs[2].ID()); j.State != store.Running {
			t.Fatalf("job %s is %s; want it prefetched (claimed, waiting for a slot)", j.Args, j.State)
		}
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		time.Sleep(time.Second)
		synctest.Wait()
		// During the grace period: a and b still run; c and d are back.
		for _, h := range hs[2:] {
			j, _ := mem.Get(ctx, h.ID())
			if j.State != store.Queued || j.Attempt != 0 {
				t.Fatalf("unstarted job %s: %s attempt %d; want queued, attempt 0", j.Args, j.State, j.Attempt)
			}
		}
		select {
		case <-stopped:
			t.Fatal("Run returned during the grace period")
		default:
		}
		start := time.Now()
		<-stopped // grace runs out: a and b are cancelled and given back
		if d := time.Since(start); d != 4*time.Second {
			t.Fatalf("Run returned %v after the first second, want the rest of the 5s grace", d)
		}
		for _, h := range hs {
			j, _ := mem.Get(ctx, h.ID())
			if j.State != store.Queued || j.Attempt != 0 || len(j.Errors) != 0 {
				t.Fatalf("job %s after shutdown: %s attempt %d errors %v; want queued, attempt not counted", j.Args, j.State, j.Attempt, j.Errors)
			}
		}
		// Another worker runs them all.
		close(b.release)
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 4}, b.def)
		for i, h := range hs {
			if got, err := h.Await(ctx); err != nil || got != []string{"a", "b", "c", "d"}[i] {
				t.Fatalf("job %d after restart: %q, %v", i, got, err)
			}
		}
	})
}

func TestGracefulShutdownLetsJobsFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		stop := startWorker(t, c, jobs.WorkerOptions{Grace: time.Minute}, slowDouble)
		h, _ := slowDouble.Enqueue(context.Background(), c, 5)
		time.Sleep(10 * time.Millisecond) // running now
		start := time.Now()
		stop()
		if d := time.Since(start); d != 40*time.Millisecond {
			t.Fatalf("shutdown took %v, want the 40ms the job had left", d)
		}
		if got, err := h.Await(context.Background()); err != nil || got != 10 {
			t.Fatalf("Await = %d, %v", got, err)
		}
	})
}

var longJob = jobs.Define("test.long", func(ctx context.Context, d time.Duration) (int, error) {
	select {
	case <-time.After(d):
		j, _ := jobs.JobFromContext(ctx)
		return j.Attempt, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
})

func TestHeartbeatKeepsLongJobLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		opts := jobs.WorkerOptions{LeaseDuration: 100 * time.Millisecond}
		startWorker(t, c, opts, longJob)
		startWorker(t, c, opts, longJob) // a second worker whose recoverer would steal an expired lease
		h, _ := longJob.Enqueue(context.Background(), c, 10*time.Second)
		got, err := h.Await(context.Background())
		if err != nil || got != 1 {
			t.Fatalf("Await = %d, %v; want success on the first attempt", got, err)
		}
	})
}

func TestRecovererRunsAbandonedJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		ctx := context.Background()
		h, _ := add.Enqueue(ctx, c, addArgs{4, 5})
		// A worker that claimed it and died.
		start := time.Now()
		claimed, err := mem.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "dead-worker", Now: start.UTC(), LeaseUntil: start.Add(time.Second).UTC()})
		if err != nil || len(claimed) != 1 {
			t.Fatal(claimed, err)
		}
		startWorker(t, c, jobs.WorkerOptions{LeaseDuration: 200 * time.Millisecond}, add)
		got, err := h.Await(ctx)
		if err != nil || got != 9 {
			t.Fatalf("Await = %d, %v", got, err)
		}
		if d := time.Since(start); d < time.Second || d > 1200*time.Millisecond {
			t.Fatalf("recovered after %v; want soon after the 1s lease", d)
		}
		j, _ := mem.Get(ctx, h.ID())
		if j.Attempt != 2 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "dead-worker") {
			t.Fatalf("recovered job: attempt %d errors %+v", j.Attempt, j.Errors)
		}
	})
}

// leaseThief reports every lease as lost, as after another worker's
// recoverer took the jobs.
type leaseThief struct{ store.Store }

func (l leaseThief) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	return ids, nil
}

func TestLostLeaseCancelsHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, mem := memClient(t)
		c, err := jobs.New(leaseThief{mem})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		causes := make(chan error, 1)
		def := jobs.Define("test.lease-watch", func(ctx context.Context, _ int) (int, error) {
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return 0, ctx.Err()
		})
		startWorker(t, c, jobs.WorkerOptions{LeaseDuration: time.Second}, def)
		start := time.Now()
		h, _ := def.Enqueue(context.Background(), c, 1)
		if cause := <-causes; !errors.Is(cause, jobs.ErrLeaseLost) {
			t.Fatalf("handler ctx cause %v, want ErrLeaseLost", cause)
		}
		if d := time.Since(start); d != time.Second/3 {
			t.Fatalf("lease loss noticed after %v, want at the first heartbeat", d)
		}
		synctest.Wait()
		// The outcome of an attempt that lost its lease is not recorded.
		j, _ := mem.Get(context.Background(), h.ID())
		if j.State != store.Running || len(j.Errors) != 0 {
			t.Fatalf("job after lost lease: %s, errors %v", j.State, j.Errors)
		}
	})
}

func TestDelayAndETA(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{PollInterval: 100 * time.Millisecond}, add)
		ctx := context.Background()
		start := time.Now()
		h1, _ := add.Enqueue(ctx, c, addArgs{1, 0}, jobs.Delay(time.Hour))
		h2, _ := add.Enqueue(ctx, c, addArgs{2, 0}, jobs.At(start.Add(2*time.Hour)))
		if _, err := h1.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Hour || d > time.Hour+100*time.Millisecond {
			t.Fatalf("delayed job ran after %v, want 1h (within one poll)", d)
		}
		if _, err := h2.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 2*time.Hour || d > 2*time.Hour+100*time.Millisecond {
			t.Fatalf("ETA job ran after %v, want 2h", d)
		}
	})
}

func TestPriorityOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		var mu sync.Mutex
		var order []string
		rec := jobs.Define("test.record", func(ctx context.Context, s string) (struct{}, error) {
			mu.Lock()
			order = append(order, s)
			mu.Unlock()
			return struct{}{}, nil
		})
		ctx := context.Background()
		rec.Enqueue(ctx, c, "low")
		rec.Enqueue(ctx, c, "mid", jobs.Priority(5))
		rec.Enqueue(ctx, c, "high", jobs.Priority(10))
		rec.Enqueue(ctx, c, "low2")
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 1, Prefetch: -1, ClaimBatch: 1}, rec)
		time.Sleep(time.Second)
		mu.Lock()
		defer mu.Unlock()
		if strings.Join(order, ",") != "high,mid,low,low2" {
			t.Fatalf("ran %v, want high,mid,low,low2", order)
		}
	})
}

func TestQueues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		ctx := context.Background()
		hMail, _ := add.Enqueue(ctx, c, addArgs{1, 1}, jobs.Queue("mail"))
		hOther, _ := add.Enqueue(ctx, c, addArgs{2, 2}, jobs.Queue("other"))
		startWorker(t, c, jobs.WorkerOptions{Queues: map[string]int{"mail": 3, "default": 1}}, add)
		if got, err := hMail.Await(ctx); err != nil || got != 2 {
			t.Fatalf("mail job: %d, %v", got, err)
		}
		time.Sleep(time.Minute)
		info, _ := c.Inspect().Job(ctx, hOther.ID())
		if info.State != store.Queued {
			t.Fatalf("job in a queue no worker takes from: %s", info.State)
		}
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Queue("bad queue!")); err == nil || !strings.Contains(err.Error(), "bad queue!") {
			t.Fatalf("bad queue name: %v", err)
		}
	})
}

func TestRetentionPrunes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		short := jobs.Define("test.short-lived", func(ctx context.Context, n int) (int, error) { return n, nil }, jobs.Retention(time.Hour))
		startWorker(t, c, jobs.WorkerOptions{PruneInterval: time.Minute}, short)
		ctx := context.Background()
		h, _ := short.Enqueue(ctx, c, 1)
		if _, err := h.Await(ctx); err != nil {
			t.Fatal(err)
		}
		j, _ := mem.Get(ctx, h.ID())
		if want := j.FinishedAt.Add(time.Hour); !j.RetainUntil.Equal(want) {
			t.Fatalf("RetainUntil %v, want %v", j.RetainUntil, want)
		}
		time.Sleep(59 * time.Minute)
		if _, err := mem.Get(ctx, h.ID()); err != nil {
			t.Fatalf("pruned too early: %v", err)
		}
		time.Sleep(150 * time.Second)
		if _, err := mem.Get(ctx, h.ID()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("not pruned after retention: %v", err)
		}
	})
}

func TestWorkerOptionErrors(t *testing.T) {
	c, _ := memClient(t)
	cases := []struct {
		opts jobs.WorkerOptions
		want string
	}{
		{jobs.WorkerOptions{Concurrency: -1}, "Concurrency"},
		{jobs.WorkerOptions{LeaseDuration: time.Millisecond}, "LeaseDuration"},
		{jobs.WorkerOptions{LeaseDuration: time.Second, HeartbeatInterval: 2 * time.Second}, "HeartbeatInterval"},
		{jobs.WorkerOptions{Queues: map[string]int{"q": 0}}, "weight"},
		{jobs.WorkerOptions{Queues: map[string]int{"": 1}}, "queue name"},
	}
	for _, tc := range cases {
		if _, err := jobs.NewWorker(c, tc.opts, add); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewWorker(%+v) = %v; want an error about %s", tc.opts, err, tc.want)
		}
	}
	if _, err := jobs.NewWorker(c, jobs.WorkerOptions{}, add, add); err == nil || !strings.Contains(err.Error(), "test.add") {
		t.Errorf("duplicate definitions: %v", err)
	}
}

func TestDefinePanicsOnBadName(t *testing.T) {
	for _, name := range []string{"", "has space", strings.Repeat("x", 129), "-leading"} {
		func() {
			defer func() {
				v := recover()
				if v == nil || !strings.Contains(v.(error).Error(), "not valid") {
					t.Errorf("Define(%q) panicked with %v; want a clear error", name, v)
				}
			}()
			jobs.Define(name, func(context.Context, int) (int, error) { return 0, nil })
		}()
	}
}

func TestEnqueueBadArgs(t *testing.T) {
	c, _ := memClient(t)
	fn := jobs.Define("test.chan-args", func(context.Context, chan int) (int, error) { return 0, nil })
	_, err := fn.Enqueue(context.Background(), c, make(chan int))
	if err == nil || !strings.Contains(err.Error(), "do not encode as JSON") {
		t.Fatalf("Enqueue(chan) = %v", err)
	}
}

func TestSlowJobsAreNotPrefetched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 1, Prefetch: 8}, slowDouble)
		ctx := context.Background()
		if _, err := slowDouble.Map(ctx, c, []int{1, 2, 3, 4}); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			time.Sleep(25 * time.Millisecond)
			st, err := c.Inspect().Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Counts[store.Running] != 1 {
				t.Fatalf("%d jobs held by a one-slot worker running 50ms jobs; want 1 (no prefetch)", st.Counts[store.Running])
			}
			time.Sleep(25 * time.Millisecond)
		}
	})
}
