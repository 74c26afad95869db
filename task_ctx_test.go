package spindle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The task's context is made on first use; these tests pin down that it
// ends exactly as one made at start would have.

var errTaskCtxTestCause = errors.New("task ctx test cause")

func TestTaskCtxUnusedThenLeftBehindSeesTaskFinished(t *testing.T) {
	var kept context.Context
	task := Go(context.Background(), func(ctx context.Context) (int, error) { kept = ctx; return 1, nil })
	if _, err := task.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-kept.Done()
	if !errors.Is(kept.Err(), context.Canceled) || !errors.Is(context.Cause(kept), errTaskFinished) {
		t.Fatalf("left-behind ctx: err %v, cause %v; want canceled by errTaskFinished", kept.Err(), context.Cause(kept))
	}
	derived, cancel := context.WithCancel(kept)
	defer cancel()
	if !errors.Is(context.Cause(derived), errTaskFinished) {
		t.Fatalf("derived ctx cause = %v, want errTaskFinished", context.Cause(derived))
	}
}

func TestTaskCtxUnusedKeepsParentValuesAndDeadline(t *testing.T) {
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancel()
	var kept context.Context
	task := Go(parent, func(ctx context.Context) (int, error) { kept = ctx; return 1, nil })
	task.Await(context.Background())
	if kept.Value(key{}) != "v" {
		t.Fatalf("value = %v, want v", kept.Value(key{}))
	}
	if d, ok := kept.Deadline(); !ok || !d.Equal(deadline) {
		t.Fatalf("deadline = %v %v, want %v", d, ok, deadline)
	}
	if _, ok := CurrentTask(kept); !ok {
		t.Fatal("CurrentTask does not find the task from its context")
	}
}

func TestTaskCtxParentEndedBeforeFirstUseCarriesParentCause(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	var kept context.Context
	release := make(chan struct{})
	task := Go(parent, func(ctx context.Context) (int, error) { kept = ctx; <-release; return 1, nil })
	cancel(errTaskCtxTestCause)
	close(release)
	task.Await(context.Background())
	if !errors.Is(context.Cause(kept), errTaskCtxTestCause) {
		t.Fatalf("cause = %v, want the parent's cause", context.Cause(kept))
	}
}

func TestTaskCtxCancelBeforeFirstUse(t *testing.T) {
	start := make(chan struct{})
	task := Go(context.Background(), func(ctx context.Context) (int, error) {
		<-start
		derived, cancel := context.WithCancel(ctx)
		defer cancel()
		<-derived.Done()
		return 0, context.Cause(derived)
	})
	task.Cancel(errTaskCtxTestCause)
	close(start)
	if _, err := task.Await(context.Background()); !errors.Is(err, errTaskCtxTestCause) {
		t.Fatalf("err = %v, want the cancel cause", err)
	}
}

func TestTaskCtxFirstUseFromManyGoroutines(t *testing.T) {
	task := Go(context.Background(), func(ctx context.Context) (int, error) {
		var wg sync.WaitGroup
		dones := make([]<-chan struct{}, 8)
		for i := range dones {
			wg.Go(func() { dones[i] = ctx.Done() })
		}
		wg.Wait()
		for _, d := range dones[1:] {
			if d != dones[0] {
				return 0, errors.New("goroutines saw different contexts")
			}
		}
		return 1, nil
	})
	if _, err := task.Await(context.Background()); err != nil {
		t.Fatal(err)
	}
}
