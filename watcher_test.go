package spindle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// watched is a Watcher that counts its live watches and fails the test
// if Done is called: a wait that can release must not make a watch it
// cannot.
type watched struct {
	t    *testing.T
	done chan struct{}
	mu   sync.Mutex
	live int
}

func newWatched(t *testing.T) *watched { return &watched{t: t, done: make(chan struct{})} }

func (w *watched) Done() <-chan struct{} {
	w.t.Error("Done called on a Watcher: its watch would outlive the wait")
	return w.done
}

func (w *watched) Result() (int, error) {
	select {
	case <-w.done:
		return 1, nil
	default:
		return 0, ErrNotDone
	}
}

func (w *watched) Watch() (<-chan struct{}, func()) {
	w.mu.Lock()
	w.live++
	w.mu.Unlock()
	var once sync.Once
	return w.done, func() {
		once.Do(func() {
			w.mu.Lock()
			w.live--
			w.mu.Unlock()
		})
	}
}

func (w *watched) watches() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live
}

// Every wait of the package watches a Watcher only while it waits.
func TestWaitsReleaseWatchers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ws := []*watched{newWatched(t), newWatched(t), newWatched(t)}
		aws := []Awaitable[int]{ws[0], ws[1], ws[2]}
		released := func(what string) {
			t.Helper()
			for i, w := range ws {
				if n := w.watches(); n != 0 {
					t.Fatalf("after %s: awaitable %d still has %d watches", what, i, n)
				}
			}
		}
		short := func() context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			t.Cleanup(cancel)
			return ctx
		}
		if _, err := Gather(short(), aws...); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Gather = %v", err)
		}
		released("Gather")
		if _, err := GatherSettled(short(), aws...); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("GatherSettled = %v", err)
		}
		released("GatherSettled")
		if _, pending, _ := Wait(context.Background(), AllCompleted, time.Second, aws...); len(pending) != 3 {
			t.Fatalf("Wait left %d pending, want 3", len(pending))
		}
		released("Wait")
		for range AsCompleted(short(), aws...) {
			t.Fatal("AsCompleted yielded an awaitable that never settles")
		}
		released("AsCompleted")
		if _, err := Await(short(), Awaitable[int](ws[0])); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await = %v", err)
		}
		released("Await")
		if _, err := RunUntilComplete(short(), NewLoop(), Awaitable[int](ws[0])); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("RunUntilComplete = %v", err)
		}
		released("RunUntilComplete")

		// Settled, they are seen as done without a watch.
		for _, w := range ws {
			close(w.done)
		}
		if done, _, _ := Wait(context.Background(), AllCompleted, 0, aws...); len(done) != 3 {
			t.Fatalf("Wait saw %d done, want 3", len(done))
		}
		if got, err := Gather(context.Background(), aws...); err != nil || len(got) != 3 || got[2] != 1 {
			t.Fatalf("Gather = %v, %v", got, err)
		}
		released("the settled waits")
	})
}
