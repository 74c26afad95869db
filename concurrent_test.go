package spindle

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type concTestUnit = func(context.Context) (int, error)

// concSleeper returns a unit that sleeps d (honouring ctx) and returns v.
func concSleeper(v int, d time.Duration) concTestUnit {
	return func(ctx context.Context) (int, error) {
		select {
		case <-time.After(d):
			return v, nil
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

type concOutcome struct {
	vals []int
	errs []error
}

func concCollect(seq iter.Seq2[int, error]) concOutcome {
	var o concOutcome
	for v, err := range seq {
		if err != nil {
			o.errs = append(o.errs, err)
			continue
		}
		o.vals = append(o.vals, v)
	}
	return o
}

// concCounting wraps units so a test can see how many were pulled from the
// source, how many run at once at most, and how many have returned.
type concCounting struct {
	pulled, running, maxRunning, returned atomic.Int64
}

func (c *concCounting) wrap(u concTestUnit) concTestUnit {
	c.pulled.Add(1)
	return func(ctx context.Context) (int, error) {
		n := c.running.Add(1)
		for {
			m := c.maxRunning.Load()
			if n <= m || c.maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		defer func() {
			c.running.Add(-1)
			c.returned.Add(1)
		}()
		return u(ctx)
	}
}

func (c *concCounting) seq(units ...concTestUnit) iter.Seq[concTestUnit] {
	return func(yield func(concTestUnit) bool) {
		for _, u := range units {
			if !yield(c.wrap(u)) {
				return
			}
		}
	}
}

// TestConcurrentLimitStartsAsSoonAsASlotFrees checks aio.tasks' behaviour in
// fake time: with limit 3, three units start at once, never more run, and
// each later unit starts at the very instant an earlier one finishes.
func TestConcurrentLimitStartsAsSoonAsASlotFrees(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		secs := []int{5, 3, 4, 1, 2, 6, 1, 3, 2, 4}
		// The schedule a limit of 3 implies: each unit takes the earliest
		// free slot.
		free := []time.Duration{0, 0, 0}
		want := make([]time.Duration, len(secs))
		for i, s := range secs {
			j := slices.Index(free, slices.Min(free))
			want[i] = free[j]
			free[j] += time.Duration(s) * time.Second
		}

		t0 := time.Now()
		started := make([]time.Duration, len(secs))
		var c concCounting
		units := make([]concTestUnit, len(secs))
		for i, s := range secs {
			units[i] = func(ctx context.Context) (int, error) {
				started[i] = time.Since(t0)
				return concSleeper(i, time.Duration(s)*time.Second)(ctx)
			}
		}
		var got []int
		for v, err := range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(3)) {
			if err != nil {
				t.Fatal(err)
			}
			// Each result arrives when its unit finishes.
			if at, end := time.Since(t0), started[v]+time.Duration(secs[v])*time.Second; at != end {
				t.Errorf("result %d yielded at %v, its unit finished at %v", v, at, end)
			}
			got = append(got, v)
		}
		if m := c.maxRunning.Load(); m != 3 {
			t.Errorf("at most %d units ran at once, want 3", m)
		}
		if !slices.Equal(started, want) {
			t.Errorf("units started at %v, want %v", started, want)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("results %v", got)
		}
	})
}

func TestConcurrentDefaultLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c concCounting
		units := make([]concTestUnit, 100)
		for i := range units {
			units[i] = concSleeper(i, time.Second)
		}
		o := concCollect(Concurrent(t.Context(), c.seq(units...)))
		if len(o.vals) != 100 || len(o.errs) != 0 {
			t.Fatalf("%d results, errors %v", len(o.vals), o.errs)
		}
		if m, want := c.maxRunning.Load(), int64(concDefaultLimit()); m != want {
			t.Errorf("at most %d ran at once, want the default limit %d", m, want)
		}
	})
}

