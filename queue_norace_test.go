//go:build !race

package spindle

import (
	"context"
	"testing"
)

// The race detector allocates on its own, so this runs without it.
func TestQueueSteadyStateDoesNotAllocate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for name, q := range map[string]*Queue[int]{
		"fifo":     NewQueue[int](8),
		"lifo":     NewLifoQueue[int](8),
		"priority": NewPriorityQueue(8, func(a, b int) bool { return a < b }),
	} {
		// Grow the storage to its working size first.
		for i := range 8 {
			_ = q.TryPut(i)
		}
		for range 8 {
			_, _ = q.TryGet()
		}
		allocs := testing.AllocsPerRun(1000, func() {
			_ = q.Put(ctx, 1)
			_ = q.TryPut(2)
			_, _ = q.Get(ctx)
			_, _ = q.TryGet()
			q.TaskDone()
			q.TaskDone()
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per non-blocking Put/Get round, want 0", name, allocs)
		}
	}
}
