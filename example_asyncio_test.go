package spindle_test

// asyncio's basics in Spindle: run, to_thread, sleep, futures, gather,
// TaskGroup, tasks, cancel, shield, timeouts, wait_for and introspection.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle"
)

// asyncio.run(main()): in Go, main is already running; a function that
// takes a context is the coroutine.
func ExampleSleep() {
	main := func(ctx context.Context) error {
		fmt.Println("Hello ...")
		if err := spindle.Sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
		fmt.Println("... World!")
		return nil
	}
	if err := main(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Hello ...
	// ... World!
}

// asyncio.to_thread(some_blocking_io): a call that takes no context runs
// in its own goroutine; the caller can stop waiting for it.
func ExampleBlocking() {
	someBlockingIO := func() (string, error) {
		time.Sleep(10 * time.Millisecond) // a call that cannot be interrupted
		return "read 512 bytes", nil
	}
	got, err := spindle.Blocking(context.Background(), someBlockingIO)
	fmt.Println(got, err)

	// With a deadline shorter than the call, Blocking returns at once and
	// the call finishes in the background, still listed by AllTasks.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err = spindle.Blocking(ctx, func() (string, error) { time.Sleep(20 * time.Millisecond); return "", nil })
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	time.Sleep(40 * time.Millisecond)
	// Output:
	// read 512 bytes <nil>
	// true
}

// asyncio.gather(function_that_returns_a_future_object(), some_other_python_coroutine())
func ExampleGather() {
	ctx := context.Background()
	functionThatReturnsAFuture := func() *spindle.Future[string] {
		f := spindle.NewFuture[string]()
		go func() { f.Resolve("from a future") }()
		return f
	}
	someOtherCoroutine := spindle.Go(ctx, func(ctx context.Context) (string, error) { return "from a task", nil })
	results, err := spindle.Gather[string](ctx, functionThatReturnsAFuture(), someOtherCoroutine)
	fmt.Println(results, err)
	// Output: [from a future from a task] <nil>
}

// async with asyncio.TaskGroup() as tg: tg.create_task(...) — every child
// is awaited when the block ends.
func ExampleGroup() {
	g := spindle.NewGroup(context.Background())
	task1 := spindle.Spawn(g, func(ctx context.Context) (string, error) { return "some_coro", nil })
	task2 := spindle.Spawn(g, func(ctx context.Context) (string, error) { return "another_coro", nil })
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	r1, _ := task1.Result()
	r2, _ := task2.Result()
	fmt.Printf("Both tasks have completed now: %s, %s\n", r1, r2)
	// Output: Both tasks have completed now: some_coro, another_coro
}

// A failing child cancels its siblings, and Wait reports the failure, not
// the cancellations it caused.
func ExampleGroup_failure() {
	g := spindle.NewGroup(context.Background())
	g.Go(func(ctx context.Context) error { return errors.New("disk full") })
	g.Go(func(ctx context.Context) error {
		<-ctx.Done() // stopped early by the sibling's failure
		fmt.Println("sibling stopped because:", context.Cause(ctx))
		return ctx.Err()
	})
	fmt.Println("group:", g.Wait())
	// Output:
	// sibling stopped because: disk full
	// group: disk full
}

// task = asyncio.create_task(nested()); await task
func ExampleGo() {
	nested := func(ctx context.Context) (int, error) { return 42, nil }
	task := spindle.Go(context.Background(), nested)
	v, err := task.Await(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// task.cancel(): the task's context ends with the given cause, and the
// task reports it.
func ExampleTask_Cancel() {
	task := spindle.Go(context.Background(), func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}, spindle.Named("long-poll"))
	task.Cancel(errors.New("user closed the tab"))
	_, err := task.Await(context.Background())
	fmt.Println(task.State(), errors.Is(err, context.Canceled))
	fmt.Println(err)
	// Output:
	// canceled true
	// canceled: user closed the tab
}

// asyncio.shield(): the work keeps going when the caller gives up.
func ExampleShield() {
	ctx, cancel := context.WithCancel(context.Background())
	save := spindle.Shield(ctx, func(ctx context.Context) (string, error) {
		time.Sleep(20 * time.Millisecond)
		return "saved", ctx.Err()
	})
	cancel() // the caller is cancelled...
	_, err := save.Await(ctx)
	fmt.Println("caller:", err)
	v, err := save.Await(context.Background()) // ...the shielded work is not
	fmt.Println("work:", v, err)
	// Output:
	// caller: context canceled
	// work: saved <nil>
}

// async with asyncio.timeout(10): await long_running_task()
func ExampleNewTimeout() {
	longRunningTask := func(ctx context.Context) error { return spindle.Sleep(ctx, time.Hour) }

	scope, ctx := spindle.NewTimeout(context.Background(), 10*time.Millisecond)
	defer scope.Stop()
	if err := scope.Err(longRunningTask(ctx)); errors.Is(err, spindle.ErrTimeout) {
		fmt.Println("The long operation timed out, but we've handled it")
	}
	// Output: The long operation timed out, but we've handled it
}

// async with asyncio.timeout(None) as cm: cm.reschedule(...) ... cm.expired()
func ExampleTimeoutScope_Reschedule() {
	longRunningTask := func(ctx context.Context) error { return spindle.Sleep(ctx, time.Hour) }

	scope, ctx := spindle.NewTimeoutAt(context.Background(), time.Time{}) // no deadline yet
	newDeadline := time.Now().Add(10 * time.Millisecond)
	scope.Reschedule(newDeadline)
	_ = longRunningTask(ctx)
	scope.Stop()
	if scope.Expired() {
		fmt.Println("Looks like we haven't finished on time :(")
	}
	// Output: Looks like we haven't finished on time :(
}

// asyncio.timeout_at(when): an absolute deadline.
func ExampleNewTimeoutAt() {
	scope, ctx := spindle.NewTimeoutAt(context.Background(), time.Now().Add(10*time.Millisecond))
	defer scope.Stop()
	err := scope.Err(spindle.Sleep(ctx, time.Hour))
	fmt.Println(scope.Expired(), errors.Is(err, spindle.ErrTimeout))
	// Output: true true
}

// await asyncio.wait_for(eternity(), timeout=1.0)
func ExampleWaitFor() {
	eternity := func(ctx context.Context) (string, error) {
		if err := spindle.Sleep(ctx, time.Hour); err != nil {
			return "", err
		}
		return "yay!", nil
	}
	_, err := spindle.WaitFor(context.Background(), 10*time.Millisecond, eternity)
	if errors.Is(err, spindle.ErrTimeout) {
		fmt.Println("timeout!")
	}
	// Output: timeout!
}

// asyncio.current_task() and asyncio.all_tasks()
func ExampleCurrentTask() {
	release := make(chan struct{})
	task := spindle.Go(context.Background(), func(ctx context.Context) (string, error) {
		me, _ := spindle.CurrentTask(ctx)
		<-release
		return me.Name, nil
	}, spindle.Named("indexer"))

	for _, info := range spindle.AllTasks() {
		if info.ID == task.ID() {
			fmt.Println("listed:", info.Name)
		}
	}
	close(release)
	name, _ := task.Await(context.Background())
	fmt.Println("inside, current task is:", name)
	_, inTask := spindle.CurrentTask(context.Background())
	fmt.Println("outside a task:", inTask)
	// Output:
	// listed: indexer
	// inside, current task is: indexer
	// outside a task: false
}
