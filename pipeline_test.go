package spindle

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// pipeTestSink records what a pipeline's callbacks were given.
type pipeTestSink[In, Out any] struct {
	mu      sync.Mutex
	results []PipelineResult[In, Out]
	dones   int
	stats   PipelineStats
	err     error
}

func (s *pipeTestSink[In, Out]) onResult(r PipelineResult[In, Out]) {
	s.mu.Lock()
	s.results = append(s.results, r)
	s.mu.Unlock()
}

func (s *pipeTestSink[In, Out]) onDone(st PipelineStats, err error) {
	s.mu.Lock()
	s.dones++
	s.stats, s.err = st, err
	s.mu.Unlock()
}

// byIndex returns the results in source order.
func (s *pipeTestSink[In, Out]) byIndex() []PipelineResult[In, Out] {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := slices.Clone(s.results)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Index < rs[j].Index })
	return rs
}

// checkAccounting asserts the invariants every run keeps, whatever its
// outcome: every item read is counted once and handed to OnResult once,
// and OnDone heard exactly what Run returned.
func checkAccounting[In, Out any](t *testing.T, s *pipeTestSink[In, Out], st PipelineStats, err error) {
	t.Helper()
	if st.Read != st.Done+st.Failed+st.Skipped {
		t.Errorf("Read %d != Done %d + Failed %d + Skipped %d", st.Read, st.Done, st.Failed, st.Skipped)
	}
	rs := s.byIndex()
	if len(rs) != st.Read {
		t.Errorf("OnResult called %d times, want once per item read (%d)", len(rs), st.Read)
	}
	for i, r := range rs {
		if r.Index != i {
			t.Fatalf("result indexes %v: want each of 0..%d exactly once", pipeIndexes(rs), st.Read-1)
		}
	}
	var done, failed, skipped int
	for _, r := range rs {
		switch {
		case r.Err == nil:
			done++
		case errors.Is(r.Err, ErrPipelineSkipped):
			skipped++
		default:
			failed++
		}
	}
	if done != st.Done || failed != st.Failed || skipped != st.Skipped {
		t.Errorf("OnResult saw %d done, %d failed, %d skipped; stats say %d, %d, %d", done, failed, skipped, st.Done, st.Failed, st.Skipped)
	}
	if s.dones != 1 {
		t.Errorf("OnDone called %d times, want 1", s.dones)
	}
	if s.stats != st || s.err != err {
		t.Errorf("OnDone got (%+v, %v), Run returned (%+v, %v)", s.stats, s.err, st, err)
	}
}

func pipeIndexes[In, Out any](rs []PipelineResult[In, Out]) []int {
	idx := make([]int, len(rs))
	for i, r := range rs {
		idx[i] = r.Index
	}
	return idx
}