func TestConcurrentUnlimitedRunsEverythingAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 200
		var arrived atomic.Int64
		all := make(chan struct{})
		// Each unit waits for all the others to have started: only a run
		// with no limit can finish (synctest reports the deadlock
		// otherwise).
		unit := func(ctx context.Context) (int, error) {
			if arrived.Add(1) == n {
				close(all)
			}
			<-all
			return 1, nil
		}
		var c concCounting
		units := slices.Repeat([]concTestUnit{unit}, n)
		o := concCollect(Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(-1)))
		if len(o.vals) != n || len(o.errs) != 0 {
			t.Fatalf("%d results, errors %v", len(o.vals), o.errs)
		}
		if m := c.maxRunning.Load(); m != n {
			t.Errorf("at most %d ran at once, want %d", m, n)
		}
	})
}

func TestConcurrentBadLimit(t *testing.T) {
	for _, limit := range []int{0, -2, -100} {
		ran := false
		units := slices.Values([]concTestUnit{func(context.Context) (int, error) { ran = true; return 0, nil }})
		o := concCollect(Concurrent(t.Context(), units, ConcurrentLimit(limit)))
		if len(o.vals) != 0 || len(o.errs) != 1 || !errors.Is(o.errs[0], ErrConcurrentLimit) {
			t.Errorf("limit %d: got %v, %v; want one error wrapping ErrConcurrentLimit", limit, o.vals, o.errs)
		}
		if ran {
			t.Errorf("limit %d: a unit ran", limit)
		}
	}
}

// TestConcurrentBackpressure checks that a slow consumer holds back the
// work: never more than concWindowFactor*limit units finished and waiting to be consumed
// (counting the one the loop body has), nothing pulled beyond them, and the
// bound is reached, so it is the exact one.
func TestConcurrentBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, n = 3, 20
		var c concCounting
		units := make([]concTestUnit, n)
		for i := range units {
			units[i] = func(context.Context) (int, error) { return i, nil }
		}
		consumed, maxWaiting := int64(0), int64(0)
		for _, err := range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(limit)) {
			if err != nil {
				t.Fatal(err)
			}
			synctest.Wait() // let every other goroutine go as far as it can
			waiting := c.returned.Load() - consumed
			if waiting > concWindowFactor*limit {
				t.Fatalf("%d units finished and unconsumed, want at most concWindowFactor*limit = %d", waiting, concWindowFactor*limit)
			}
			maxWaiting = max(maxWaiting, waiting)
			if ahead := c.pulled.Load() - consumed; ahead > concWindowFactor*limit {
				t.Fatalf("%d units pulled and unconsumed, want at most concWindowFactor*limit = %d", ahead, concWindowFactor*limit)
			}
			time.Sleep(time.Second) // a slow consumer
			consumed++
		}
		if consumed != n {
			t.Fatalf("consumed %d, want %d", consumed, n)
		}
		if maxWaiting != concWindowFactor*limit {
			t.Errorf("at most %d results waited, want the bound concWindowFactor*limit = %d to be reached", maxWaiting, concWindowFactor*limit)
		}
	})
}

// TestConcurrentSlowConsumerDoesNotDelayStarts checks that a unit's slot
// frees when it returns, not when its result is consumed: with a consumer
// slower than the units, the next units start at the instant earlier ones
// finish, until concWindowFactor*limit results wait.
func TestConcurrentSlowConsumerDoesNotDelayStarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 2
		t0 := time.Now()
		var mu sync.Mutex
		var started []time.Duration
		units := make([]concTestUnit, concWindowFactor*limit)
		for i := range units {
			units[i] = func(ctx context.Context) (int, error) {
				mu.Lock()
				started = append(started, time.Since(t0))
				mu.Unlock()
				return concSleeper(i, time.Second)(ctx)
			}
		}
		for _, err := range Concurrent(t.Context(), slices.Values(units), ConcurrentLimit(limit)) {
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Hour) // a consumer far slower than the units
		}
		var want []time.Duration // limit at a time, a second apart
		for i := range units {
			want = append(want, time.Duration(i/limit)*time.Second)
		}
		if !slices.Equal(started, want) {
			t.Errorf("units started at %v, want %v", started, want)
		}
	})
}

func TestConcurrentOrdered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 4
		secs := []int{5, 1, 1, 3, 2, 1, 4, 1, 1, 2, 1, 1}
		var c concCounting
		units := make([]concTestUnit, len(secs))
		for i, s := range secs {
			units[i] = concSleeper(i, time.Duration(s)*time.Second)
		}
		var got []int
		for v, err := range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(limit), ConcurrentOrdered()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

