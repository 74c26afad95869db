package spindle

import (
	"context"
	"runtime"
	"sync"
	"testing"
)

func taskTableSlots() (slots int) {
	for i := range taskTable {
		s := &taskTable[i]
		s.mu.Lock()
		for _, b := range s.blocks {
			slots += len(b)
		}
		s.mu.Unlock()
	}
	return slots
}

func liveIDs() map[uint64]bool {
	ids := map[uint64]bool{}
	for _, info := range AllTasks() {
		ids[info.ID] = true
	}
	return ids
}

// A burst of tasks grows the table; every one of them is listed while it
// lives and none once it has finished; later tasks take the freed slots
// and the blocks the burst added are given back.
func TestTaskTableBurst(t *testing.T) {
	const n = 20_000
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	tasks := make([]*Task[int], n)
	for i := range tasks {
		tasks[i] = Go(context.Background(), func(context.Context) (int, error) {
			started.Done()
			<-release
			return i, nil
		})
	}
	started.Wait()
	live := liveIDs()
	for _, task := range tasks {
		if !live[task.ID()] {
			t.Fatalf("AllTasks does not list live task %d", task.ID())
		}
	}
	grown := taskTableSlots()
	if grown < n {
		t.Fatalf("the table has %d slots for %d live tasks", grown, n)
	}
	close(release)
	for _, task := range tasks {
		if _, err := task.Await(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// release runs after settling; wait for every slot to be cleared.
	for {
		live = liveIDs()
		found := false
		for _, task := range tasks {
			if live[task.ID()] {
				found = true
				break
			}
		}
		if !found {
			break
		}
		runtime.Gosched()
	}
	// Short tasks, one at a time, sweep every shard's cursor round.
	for range 4 * grown {
		if _, err := Go(context.Background(), func(context.Context) (int, error) { return 0, nil }).Await(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if after := taskTableSlots(); after*4 > grown {
		t.Fatalf("the table kept %d slots after the burst (it grew to %d)", after, grown)
	}
}
