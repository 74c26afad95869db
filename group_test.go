package spindle

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestGroupWaitsForEveryChild(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background())
		var finished atomic.Int32
		for i := range 5 {
			g.Go(func(ctx context.Context) error {
				time.Sleep(time.Duration(i) * time.Second)
				finished.Add(1)
				return nil
			})
		}
		if err := g.Wait(); err != nil || finished.Load() != 5 {
			t.Fatalf("Wait = %v with %d finished", err, finished.Load())
		}
	})
}

func TestGroupFirstFailureCancelsSiblingsAndJoinsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background())
		first, second := errors.New("first"), errors.New("second")
		var sawCause atomic.Value
		g.Go(func(ctx context.Context) error { time.Sleep(time.Second); return first })
		g.Go(func(ctx context.Context) error {
			<-ctx.Done()
			sawCause.Store(context.Cause(ctx))
			return ctx.Err() // a consequence of the cancel: not reported
		})
		g.Go(func(ctx context.Context) error {
			<-ctx.Done()
			time.Sleep(time.Second)
			return second // a failure of its own during cleanup: reported
		})
		err := g.Wait()
		if !errors.Is(err, first) || !errors.Is(err, second) || errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v; want first and second joined, without the cancellation", err)
		}
		if sawCause.Load() != first {
			t.Fatalf("sibling saw cause %v, want first", sawCause.Load())
		}
		if !strings.HasPrefix(err.Error(), "first") {
			t.Fatalf("failures not in order: %q", err)
		}
	})
}

func TestGroupPanicIsNeverLost(t *testing.T) {
	g := NewGroup(context.Background())
	var cancelled atomic.Bool
	g.Go(func(ctx context.Context) error { panic("child blew up") })
	g.Go(func(ctx context.Context) error {
		<-ctx.Done()
		cancelled.Store(true)
		return nil
	})
	err := g.Wait()
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "child blew up" || !cancelled.Load() {
		t.Fatalf("Wait = %v (sibling cancelled: %v)", err, cancelled.Load())
	}
}

func TestGroupGoexit(t *testing.T) {
	g := NewGroup(context.Background())
	g.Go(func(ctx context.Context) error { runtime.Goexit(); return nil })
	if err := g.Wait(); !errors.Is(err, ErrGoexit) {
		t.Fatalf("Wait = %v", err)
	}
}

func TestGroupLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(3))
		var running, peak atomic.Int32
		for range 20 {
			g.Go(func(ctx context.Context) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Second)
				running.Add(-1)
				return nil
			})
		}
		start := time.Now()
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		if peak.Load() != 3 {
			t.Fatalf("peak concurrency %d, want 3", peak.Load())
		}
		// 20 one-second children, 3 at a time: 7 rounds (6 already ran
		// while Go blocked above).
		_ = start
	})
}

func TestGroupQueuedChildNotStartedAfterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(1))
		boom := errors.New("boom")
		var started atomic.Int32
		g.Go(func(ctx context.Context) error { started.Add(1); time.Sleep(time.Second); return boom })
		g.Go(func(ctx context.Context) error { started.Add(1); return nil }) // waits for the slot
		if err := g.Wait(); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if started.Load() != 1 {
			t.Fatalf("%d children started, want 1: queued work ran after the group was cancelled", started.Load())
		}
	})
}

func TestGroupParentCancelReportsCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("deploy")
		ctx, cancel := context.WithCancelCause(context.Background())
		g := NewGroup(ctx)
		g.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		go func() { time.Sleep(time.Second); cancel(stop) }()
		err := g.Wait()
		if !errors.Is(err, stop) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want the parent's cause", err)
		}
	})
}

func TestGroupSpawnGivesHandles(t *testing.T) {
	g := NewGroup(context.Background())
	a := Spawn(g, func(ctx context.Context) (string, error) { return "a", nil }, Named("a"))
	b := Spawn(g, func(ctx context.Context) (int, error) { return 2, nil })
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	va, _ := a.Result()
	vb, _ := b.Result()
	if va != "a" || vb != 2 || a.Name() != "a" {
		t.Fatalf("results %q %d", va, vb)
	}
}

func TestGroupSpawnFailureFailsGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(1))
		boom := errors.New("boom")
		bad := Spawn(g, func(ctx context.Context) (int, error) { time.Sleep(time.Second); return 0, boom })
		never := Spawn(g, func(ctx context.Context) (int, error) { return 1, nil })
		if err := g.Wait(); !errors.Is(err, boom) || errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v", err)
		}
		if _, err := bad.Result(); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := never.Result(); !errors.Is(err, boom) || never.State() != Canceled {
			t.Fatalf("queued spawn: %v %v", err, never.State())
		}
	})
}

func TestZeroGroupAndTryGo(t *testing.T) {
	var g Group
	g.Go(func(ctx context.Context) error { return nil })
	if !g.TryGo(func(ctx context.Context) error { return nil }) {
		t.Fatal("TryGo without a limit refused")
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	lim := NewGroup(context.Background(), GroupLimit(1))
	release := make(chan struct{})
	lim.Go(func(ctx context.Context) error { <-release; return nil })
	if lim.TryGo(func(ctx context.Context) error { return nil }) {
		t.Fatal("TryGo at the limit started a child")
	}
	close(release)
	lim.Wait()
}

func TestGroupUseAfterWaitPanics(t *testing.T) {
	g := NewGroup(context.Background())
	g.Wait()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "after Wait") {
			t.Fatalf("recover = %v", r)
		}
	}()
	g.Go(func(ctx context.Context) error { return nil })
}

func TestGroupContextEndsAfterWait(t *testing.T) {
	g := NewGroup(context.Background())
	ctx := g.Context()
	g.Wait()
	if ctx.Err() == nil {
		t.Fatal("group context still live after Wait")
	}
}