// pipeCount yields 0, 1, ... n-1, or forever when n < 0.
func pipeCount(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; n < 0 || i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func square(_ context.Context, n int) (int, error) { return n * n, nil }

func TestPipelineDeliversEveryResult(t *testing.T) {
	s := &pipeTestSink[int, int]{}
	p := Pipeline[int, int]{Work: square, Workers: 25, Handlers: 10, WorkQueue: 100, ResultQueue: 100, OnResult: s.onResult, OnDone: s.onDone}
	st, err := p.Run(context.Background(), pipeCount(1000))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkAccounting(t, s, st, err)
	if st.Read != 1000 || st.Done != 1000 || st.Failed != 0 || st.Skipped != 0 || st.HandlerPanics != 0 {
		t.Errorf("stats %+v: want 1000 read and done", st)
	}
	for _, r := range s.byIndex() {
		if r.In != r.Index || r.Out != r.In*r.In {
			t.Fatalf("result %+v: want In = Index and Out = In*In", r)
		}
	}
}

func TestPipelineEmptySource(t *testing.T) {
	s := &pipeTestSink[int, int]{}
	p := Pipeline[int, int]{Work: square, Workers: 3, OnResult: s.onResult, OnDone: s.onDone}
	st, err := p.Run(context.Background(), pipeCount(0))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkAccounting(t, s, st, err)
	if st.Read != 0 {
		t.Errorf("Read = %d, want 0", st.Read)
	}

	ch := make(chan int)
	close(ch)
	s = &pipeTestSink[int, int]{}
	p.OnResult, p.OnDone = s.onResult, s.onDone
	st, err = p.RunChan(context.Background(), ch)
	if err != nil {
		t.Fatalf("RunChan: %v", err)
	}
	checkAccounting(t, s, st, err)
}

func TestPipelineChannelClosedEarly(t *testing.T) {
	ch := make(chan int, 10)
	for i := range 5 {
		ch <- i
	}
	close(ch) // the producer gives up after 5 of the 10 it could have sent
	s := &pipeTestSink[int, int]{}
	p := Pipeline[int, int]{Work: square, Workers: 4, OnResult: s.onResult, OnDone: s.onDone}
	st, err := p.RunChan(context.Background(), ch)
	if err != nil {
		t.Fatalf("RunChan: %v", err)
	}
	checkAccounting(t, s, st, err)
	if st.Read != 5 || st.Done != 5 {
		t.Errorf("stats %+v: want the 5 items sent before close read and done", st)
	}
}

func TestPipelineContinueReportsFailuresToOnResult(t *testing.T) {
	errOdd := errors.New("odd")
	s := &pipeTestSink[int, int]{}
	p := Pipeline[int, int]{
		Work: func(_ context.Context, n int) (int, error) {
			if n%2 == 1 {
				return -n, fmt.Errorf("item %d: %w", n, errOdd)
			}
			return n, nil
		},
		Workers: 4, OnResult: s.onResult, OnDone: s.onDone,
	}
	st, err := p.Run(context.Background(), pipeCount(100))
	if err != nil {
		t.Fatalf("Run: %v, want nil: failures were reported to OnResult", err)
	}
	checkAccounting(t, s, st, err)
	if st.Done != 50 || st.Failed != 50 {
		t.Errorf("stats %+v: want 50 done and 50 failed", st)
	}
	for _, r := range s.byIndex() {
		if r.In%2 == 1 && (!errors.Is(r.Err, errOdd) || r.Out != -r.In) {
			t.Errorf("result %+v: want errOdd and Work's Out kept", r)
		}
	}
}

func TestPipelineContinueWithoutOnResultReturnsFirstFailure(t *testing.T) {
	errBad := errors.New("bad item")
	var ran atomic.Int64
	p := Pipeline[int, int]{
		Work: func(_ context.Context, n int) (int, error) {
			ran.Add(1)
			if n == 7 || n == 8 {
				return 0, errBad
			}
			return n, nil
		},
		Workers: 3,
	}
	st, err := p.Run(context.Background(), pipeCount(50))
	if !errors.Is(err, errBad) {
		t.Fatalf("Run: %v, want errBad: with no OnResult the failure must not be lost", err)
	}
	if ran.Load() != 50 || st.Done != 48 || st.Failed != 2 {
		t.Errorf("ran %d, stats %+v: want all 50 worked, 2 failed", ran.Load(), st)
	}
}

func TestPipelineStopOnErrorCancelsWithTheFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errBoom := errors.New("boom")
		s := &pipeTestSink[int, int]{}
		var causes sync.Map
		p := Pipeline[int, int]{
			Work: func(ctx context.Context, n int) (int, error) {
				if n == 0 {
					time.Sleep(time.Second) // let the others start and block
					return 0, errBoom
				}
				<-ctx.Done()
				causes.Store(n, context.Cause(ctx))
				return 0, ctx.Err()
			},
			Workers: 3, WorkQueue: 2, StopOnError: true, OnResult: s.onResult, OnDone: s.onDone,
		}
		st, err := p.Run(context.Background(), pipeCount(-1)) // an endless source: the stop must end it
		if err != errBoom {
			t.Fatalf("Run: %v, want errBoom itself", err)
		}
		checkAccounting(t, s, st, err)
		if st.Done != 0 || st.Failed != 3 || st.Skipped < 2 {
			t.Errorf("stats %+v: want 3 failed (1 + 2 interrupted), the 2+ queued skipped", st)
		}
		causes.Range(func(k, v any) bool {
			if v != errBoom {
				t.Errorf("item %v saw cause %v, want errBoom", k, v)
			}
			return true
		})
		for _, r := range s.byIndex() {
			if r.Index == 0 {
				if r.Err != errBoom {
					t.Errorf("item 0: %v, want errBoom handed to OnResult too", r.Err)
				}
				continue
			}
			var ce *CanceledError
			if !errors.As(r.Err, &ce) || ce.Cause != errBoom || !errors.Is(r.Err, context.Canceled) {
				t.Errorf("item %d: %v, want a CanceledError caused by errBoom", r.Index, r.Err)
			}
			if _, started := causes.Load(r.In); errors.Is(r.Err, ErrPipelineSkipped) == started {
				t.Errorf("item %d: %v, started %v: want ErrPipelineSkipped exactly for the items Work never saw", r.Index, r.Err, started)
			}
		}
	})
}

