package spindle

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// The cancellation rules of Gather and GatherSettled, member kind by
// member kind (docs/asyncio.md has them as a table).

// cleanupAfterCancel waits for its context to end, then spends a second
// cleaning up: the time a gather that waits for it must take.
func cleanupAfterCancel(ctx context.Context) (int, error) {
	<-ctx.Done()
	time.Sleep(time.Second)
	return 0, ctx.Err()
}

// members is one of each kind of awaitable a gather may hold, started
// outside the gather's ctx so that only the gather can cancel them.
type members struct {
	task     *Task[int] // cancellable work
	fut      *Future[int]
	foreign  *foreign[int] // no Cancel, as a durable job's handle
	shielded *Task[int]
	done     *Task[int] // settled before the gather stops
}

func newMembers(t *testing.T) *members {
	bg := context.Background()
	m := &members{
		task:     Go(bg, cleanupAfterCancel),
		fut:      NewFuture[int](),
		foreign:  newForeign[int](),
		shielded: Shield(bg, sleepy(time.Hour, 4)),
		done:     Go(bg, func(context.Context) (int, error) { return 5, nil }),
	}
	t.Cleanup(func() {
		// Whatever the gather left running is stopped here, so the bubble
		// ends empty.
		m.shielded.Cancel(nil)
		<-m.shielded.Done()
		select {
		case <-m.foreign.done:
		default:
			m.foreign.settle(0, errors.New("never settled"))
		}
	})
	return m
}

func (m *members) all() []Awaitable[int] {
	return []Awaitable[int]{m.task, m.fut, m.foreign, m.shielded, m.done}
}

// checkStopped asserts the rules for a gather that stopped early with
// cause, one second (the task's cleanup) after the stop.
func (m *members) checkStopped(t *testing.T, cause error, stoppedAt time.Time) {
	t.Helper()
	if got := time.Since(stoppedAt); got != time.Second {
		t.Errorf("returned %v after the stop; want 1s: the cancelled task's cleanup, and no wait for the rest", got)
	}
	if _, err := m.task.Result(); m.task.State() != Canceled || !errors.Is(err, cause) {
		t.Errorf("task: %v, %v; want canceled with the cause", m.task.State(), err)
	}
	if _, err := m.fut.Result(); m.fut.State() != Canceled || !errors.Is(err, cause) {
		t.Errorf("future: %v, %v; want canceled with the cause", m.fut.State(), err)
	}
	select {
	case <-m.foreign.done:
		t.Error("the awaitable without Cancel settled")
	default:
	}
	if m.shielded.State() != Running || m.shielded.context().Err() != nil {
		t.Errorf("shielded task: %v, ctx %v; want running, not cancelled", m.shielded.State(), m.shielded.context().Err())
	}
}

func TestGatherCtxCancelCancelsMembersAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMembers(t)
		stop := errors.New("operator stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() { time.Sleep(time.Second); cancel(stop) }()
		got, err := Gather(ctx, m.all()...)
		var ce *CanceledError
		if !errors.As(err, &ce) || !errors.Is(err, stop) {
			t.Fatalf("Gather err = %v; want a *CanceledError with the cause", err)
		}
		if got[4] != 5 {
			t.Errorf("values = %v; want the settled member's 5 kept", got)
		}
		m.checkStopped(t, stop, time.Now().Add(-time.Second))
	})
}

func TestGatherTimeoutCancelsMembersAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMembers(t)
		scope, ctx := NewTimeout(context.Background(), 2*time.Second)
		defer scope.Stop()
		start := time.Now()
		_, err := Gather(ctx, m.all()...)
		if !errors.Is(err, ErrTimeout) || errors.Is(err, context.Canceled) {
			t.Fatalf("Gather err = %v; want a timeout, not a cancel", err)
		}
		m.checkStopped(t, ErrTimeout, start.Add(2*time.Second))
		if _, err := m.task.Result(); errors.Is(err, context.Canceled) {
			t.Errorf("task err %v matches context.Canceled; a timeout must not", err)
		}
	})
}

func TestGatherFirstFailureFollowsTheSameRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMembers(t)
		boom := errors.New("boom")
		bad := Go(context.Background(), func(context.Context) (int, error) {
			time.Sleep(time.Second)
			return 0, boom
		})
		_, err := Gather(context.Background(), append(m.all(), bad)...)
		if err != boom {
			t.Fatalf("Gather err = %v; want the failure itself", err)
		}
		m.checkStopped(t, boom, time.Now().Add(-time.Second))
	})
}

// The wait for cancelled members has no bound: a member that ignores its
// context holds the gather until it returns, as Group.Wait would.
func TestGatherWaitsForAMemberThatIgnoresCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		deaf := Go(context.Background(), func(context.Context) (int, error) {
			time.Sleep(time.Hour)
			return 7, nil
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		got, err := Gather[int](ctx, deaf)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Hour {
			t.Fatalf("Gather = %v after %v; want DeadlineExceeded after 1h", err, time.Since(start))
		}
		if got[0] != 7 {
			t.Fatalf("values = %v; want the value it succeeded with", got)
		}
	})
}

func TestGatherSettledCtxCancelCancelsMembersAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMembers(t)
		boom := errors.New("boom")
		failed := Go(context.Background(), func(context.Context) (int, error) { return 0, boom })
		stop := errors.New("operator stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() { time.Sleep(time.Second); cancel(stop) }()
		out, err := GatherSettled(ctx, append(m.all(), failed)...)
		if !errors.Is(err, stop) {
			t.Fatalf("GatherSettled err = %v; want the cause", err)
		}
		m.checkStopped(t, stop, time.Now().Add(-time.Second))
		// Each outcome is what the member settled with; members left
		// running report the gather's interruption.
		var ce *CanceledError
		for i, want := range []error{stop, stop, stop, stop, nil, boom} {
			if !errors.Is(out[i].Err, want) || (want == nil && out[i].Err != nil) {
				t.Errorf("outcome %d = %+v; want err %v", i, out[i], want)
			}
		}
		for _, i := range []int{2, 3} {
			if !errors.As(out[i].Err, &ce) || ce.Err != nil {
				t.Errorf("outcome %d = %v; want Interrupted(ctx)", i, out[i].Err)
			}
		}
		if out[4].Value != 5 {
			t.Errorf("outcome 4 = %+v; want 5", out[4])
		}
	})
}

func TestGatherSettledTimeoutCancelsMembersAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMembers(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		out, err := GatherSettled(ctx, m.all()...)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("GatherSettled err = %v; want a deadline, not a cancel", err)
		}
		m.checkStopped(t, context.DeadlineExceeded, start.Add(2*time.Second))
		if !errors.Is(out[0].Err, context.DeadlineExceeded) {
			t.Errorf("task outcome = %v", out[0].Err)
		}
	})
}

// A member's failure is only recorded: its siblings run to the end.
func TestGatherSettledFailureCancelsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		boom := errors.New("boom")
		bad := Go(bg, func(context.Context) (int, error) { time.Sleep(time.Second); return 0, boom })
		slow := Go(bg, sleepy(3*time.Second, 3))
		fut := NewFuture[int]()
		go func() { time.Sleep(2 * time.Second); fut.Resolve(2) }()
		start := time.Now()
		out, err := GatherSettled[int](bg, bad, slow, fut)
		if err != nil || time.Since(start) != 3*time.Second {
			t.Fatalf("GatherSettled = %v after %v; want nil after 3s", err, time.Since(start))
		}
		if !errors.Is(out[0].Err, boom) || out[1].Value != 3 || out[1].Err != nil || out[2].Value != 2 {
			t.Fatalf("outcomes = %+v", out)
		}
	})
}

// A ctx that has already ended still cancels what it can and waits.
func TestGatherCtxAlreadyEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		task := Go(context.Background(), cleanupAfterCancel)
		start := time.Now()
		if _, err := Gather[int](ctx, task); !errors.Is(err, context.Canceled) {
			t.Fatalf("Gather err = %v", err)
		}
		if time.Since(start) != time.Second || task.State() != Canceled {
			t.Fatalf("returned after %v with the task %v; want 1s and canceled", time.Since(start), task.State())
		}
	})
}
