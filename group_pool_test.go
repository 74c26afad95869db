package spindle

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// A limited group admits limit running and limit waiting children; the
// next Go blocks until the waiting ones have drained to half.
func TestGroupLimitGoBlocksWhenRingFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(2))
		release := make(chan struct{})
		var ran atomic.Int32
		for range 4 { // 2 run, 2 wait
			g.Go(func(ctx context.Context) error { <-release; ran.Add(1); return nil })
		}
		returned := make(chan struct{})
		go func() {
			g.Go(func(ctx context.Context) error { ran.Add(1); return nil })
			close(returned)
		}()
		synctest.Wait()
		select {
		case <-returned:
			t.Fatal("Go returned with 2 children running and 2 waiting at limit 2")
		default:
		}
		close(release)
		<-returned
		if err := g.Wait(); err != nil || ran.Load() != 5 {
			t.Fatalf("Wait = %v, ran %d of 5", err, ran.Load())
		}
	})
}

// A child that calls runtime.Goexit ends its worker; the children queued
// behind it still run.
func TestGroupLimitGoexitDoesNotStrandQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(1))
		var ran atomic.Int32
		g.Go(func(ctx context.Context) error { time.Sleep(time.Second); runtime.Goexit(); return nil })
		g.Go(func(ctx context.Context) error { ran.Add(1); return nil })
		if err := g.Wait(); !errors.Is(err, ErrGoexit) {
			t.Fatalf("Wait = %v, want ErrGoexit", err)
		}
		// The queued child was admitted before the failure but its turn
		// came after the group was cancelled, so it is dropped, not lost.
		if ran.Load() != 0 {
			t.Fatalf("queued child ran after the group was cancelled")
		}
	})
}

// Spawned tasks waiting in the ring when the group fails settle as
// cancelled with the failure as cause; none is left pending.
func TestGroupLimitSpawnQueuedSettleOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(1))
		boom := errors.New("boom")
		first := Spawn(g, func(ctx context.Context) (int, error) { time.Sleep(time.Second); return 0, boom })
		queued := Spawn(g, func(ctx context.Context) (int, error) { return 1, nil })
		if err := g.Wait(); !errors.Is(err, boom) {
			t.Fatalf("Wait = %v", err)
		}
		if _, err := first.Result(); !errors.Is(err, boom) {
			t.Fatalf("first = %v", err)
		}
		if _, err := queued.Result(); !errors.Is(err, boom) || queued.State() != Canceled {
			t.Fatalf("queued = %v (%v), want canceled with cause boom", err, queued.State())
		}
	})
}

// TryGo never queues: with limit children running it refuses, and once a
// slot frees it starts at once.
func TestGroupLimitTryGoNeverQueues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(1))
		release := make(chan struct{})
		g.Go(func(ctx context.Context) error { <-release; return nil })
		if g.TryGo(func(ctx context.Context) error { return nil }) {
			t.Fatal("TryGo queued a child behind a running one")
		}
		close(release)
		synctest.Wait()
		started := make(chan struct{})
		if !g.TryGo(func(ctx context.Context) error { close(started); return nil }) {
			t.Fatal("TryGo refused with a free slot")
		}
		<-started
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}

// An idle limited group holds no goroutines: workers leave when the ring
// is empty, so a group nobody waits for leaks nothing once its children
// are done.
func TestGroupLimitIdleHoldsNoWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGroup(context.Background(), GroupLimit(4))
		for range 10 {
			g.Go(func(ctx context.Context) error { return nil })
		}
		synctest.Wait()
		g.pool.mu.Lock()
		workers := g.pool.workers
		g.pool.mu.Unlock()
		if workers != 0 {
			t.Fatalf("%d workers alive in an idle group", workers)
		}
		g.Wait()
	})
}
