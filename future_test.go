package spindle

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestFutureResolveOnce(t *testing.T) {
	f := NewFuture[int]()
	if f.State() != Pending {
		t.Fatalf("new future state %v", f.State())
	}
	if !f.Resolve(555) {
		t.Fatal("first Resolve returned false")
	}
	if f.Resolve(1) || f.Reject(errors.New("late")) || f.Cancel(nil) {
		t.Fatal("a second settle returned true")
	}
	if v, err := f.Await(context.Background()); v != 555 || err != nil {
		t.Fatalf("Await = %v, %v", v, err)
	}
}

func TestFutureRejectAndCancel(t *testing.T) {
	boom := errors.New("boom")
	f := NewFuture[int]()
	f.Reject(boom)
	if _, err := f.Result(); !errors.Is(err, boom) || f.State() != Failed {
		t.Fatalf("reject: %v %v", err, f.State())
	}
	nilErr := NewFuture[int]()
	nilErr.Reject(nil)
	if _, err := nilErr.Result(); err == nil {
		t.Fatal("Reject(nil) settled with a nil error")
	}
	c := NewFuture[int]()
	stop := errors.New("stop")
	c.Cancel(stop)
	if _, err := c.Result(); !errors.Is(err, stop) || !errors.Is(err, context.Canceled) || c.State() != Canceled {
		t.Fatalf("cancel: %v %v", err, c.State())
	}
}

func TestFutureConcurrentSettleHasOneWinner(t *testing.T) {
	f := NewFuture[int]()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.Resolve(i) {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d goroutines won the resolve", wins.Load())
	}
}

func TestFutureOnDoneRunsOnceEach(t *testing.T) {
	f := NewFuture[string]()
	var calls atomic.Int32
	f.OnDone(func(ff *Future[string]) {
		if v, _ := ff.Result(); v == "x" {
			calls.Add(1)
		}
	})
	f.Resolve("x")
	f.Resolve("y")
	f.OnDone(func(*Future[string]) { calls.Add(1) })
	if calls.Load() != 2 {
		t.Fatalf("callbacks ran %d times, want 2", calls.Load())
	}
}