func TestPipelineContextCancelWithCause(t *testing.T) {
	for _, stop := range []bool{false, true} {
		t.Run(fmt.Sprintf("StopOnError=%v", stop), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				errShutdown := errors.New("shutting down")
				ctx, cancel := context.WithCancelCause(context.Background())
				s := &pipeTestSink[int, int]{}
				p := Pipeline[int, int]{
					Work: func(ctx context.Context, n int) (int, error) {
						if n < 4 {
							return n, nil
						}
						<-ctx.Done()
						return 0, ctx.Err()
					},
					Workers: 2, StopOnError: stop, OnResult: s.onResult, OnDone: s.onDone,
				}
				go func() {
					time.Sleep(time.Second)
					cancel(errShutdown)
				}()
				st, err := p.Run(ctx, pipeCount(-1))
				var ce *CanceledError
				if !errors.As(err, &ce) || ce.Cause != errShutdown || !errors.Is(err, errShutdown) || !errors.Is(err, context.Canceled) {
					t.Fatalf("Run: %v, want a CanceledError with cause errShutdown", err)
				}
				checkAccounting(t, s, st, err)
				if st.Done != 4 || st.Failed != 2 {
					t.Errorf("stats %+v: want 4 done and the 2 blocked interrupted", st)
				}
			})
		})
	}
}

func TestPipelineTimeoutIsNotACancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		p := Pipeline[int, int]{
			Work: func(ctx context.Context, n int) (int, error) {
				select {
				case <-time.After(time.Second):
					return n, nil
				case <-ctx.Done():
					return 0, ctx.Err()
				}
			},
			Workers: 1,
		}
		start := time.Now()
		st, err := p.Run(ctx, pipeCount(-1))
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v, want a timeout, not a cancel", err)
		}
		if d := time.Since(start); d != 2500*time.Millisecond {
			t.Errorf("Run took %v, want it to return at the deadline (2.5s)", d)
		}
		if st.Done != 2 || st.Failed != 1 {
			t.Errorf("stats %+v: want 2 done, the third interrupted", st)
		}
	})
}

func TestPipelineContextAlreadyDone(t *testing.T) {
	errGone := errors.New("gone")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errGone)
	yielded := 0
	p := Pipeline[int, int]{Work: square, Workers: 2}
	st, err := p.Run(ctx, func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
			yielded++
		}
	})
	if !errors.Is(err, errGone) || yielded != 0 || st.Read != 0 {
		t.Fatalf("Run: %v after %d items (stats %+v), want errGone before the source is read", err, yielded, st)
	}
	ch := make(chan int, 1)
	ch <- 1
	st, err = p.RunChan(ctx, ch)
	if !errors.Is(err, errGone) || st.Read != 0 {
		t.Fatalf("RunChan: %v (stats %+v), want errGone before the channel is read", err, st)
	}
}

func TestPipelineRunChanStopsWaitingOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errStop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(context.Background())
		ch := make(chan int) // never closed, never sent on: the producer is stuck
		go func() {
			time.Sleep(time.Second)
			cancel(errStop)
		}()
		p := Pipeline[int, int]{Work: square, Workers: 2}
		_, err := p.RunChan(ctx, ch)
		if !errors.Is(err, errStop) {
			t.Fatalf("RunChan: %v, want errStop", err)
		}
	})
}

func TestPipelinePanicInWork(t *testing.T) {
	errInner := errors.New("inner")
	work := func(_ context.Context, n int) (int, error) {
		switch n {
		case 3:
			panic("three")
		case 5:
			panic(errInner)
		}
		return n, nil
	}

	t.Run("continue", func(t *testing.T) {
		s := &pipeTestSink[int, int]{}
		p := Pipeline[int, int]{Work: work, Workers: 2, OnResult: s.onResult, OnDone: s.onDone}
		st, err := p.Run(context.Background(), pipeCount(10))
		if err != nil {
			t.Fatalf("Run: %v, want nil: the panics went to OnResult", err)
		}
		checkAccounting(t, s, st, err)
		rs := s.byIndex()
		var pe *PanicError
		if !errors.As(rs[3].Err, &pe) || pe.Value != "three" || !strings.Contains(string(pe.Stack), "pipeline_test.go") {
			t.Errorf("item 3: %v, want a PanicError with the value and the panicking stack", rs[3].Err)
		}
		if !errors.Is(rs[5].Err, errInner) {
			t.Errorf("item 5: %v, want errors.Is to see the panicked error", rs[5].Err)
		}
		if st.Done != 8 || st.Failed != 2 {
			t.Errorf("stats %+v: want 8 done, 2 failed", st)
		}
	})

	t.Run("stop", func(t *testing.T) {
		p := Pipeline[int, int]{Work: work, Workers: 1, StopOnError: true}
		st, err := p.Run(context.Background(), pipeCount(10))
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != "three" {
			t.Fatalf("Run: %v, want the PanicError of item 3", err)
		}
		if st.Done != 3 || st.Failed != 1 {
			t.Errorf("stats %+v: want 3 done, then the panic", st)
		}
	})
}

func TestPipelinePanicInHandler(t *testing.T) {
	t.Run("continue", func(t *testing.T) {
		var handled atomic.Int64
		p := Pipeline[int, int]{
			Work: square, Workers: 3, Handlers: 2,
			OnResult: func(r PipelineResult[int, int]) {
				if r.In == 4 {
					panic("handler broke")
				}
				handled.Add(1)
			},
		}
		st, err := p.Run(context.Background(), pipeCount(20))
		var pe *PanicError
		if !errors.As(err, &pe) || pe.Value != "handler broke" {
			t.Fatalf("Run: %v, want the handler's PanicError: nobody else can report it", err)
		}
		if handled.Load() != 19 || st.Done != 20 || st.HandlerPanics != 1 {
			t.Errorf("handled %d, stats %+v: want the other 19 results still handled", handled.Load(), st)
		}
	})

	t.Run("stop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var cause atomic.Value
			p := Pipeline[int, int]{
				Work: func(ctx context.Context, n int) (int, error) {
					if n == 0 {
						return 0, nil
					}
					<-ctx.Done()
					cause.Store(context.Cause(ctx))
					return 0, ctx.Err()
				},
				Workers: 2, StopOnError: true,
				OnResult: func(r PipelineResult[int, int]) {
					if r.In == 0 {
						panic("handler broke")
					}
				},
			}
			st, err := p.Run(context.Background(), pipeCount(-1))
			var pe *PanicError
			if !errors.As(err, &pe) || pe.Value != "handler broke" {
				t.Fatalf("Run: %v, want the handler's PanicError", err)
			}
			if c, _ := cause.Load().(error); c != err {
				t.Errorf("running Work saw cause %v, want the handler's panic", c)
			}
			if st.HandlerPanics != 1 || st.Read != st.Done+st.Failed+st.Skipped {
				t.Errorf("stats %+v", st)
			}
		})
	})
}

