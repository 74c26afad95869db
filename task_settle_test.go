package spindle

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// A task settles without a lock when nobody watches it. Watchers that
// arrive while it settles (a callback, Done, an Await) must each be told
// exactly once, whichever of the two wins. The bubble turns a watcher
// that is never told into a deadlock report instead of a hang.
func TestTaskSettleRacesWatchers(t *testing.T) {
	synctest.Test(t, testTaskSettleRacesWatchers)
}

func testTaskSettleRacesWatchers(t *testing.T) {
	const n = 20_000
	var called atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		start := make(chan struct{})
		task := Go(context.Background(), func(context.Context) (int, error) {
			<-start
			return i, nil
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			close(start)
			switch i % 3 {
			case 0:
				// The callback may run in the task's goroutine after
				// OnDone has returned: wait for it.
				told := make(chan struct{})
				task.OnDone(func(*Task[int]) { called.Add(1); close(told) })
				<-told
			case 1:
				<-task.Done()
				called.Add(1)
			default:
				if v, err := task.Await(context.Background()); err != nil || v != i {
					t.Errorf("task %d: got %d, %v", i, v, err)
				}
				called.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := called.Load(); got != n {
		t.Fatalf("%d of %d watchers were told the task settled", got, n)
	}
}

// The watched bit never shows in State.
func TestTaskStateHidesWatchedBit(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	task := Go(context.Background(), func(context.Context) (int, error) {
		close(started)
		<-release
		return 1, nil
	})
	_ = task.Done()
	<-started
	if got := task.State(); got != Running {
		t.Fatalf("State = %v with a done channel made; want running", got)
	}
	close(release)
	<-task.Done()
	if got := task.State(); got != Succeeded {
		t.Fatalf("State = %v; want succeeded", got)
	}
}
