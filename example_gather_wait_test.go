package spindle_test

// asyncio's gather vs wait vs TaskGroup, in Spindle.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spindlehq/spindle"
)

func coro(tag string, d time.Duration) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		return tag, spindle.Sleep(ctx, d)
	}
}

// gathered runs a Gather as a task of its own, so groups can be nested and
// cancelled as a whole, as asyncio does with the futures of asyncio.gather.
func gathered(ctx context.Context, prefix string, n int) *spindle.Task[[]string] {
	var tasks []spindle.Awaitable[string]
	for i := 1; i <= n; i++ {
		tasks = append(tasks, spindle.Go(ctx, coro(fmt.Sprintf("%s.%d", prefix, i), time.Duration(n-i)*time.Millisecond)))
	}
	return spindle.Go(ctx, func(ctx context.Context) ([]string, error) {
		return spindle.Gather(ctx, tasks...)
	})
}

// all_groups = asyncio.gather(group1, group2, group3): results come back
// in the order given, whatever order the work finished in.
func ExampleGather_nested() {
	ctx := context.Background()
	group1 := gathered(ctx, "group 1", 5)
	group2 := gathered(ctx, "group 2", 3)
	group3 := gathered(ctx, "group 3", 9)
	results, err := spindle.Gather[[]string](ctx, group1, group2, group3)
	for _, r := range results {
		fmt.Println(r)
	}
	fmt.Println(err)
	// Output:
	// [group 1.1 group 1.2 group 1.3 group 1.4 group 1.5]
	// [group 2.1 group 2.2 group 2.3]
	// [group 3.1 group 3.2 group 3.3 group 3.4 group 3.5 group 3.6 group 3.7 group 3.8 group 3.9]
	// <nil>
}

// group2.cancel(): cancelling a gathering task cancels everything in it.
func ExampleGather_cancelGroup() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var members []spindle.Awaitable[string]
	for i := 1; i <= 3; i++ {
		members = append(members, spindle.Go(ctx, coro(fmt.Sprint("group 2.", i), time.Hour)))
	}
	group2 := spindle.Go(ctx, func(ctx context.Context) ([]string, error) {
		return spindle.Gather(ctx, members...)
	})
	group2.Cancel(errors.New("no longer needed"))
	_, err := group2.Await(context.Background())
	fmt.Println("group:", err)
	for _, m := range members {
		_, err := spindle.Await(context.Background(), m)
		fmt.Println("member:", err)
	}
	// Output:
	// group: canceled: no longer needed
	// member: canceled: no longer needed
	// member: canceled: no longer needed
	// member: canceled: no longer needed
}

// asyncio.gather(..., return_exceptions=True)
func ExampleGatherSettled() {
	ctx := context.Background()
	ok := spindle.Go(ctx, coro("fine", 0))
	bad := spindle.Go(ctx, func(ctx context.Context) (string, error) { return "", errors.New("HTTP 503") })
	outcomes, _ := spindle.GatherSettled[string](ctx, ok, bad)
	for _, o := range outcomes {
		fmt.Printf("value=%q err=%v\n", o.Value, o.Err)
	}
	// Output:
	// value="fine" err=<nil>
	// value="" err=HTTP 503
}

// asyncio.wait step by step: the first result, then more within
// a timeout, then the rest.
func ExampleWait_firstCompletedThenTimeout() {
	ctx := context.Background()
	var tasks []spindle.Awaitable[string]
	for i := 1; i <= 10; i++ { // task i takes 4*i*i ms: 4 ms ... 400 ms
		tasks = append(tasks, spindle.Go(ctx, coro(fmt.Sprint(i), time.Duration(4*i*i)*time.Millisecond)))
	}
	fmt.Println("Get first result:")
	finished, unfinished, _ := spindle.Wait(ctx, spindle.FirstCompleted, 0, tasks...)
	first, _ := finished[0].Result() // on a busy machine more than one may be done
	fmt.Println(first, len(finished)+len(unfinished))

	fmt.Println("Get more results in 120 ms:")
	finished2, unfinished2, _ := spindle.Wait(ctx, spindle.AllCompleted, 120*time.Millisecond, unfinished...)
	fmt.Println("finished2 at least 3:", len(finished2) >= 3, "unfinished2 at least 1:", len(unfinished2) >= 1)

	fmt.Println("Get all other results:")
	finished3, _, _ := spindle.Wait(ctx, spindle.AllCompleted, 0, unfinished2...)
	var last []string
	for _, t := range finished3 {
		v, _ := t.Result()
		last = append(last, v)
	}
	fmt.Println(slices.Contains(last, "10"), len(finished)+len(finished2)+len(finished3))
	// Output:
	// Get first result:
	// 1 10
	// Get more results in 120 ms:
	// finished2 at least 3: true unfinished2 at least 1: true
	// Get all other results:
	// true 10
}