// TestConcurrentOrderedBound checks the reorder buffer's bound: while the
// first unit runs, later ones finish and wait for it, and no unit starts
// once concWindowFactor*limit units are started and not yielded.
func TestConcurrentOrderedBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 3
		var c concCounting
		units := []concTestUnit{concSleeper(0, time.Hour)}
		for i := 1; i < concWindowFactor*limit+4; i++ {
			units = append(units, concSleeper(i, time.Second))
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			time.Sleep(time.Minute)
			synctest.Wait()
			if r := c.returned.Load(); r != concWindowFactor*limit-1 {
				t.Errorf("%d units finished while the head ran, want concWindowFactor*limit-1 = %d", r, concWindowFactor*limit-1)
			}
			if p := c.pulled.Load(); p > concWindowFactor*limit {
				t.Errorf("%d units pulled while the head ran, want at most concWindowFactor*limit = %d", p, concWindowFactor*limit)
			}
			if s := c.returned.Load() + c.running.Load(); s != concWindowFactor*limit {
				t.Errorf("%d units started while the head ran, want concWindowFactor*limit = %d", s, concWindowFactor*limit)
			}
		}()
		var got []int
		for v, err := range Concurrent(ctx, c.seq(units...), ConcurrentLimit(limit), ConcurrentOrdered()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if want := slices.Collect(func(yield func(int) bool) {
			for i := range units {
				yield(i)
			}
		}); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestConcurrentOrderedErrorAtItsPosition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		units := []concTestUnit{
			concSleeper(0, 3*time.Second),
			concSleeper(1, 2*time.Second),
			func(context.Context) (int, error) { return 0, boom }, // fails first
			concSleeper(3, time.Second),
		}
		var got []int
		var errs []error
		for v, err := range Concurrent(t.Context(), slices.Values(units), ConcurrentLimit(4), ConcurrentOrdered()) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, v)
		}
		var ee *ConcurrentExecutionError
		if !slices.Equal(got, []int{0, 1}) || len(errs) != 1 || !errors.As(errs[0], &ee) || ee.Index != 2 || !errors.Is(ee, boom) {
			t.Fatalf("got %v then %v; want 0, 1, then unit 2's error", got, errs)
		}
	})
}

func TestConcurrentExecutionErrorEndsTheIteration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		var slowCause error
		var c concCounting
		units := []concTestUnit{
			func(ctx context.Context) (int, error) { // still running at the failure
				<-ctx.Done()
				slowCause = context.Cause(ctx)
				return 0, ctx.Err()
			},
			func(context.Context) (int, error) { time.Sleep(time.Second); return 0, boom },
			concSleeper(2, time.Hour),
			concSleeper(3, 0),
			concSleeper(4, 0),
			concSleeper(5, 0),
			concSleeper(6, 0),
			concSleeper(7, 0),
		}
		var errs []error
		for _, err := range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(3)) {
			if err == nil {
				t.Fatal("a result was yielded before the failure")
			}
			errs = append(errs, err)
		}
		var ee *ConcurrentExecutionError
		if len(errs) != 1 || !errors.As(errs[0], &ee) || ee.Index != 1 || !errors.Is(errs[0], boom) {
			t.Fatalf("errors %v, want only unit 1's ConcurrentExecutionError", errs)
		}
		// The loop has ended: every started unit has returned, cancelled with
		// the error as the cause, units queued behind them never started, and
		// no more than concWindowFactor*limit units were pulled.
		if r, run := c.returned.Load(), c.running.Load(); run != 0 || r != 3 {
			t.Errorf("%d returned, %d still running after the loop", r, run)
		}
		if slowCause != errs[0] {
			t.Errorf("running unit's cause %v, want the error that ended the iteration", slowCause)
		}
		if p := c.pulled.Load(); p > concWindowFactor*3 {
			t.Errorf("%d units pulled, want at most concWindowFactor*limit = %d", p, concWindowFactor*3)
		}
	})
}

