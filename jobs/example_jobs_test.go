package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

type Resize struct {
	Image string `json:"image"`
	Width int    `json:"width"`
}

// A definition is declared once, at package level, where producers and
// workers both see it.
var resize = jobs.Define("images.resize", func(ctx context.Context, r Resize) (string, error) {
	return fmt.Sprintf("%s@%dw", r.Image, r.Width), nil
}, jobs.Queue("images"), jobs.Retries(5))

// runWorker runs a worker for the example and returns its stop func.
func runWorker(c *jobs.Client, opts jobs.WorkerOptions, defs ...jobs.Registrable) func() {
	w, err := jobs.NewWorker(c, opts, defs...)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = w.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// Enqueue a typed job and await its result. The worker usually runs in
// another process; here it shares the client.
func Example() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	stop := runWorker(c, jobs.WorkerOptions{Queues: map[string]int{"images": 1}}, resize)
	defer stop()

	h, err := resize.Enqueue(ctx, c, Resize{Image: "cat.png", Width: 200})
	if err != nil {
		panic(err)
	}
	thumb, err := h.Await(ctx)
	fmt.Println(thumb, err)
	// Output: cat.png@200w <nil>
}

// A store URL works once its driver is imported; "memory:" always does.
// A program that keeps jobs in SQLite adds one line:
//
//	import _ "github.com/spindlehq/spindle/jobs/store/sqlite"
func ExampleOpen() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_, err = jobs.Open(ctx, "postgres://localhost/jobs")
	fmt.Println(err)
	// Output: jobs: open "postgres://localhost/jobs": no driver registered for scheme "postgres"; add the import _ "github.com/spindlehq/spindle/jobs/store/postgres" to your program
}

var square = jobs.Define("math.square", func(ctx context.Context, n int) (int, error) {
	return n * n, nil
})

// Map enqueues many jobs in one write and awaits them as a group, in
// order (Huey's task.map and aget_result_group).
func ExampleDefinition_Map() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square)()

	g, err := square.Map(ctx, c, []int{1, 2, 3, 4})
	if err != nil {
		panic(err)
	}
	results, err := g.Await(ctx)
	fmt.Println(results, err)
	// Output: [1 4 9 16] <nil>
}

var charge = jobs.Define("billing.charge", func(ctx context.Context, cents int) (string, error) {
	if cents <= 0 {
		return "", jobs.Permanent(fmt.Errorf("amount %d is not positive", cents))
	}
	return "", errors.New("card network unreachable")
}, jobs.Retries(2), jobs.RetryDelay(func(int) time.Duration { return time.Millisecond }))

// A job that keeps failing is retried, then dead-lettered; a permanent
// error skips the retries. Either way the handle reports a *JobError.
func ExampleRetries() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{PollInterval: time.Millisecond}, charge)()

	for _, cents := range []int{500, -1} {
		h, _ := charge.Enqueue(ctx, c, cents)
		_, err := h.Await(ctx)
		var je *jobs.JobError
		if errors.As(err, &je) {
			fmt.Printf("%s after %d attempt(s): %s\n", je.State, je.Attempts, je.Err)
		}
	}
	// Output:
	// dead after 3 attempt(s): card network unreachable
	// dead after 1 attempt(s): amount -1 is not positive
}

// Delay and At schedule a job for later (Huey's delay and eta).
func ExampleDelay() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{PollInterval: 5 * time.Millisecond}, square)()

	start := time.Now()
	h, _ := square.Enqueue(ctx, c, 3, jobs.Delay(20*time.Millisecond))
	n, _ := h.Await(ctx)
	fmt.Println(n, time.Since(start) >= 20*time.Millisecond)

	h, _ = square.Enqueue(ctx, c, 4, jobs.At(time.Now().Add(10*time.Millisecond)), jobs.Priority(10))
	n, _ = h.Await(ctx)
	fmt.Println(n)
	// Output:
	// 9 true
	// 16
}

// Another process awaits a job by its ID. Reading a result leaves it for
// other readers; Consume deletes it once read, as Huey's aget_result does
// by default.
func ExampleHandleOf() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square)()

	h, _ := square.Enqueue(ctx, c, 7)
	id := h.ID() // stored, sent to another process...

	other := jobs.HandleOf[int](c, id)
	n, err := other.Await(ctx, jobs.Poll(jobs.Polling{Factor: 1.15, Max: time.Second}))
	fmt.Println(n, err)
	n, err = jobs.HandleOf[int](c, id).Await(ctx, jobs.Consume()) // reads and deletes
	fmt.Println(n, err)
	_, err = jobs.HandleOf[int](c, id).Await(ctx)
	fmt.Println(err != nil)
	// Output:
	// 49 <nil>
	// 49 <nil>
	// true
}

// A handle is a spindle.Awaitable: spindle's helpers accept durable jobs
// and in-process work alike.
func ExampleHandle_awaitable() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, square)()

	h, _ := square.Enqueue(ctx, c, 12)
	var a spindle.Awaitable[int] = h
	n, err := spindle.Await(ctx, a)
	fmt.Println(n, err)
	// Output: 144 <nil>
}

var whoAmI = jobs.Define("demo.who-am-i", func(ctx context.Context, _ struct{}) (string, error) {
	j, _ := jobs.JobFromContext(ctx)
	return fmt.Sprintf("%s attempt %d of %d", j.Name, j.Attempt, j.MaxAttempts), nil
})

// A handler learns about the job it runs from its ctx (Huey's
// context=True).
func ExampleJobFromContext() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	defer runWorker(c, jobs.WorkerOptions{}, whoAmI)()

	h, _ := whoAmI.Enqueue(ctx, c, struct{}{})
	s, _ := h.Await(ctx)
	fmt.Println(s)
	// Output: demo.who-am-i attempt 1 of 4
}

// A worker takes from several queues by weight, runs a fixed number of
// jobs at once, and on shutdown finishes what runs within the grace
// period and gives the rest back.
func ExampleNewWorker() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()

	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: 16,
		Queues:      map[string]int{"images": 3, "default": 1},
		Grace:       30 * time.Second,
	}, resize, square)
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithTimeout(ctx, 10*time.Millisecond) // a signal, in a real program
	defer stop()
	fmt.Println(w.Run(runCtx))
	// Output: <nil>
}

// The inspector lists queues and jobs, shows one job's attempts and
// errors, and retries, deletes or purges.
func ExampleInspector() {
	ctx := context.Background()
	c, _ := jobs.Open(ctx, "memory:")
	defer c.Close()
	in := c.Inspect()

	square.Map(ctx, c, []int{1, 2, 3})
	resize.Enqueue(ctx, c, Resize{"dog.png", 100}, jobs.Delay(time.Hour))

	qs, _ := in.Queues(ctx)
	for _, q := range qs {
		fmt.Println(q.Name, q.Counts)
	}
	page, _ := in.Jobs(ctx, jobs.ListOptions{Queue: "default", Limit: 2})
	fmt.Println(len(page.Jobs), page.Next != "")
	n, _ := in.Purge(ctx, "default", "")
	fmt.Println("purged", n)
	// Output:
	// default map[queued:3]
	// images map[scheduled:1]
	// 2 true
	// purged 3
}
