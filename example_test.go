package spindle_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle"
)

// The quick start: start work, await it, fan out, and tell a timeout from a
// cancel.
func Example() {
	ctx := context.Background()
	square := func(n int) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return n * n, nil }
	}
	one := spindle.Go(ctx, square(7))
	v, _ := one.Await(ctx)
	fmt.Println("one:", v)

	all, _ := spindle.Gather[int](ctx, spindle.Go(ctx, square(1)), spindle.Go(ctx, square(2)), spindle.Go(ctx, square(3)))
	fmt.Println("gathered:", all)

	_, err := spindle.WaitFor(ctx, 10*time.Millisecond, func(ctx context.Context) (int, error) {
		return 0, spindle.Sleep(ctx, time.Hour)
	})
	fmt.Println("timed out:", errors.Is(err, spindle.ErrTimeout), "canceled:", errors.Is(err, context.Canceled))
	// Output:
	// one: 49
	// gathered: [1 4 9]
	// timed out: true canceled: false
}
