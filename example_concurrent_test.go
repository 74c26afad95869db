package spindle_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle"
)

type waited struct {
	taskID int
	wait   time.Duration
}

// aio.tasks' example: ten tasks that each wait a while, at most three at a
// time; as one finishes, the next starts, and each result is handled as
// soon as it is ready. The results arrive in the order the tasks finish,
// so they are sorted here to print the same output every time.
func ExampleConcurrent() {
	var running, most atomic.Int32
	taskToRun := func(taskID int) func(context.Context) (waited, error) {
		return func(ctx context.Context) (waited, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			wait := time.Duration(taskID%4) * time.Millisecond
			select {
			case <-time.After(wait):
				return waited{taskID, wait}, nil
			case <-ctx.Done():
				return waited{}, context.Cause(ctx)
			}
		}
	}
	// A generator of tasks: nothing runs until Concurrent pulls it.
	provider := func(yield func(func(context.Context) (waited, error)) bool) {
		for taskID := range 10 {
			if !yield(taskToRun(taskID)) {
				return
			}
		}
	}

	var results []waited
	for r, err := range spindle.Concurrent(context.Background(), provider, spindle.ConcurrentLimit(3)) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		results = append(results, r)
	}
	slices.SortFunc(results, func(a, b waited) int { return a.taskID - b.taskID })
	for _, r := range results {
		fmt.Printf("%d waited %v\n", r.taskID, r.wait)
	}
	fmt.Println("at most 3 ran at once:", most.Load() <= 3)
	// Output:
	// 0 waited 0s
	// 1 waited 1ms
	// 2 waited 2ms
	// 3 waited 3ms
	// 4 waited 0s
	// 5 waited 1ms
	// 6 waited 2ms
	// 7 waited 3ms
	// 8 waited 0s
	// 9 waited 1ms
	// at most 3 ran at once: true
}

// ConcurrentOrdered gives the results in source order, so they line up with
// the inputs without sorting, and ConcurrentYieldErrors keeps going past a
// failure, which names the unit it came from.
func ExampleConcurrentOrdered() {
	words := []string{"gopher", "", "spindle", "iterator"}
	length := func(w string) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			if w == "" {
				return 0, fmt.Errorf("empty word")
			}
			return len(w), nil
		}
	}
	var units iter.Seq[func(context.Context) (int, error)] = func(yield func(func(context.Context) (int, error)) bool) {
		for _, w := range words {
			if !yield(length(w)) {
				return
			}
		}
	}
	i := 0
	for n, err := range spindle.Concurrent(context.Background(), units,
		spindle.ConcurrentLimit(2), spindle.ConcurrentOrdered(), spindle.ConcurrentYieldErrors()) {
		if err != nil {
			fmt.Println(err)
		} else {
			fmt.Printf("%s: %d\n", words[i], n)
		}
		i++
	}
	// Output:
	// gopher: 6
	// spindle: Concurrent: unit 1 failed: empty word
	// spindle: 7
	// iterator: 8
}

// A channel fed by another goroutine is the async generator: the loop ends
// when the channel is closed.
func ExampleConcurrentChan() {
	ctx := context.Background()
	units := make(chan func(context.Context) (int, error))
	go func() {
		defer close(units)
		for i := 1; i <= 4; i++ {
			select {
			case units <- func(context.Context) (int, error) { return i * i, nil }:
			case <-ctx.Done():
				return
			}
		}
	}()
	sum := 0
	for sq, err := range spindle.ConcurrentChan(ctx, units, spindle.ConcurrentLimit(2)) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		sum += sq
	}
	fmt.Println("sum of squares:", sum)
	// Output:
	// sum of squares: 30
}