func TestConcurrentYieldErrors(t *testing.T) {
	boom := errors.New("boom")
	units := []concTestUnit{
		func(context.Context) (int, error) { return 0, nil },
		func(context.Context) (int, error) { return 7, boom },
		nil,
		func(context.Context) (int, error) { panic("kaput") },
		func(context.Context) (int, error) { return 4, nil },
	}
	type item struct {
		v   int
		err error
	}
	var got []item
	for v, err := range Concurrent(t.Context(), slices.Values(units), ConcurrentLimit(2), ConcurrentYieldErrors(), ConcurrentOrdered()) {
		got = append(got, item{v, err})
	}
	if len(got) != 5 {
		t.Fatalf("got %d elements, want 5: %v", len(got), got)
	}
	if got[0] != (item{0, nil}) || got[4] != (item{4, nil}) {
		t.Errorf("results %v", got)
	}
	var ee *ConcurrentExecutionError
	if !errors.As(got[1].err, &ee) || ee.Index != 1 || !errors.Is(got[1].err, boom) || got[1].v != 7 {
		t.Errorf("element 1: %v, %v; want unit 1's value beside its ConcurrentExecutionError", got[1].v, got[1].err)
	}
	var ce *ConcurrentError
	if !errors.As(got[2].err, &ce) || ce.Index != 2 || errors.As(got[2].err, &ee) {
		t.Errorf("element 2: %v; want a ConcurrentError for the nil unit", got[2].err)
	}
	var pe *PanicError
	if !errors.As(got[3].err, &ee) || ee.Index != 3 || !errors.As(got[3].err, &pe) || pe.Value != "kaput" || len(pe.Stack) == 0 {
		t.Errorf("element 3: %v; want a ConcurrentExecutionError around a PanicError", got[3].err)
	}
}

func TestConcurrentNilUnitEndsTheIteration(t *testing.T) {
	units := []concTestUnit{nil, func(context.Context) (int, error) { return 1, nil }}
	o := concCollect(Concurrent(t.Context(), slices.Values(units), ConcurrentLimit(1)))
	var ce *ConcurrentError
	if len(o.vals) != 0 || len(o.errs) != 1 || !errors.As(o.errs[0], &ce) || ce.Index != 0 {
		t.Fatalf("got %v, %v; want only a ConcurrentError for unit 0", o.vals, o.errs)
	}
}

func TestConcurrentPanicEndsTheIteration(t *testing.T) {
	sentinel := errors.New("sentinel")
	units := []concTestUnit{func(context.Context) (int, error) { panic(sentinel) }}
	o := concCollect(Concurrent(t.Context(), slices.Values(units)))
	var ee *ConcurrentExecutionError
	var pe *PanicError
	if len(o.errs) != 1 || !errors.As(o.errs[0], &ee) || !errors.As(o.errs[0], &pe) || !errors.Is(o.errs[0], sentinel) {
		t.Fatalf("errors %v; want a ConcurrentExecutionError around panic(sentinel)", o.errs)
	}
}

func TestConcurrentGoexit(t *testing.T) {
	units := []concTestUnit{
		func(context.Context) (int, error) { return 0, nil },
		func(context.Context) (int, error) { runtime.Goexit(); return 0, nil },
		func(context.Context) (int, error) { return 2, nil },
		func(context.Context) (int, error) { return 3, nil },
	}
	o := concCollect(Concurrent(t.Context(), slices.Values(units), ConcurrentLimit(1), ConcurrentYieldErrors()))
	var ee *ConcurrentExecutionError
	if len(o.errs) != 1 || !errors.As(o.errs[0], &ee) || ee.Index != 1 || !errors.Is(o.errs[0], ErrGoexit) {
		t.Errorf("errors %v; want unit 1's ErrGoexit", o.errs)
	}
	if slices.Sort(o.vals); !slices.Equal(o.vals, []int{0, 2, 3}) {
		t.Errorf("results %v; the units after the Goexit must still run", o.vals)
	}
}

