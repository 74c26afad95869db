package spindle

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errLoopTestCause = errors.New("loop test: caller gave up")

// loopTestFuture is the smallest Awaitable: resolved once, from anywhere.
type loopTestFuture[T any] struct {
	once sync.Once
	done chan struct{}
	val  T
	err  error
}

func loopNewTestFuture[T any]() *loopTestFuture[T] {
	return &loopTestFuture[T]{done: make(chan struct{})}
}

func (f *loopTestFuture[T]) resolve(v T, err error) {
	f.once.Do(func() {
		f.val, f.err = v, err
		close(f.done)
	})
}

func (f *loopTestFuture[T]) Done() <-chan struct{} { return f.done }

func (f *loopTestFuture[T]) Result() (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	default:
		var zero T
		return zero, ErrNotDone
	}
}

// loopRecorder collects what callbacks did. It needs no lock: only loop
// callbacks touch it, and the test reads it after the run returns.
type loopRecorder struct{ log []string }

func (r *loopRecorder) add(s string) func() { return func() { r.log = append(r.log, s) } }

func (r *loopRecorder) String() string { return strings.Join(r.log, " ") }

func TestLoopCallSoonOrder(t *testing.T) {
	l := NewLoop()
	var r loopRecorder
	for _, s := range []string{"a", "b", "c"} {
		l.CallSoon(r.add(s))
	}
	l.CallSoon(func() {
		l.CallSoon(r.add("nested"))
		r.add("d")()
	})
	l.CallSoon(r.add("e"))
	l.CallSoon(func() { l.CallSoon(l.Stop) })
	if err := l.RunForever(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "a b c d e nested" {
		t.Fatalf("ran %q, want %q", got, "a b c d e nested")
	}
}

func TestLoopTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		start := time.Now()
		var r loopRecorder
		at := func(name string) func() {
			return func() { r.add(name + "@" + time.Since(start).String())() }
		}
		l.CallLater(3*time.Second, at("later3s"))
		l.CallAt(start.Add(time.Second), at("at1s"))
		l.CallLater(2*time.Second, at("later2s"))
		if soon := l.CallSoon(at("soon")); !soon.When().IsZero() {
			t.Fatalf("CallSoon's When = %v, want the zero Time", soon.When())
		}
		l.CallAt(start.Add(-time.Hour), at("past")) // due at once
		l.CallLater(-time.Second, at("negative"))   // due at once
		// Same instant: scheduling order.
		l.CallAt(start.Add(2*time.Second), at("at2s-second"))
		l.CallLater(2*time.Second, at("later2s-third"))
		stop := l.CallLater(4*time.Second, l.Stop)
		if want := start.Add(4 * time.Second); !stop.When().Equal(want) {
			t.Fatalf("When = %v, want %v", stop.When(), want)
		}
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := "soon@0s past@0s negative@0s at1s@1s later2s@2s at2s-second@2s later2s-third@2s later3s@3s"
		if got := r.String(); got != want {
			t.Fatalf("ran\n %s\nwant\n %s", got, want)
		}
		if d := time.Since(start); d != 4*time.Second {
			t.Fatalf("RunForever returned after %v, want 4s", d)
		}
	})
}

// A timer scheduled while the loop is parked on a later one wakes it in time.
func TestLoopEarlierTimerWhileParked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		l.CallLater(time.Hour, l.Stop)
		done := make(chan error)
		go func() { done <- l.RunForever(t.Context()) }()
		synctest.Wait() // parked until the 1h timer
		start := time.Now()
		fired := make(chan time.Duration, 1)
		l.CallLater(time.Second, func() { fired <- time.Since(start) })
		if d := <-fired; d != time.Second {
			t.Fatalf("callback ran after %v, want 1s", d)
		}
		l.CallSoon(l.Stop)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// A callback that keeps rescheduling itself does not starve due timers.
func TestLoopTimersNotStarved(t *testing.T) {
	l := NewLoop()
	spins := 0
	var spin func()
	spin = func() {
		spins++
		l.CallSoon(spin)
	}
	l.CallSoon(spin)
	l.CallAt(time.Now(), l.Stop)
	if err := l.RunForever(t.Context()); err != nil {
		t.Fatal(err)
	}
	if spins > 2 {
		t.Fatalf("the due timer waited %d passes of a self-rescheduling callback", spins)
	}
}

func TestLoopCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		var r loopRecorder
		soon := l.CallSoon(r.add("soon"))
		later := l.CallLater(time.Second, r.add("later"))
		kept := l.CallLater(2*time.Second, r.add("kept"))
		var fromCallback bool
		victim := l.CallLater(3*time.Second, r.add("victim"))
		l.CallLater(2500*time.Millisecond, func() { fromCallback = victim.Cancel() })
		ran := l.CallLater(4*time.Second, r.add("ran"))
		l.CallLater(5*time.Second, l.Stop)

		if !soon.Cancel() || !later.Cancel() {
			t.Fatal("Cancel of a pending call = false, want true")
		}
		if soon.Cancel() || later.Cancel() {
			t.Fatal("second Cancel = true, want false")
		}
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != "kept ran" {
			t.Fatalf("ran %q, want %q", got, "kept ran")
		}
		if !fromCallback {
			t.Fatal("Cancel from a callback of a pending call = false, want true")
		}
		if kept.Cancel() || ran.Cancel() {
			t.Fatal("Cancel of a call that ran = true, want false")
		}
	})
}

func TestLoopCancelFromAnotherGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		ran := false
		c := l.CallLater(time.Minute, func() { ran = true })
		l.CallLater(2*time.Minute, l.Stop)
		done := make(chan error)
		go func() { done <- l.RunForever(t.Context()) }()
		time.Sleep(30 * time.Second)
		if !c.Cancel() {
			t.Fatal("Cancel = false, want true")
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if ran {
			t.Fatal("a cancelled call ran")
		}
	})
}

func TestLoopStop(t *testing.T) {
	t.Run("from a callback finishes the pass", func(t *testing.T) {
		l := NewLoop()
		var r loopRecorder
		l.CallSoon(r.add("a"))
		l.CallSoon(l.Stop)
		l.CallSoon(r.add("b")) // same pass: runs
		l.CallSoon(func() { l.CallSoon(r.add("next")) })
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatalf("RunForever after Stop = %v, want nil", err)
		}
		if got := r.String(); got != "a b" {
			t.Fatalf("ran %q, want %q", got, "a b")
		}
		// What was left stays scheduled for the next run.
		l.CallSoon(l.Stop)
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != "a b next" {
			t.Fatalf("ran %q, want %q", got, "a b next")
		}
	})
	t.Run("from another goroutine", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := NewLoop()
			done := make(chan error)
			go func() { done <- l.RunForever(t.Context()) }()
			synctest.Wait() // idle and parked
			l.Stop()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("before the run is kept", func(t *testing.T) {
		l := NewLoop()
		var r loopRecorder
		l.CallSoon(r.add("a"))
		l.Stop()
		l.CallSoon(func() { l.CallSoon(r.add("b")) })
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != "a" {
			t.Fatalf("ran %q, want one pass, %q", got, "a")
		}
	})
	t.Run("does not outlive its run", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := NewLoop()
			f := loopNewTestFuture[int]()
			l.CallSoon(func() { f.resolve(1, nil); l.Stop() })
			if _, err := RunUntilComplete(t.Context(), l, f); err != nil {
				t.Fatal(err)
			}
			// The Stop was for that run; this one runs until its ctx ends.
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			ran := false
			l.CallSoon(func() { ran = true })
			if err := l.RunForever(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("RunForever = %v, want DeadlineExceeded", err)
			}
			if !ran {
				t.Fatal("callback did not run")
			}
		})
	})
}

func TestLoopContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		ctx, cancel := context.WithCancelCause(t.Context())
		var r loopRecorder
		l.CallSoon(r.add("a"))
		l.CallSoon(func() { cancel(errLoopTestCause) })
		l.CallSoon(r.add("left"))
		if err := l.RunForever(ctx); !errors.Is(err, errLoopTestCause) {
			t.Fatalf("RunForever = %v, want the cause %v", err, errLoopTestCause)
		}
		if got := r.String(); got != "a" {
			t.Fatalf("ran %q, want %q: the run ends after the callback under way", got, "a")
		}

		// Already done: nothing runs.
		if err := l.RunForever(ctx); !errors.Is(err, errLoopTestCause) {
			t.Fatalf("RunForever with done ctx = %v, want the cause", err)
		}
		if got := r.String(); got != "a" {
			t.Fatalf("ran %q with a done ctx", got)
		}

		// Idle loop, timeout.
		tctx, tcancel := context.WithTimeout(t.Context(), time.Minute)
		defer tcancel()
		idle := NewLoop()
		start := time.Now()
		if err := idle.RunForever(tctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("RunForever = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Fatalf("RunForever returned after %v, want 1m", d)
		}
	})
}

