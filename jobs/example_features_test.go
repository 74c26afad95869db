package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Subscribers see every moment of a job's life in this process.
func ExampleClient_Subscribe() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	var mu sync.Mutex
	var kinds []string
	stop := c.Subscribe(func(e jobs.Event) {
		mu.Lock()
		kinds = append(kinds, string(e.Kind))
		mu.Unlock()
	})
	// Enqueued first, so its event is emitted before the worker can start
	// the job: the enqueuer and the worker emit from different goroutines.
	h, _ := square.Enqueue(ctx, c, 5)
	stopWorker := runWorker(c, jobs.WorkerOptions{}, square)
	h.Await(ctx)
	stopWorker()
	stop() // delivers what was emitted before it
	fmt.Println(strings.Join(kinds, " "))
	// Output: enqueued started succeeded
}

type traceKey struct{}

// A producer hook puts a trace ID in the job's headers; worker middleware
// reads it back around every attempt.
func ExampleMiddleware() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:", jobs.OnEnqueue(func(ctx context.Context, h map[string]string) {
		if id, ok := ctx.Value(traceKey{}).(string); ok {
			h["trace-id"] = id
		}
	}))
	defer c.Close()
	logging := func(next jobs.Handler) jobs.Handler {
		return func(ctx context.Context, job *jobs.RunningJob, args []byte) ([]byte, error) {
			res, err := next(ctx, job, args)
			fmt.Printf("%s trace=%s args=%s result=%s err=%v\n", job.Name, job.Headers["trace-id"], args, res, err)
			return res, err
		}
	}
	defer runWorker(c, jobs.WorkerOptions{Middleware: []jobs.Middleware{logging}}, square)()
	h, _ := square.Enqueue(context.WithValue(ctx, traceKey{}, "4bf92f35"), c, 9)
	h.Await(ctx)
	// Output: math.square trace=4bf92f35 args=9 result=81 err=<nil>
}

// Revoke cancels a job; a waiting one never runs (Huey's revoke and
// restore).
func ExampleHandle_Revoke() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square)()

	h, _ := square.Enqueue(ctx, c, 3, jobs.Delay(time.Hour))
	fmt.Println(h.Revoke(ctx, "no longer needed"))
	_, err := h.Await(ctx)
	var je *jobs.JobError
	errors.As(err, &je)
	fmt.Println(errors.Is(err, jobs.ErrRevoked), je.State, je.Err)

	// Restore puts it back, ready now.
	fmt.Println(c.Inspect().Restore(ctx, h.ID()))
	n, err := jobs.HandleOf[int](c, h.ID()).Await(ctx)
	fmt.Println(n, err)
	// Output:
	// canceled <nil>
	// true canceled no longer needed
	// queued <nil>
	// 9 <nil>
}

var sendDigest = jobs.Define("mail.digest", func(ctx context.Context, user string) (string, error) {
	return "sent to " + user, nil
})

// RevokeAll skips every job of a definition until restored, until a
// time, or once (Huey's revoke_all / restore_all, revoke_until,
// revoke_once).
func ExampleInspector_RevokeAll() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	in := c.Inspect()
	in.RevokeAll(ctx, sendDigest.Name(), jobs.RevokeAllOptions{Reason: "mail server migration"})
	defer runWorker(c, jobs.WorkerOptions{}, sendDigest)()

	h, _ := sendDigest.Enqueue(ctx, c, "ada")
	_, err := h.Await(ctx)
	fmt.Println(errors.Is(err, jobs.ErrRevoked))
	rs, _ := in.Revocations(ctx)
	fmt.Println(rs[0].Name, rs[0].Reason)
	ok, _ := in.RestoreAll(ctx, sendDigest.Name())
	fmt.Println("restored:", ok)
	// Output:
	// true
	// mail.digest mail server migration
	// restored: true
}

var slowReport = jobs.Define("reports.slow", func(ctx context.Context, _ struct{}) (string, error) {
	<-ctx.Done() // honour ctx: the timeout cancels it
	return "", context.Cause(ctx)
}, jobs.Timeout(10*time.Millisecond), jobs.Retries(0))

// A job that overruns its Timeout fails with an error matching
// ErrTimeout, and is retried while attempts remain.
func ExampleTimeout() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, slowReport)()

	h, _ := slowReport.Enqueue(ctx, c, struct{}{})
	_, err := h.Await(ctx)
	fmt.Println(errors.Is(err, jobs.ErrTimeout))
	// Output: true
}

// A job not started before its expiry is dropped and recorded as expired.
func ExampleExpires() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()

	h, _ := square.Enqueue(ctx, c, 4, jobs.Expires(time.Millisecond))
	time.Sleep(5 * time.Millisecond) // no worker yet
	defer runWorker(c, jobs.WorkerOptions{}, square)()
	_, err := h.Await(ctx)
	fmt.Println(errors.Is(err, jobs.ErrExpired))
	// Output: true
}

// A unique enqueue returns the existing job's handle with ErrDuplicate,
// so the caller awaits the job already there.
func ExampleUnique() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()

	first, _ := square.Enqueue(ctx, c, 6, jobs.Unique("daily-square", time.Hour))
	again, err := square.Enqueue(ctx, c, 6, jobs.Unique("daily-square", time.Hour))
	fmt.Println(errors.Is(err, jobs.ErrDuplicate), again.ID() == first.ID())

	defer runWorker(c, jobs.WorkerOptions{}, square)()
	n, _ := again.Await(ctx)
	fmt.Println(n)
	// Output:
	// true true
	// 36
}