func TestConcurrentIteratorError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken := errors.New("connection lost")
		var causes []error
		var mu sync.Mutex
		unit := func(ctx context.Context) (int, error) {
			<-ctx.Done()
			mu.Lock()
			causes = append(causes, context.Cause(ctx))
			mu.Unlock()
			return 0, ctx.Err()
		}
		src := func(yield func(concTestUnit, error) bool) {
			if !yield(func(context.Context) (int, error) { return 0, nil }, nil) ||
				!yield(unit, nil) || !yield(unit, nil) {
				return
			}
			time.Sleep(time.Second) // the first result is yielded meanwhile
			if yield(nil, broken) {
				t.Error("the source was asked for more after it failed")
			}
		}
		var got []int
		var errs []error
		for v, err := range ConcurrentSeq2(t.Context(), src, ConcurrentLimit(4), ConcurrentYieldErrors()) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, v)
		}
		var ie *ConcurrentIteratorError
		if len(errs) != 1 || !errors.As(errs[0], &ie) || ie.Index != 3 || !errors.Is(errs[0], broken) {
			t.Fatalf("errors %v; want one ConcurrentIteratorError at index 3", errs)
		}
		if !slices.Equal(got, []int{0}) {
			t.Errorf("results %v, want [0]", got)
		}
		if len(causes) != 2 || causes[0] != errs[0] || causes[1] != errs[0] {
			t.Errorf("running units saw causes %v, want the iterator error", causes)
		}
	})
}

func TestConcurrentIteratorErrorIsImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		broken := errors.New("broken")
		// Finished results are waiting for a slow consumer when the source
		// fails: the failure comes next, ahead of them.
		src := func(yield func(concTestUnit, error) bool) {
			for i := range 3 {
				if !yield(concSleeper(i, 0), nil) {
					return
				}
			}
			time.Sleep(time.Second)
			yield(nil, broken)
		}
		var seen []error
		n := 0
		for _, err := range ConcurrentSeq2(t.Context(), src, ConcurrentLimit(8)) {
			seen = append(seen, err)
			if err == nil {
				n++
				time.Sleep(10 * time.Second)
			}
		}
		var ie *ConcurrentIteratorError
		if n != 1 || !errors.As(seen[len(seen)-1], &ie) {
			t.Fatalf("got %v; want one result then the iterator error", seen)
		}
	})
}

func TestConcurrentSourcePanics(t *testing.T) {
	src := func(yield func(concTestUnit) bool) {
		yield(func(context.Context) (int, error) { return 0, nil })
		panic("generator broke")
	}
	o := concCollect(Concurrent(t.Context(), src, ConcurrentYieldErrors()))
	var ie *ConcurrentIteratorError
	var pe *PanicError
	if len(o.errs) != 1 || !errors.As(o.errs[0], &ie) || ie.Index != 1 || !errors.As(o.errs[0], &pe) || pe.Value != "generator broke" {
		t.Fatalf("errors %v; want a ConcurrentIteratorError around the panic at index 1", o.errs)
	}
}

func TestConcurrentNilSource(t *testing.T) {
	for name, seq := range map[string]iter.Seq2[int, error]{
		"Seq":  Concurrent[int](t.Context(), nil),
		"Seq2": ConcurrentSeq2[int](t.Context(), nil),
		"Chan": ConcurrentChan[int](t.Context(), nil),
	} {
		o := concCollect(seq)
		var ie *ConcurrentIteratorError
		if len(o.errs) != 1 || !errors.As(o.errs[0], &ie) {
			t.Errorf("%s: errors %v; want one ConcurrentIteratorError", name, o.errs)
		}
	}
}

// TestConcurrentBreak checks the consumer breaking out of the loop: running
// units are cancelled with ErrConcurrentStopped and have all returned when
// the loop ends, and nothing more is pulled. Unit 0's slot frees when it
// returns, so unit 3 may start (unless the loop has ended first) and unit 4
// may be pulled to wait for a slot, but unit 4 never starts.
func TestConcurrentBreak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c concCounting
		var mu sync.Mutex
		var causes []error
		blocked := func(ctx context.Context) (int, error) {
			<-ctx.Done()
			mu.Lock()
			causes = append(causes, context.Cause(ctx))
			mu.Unlock()
			return 0, ctx.Err()
		}
		units := []concTestUnit{concSleeper(0, time.Second), blocked, blocked, blocked, blocked}
		for range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(3)) {
			break
		}
		if run := c.running.Load(); run != 0 {
			t.Errorf("%d units still running after the loop", run)
		}
		if p := c.pulled.Load(); p > 5 {
			t.Errorf("%d units pulled, want at most 5", p)
		}
		if len(causes) < 2 || len(causes) > 3 {
			t.Errorf("%d blocked units ran, want 2 or 3", len(causes))
		}
		for _, cause := range causes {
			if !errors.Is(cause, ErrConcurrentStopped) {
				t.Errorf("cause %v, want ErrConcurrentStopped", cause)
			}
		}
		if r := c.returned.Load(); r != int64(1+len(causes)) {
			t.Errorf("%d units returned, want %d", r, 1+len(causes))
		}
	})
}

