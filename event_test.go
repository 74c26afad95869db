package spindle

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errEventTestCause = errors.New("event test: caller gave up")

func TestEventZeroValue(t *testing.T) {
	var e Event
	if e.IsSet() {
		t.Fatal("zero Event is set, want clear")
	}
	e.Set()
	e.Set() // setting a set event does nothing
	if !e.IsSet() {
		t.Fatal("IsSet = false after Set")
	}
	if err := e.Wait(t.Context()); err != nil {
		t.Fatalf("Wait on a set event = %v, want nil", err)
	}
	// A set event wins over a done ctx.
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errEventTestCause)
	if err := e.Wait(ctx); err != nil {
		t.Fatalf("Wait on a set event with a done ctx = %v, want nil", err)
	}
	e.Clear()
	if e.IsSet() {
		t.Fatal("IsSet = true after Clear")
	}
	if err := e.Wait(ctx); !errors.Is(err, errEventTestCause) {
		t.Fatalf("Wait on a clear event with a done ctx = %v, want the cause", err)
	}
}

func TestEventWaitBlocksUntilSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e Event
		const waiters = 5
		released := make(chan error, waiters)
		for range waiters {
			go func() { released <- e.Wait(t.Context()) }()
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if len(released) != 0 {
			t.Fatalf("%d waiters returned before Set", len(released))
		}
		e.Set()
		for range waiters {
			if err := <-released; err != nil {
				t.Fatalf("Wait = %v, want nil", err)
			}
		}
	})
}

// Waiters parked before a Set are released even if Clear follows at once,
// and waits that start after the Clear block until the next Set.
func TestEventSetThenClearReleasesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e Event
		before := make(chan error, 3)
		for range 3 {
			go func() { before <- e.Wait(t.Context()) }()
		}
		synctest.Wait()
		e.Set()
		e.Clear()
		after := make(chan error, 1)
		go func() { after <- e.Wait(t.Context()) }()
		for range 3 {
			if err := <-before; err != nil {
				t.Fatalf("Wait parked before Set = %v, want nil", err)
			}
		}
		synctest.Wait()
		select {
		case err := <-after:
			t.Fatalf("Wait started after Clear returned %v before the next Set", err)
		default:
		}
		e.Set()
		if err := <-after; err != nil {
			t.Fatalf("Wait = %v, want nil", err)
		}
	})
}

func TestEventWaitCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e Event
		ctx, cancel := context.WithCancelCause(t.Context())
		got := make(chan error)
		go func() { got <- e.Wait(ctx) }()
		synctest.Wait()
		cancel(errEventTestCause)
		if err := <-got; !errors.Is(err, errEventTestCause) {
			t.Fatalf("cancelled Wait = %v, want the cause %v", err, errEventTestCause)
		}

		tctx, tcancel := context.WithTimeout(t.Context(), time.Minute)
		defer tcancel()
		start := time.Now()
		if err := e.Wait(tctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("timed-out Wait = %v, want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Minute {
			t.Fatalf("Wait waited %v, want 1m", waited)
		}
		// A cancelled waiter does not disturb later ones.
		go func() { got <- e.Wait(t.Context()) }()
		synctest.Wait()
		e.Set()
		if err := <-got; err != nil {
			t.Fatalf("Wait = %v, want nil", err)
		}
	})
}

func TestEventConcurrent(t *testing.T) {
	var e Event
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				switch (i + j) % 3 {
				case 0:
					e.Set()
				case 1:
					e.Clear()
				default:
					_ = e.IsSet()
				}
			}
		})
	}
	waiters := make(chan error, 8)
	for range 8 {
		go func() { waiters <- e.Wait(t.Context()) }()
	}
	wg.Wait()
	e.Set()
	for range 8 {
		if err := <-waiters; err != nil {
			t.Fatal(err)
		}
	}
}
