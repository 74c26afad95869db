package spindle

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestTimeoutExpiresAsTimeoutNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scope, ctx := NewTimeout(context.Background(), 10*time.Second)
		defer scope.Stop()
		err := scope.Err(Sleep(ctx, time.Hour))
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if !scope.Expired() || ctx.Err() != context.DeadlineExceeded {
			t.Fatalf("Expired %v ctx.Err %v", scope.Expired(), ctx.Err())
		}
		if time.Since(time.Unix(946684800, 0)) != 10*time.Second {
			t.Fatalf("expired at the wrong time: %v", time.Since(time.Unix(946684800, 0)))
		}
	})
}

func TestTimeoutReschedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scope, ctx := NewTimeoutAt(context.Background(), time.Time{})
		defer scope.Stop()
		if _, ok := ctx.Deadline(); ok {
			t.Fatal("a scope without deadline reports one")
		}
		start := time.Now()
		scope.Reschedule(start.Add(time.Second))
		scope.Reschedule(start.Add(5 * time.Second)) // moved later before it fired
		if d, ok := ctx.Deadline(); !ok || !d.Equal(start.Add(5*time.Second)) {
			t.Fatalf("Deadline = %v %v", d, ok)
		}
		<-ctx.Done()
		if time.Since(start) != 5*time.Second || !scope.Expired() {
			t.Fatalf("fired after %v", time.Since(start))
		}
	})
}

func TestTimeoutRescheduleToNoneAndFinishInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scope, ctx := NewTimeout(context.Background(), time.Second)
		scope.Reschedule(time.Time{})
		if err := Sleep(ctx, time.Minute); err != nil {
			t.Fatalf("sleep under a removed deadline: %v", err)
		}
		scope.Stop()
		if scope.Expired() {
			t.Fatal("Expired after finishing in time")
		}
		if scope.Err(errors.New("x")).Error() != "x" {
			t.Fatal("Err changed an unrelated error")
		}
	})
}

func TestTimeoutParentDeadlineWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		scope, ctx := NewTimeout(parent, time.Hour)
		defer scope.Stop()
		if d, _ := ctx.Deadline(); !d.Equal(time.Now().Add(time.Second)) {
			t.Fatalf("Deadline %v does not honour the parent's", d)
		}
		<-ctx.Done()
		if scope.Expired() {
			t.Fatal("the parent's deadline was reported as this scope expiring")
		}
	})
}

func TestTimeoutImmediate(t *testing.T) {
	scope, ctx := NewTimeout(context.Background(), 0)
	defer scope.Stop()
	if ctx.Err() == nil || !scope.Expired() {
		t.Fatal("a zero timeout did not expire at once")
	}
}

func TestWaitFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		v, err := WaitFor(ctx, time.Second, sleepy(time.Millisecond, 4))
		if v != 4 || err != nil {
			t.Fatalf("in time: %v %v", v, err)
		}
		_, err = WaitFor(ctx, time.Second, sleepy(time.Hour, 4))
		if !errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled) {
			t.Fatalf("late: %v", err)
		}
		boom := errors.New("boom")
		_, err = WaitFor(ctx, time.Second, func(context.Context) (int, error) { return 0, boom })
		if err != boom {
			t.Fatalf("own error changed: %v", err)
		}
	})
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(context.Background(), 3*time.Second); err != nil || time.Since(start) != 3*time.Second {
			t.Fatalf("Sleep = %v after %v", err, time.Since(start))
		}
		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(stop)
		if err := Sleep(ctx, time.Hour); !errors.Is(err, stop) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Sleep on an ended ctx = %v", err)
		}
		if err := Sleep(ctx, 0); !errors.Is(err, stop) {
			t.Fatalf("Sleep(0) on an ended ctx = %v", err)
		}
	})
}

func TestShieldOutlivesCallerCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
		task := Shield(ctx, func(ctx context.Context) (string, error) {
			if err := Sleep(ctx, time.Minute); err != nil {
				return "", err
			}
			return ctx.Value(key{}).(string), nil
		})
		go func() { time.Sleep(time.Second); cancel() }()
		if _, err := task.Await(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Await with the cancelled caller ctx = %v", err)
		}
		if v, err := task.Await(context.Background()); v != "v" || err != nil {
			t.Fatalf("shielded work = %q, %v; want it to finish with ctx values", v, err)
		}
	})
}

func TestBlockingAbandonedStaysTracked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := Blocking(ctx, func() (int, error) { <-release; return 1, nil }, Named("legacy-io"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Blocking = %v", err)
		}
		tracked := false
		for _, info := range AllTasks() {
			tracked = tracked || info.Name == "legacy-io" && info.State == Running
		}
		if !tracked {
			t.Fatal("abandoned blocking call is not listed by AllTasks")
		}
		close(release)
		synctest.Wait()
		for _, info := range AllTasks() {
			if strings.Contains(info.Name, "legacy-io") {
				t.Fatal("finished blocking call still listed")
			}
		}
	})
}

func TestBlockingPanic(t *testing.T) {
	_, err := Blocking(context.Background(), func() (int, error) { panic("legacy") })
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Blocking = %v", err)
	}
}
