package integration_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
)

// goroutinesBackTo waits for the goroutines to come back to n, and fails
// t when they do not.
func goroutinesBackTo(t *testing.T, n int, after string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("after %s: %d goroutines, want the client's %d:\n%s", after, runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quietBaseline is the number of goroutines a client runs with nothing
// waiting, once a first wait has started what the store keeps for good
// (a pub/sub or LISTEN connection) and stopped what it keeps only while
// something waits (SQLite's poller).
func quietBaseline(t *testing.T, c *jobs.Client) int {
	t.Helper()
	h, err := add.Enqueue(context.Background(), c, addArgs{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Await(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Await of a job no worker runs = %v; want the deadline", err)
	}
	time.Sleep(200 * time.Millisecond)
	return runtime.NumGoroutine()
}

// waitingAdds maps n add jobs (i+i for the i-th) with no worker to run
// them yet, and returns their group and handles.
func waitingAdds(t *testing.T, c *jobs.Client, n int) (*jobs.Group[int], []spindle.Awaitable[int]) {
	t.Helper()
	args := make([]addArgs, n)
	for i := range args {
		args[i] = addArgs{i, i}
	}
	g, err := add.Map(context.Background(), c, args)
	if err != nil {
		t.Fatal(err)
	}
	aws := make([]spindle.Awaitable[int], g.Len())
	for i, h := range g.Handles() {
		aws[i] = h
	}
	return g, aws
}

func TestEndedWaitsLeaveNothingBehind(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		base := quietBaseline(t, c)
		ctx := context.Background()
		g, aws := waitingAdds(t, c, 20)
		short := func() context.Context {
			ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}

		if _, err := spindle.Gather(short(), aws...); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Gather = %v; want the deadline", err)
		}
		goroutinesBackTo(t, base, "Gather's ctx ended")
		if _, err := spindle.GatherSettled(short(), aws...); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("GatherSettled = %v; want the deadline", err)
		}
		goroutinesBackTo(t, base, "GatherSettled's ctx ended")
		if _, pending, _ := spindle.Wait(ctx, spindle.AllCompleted, 100*time.Millisecond, aws...); len(pending) != len(aws) {
			t.Fatalf("Wait left %d pending; want %d", len(pending), len(aws))
		}
		goroutinesBackTo(t, base, "Wait timed out")
		if _, err := g.Await(short()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Group.Await = %v; want the deadline", err)
		}
		goroutinesBackTo(t, base, "Group.Await's ctx ended")
		if _, err := spindle.Await(short(), spindle.Awaitable[[]int](g)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("spindle.Await of the group = %v; want the deadline", err)
		}
		goroutinesBackTo(t, base, "spindle.Await's ctx ended")
		if _, err := g.Handles()[0].Await(short()); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Handle.Await = %v; want the deadline", err)
		}
		goroutinesBackTo(t, base, "Handle.Await's ctx ended")

		// The same handles settle by push once a worker runs the jobs.
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 4}), add)
		got, err := spindle.Gather(testCtx(t), aws...)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != 2*i {
				t.Fatalf("Gather = %v; want the doubles of 0..19", got)
			}
		}
	})
}

// Handles settle through the sweep alone when every push is lost.
func TestWaitsSettleWhenPushesAreLost(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		other, err := jobs.New(quietMem{c.Store()}, jobs.WithPolling(jobs.Polling{Sweep: 20 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 4}), add)
		ctx := testCtx(t)
		var aws []spindle.Awaitable[int]
		for i := range 10 {
			h, err := add.Enqueue(ctx, c, addArgs{i, 1})
			if err != nil {
				t.Fatal(err)
			}
			aws = append(aws, jobs.HandleOf[int](other, h.ID()))
		}
		got, err := spindle.Gather(ctx, aws...)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != i+1 {
				t.Fatalf("Gather = %v; want 1..10", got)
			}
		}
	})
}

// Every awaitable of a client settles with ErrClientClosed when the
// client closes, whether it was being waited for or not.
func TestCloseSettlesEveryAwaitable(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := context.Background()
		h, err := add.Enqueue(ctx, c, addArgs{1, 2}) // no worker: nothing finishes
		if err != nil {
			t.Fatal(err)
		}
		g, err := add.Map(ctx, c, []addArgs{{1, 1}, {2, 2}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := jobs.EnqueueChord(ctx, c, []jobs.Step[int]{wfDouble.Step(1), wfDouble.Step(2)}, wfSum)
		if err != nil {
			t.Fatal(err)
		}
		dones := map[string]<-chan struct{}{"handle": h.Done(), "group": g.Done(), "chord": ch.Done()}
		waits := make(chan error, 3)
		go func() { _, err := spindle.Gather(ctx, g); waits <- err }()
		go func() { _, err := ch.Await(ctx); waits <- err }()
		go func() { _, err := g.Await(ctx); waits <- err }()
		time.Sleep(50 * time.Millisecond) // the waits are under way

		closed := make(chan error, 1)
		go func() { closed <- c.Close() }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return")
		}
		for name, done := range dones {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("the %s's Done did not close when the client closed", name)
			}
		}
		for range 3 {
			if err := <-waits; !errors.Is(err, jobs.ErrClientClosed) {
				t.Fatalf("a wait in progress ended with %v; want ErrClientClosed", err)
			}
		}
		_, herr := h.Result()
		_, gerr := g.Result()
		_, cerr := ch.Result()
		for _, err := range []error{herr, gerr, cerr} {
			if !errors.Is(err, jobs.ErrClientClosed) {
				t.Fatalf("Result after Close = %v; want ErrClientClosed", err)
			}
		}

		// Awaitables first waited for after Close settle at once.
		late := jobs.GroupOf(c, jobs.HandleOf[int](c, h.ID()))
		if _, err := spindle.Gather(ctx, spindle.Awaitable[[]int](late)); !errors.Is(err, jobs.ErrClientClosed) {
			t.Fatalf("Gather after Close = %v; want ErrClientClosed", err)
		}
		<-jobs.HandleOf[int](c, h.ID()).Done()
	})
}
