package spindle_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/spindlehq/spindle"
)

// The producer/consumer controller of an asyncio program: a producer fills a
// bounded work queue and then sets an event, workers turn work into results
// on a second queue, result handlers take the results, and the controller
// waits for the event and for both queues to be joined. Where asyncio
// cancels the endless worker tasks, Go shuts the queues down, which ends
// every `range q.All(ctx)` loop.
func ExampleQueue() {
	ctx := context.Background()
	work := spindle.NewQueue[int](3)
	results := spindle.NewQueue[string](3)
	var producerDone spindle.Event

	var wg sync.WaitGroup
	wg.Go(func() { // the producer
		for n := range 6 {
			if err := work.Put(ctx, n); err != nil {
				return
			}
		}
		producerDone.Set()
	})
	for range 4 { // the workers
		wg.Go(func() {
			for n := range work.All(ctx) {
				_ = results.Put(ctx, fmt.Sprintf("%d squared is %d", n, n*n))
				work.TaskDone() // after the result is queued, so Join covers it
			}
		})
	}
	var mu sync.Mutex
	var handled []string
	for range 2 { // the result handlers
		wg.Go(func() {
			for r := range results.All(ctx) {
				mu.Lock()
				handled = append(handled, r)
				mu.Unlock()
				results.TaskDone()
			}
		})
	}

	_ = producerDone.Wait(ctx)
	_ = work.Join(ctx)
	_ = results.Join(ctx)
	work.Shutdown(false)
	results.Shutdown(false)
	wg.Wait()

	slices.Sort(handled) // handlers run concurrently; sort for a stable output
	for _, r := range handled {
		fmt.Println(r)
	}
	fmt.Println("job completed:", len(handled), "results")
	// Output:
	// 0 squared is 0
	// 1 squared is 1
	// 2 squared is 4
	// 3 squared is 9
	// 4 squared is 16
	// 5 squared is 25
	// job completed: 6 results
}

func ExampleNewPriorityQueue() {
	type job struct {
		priority int // lower runs first
		name     string
	}
	q := spindle.NewPriorityQueue(0, func(a, b job) bool { return a.priority < b.priority })
	for _, j := range []job{{2, "report"}, {0, "page on-call"}, {1, "resize"}, {0, "rollback"}, {1, "reindex"}} {
		_ = q.TryPut(j)
	}
	q.Shutdown(false) // nothing more is coming: All ends once the queue is empty
	for j := range q.All(context.Background()) {
		fmt.Println(j.priority, j.name)
		q.TaskDone()
	}
	// Output:
	// 0 page on-call
	// 0 rollback
	// 1 resize
	// 1 reindex
	// 2 report
}

func ExampleNewLifoQueue() {
	q := spindle.NewLifoQueue[string](0)
	for _, s := range []string{"first", "second", "third"} {
		_ = q.TryPut(s)
	}
	for q.Len() > 0 {
		s, _ := q.TryGet()
		fmt.Println(s)
	}
	// Output:
	// third
	// second
	// first
}

func ExampleQueue_Shutdown() {
	ctx := context.Background()
	q := spindle.NewQueue[int](0)
	_ = q.TryPut(1)
	_ = q.TryPut(2)
	q.Shutdown(false)

	fmt.Println("put:", q.Put(ctx, 3))
	for {
		v, err := q.Get(ctx)
		if errors.Is(err, spindle.ErrQueueShutdown) {
			fmt.Println("get:", err)
			break
		}
		fmt.Println("got", v)
	}
	// Output:
	// put: spindle: queue is shut down
	// got 1
	// got 2
	// get: spindle: queue is shut down
}