func TestPipelineGoexit(t *testing.T) {
	s := &pipeTestSink[int, int]{}
	var handled atomic.Int64
	p := Pipeline[int, int]{
		Work: func(_ context.Context, n int) (int, error) {
			if n%10 == 0 {
				runtime.Goexit()
			}
			return n, nil
		},
		Workers: 2,
		OnResult: func(r PipelineResult[int, int]) {
			if r.In == 5 {
				runtime.Goexit()
			}
			handled.Add(1)
			s.onResult(r)
		},
		OnDone: s.onDone,
	}
	st, err := p.Run(context.Background(), pipeCount(50))
	if !errors.Is(err, ErrGoexit) {
		t.Fatalf("Run: %v, want ErrGoexit from the handler", err)
	}
	if st.Done != 45 || st.Failed != 5 || st.HandlerPanics != 1 || handled.Load() != 49 {
		t.Errorf("handled %d, stats %+v: want 5 Goexits counted as failures, every other result handled", handled.Load(), st)
	}
	for _, r := range s.byIndex() {
		if (r.In%10 == 0) != (r.Err == ErrGoexit) {
			t.Errorf("item %d: %v, want ErrGoexit exactly for the items whose Work called Goexit", r.In, r.Err)
		}
	}
}

func TestPipelinePanicInSource(t *testing.T) {
	for _, stop := range []bool{false, true} {
		t.Run(fmt.Sprintf("StopOnError=%v", stop), func(t *testing.T) {
			s := &pipeTestSink[int, int]{}
			p := Pipeline[int, int]{Work: square, Workers: 2, StopOnError: stop, OnResult: s.onResult, OnDone: s.onDone}
			st, err := p.Run(context.Background(), func(yield func(int) bool) {
				for i := range 3 {
					if !yield(i) {
						return
					}
				}
				panic("source broke")
			})
			var pe *PanicError
			if !errors.As(err, &pe) || pe.Value != "source broke" {
				t.Fatalf("Run: %v, want the source's PanicError", err)
			}
			checkAccounting(t, s, st, err)
			if st.Read != 3 {
				t.Errorf("stats %+v: want the 3 items read before the panic", st)
			}
		})
	}
}

func TestPipelinePanicInOnDone(t *testing.T) {
	p := Pipeline[int, int]{Work: square, Workers: 1, OnDone: func(PipelineStats, error) { panic("done broke") }}
	_, err := p.Run(context.Background(), pipeCount(3))
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "done broke" {
		t.Fatalf("Run: %v, want OnDone's PanicError", err)
	}
}

func TestPipelineBoundsConcurrencyAndReadAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var running, peak atomic.Int64
		var yielded atomic.Int64
		p := Pipeline[int, int]{
			Work: func(_ context.Context, n int) (int, error) {
				cur := running.Add(1)
				for {
					old := peak.Load()
					if cur <= old || peak.CompareAndSwap(old, cur) {
						break
					}
				}
				<-release
				running.Add(-1)
				return n, nil
			},
			Workers: 3, WorkQueue: 2,
		}
		runDone := make(chan struct{})
		go func() {
			defer close(runDone)
			st, err := p.Run(context.Background(), func(yield func(int) bool) {
				for i := range 100 {
					yielded.Add(1)
					if !yield(i) {
						return
					}
				}
			})
			if err != nil || st.Done != 100 {
				t.Errorf("Run: %v, stats %+v", err, st)
			}
		}()
		synctest.Wait()
		// 3 in the workers, 2 in the queue, 1 held by the blocked producer.
		if n := yielded.Load(); n != 6 {
			t.Errorf("source read %d items ahead, want 6 = Workers + WorkQueue + 1", n)
		}
		close(release)
		<-runDone
		if peak.Load() != 3 {
			t.Errorf("peak concurrent Work calls %d, want Workers (3)", peak.Load())
		}
	})
}

func TestPipelineStatsTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &pipeTestSink[int, int]{}
		p := Pipeline[int, int]{
			Work: func(_ context.Context, n int) (int, error) {
				time.Sleep(time.Second)
				return n, nil
			},
			Workers: 2, OnResult: s.onResult, OnDone: s.onDone,
		}
		st, err := p.Run(context.Background(), pipeCount(4))
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		checkAccounting(t, s, st, err)
		if st.Elapsed != 2*time.Second {
			t.Errorf("Elapsed %v: want 2s (4 one-second items on 2 workers)", st.Elapsed)
		}
	})
}

func TestPipelineConcurrentRunsOfOneValue(t *testing.T) {
	var total atomic.Int64
	p := &Pipeline[int, int]{Work: square, Workers: 4, OnResult: func(r PipelineResult[int, int]) { total.Add(int64(r.Out)) }}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := p.Run(context.Background(), pipeCount(100)); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	wg.Wait()
	if want := int64(4 * 328350); total.Load() != want { // sum of squares 0..99
		t.Errorf("total %d, want %d", total.Load(), want)
	}
}

func TestPipelineBadConfig(t *testing.T) {
	onResult := func(PipelineResult[int, int]) {}
	cases := []struct {
		name string
		p    Pipeline[int, int]
		want string
	}{
		{"nil Work", Pipeline[int, int]{Workers: 1}, "Pipeline.Work is nil"},
		{"no workers", Pipeline[int, int]{Work: square}, "Pipeline.Workers is 0: want 1 or more"},
		{"negative workers", Pipeline[int, int]{Work: square, Workers: -2}, "Pipeline.Workers is -2: want 1 or more"},
		{"negative WorkQueue", Pipeline[int, int]{Work: square, Workers: 1, WorkQueue: -1}, "Pipeline.WorkQueue is -1: want 0"},
		{"negative Handlers", Pipeline[int, int]{Work: square, Workers: 1, OnResult: onResult, Handlers: -1}, "Pipeline.Handlers is -1: want 0"},
		{"negative ResultQueue", Pipeline[int, int]{Work: square, Workers: 1, OnResult: onResult, ResultQueue: -3}, "Pipeline.ResultQueue is -3: want 0"},
		{"Handlers without OnResult", Pipeline[int, int]{Work: square, Workers: 1, Handlers: 2}, "Pipeline.Handlers is 2 but OnResult is nil"},
		{"ResultQueue without OnResult", Pipeline[int, int]{Work: square, Workers: 1, ResultQueue: 2}, "Pipeline.ResultQueue is 2 but OnResult is nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			c.p.OnDone = func(PipelineStats, error) { called = true }
			_, err := c.p.Run(context.Background(), pipeCount(1))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run: %v, want an error containing %q", err, c.want)
			}
			if called {
				t.Error("OnDone called for a run that never started")
			}
		})
	}

	p := Pipeline[int, int]{Work: square, Workers: 1}
	if _, err := p.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "items is nil") {
		t.Errorf("Run(nil): %v, want an error naming items", err)
	}
	if _, err := p.RunChan(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "nil channel") {
		t.Errorf("RunChan(nil): %v, want an error naming the nil channel", err)
	}
}

func TestPipelineGoexitInSourceStillStopsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var handled atomic.Int64
		p := Pipeline[int, int]{
			Work: func(ctx context.Context, n int) (int, error) {
				<-ctx.Done() // only the stop can end these
				return 0, ctx.Err()
			},
			Workers:  2,
			OnResult: func(PipelineResult[int, int]) { handled.Add(1) },
		}
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			_, _ = p.Run(context.Background(), func(yield func(int) bool) {
				for i := range 3 {
					yield(i)
				}
				runtime.Goexit() // as t.FailNow would
			})
			t.Error("Run returned after its goroutine called runtime.Goexit")
		}()
		<-exited
		// By now every goroutine of the run must have exited (synctest.Test
		// would report any left blocked) and every item read been handled.
		if handled.Load() != 3 {
			t.Errorf("OnResult saw %d items, want the 3 read", handled.Load())
		}
	})
}
