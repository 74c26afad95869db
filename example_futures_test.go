package spindle_test

// asyncio's futures and callbacks in Spindle: starting work without
// awaiting it, futures resolved from callbacks, done callbacks, wait
// FIRST_COMPLETED / ALL_COMPLETED, wait_for and gather. (call_soon/call_later/call_at and
// run_until_complete/run_forever are the Loop examples.)

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle"
)

// asyncio.ensure_future(nowait()) without await: the task runs while main
// goes on.
func ExampleGo_withoutAwait() {
	ctx := context.Background()
	nowait := func(ctx context.Context) (struct{}, error) {
		fmt.Println("nowait start")
		err := spindle.Sleep(ctx, 100*time.Millisecond)
		fmt.Println("nowait finished")
		return struct{}{}, err
	}
	fmt.Println("main: start")
	task := spindle.Go(ctx, nowait)
	spindle.Sleep(ctx, 60*time.Millisecond)
	fmt.Println("main: sleep")
	spindle.Sleep(ctx, 90*time.Millisecond)
	fmt.Println("main: finished")
	task.Await(ctx) // in Go, leave nothing running behind
	// Output:
	// main: start
	// nowait start
	// main: sleep
	// nowait finished
	// main: finished
}

// To await a plain function, return a Future and resolve it from a done
// callback.
func ExampleFuture() {
	ctx := context.Background()
	basic := func() *spindle.Future[int] {
		fut := spindle.NewFuture[int]()
		sleep := spindle.Go(ctx, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, spindle.Sleep(ctx, 10*time.Millisecond)
		})
		sleep.OnDone(func(*spindle.Task[struct{}]) { fut.Resolve(555) })
		return fut
	}
	fmt.Println("main: start")
	result, _ := basic().Await(ctx)
	fmt.Println(result)
	fmt.Println("main: finished")
	// Output:
	// main: start
	// 555
	// main: finished
}

// task.add_done_callback(on_complete)
func ExampleTask_OnDone() {
	ctx := context.Background()
	task := spindle.Go(ctx, func(ctx context.Context) (int, error) {
		return 0, spindle.Sleep(ctx, 10*time.Millisecond)
	})
	finished := make(chan struct{})
	task.OnDone(func(*spindle.Task[int]) {
		fmt.Println("sleep finished")
		close(finished)
	})
	fmt.Println("main: start")
	<-finished
	fmt.Println("main: finished")
	// Output:
	// main: start
	// sleep finished
	// main: finished
}

// asyncio.wait(tasks, return_when=FIRST_COMPLETED) and ALL_COMPLETED
func ExampleWait() {
	ctx := context.Background()
	after := func(d time.Duration, v string) spindle.Awaitable[string] {
		return spindle.Go(ctx, func(ctx context.Context) (string, error) {
			return v, spindle.Sleep(ctx, d)
		})
	}
	tasks := []spindle.Awaitable[string]{after(50*time.Millisecond, "slow"), after(time.Millisecond, "fast")}

	done, pending, _ := spindle.Wait(ctx, spindle.FirstCompleted, 0, tasks...)
	first, _ := done[0].Result()
	fmt.Println("first completed:", first, "pending:", len(pending))

	done, pending, _ = spindle.Wait(ctx, spindle.AllCompleted, 0, tasks...)
	fmt.Println("all completed:", len(done), "pending:", len(pending))
	// Output:
	// first completed: fast pending: 1
	// all completed: 2 pending: 0
}