var rebalance = jobs.Define("ledger.rebalance", func(ctx context.Context, account string) (string, error) {
	time.Sleep(time.Millisecond)
	return account + " balanced", nil
}, jobs.Lock("ledger"), jobs.LockRetry(time.Millisecond))

// Jobs naming one lock run one at a time across every worker; the others
// wait without spending attempts (Huey's lock_task).
func ExampleLock() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{Concurrency: 4, PollInterval: time.Millisecond}, rebalance)()

	g, _ := rebalance.Map(ctx, c, []string{"a", "b", "c"})
	res, err := g.Await(ctx)
	fmt.Println(res, err)
	// Output: [a balanced b balanced c balanced] <nil>
}

var callAPI = jobs.Define("api.call", func(ctx context.Context, n int) (int, error) {
	return n, nil
}, jobs.RateLimit(100, time.Second))

// RateLimit caps how many jobs of a definition start per period across
// every worker; the rest wait for the next window without spending
// attempts.
func ExampleRateLimit() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, callAPI)()

	g, _ := callAPI.Map(ctx, c, []int{1, 2, 3})
	fmt.Println(g.Await(ctx))
	// Output: [1 2 3] <nil>
}

// With signing, workers run only jobs whose HMAC verifies; a payload
// changed in the store is dead-lettered without running.
func ExampleWithSigning() {
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	c, _ := jobs.Open(ctx, "memory:", jobs.WithSigning(key))
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square)()

	h, _ := square.Enqueue(ctx, c, 8)
	fmt.Println(h.Await(ctx))

	unsigned, _ := jobs.New(c.Store()) // a producer without the key
	defer unsigned.Close()
	h, _ = square.Enqueue(ctx, unsigned, 8)
	_, err := h.Await(ctx)
	var je *jobs.JobError
	errors.As(err, &je)
	fmt.Println(je.State, strings.Contains(je.Err, "signature did not verify"))
	// Output:
	// 64 <nil>
	// dead true
}

var (
	download = jobs.Define("pipeline.download", func(ctx context.Context, url string) (string, error) {
		return "contents of " + url, nil
	})
	countWords = jobs.Define("pipeline.count", func(ctx context.Context, text string) (int, error) {
		return len(strings.Fields(text)), nil
	})
)

// Then chains steps: each receives the previous result (Huey's
// pipelines). The chain's handle awaits the last step.
func ExampleThen() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, download, countWords)()

	h, err := jobs.Then(download.Step("example.com"), countWords).Enqueue(ctx, c)
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Await(ctx))
	// Output: 3 <nil>
}

// EnqueueGroup runs different steps together behind one group handle.
func ExampleEnqueueGroup() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, download, countWords, square)()

	g, _ := jobs.EnqueueGroup(ctx, c, square.Step(3), jobs.Then(download.Step("a.org"), countWords))
	fmt.Println(g.Await(ctx))
	// Output: [9 3] <nil>
}

var total = jobs.Define("math.total", func(ctx context.Context, ms []jobs.Member[int]) (string, error) {
	sum, failed := 0, 0
	for _, m := range ms {
		if m.OK() {
			sum += m.Value
		} else {
			failed++
		}
	}
	return fmt.Sprintf("sum %d, %d failed", sum, failed), nil
})

// A chord's callback runs once every member finished and receives each
// outcome, failures included; the chord's handle reports the failures too.
func ExampleEnqueueChord() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square, charge, total)()

	members := []jobs.Step[int]{square.Step(1), square.Step(2), square.Step(3)}
	ch, _ := jobs.EnqueueChord(ctx, c, members, total)
	fmt.Println(ch.Await(ctx))
	// Output: sum 14, 0 failed <nil>
}

var cleanup = jobs.Define("maintenance.cleanup", func(ctx context.Context, dir string) (int, error) {
	return 0, nil
})

// A periodic job: every worker given the schedule fires its ticks, and
// each tick runs once. Bad expressions are errors naming the field.
func ExampleDefinition_Cron() {
	s, err := cleanup.Cron("CRON_TZ=Europe/Paris 30 3 * * *", "/tmp", jobs.CronEnqueue(jobs.Expires(time.Hour)))
	if err != nil {
		panic(err)
	}
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(s.Next(from).UTC())
	_ = jobs.WorkerOptions{Schedules: []*jobs.Schedule{s}} // give it to every worker

	_, err = cleanup.Cron("30 25 * * *", "/tmp")
	fmt.Println(err)
	// Output:
	// 2030-01-01 02:30:00 +0000 UTC
	// jobs: cron "30 25 * * *" for "maintenance.cleanup": hour field "25": 25 is above 23; it accepts 0-23 (each field takes *, a value, a range a-b, a list a,b,c, or a step */n or a-b/n)
}

// Workers announce themselves in the store; the inspector lists them.
func ExampleInspector_Workers() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{ID: "worker-1", Concurrency: 4}, square)()

	var ws []jobs.WorkerInfo
	for len(ws) == 0 { // Run announces the worker as it starts
		ws, _ = c.Inspect().Workers(ctx)
		time.Sleep(time.Millisecond)
	}
	for _, w := range ws {
		fmt.Println(w.ID, w.Concurrency, w.Queues)
	}
	// Output: worker-1 4 map[default:1]
}
