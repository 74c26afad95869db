package spindle_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle"
)

// Workers wait for a start signal; one Set releases them all.
func ExampleEvent() {
	ctx := context.Background()
	var start spindle.Event // the zero Event is clear and ready to use
	var started atomic.Int32
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := start.Wait(ctx); err == nil {
				started.Add(1)
			}
		})
	}
	fmt.Println("set before:", start.IsSet())
	start.Set()
	wg.Wait()
	fmt.Println("set after:", start.IsSet(), "- workers started:", started.Load())

	// A wait that gives up reports why.
	start.Clear()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	fmt.Println("wait:", start.Wait(ctx))
	// Output:
	// set before: false
	// set after: true - workers started: 3
	// wait: context deadline exceeded
}