// TestConcurrentLoopBodyPanics checks that a panic in the loop body still
// cancels and awaits the units, and reaches the caller.
func TestConcurrentLoopBodyPanics(t *testing.T) {
	var c concCounting
	units := []concTestUnit{concSleeper(0, 0), concSleeper(1, time.Hour), concSleeper(2, time.Hour)}
	func() {
		defer func() {
			if p := recover(); p != "body" {
				t.Errorf("recovered %v, want the body's panic", p)
			}
		}()
		for range Concurrent(t.Context(), c.seq(units...), ConcurrentLimit(3)) {
			panic("body")
		}
	}()
	if run := c.running.Load(); run != 0 {
		t.Errorf("%d units still running after the loop", run)
	}
}

// TestConcurrentBlockedGenerator checks a sync generator that blocks:
// finished results are yielded meanwhile, the loop can end while it is
// blocked, and what it yields afterwards is not run.
func TestConcurrentBlockedGenerator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		sawFalse := make(chan bool, 1)
		var lateRan atomic.Bool
		src := func(yield func(concTestUnit) bool) {
			if !yield(concSleeper(0, time.Second)) || !yield(concSleeper(1, 2*time.Second)) {
				return
			}
			<-gate // blocks until the test opens it
			sawFalse <- !yield(func(context.Context) (int, error) { lateRan.Store(true); return 2, nil })
		}
		var got []int
		for v, err := range Concurrent(t.Context(), src, ConcurrentLimit(4)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
			if len(got) == 2 {
				break
			}
		}
		if !slices.Equal(got, []int{0, 1}) {
			t.Fatalf("got %v while the generator was blocked, want [0 1]", got)
		}
		close(gate)
		if !<-sawFalse {
			t.Error("the abandoned generator's yield returned true")
		}
		synctest.Wait()
		if lateRan.Load() {
			t.Error("a unit yielded after the loop ended was run")
		}
	})
}

// TestConcurrentChan covers the async generator: a channel fed by another
// goroutine, results while nobody feeds it, and no receive after the end.
func TestConcurrentChan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan concTestUnit)
		go func() {
			for i, s := range []int{4, 2, 1} {
				ch <- concSleeper(i, time.Duration(s)*time.Second)
			}
		}()
		var got []int
		for v, err := range ConcurrentChan(t.Context(), ch, ConcurrentLimit(2)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
			if len(got) == 3 {
				break // the channel is open and nobody feeds it
			}
		}
		if !slices.Equal(got, []int{1, 2, 0}) {
			t.Fatalf("got %v, want [1 2 0]", got)
		}
		synctest.Wait()
		select {
		case ch <- concSleeper(9, 0):
			t.Error("the channel was received from after the loop ended")
		default:
		}
	})
}

func TestConcurrentChanClosed(t *testing.T) {
	ch := make(chan concTestUnit, 3)
	for i := range 3 {
		ch <- concSleeper(i, 0)
	}
	close(ch)
	o := concCollect(ConcurrentChan(t.Context(), ch, ConcurrentLimit(2)))
	if slices.Sort(o.vals); !slices.Equal(o.vals, []int{0, 1, 2}) || len(o.errs) != 0 {
		t.Fatalf("got %v, %v", o.vals, o.errs)
	}
}

func TestConcurrentContextCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shutdown := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(t.Context())
		var unitCause error
		units := []concTestUnit{
			concSleeper(0, time.Second),
			func(ctx context.Context) (int, error) {
				<-ctx.Done()
				unitCause = context.Cause(ctx)
				return 0, ctx.Err()
			},
		}
		go func() {
			time.Sleep(2 * time.Second)
			cancel(shutdown)
		}()
		var got []int
		var errs []error
		for v, err := range Concurrent(ctx, slices.Values(units), ConcurrentYieldErrors()) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, v)
		}
		var ce *CanceledError
		if !slices.Equal(got, []int{0}) || len(errs) != 1 || !errors.As(errs[0], &ce) || !errors.Is(errs[0], shutdown) {
			t.Fatalf("got %v then %v; want 0, then a CanceledError with the cause", got, errs)
		}
		if unitCause != shutdown {
			t.Errorf("unit saw cause %v, want %v", unitCause, shutdown)
		}
	})
}

func TestConcurrentContextCauseWhileChanIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shutdown := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(time.Second, func() { cancel(shutdown) })
		ch := make(chan concTestUnit) // never fed
		o := concCollect(ConcurrentChan(ctx, ch))
		if len(o.vals) != 0 || len(o.errs) != 1 || !errors.Is(o.errs[0], shutdown) {
			t.Fatalf("got %v, %v; want only the cause", o.vals, o.errs)
		}
	})
}

func TestConcurrentContextAlreadyDone(t *testing.T) {
	gone := errors.New("gone")
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(gone)
	pulled := false
	src := func(yield func(concTestUnit) bool) { pulled = true }
	o := concCollect(Concurrent(ctx, src))
	if len(o.errs) != 1 || !errors.Is(o.errs[0], gone) || pulled {
		t.Fatalf("errors %v, pulled %v; want only the cause, nothing pulled", o.errs, pulled)
	}
}

func TestConcurrentRangeTwice(t *testing.T) {
	seq := Concurrent(t.Context(), slices.Values([]concTestUnit{concSleeper(1, 0), concSleeper(2, 0)}))
	for range 2 {
		o := concCollect(seq)
		if slices.Sort(o.vals); !slices.Equal(o.vals, []int{1, 2}) {
			t.Fatalf("got %v", o.vals)
		}
	}
}

// TestConcurrentManyUnits runs enough units through every mode for the race
// detector to see the hand-offs.
func TestConcurrentManyUnits(t *testing.T) {
	const n = 20_000
	for _, limit := range []int{1, 2, 8, -1} {
		for _, ordered := range []bool{false, true} {
			opts := []ConcurrentOption{ConcurrentLimit(limit)}
			if ordered {
				opts = append(opts, ConcurrentOrdered())
			}
			next, sum := 0, 0
			for v, err := range Concurrent(t.Context(), concBenchUnits(n), opts...) {
				if err != nil {
					t.Fatal(err)
				}
				if ordered && v != next {
					t.Fatalf("limit %d ordered: got %d, want %d", limit, v, next)
				}
				next++
				sum += v
			}
			if sum != n*(n-1)/2 || next != n {
				t.Fatalf("limit %d ordered %v: %d results summing to %d", limit, ordered, next, sum)
			}
		}
	}
}

// TestConcurrentResultWhileManyRun checks that a result is yielded while
// many other units still run: with at least concBurstBusy of them, the
// woken consumer yields the processor once, and must then take the
// result rather than wait for the others.
func TestConcurrentResultWhileManyRun(t *testing.T) {
	const limit = 2 * concBurstBusy
	release := make(chan struct{})
	var running sync.WaitGroup
	running.Add(limit - 1)
	units := func(yield func(concTestUnit) bool) {
		for i := range limit - 1 {
			if !yield(func(context.Context) (int, error) {
				running.Done()
				<-release
				return i, nil
			}) {
				return
			}
		}
		// The last unit returns once the others are all running.
		yield(func(context.Context) (int, error) {
			running.Wait()
			return -1, nil
		})
	}
	n := 0
	for v, err := range Concurrent(context.Background(), units, ConcurrentLimit(limit)) {
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			if v != -1 {
				t.Fatalf("first result %d, want -1 from the unit that returned while %d others ran", v, limit-1)
			}
			close(release)
		}
		n++
	}
	if n != limit {
		t.Fatalf("%d results, want %d", n, limit)
	}
}
