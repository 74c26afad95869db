package spindle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle"
)

// call_soon, call_later and call_at. Callbacks run one at a time on the
// goroutine that runs the loop, ordered by when they fall due, so the
// output does not depend on scheduling.
func ExampleLoop() {
	loop := spindle.NewLoop()
	start := time.Now()
	loop.CallLater(20*time.Millisecond, func() { fmt.Println("call_later: 20ms later") })
	loop.CallAt(start.Add(10*time.Millisecond), func() { fmt.Println("call_at: at start+10ms") })
	loop.CallSoon(func() { fmt.Println("call_soon: next tick") })
	loop.CallLater(30*time.Millisecond, loop.Stop)

	err := loop.RunForever(context.Background())
	fmt.Println("stopped:", err)
	// Output:
	// call_soon: next tick
	// call_at: at start+10ms
	// call_later: 20ms later
	// stopped: <nil>
}

// loopExampleFuture is the smallest Awaitable, standing in for a Future.
type loopExampleFuture struct {
	done   chan struct{}
	result int
}

func (f *loopExampleFuture) Done() <-chan struct{} { return f.done }

func (f *loopExampleFuture) Result() (int, error) {
	select {
	case <-f.done:
		return f.result, nil
	default:
		return 0, spindle.ErrNotDone
	}
}

// run_until_complete with a future set from a callback a moment later.
func ExampleRunUntilComplete() {
	loop := spindle.NewLoop()
	fut := &loopExampleFuture{done: make(chan struct{})}
	fmt.Println("main: start")
	loop.CallLater(10*time.Millisecond, func() {
		fut.result = 555
		close(fut.done)
	})
	result, err := spindle.RunUntilComplete(context.Background(), loop, fut)
	fmt.Println(result, err)
	fmt.Println("main: finished")
	// Output:
	// main: start
	// 555 <nil>
	// main: finished
}

// run_forever until stop. The counter is touched only by loop callbacks, so
// it needs no lock.
func ExampleLoop_RunForever() {
	loop := spindle.NewLoop()
	ticks := 0
	var tick func()
	tick = func() {
		ticks++
		fmt.Println("tick", ticks)
		if ticks == 3 {
			loop.Stop()
			return
		}
		loop.CallLater(5*time.Millisecond, tick)
	}
	loop.CallSoon(tick)
	fmt.Println(loop.RunForever(context.Background()), "after", ticks, "ticks")
	// Output:
	// tick 1
	// tick 2
	// tick 3
	// <nil> after 3 ticks
}

func ExampleCall_Cancel() {
	loop := spindle.NewLoop()
	reminder := loop.CallLater(time.Hour, func() { fmt.Println("never printed") })
	loop.CallSoon(func() {
		fmt.Println("cancelled:", reminder.Cancel())
		fmt.Println("cancelled again:", reminder.Cancel())
		loop.Stop()
	})
	_ = loop.RunForever(context.Background())
	// Output:
	// cancelled: true
	// cancelled again: false
}