func TestLoopPanic(t *testing.T) {
	l := NewLoop()
	var r loopRecorder
	l.CallSoon(r.add("a"))
	l.CallSoon(func() { panic("boom") })
	l.CallSoon(r.add("b"))
	err := l.RunForever(t.Context())
	var perr *PanicError
	if !errors.As(err, &perr) {
		t.Fatalf("RunForever = %v, want a *PanicError", err)
	}
	if perr.Value != "boom" || !strings.Contains(string(perr.Stack), "loop_test.go") {
		t.Fatalf("PanicError = %v, stack %q: want value boom and the callback's stack", perr.Value, perr.Stack)
	}
	if got := r.String(); got != "a" {
		t.Fatalf("ran %q, want %q", got, "a")
	}
	// The loop is usable again and the rest is still scheduled.
	l.CallSoon(l.Stop)
	if err := l.RunForever(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "a b" {
		t.Fatalf("ran %q, want %q", got, "a b")
	}

	// panic(err) is visible through errors.Is; RunUntilComplete reports it too.
	f := loopNewTestFuture[int]()
	l.CallSoon(func() { panic(errLoopTestCause) })
	l.CallSoon(func() { f.resolve(1, nil) })
	if _, err := RunUntilComplete(t.Context(), l, f); !errors.Is(err, errLoopTestCause) || !errors.As(err, &perr) {
		t.Fatalf("RunUntilComplete = %v, want a *PanicError wrapping the cause", err)
	}
}

func TestLoopRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		done := make(chan error)
		go func() { done <- l.RunForever(t.Context()) }()
		synctest.Wait()
		if err := l.RunForever(t.Context()); !errors.Is(err, ErrLoopRunning) {
			t.Fatalf("second RunForever = %v, want ErrLoopRunning", err)
		}
		f := loopNewTestFuture[int]()
		f.resolve(1, nil)
		if _, err := RunUntilComplete(t.Context(), l, f); !errors.Is(err, ErrLoopRunning) {
			t.Fatalf("RunUntilComplete on a running loop = %v, want ErrLoopRunning", err)
		}
		// From inside a callback too.
		nested := make(chan error, 1)
		l.CallSoon(func() { nested <- l.RunForever(t.Context()) })
		if err := <-nested; !errors.Is(err, ErrLoopRunning) {
			t.Fatalf("RunForever from a callback = %v, want ErrLoopRunning", err)
		}
		l.Stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Runs again once the first run returned.
		l.CallSoon(l.Stop)
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatalf("RunForever after the first run returned = %v, want nil", err)
		}
	})
}

