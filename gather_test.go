package spindle

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// foreign is an Awaitable defined outside the package's own types, to
// prove Gather and Wait accept any implementation.
type foreign[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func newForeign[T any]() *foreign[T]        { return &foreign[T]{done: make(chan struct{})} }
func (f *foreign[T]) Done() <-chan struct{} { return f.done }
func (f *foreign[T]) Result() (T, error)    { return f.v, f.err }
func (f *foreign[T]) settle(v T, err error) { f.v, f.err = v, err; close(f.done) }
func sleepy(d time.Duration, v int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		if err := Sleep(ctx, d); err != nil {
			return 0, err
		}
		return v, nil
	}
}

func TestGatherKeepsOrderAcrossKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		fut := NewFuture[int]()
		fr := newForeign[int]()
		go func() { time.Sleep(2 * time.Second); fut.Resolve(2) }()
		go func() { time.Sleep(time.Second); fr.settle(3, nil) }()
		got, err := Gather[int](ctx, Go(ctx, sleepy(3*time.Second, 1)), fut, fr)
		if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
			t.Fatalf("Gather = %v, %v", got, err)
		}
	})
}

func TestGatherFirstFailureCancelsAndWaitsForTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		boom := errors.New("boom")
		var stopped atomic.Int32
		slow := func(ctx context.Context) (int, error) {
			<-ctx.Done()
			time.Sleep(time.Second) // cleanup that Gather must wait for
			stopped.Add(1)
			return 0, ctx.Err()
		}
		a, b := Go(ctx, slow), Go(ctx, slow)
		bad := Go(ctx, func(ctx context.Context) (int, error) { time.Sleep(time.Second); return 0, boom })
		start := time.Now()
		_, err := Gather[int](ctx, a, bad, b)
		if !errors.Is(err, boom) {
			t.Fatalf("Gather err = %v, want boom", err)
		}
		if stopped.Load() != 2 || time.Since(start) != 2*time.Second {
			t.Fatalf("Gather returned after %v with %d siblings stopped; want 2s and 2", time.Since(start), stopped.Load())
		}
		if _, err := a.Result(); !errors.Is(err, boom) || a.State() != Canceled {
			t.Fatalf("sibling err = %v (%v), want canceled with cause boom", err, a.State())
		}
	})
}

func TestGatherEmpty(t *testing.T) {
	got, err := Gather[int](context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("Gather() = %v, %v", got, err)
	}
}

func TestGatherSettledKeepsEveryOutcome(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	ok := Go(ctx, func(context.Context) (int, error) { return 1, nil })
	bad := Go(ctx, func(context.Context) (int, error) { return 0, boom })
	pan := Go(ctx, func(context.Context) (int, error) { panic("p") })
	out, err := GatherSettled[int](ctx, ok, bad, pan)
	if err != nil {
		t.Fatal(err)
	}
	var pe *PanicError
	if out[0].Value != 1 || out[0].Err != nil || !errors.Is(out[1].Err, boom) || !errors.As(out[2].Err, &pe) {
		t.Fatalf("outcomes = %+v", out)
	}
}
