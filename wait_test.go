package spindle

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestWaitModes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		boom := errors.New("boom")
		fast := Go(ctx, sleepy(time.Second, 1))
		failing := Go(ctx, func(ctx context.Context) (int, error) { time.Sleep(2 * time.Second); return 0, boom })
		slow := Go(ctx, sleepy(5*time.Second, 3))
		all := []Awaitable[int]{fast, failing, slow}

		done, pending, err := Wait(ctx, FirstCompleted, 0, all...)
		if err != nil || len(done) != 1 || done[0] != fast || len(pending) != 2 {
			t.Fatalf("FirstCompleted: done %v pending %v err %v", done, pending, err)
		}
		done, pending, _ = Wait(ctx, FirstError, 0, all...)
		if len(done) != 2 || len(pending) != 1 || pending[0] != slow {
			t.Fatalf("FirstError: done %d pending %d", len(done), len(pending))
		}
		done, pending, _ = Wait(ctx, AllCompleted, 0, all...)
		if len(done) != 3 || len(pending) != 0 {
			t.Fatalf("AllCompleted: done %d pending %d", len(done), len(pending))
		}
	})
}

func TestWaitTimeoutReturnsPendingWithoutError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		slow := Go(ctx, sleepy(time.Hour, 1))
		start := time.Now()
		done, pending, err := Wait(ctx, AllCompleted, 2*time.Second, slow)
		if err != nil || len(done) != 0 || len(pending) != 1 || time.Since(start) != 2*time.Second {
			t.Fatalf("Wait = %v %v %v after %v", done, pending, err, time.Since(start))
		}
		if slow.State() != Running {
			t.Fatal("Wait cancelled the pending task")
		}
		slow.Cancel(nil)
		slow.Await(ctx)
	})
}

func TestWaitCtxEndIsAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		slow := Go(context.Background(), sleepy(time.Hour, 1))
		stop := errors.New("stop")
		go func() { time.Sleep(time.Second); cancel(stop) }()
		_, pending, err := Wait(ctx, AllCompleted, 0, slow)
		if !errors.Is(err, stop) || len(pending) != 1 {
			t.Fatalf("Wait err %v pending %d", err, len(pending))
		}
		slow.Cancel(nil)
		slow.Await(context.Background())
	})
}

func TestWaitForeignAwaitableStopsItsWatcher(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fr := newForeign[int]()
		done, pending, _ := Wait[int](context.Background(), AllCompleted, time.Second, fr)
		if len(done) != 0 || len(pending) != 1 {
			t.Fatal("unexpected split")
		}
		// synctest fails the test if the watcher goroutine were still
		// blocked at the end of the bubble.
	})
}

func TestAsCompletedYieldsInCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		c := Go(ctx, sleepy(3*time.Second, 3))
		a := Go(ctx, sleepy(1*time.Second, 1))
		b := Go(ctx, sleepy(2*time.Second, 2))
		var got []int
		for aw := range AsCompleted[int](ctx, c, a, b) {
			v, _ := aw.Result()
			got = append(got, v)
		}
		if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
			t.Fatalf("order %v", got)
		}
	})
}

func TestAsCompletedBreakAndCtxEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		tasks := []Awaitable[int]{Go(ctx, sleepy(time.Minute, 1)), Go(ctx, sleepy(time.Second, 2)), Go(ctx, sleepy(time.Hour, 3))}
		for aw := range AsCompleted(ctx, tasks...) {
			if v, _ := aw.Result(); v != 2 {
				t.Fatalf("first = %d", v)
			}
			break
		}
		n := 0
		for range AsCompleted(ctx, tasks...) {
			n++
		}
		if n != 2 || !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			t.Fatalf("yielded %d before the deadline, want 2", n)
		}
		for _, a := range tasks {
			<-a.Done()
		}
	})
}

func TestWaitUnknownModePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Wait[int](context.Background(), ReturnWhen(9), 0)
}

// However Wait returns early, the pending awaitables are left as they
// were: not cancelled, and still running (asyncio.wait).
func TestWaitCancelsNothing(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name    string
		when    ReturnWhen
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		first   func(ctx context.Context) (int, error)
		wantErr error
	}{
		{"first completed", FirstCompleted, 0, nil, sleepy(time.Second, 1), nil},
		{"first error", FirstError, 0, nil, func(context.Context) (int, error) { time.Sleep(time.Second); return 0, boom }, nil},
		{"timeout", AllCompleted, time.Second, nil, sleepy(time.Hour, 1), nil},
		{"ctx deadline", AllCompleted, 0, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		}, sleepy(time.Hour, 1), context.DeadlineExceeded},
		{"ctx cancel", AllCompleted, 0, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			go func() { time.Sleep(time.Second); cancel() }()
			return ctx, cancel
		}, sleepy(time.Hour, 1), context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if c.ctx != nil {
					ctx, cancel = c.ctx()
				}
				defer cancel()
				bg := context.Background()
				first := Go(bg, c.first)
				slow := Go(bg, sleepy(time.Hour, 2))
				fut := NewFuture[int]()
				start := time.Now()
				done, pending, err := Wait(ctx, c.when, c.timeout, first, slow, fut)
				if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) || time.Since(start) != time.Second {
					t.Fatalf("Wait err = %v after %v; want %v after 1s", err, time.Since(start), c.wantErr)
				}
				if len(pending) < 2 || len(done)+len(pending) != 3 {
					t.Fatalf("done %d, pending %d", len(done), len(pending))
				}
				if slow.State() != Running || slow.context().Err() != nil || fut.State() != Pending {
					t.Fatalf("after Wait: task %v (ctx %v), future %v; want both untouched", slow.State(), slow.context().Err(), fut.State())
				}
				for _, a := range []*Task[int]{first, slow} {
					a.Cancel(nil)
					<-a.Done()
				}
			})
		})
	}
}

// AsCompleted's timeout is its ctx's deadline (asyncio.as_completed's
// timeout argument): the loop ends there and the rest keep running.
func TestAsCompletedTimeoutCancelsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		fast := Go(bg, sleepy(time.Second, 1))
		slow := Go(bg, sleepy(time.Hour, 2))
		fut := NewFuture[int]()
		scope, ctx := NewTimeout(bg, 2*time.Second)
		defer scope.Stop()
		n := 0
		for range AsCompleted[int](ctx, fast, slow, fut) {
			n++
		}
		if n != 1 || !scope.Expired() {
			t.Fatalf("yielded %d, expired %v; want 1 and true", n, scope.Expired())
		}
		if slow.State() != Running || slow.context().Err() != nil || fut.State() != Pending {
			t.Fatalf("after the loop: task %v (ctx %v), future %v; want both untouched", slow.State(), slow.context().Err(), fut.State())
		}
		slow.Cancel(nil)
		<-slow.Done()
	})
}
