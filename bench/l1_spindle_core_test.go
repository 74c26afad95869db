package bench

import (
	"context"

	"github.com/spindlehq/spindle"
)

func init() {
	l1Register("spindle-group", l1Group)
	l1Register("spindle-go-gather", l1GoGather)
	l1Register("spindle-concurrent", l1Concurrent)
}

// l1Group runs every task as a child of a spindle.Group (GroupLimit for a
// limit): the errgroup-shaped fast path, no handle per task.
func l1Group(n, limit int, task func(int)) error {
	var opts []spindle.GroupOption
	if limit > 0 {
		opts = append(opts, spindle.GroupLimit(limit))
	}
	g := spindle.NewGroup(context.Background(), opts...)
	for i := range n {
		g.Go(func(context.Context) error { task(i); return nil })
	}
	return g.Wait()
}

// l1GoGather starts every task with spindle.Go, keeping its handle, and
// gathers the n results in order: a Task per task. With a limit, tasks are
// started as Group children (Spawn), which also gives a handle each.
func l1GoGather(n, limit int, task func(int)) error {
	ctx := context.Background()
	tasks := make([]spindle.Awaitable[int], n)
	if limit > 0 {
		g := spindle.NewGroup(ctx, spindle.GroupLimit(limit))
		for i := range n {
			tasks[i] = spindle.Spawn(g, func(context.Context) (int, error) { task(i); return i, nil })
		}
		if err := g.Wait(); err != nil {
			return err
		}
	} else {
		for i := range n {
			tasks[i] = spindle.Go(ctx, func(context.Context) (int, error) { task(i); return i, nil })
		}
	}
	_, err := spindle.Gather(ctx, tasks...)
	return err
}

// l1Concurrent streams the tasks through spindle.Concurrent and consumes
// every result, as a caller ranging over it would.
func l1Concurrent(n, limit int, task func(int)) error {
	if limit <= 0 {
		limit = -1
	}
	units := func(yield func(func(context.Context) (int, error)) bool) {
		for i := range n {
			if !yield(func(context.Context) (int, error) { task(i); return i, nil }) {
				return
			}
		}
	}
	for _, err := range spindle.Concurrent(context.Background(), units, spindle.ConcurrentLimit(limit)) {
		if err != nil {
			return err
		}
	}
	return nil
}