func TestRunUntilComplete(t *testing.T) {
	t.Run("resolved by a callback", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := NewLoop()
			f := loopNewTestFuture[int]()
			start := time.Now()
			l.CallLater(time.Second, func() { f.resolve(555, nil) })
			l.CallLater(time.Second, func() { t.Error("callback after the resolving one ran in the same run") })
			v, err := RunUntilComplete(t.Context(), l, f)
			if v != 555 || err != nil {
				t.Fatalf("RunUntilComplete = %d, %v, want 555, nil", v, err)
			}
			if d := time.Since(start); d != time.Second {
				t.Fatalf("returned after %v, want 1s", d)
			}
		})
	})
	t.Run("resolved from another goroutine", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := NewLoop()
			f := loopNewTestFuture[string]()
			go func() {
				time.Sleep(time.Second)
				f.resolve("", errLoopTestCause)
			}()
			if _, err := RunUntilComplete(t.Context(), l, f); !errors.Is(err, errLoopTestCause) {
				t.Fatalf("RunUntilComplete = %v, want the awaitable's error", err)
			}
		})
	})
	t.Run("already done", func(t *testing.T) {
		l := NewLoop()
		f := loopNewTestFuture[int]()
		f.resolve(7, nil)
		ran := false
		l.CallSoon(func() { ran = true })
		if v, err := RunUntilComplete(t.Context(), l, f); v != 7 || err != nil {
			t.Fatalf("RunUntilComplete = %d, %v, want 7, nil", v, err)
		}
		if ran {
			t.Fatal("RunUntilComplete ran callbacks for an awaitable that was already done")
		}
	})
	t.Run("never done, ctx ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := NewLoop()
			f := loopNewTestFuture[int]()
			ctx, cancel := context.WithCancelCause(t.Context())
			l.CallLater(time.Second, func() { cancel(errLoopTestCause) })
			if _, err := RunUntilComplete(ctx, l, f); !errors.Is(err, errLoopTestCause) {
				t.Fatalf("RunUntilComplete = %v, want the cause %v", err, errLoopTestCause)
			}
			tctx, tcancel := context.WithTimeout(t.Context(), time.Minute)
			defer tcancel()
			if _, err := RunUntilComplete(tctx, l, f); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("RunUntilComplete = %v, want DeadlineExceeded", err)
			}
		})
	})
	t.Run("stopped first", func(t *testing.T) {
		l := NewLoop()
		f := loopNewTestFuture[int]()
		l.CallSoon(l.Stop)
		if _, err := RunUntilComplete(t.Context(), l, f); !errors.Is(err, ErrLoopStopped) {
			t.Fatalf("RunUntilComplete = %v, want ErrLoopStopped", err)
		}
	})
	t.Run("nil awaitable", func(t *testing.T) {
		_, err := RunUntilComplete[int](t.Context(), NewLoop(), nil)
		if err == nil || !strings.Contains(err.Error(), "nil") {
			t.Fatalf("RunUntilComplete(nil) = %v, want an error naming the nil awaitable", err)
		}
	})
}

func TestLoopNilCallbackPanics(t *testing.T) {
	l := NewLoop()
	for name, schedule := range map[string]func(){
		"CallSoon":  func() { l.CallSoon(nil) },
		"CallLater": func() { l.CallLater(time.Second, nil) },
		"CallAt":    func() { l.CallAt(time.Now(), nil) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, name) || !strings.Contains(msg, "nil") {
					t.Errorf("%s(nil) panicked with %q, want a message naming %s and the nil func", name, msg, name)
				}
			}()
			schedule()
		}()
	}
}

// Callbacks handed over from many goroutines all run, one at a time, so
// the state they share needs no lock; the race detector checks that claim.
func TestLoopSerialisesCallbacks(t *testing.T) {
	l := NewLoop()
	done := make(chan error)
	go func() { done <- l.RunForever(t.Context()) }()
	const senders, each = 8, 500
	var count int // touched only from callbacks
	var seen []int
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				l.CallSoon(func() {
					count++
					if s == 0 {
						seen = append(seen, i)
					}
				})
			}
		})
	}
	wg.Wait()
	l.CallSoon(l.Stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if count != senders*each {
		t.Fatalf("%d callbacks ran, want %d", count, senders*each)
	}
	if !slices.IsSorted(seen) || len(seen) != each {
		t.Fatalf("one sender's callbacks ran out of order or went missing: %d of %d", len(seen), each)
	}
}

func TestLoopTimerHeap(t *testing.T) {
	// Many timers with random-ish deadlines and cancels come out in order.
	synctest.Test(t, func(t *testing.T) {
		l := NewLoop()
		start := time.Now()
		var got []time.Duration
		var calls []*Call
		for i := range 200 {
			d := time.Duration((i*7919)%101) * time.Millisecond
			calls = append(calls, l.CallLater(d, func() { got = append(got, time.Since(start)) }))
		}
		cancelled := 0
		for i, c := range calls {
			if i%3 == 0 && c.Cancel() {
				cancelled++
			}
		}
		l.CallLater(time.Second, l.Stop)
		if err := l.RunForever(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(got) != 200-cancelled || !slices.IsSorted(got) {
			t.Fatalf("ran %d callbacks (want %d), sorted=%v", len(got), 200-cancelled, slices.IsSorted(got))
		}
	})
}
