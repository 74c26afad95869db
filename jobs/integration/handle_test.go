package integration_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type addArgs struct{ A, B int }

var add = jobs.Define("test.add", func(ctx context.Context, a addArgs) (int, error) {
	return a.A + a.B, nil
})

// slowDouble sleeps (fake time in bubbles) and doubles.
var slowDouble = jobs.Define("test.slow-double", func(ctx context.Context, n int) (int, error) {
	select {
	case <-time.After(50 * time.Millisecond):
		return n * 2, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
})

func TestAwaitSameProcessWokenAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		ctx := context.Background()
		start := time.Now()
		h, err := add.Enqueue(ctx, c, addArgs{2, 3})
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.Await(ctx)
		if err != nil || got != 5 {
			t.Fatalf("Await = %d, %v; want 5", got, err)
		}
		// In a bubble only timers move the clock: a push wake-up takes none.
		if d := time.Since(start); d != 0 {
			t.Fatalf("Await took %v of fake time: it polled instead of being woken", d)
		}
	})
}

// awaitElsewhere runs a worker on c, enqueues slowDouble(21) through it
// and awaits the job through a client of s with opts, checking the
// result. It returns when Await started and the job's ID.
func awaitElsewhere(t *testing.T, c *jobs.Client, s store.Store, opts ...jobs.AwaitOption) (time.Time, string) {
	t.Helper()
	other, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	startWorker(t, c, jobs.WorkerOptions{}, slowDouble)
	ctx := context.Background()
	h, err := slowDouble.Enqueue(ctx, c, 21)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := jobs.HandleOf[int](other, h.ID()).Await(ctx, opts...)
	if err != nil || got != 42 {
		t.Fatalf("Await = %d, %v; want 42", got, err)
	}
	return start, h.ID()
}

func TestAwaitPollsWithHueyBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		// The worker sees the real store; the awaiting client sees one that
		// cannot push, like a client in another process.
		q := &quietStore{Store: mem}
		start, _ := awaitElsewhere(t, c, q, jobs.Poll(jobs.Polling{First: 10 * time.Millisecond, Factor: 1.5, Max: 20 * time.Millisecond}))
		var offsets []time.Duration
		for _, g := range q.readTimes() {
			offsets = append(offsets, g.Sub(start))
		}
		// Polls at 0, 10, 25 (x1.5), 45 (capped at 20), 65ms; done at 50ms.
		want := []time.Duration{0, 10 * time.Millisecond, 25 * time.Millisecond, 45 * time.Millisecond, 65 * time.Millisecond}
		if len(offsets) != len(want) {
			t.Fatalf("polled at %v, want %v", offsets, want)
		}
		for i := range want {
			if offsets[i] != want[i] {
				t.Fatalf("polled at %v, want %v", offsets, want)
			}
		}
	})
}

// carryingStore is a store whose finish signal carries the final job
// (as the memory store's does), or, with empty set, carries none; it
// counts the reads made through it.
type carryingStore struct {
	*quietStore
	mem   store.Store
	empty bool
}

func (c *carryingStore) WatchFinishes() store.FinishWatch {
	w := c.mem.WatchFinishes()
	if c.empty {
		return emptyWatch{w}
	}
	return w
}

// emptyWatch drops the jobs a watch carries.
type emptyWatch struct{ store.FinishWatch }

func (w emptyWatch) Take() (map[string]*store.Job, bool) {
	fired, all := w.FinishWatch.Take()
	for id := range fired {
		fired[id] = nil
	}
	return fired, all
}

func TestAwaitTakesTheCarriedJob(t *testing.T) {
	for _, empty := range []bool{false, true} {
		t.Run(fmt.Sprintf("empty=%v", empty), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, mem := memClient(t)
				cs := &carryingStore{quietStore: &quietStore{Store: mem}, mem: mem, empty: empty}
				start, id := awaitElsewhere(t, c, cs, jobs.Consume())
				if d := time.Since(start); d != 50*time.Millisecond {
					t.Fatalf("Await took %v; want the job's 50ms", d)
				}
				// One read before waiting and none while the job runs (the
				// signal is pushed; the sweep comes every Polling.Sweep);
				// one more after the signal only when it carried no job.
				want := 1
				if empty {
					want = 2
				}
				if n := len(cs.readTimes()); n != want {
					t.Fatalf("%d reads; want %d", n, want)
				}
				if _, err := mem.Get(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("job not consumed: %v", err)
				}
			})
		})
	}
}

// A store that pushes still has its waits read every Polling.Sweep, in
// case a signal is lost.
func TestAwaitPushingStoreSweeps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		cs := &carryingStore{quietStore: &quietStore{Store: mem}, mem: quietMem{mem}}
		start, _ := awaitElsewhere(t, c, cs, jobs.Poll(jobs.Polling{First: time.Millisecond, Max: 5 * time.Millisecond, Sweep: 30 * time.Millisecond}))
		var offsets []time.Duration
		for _, g := range cs.readTimes() {
			offsets = append(offsets, g.Sub(start))
		}
		want := []time.Duration{0, 30 * time.Millisecond, 60 * time.Millisecond}
		if !slices.Equal(offsets, want) {
			t.Fatalf("polled at %v, want %v", offsets, want)
		}
	})
}

// quietMem is a store whose finish signals never come: lost signals.
type quietMem struct{ store.Store }

func (quietMem) Finished(string) (<-chan struct{}, func()) { return nil, func() {} }
func (quietMem) WatchFinishes() store.FinishWatch          { return lostWatch{make(chan struct{})} }

// lostWatch is a FinishWatch whose signals are all lost.
type lostWatch struct{ ch chan struct{} }

func (w lostWatch) C() <-chan struct{}                { return w.ch }
func (lostWatch) Add(...string)                       {}
func (lostWatch) Remove(...string)                    {}
func (lostWatch) Take() (map[string]*store.Job, bool) { return nil, false }
func (lostWatch) Stop()                               {}

func TestDefaultPollingIsHueys(t *testing.T) {
	p := jobs.DefaultPolling
	if p.Factor != 1.15 || p.Max != time.Second || p.First != 100*time.Millisecond || p.Sweep != 10*time.Second {
		t.Fatalf("DefaultPolling = %+v", p)
	}
}

// The rule a Huey user can predict: reading a result never deletes it,
// whoever reads it (Await, Group.Await, spindle.Gather); Consume does, for
// every later reader, who is told why.
func TestReadingKeepsConsumeDeletes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		ctx := context.Background()
		h1, _ := add.Enqueue(ctx, c, addArgs{1, 1})
		h2, _ := add.Enqueue(ctx, c, addArgs{2, 2})
		g, _ := add.Map(ctx, c, []addArgs{{3, 3}, {4, 4}})
		if _, err := h1.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := spindle.Gather[int](ctx, jobs.HandleOf[int](c, h2.ID()), h1); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Await(ctx); err != nil {
			t.Fatal(err)
		}
		ids := []string{h1.ID(), h2.ID()}
		for _, h := range g.Handles() {
			ids = append(ids, h.ID())
		}
		for _, id := range ids {
			if _, err := mem.Get(ctx, id); err != nil {
				t.Fatalf("job %s gone after being read: %v", id, err)
			}
		}
		if got, err := h2.Await(ctx, jobs.Consume()); err != nil || got != 4 {
			t.Fatalf("Await(Consume) = %d, %v", got, err)
		}
		if _, err := mem.Get(ctx, h2.ID()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("consumed job still stored: %v", err)
		}
		// The handle keeps its result; a new reader is told it was consumed.
		if got, err := h2.Await(ctx); err != nil || got != 4 {
			t.Fatalf("second Await on the same handle = %d, %v", got, err)
		}
		_, err := jobs.HandleOf[int](c, h2.ID()).Await(ctx)
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "Consume") {
			t.Fatalf("Await of a consumed job = %v; want ErrNotFound saying why", err)
		}
	})
}

func TestAwaitContextCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t) // no worker: the job never runs
		h, err := add.Enqueue(context.Background(), c, addArgs{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		cause := errors.New("user gave up")
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancel(cause) })
		if _, err := h.Await(ctx); !errors.Is(err, cause) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Await = %v, want the cause %v", err, cause)
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
		defer cancel2()
		if _, err := h.Await(ctx2); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Await = %v, want DeadlineExceeded", err)
		}
		if _, err := h.Result(); err != spindle.ErrNotDone {
			t.Fatalf("Result before done = %v, want ErrNotDone", err)
		}
	})
}

func TestDoneWatcherStopsAtClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		h, err := add.Enqueue(context.Background(), c, addArgs{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		done := h.Done() // starts the watcher; no worker runs the job
		time.Sleep(5 * time.Second)
		select {
		case <-done:
			t.Fatal("Done closed before the job ran")
		default:
		}
		c.Close()
		<-done
		if _, err := h.Result(); !errors.Is(err, jobs.ErrClientClosed) {
			t.Fatalf("Result after Close = %v, want ErrClientClosed", err)
		}
		if _, err := add.Enqueue(context.Background(), c, addArgs{}); !errors.Is(err, jobs.ErrClientClosed) {
			t.Fatalf("Enqueue after Close = %v, want ErrClientClosed", err)
		}
	})
}

func TestDoneAndResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		h, err := add.Enqueue(context.Background(), c, addArgs{20, 22})
		if err != nil {
			t.Fatal(err)
		}
		<-h.Done()
		if got, err := h.Result(); err != nil || got != 42 {
			t.Fatalf("Result = %d, %v", got, err)
		}
	})
}

// localFuture is a minimal in-process Awaitable, standing in for
// spindle's own tasks.
type localFuture[T any] struct {
	done chan struct{}
	v    T
}

func (f *localFuture[T]) Done() <-chan struct{} { return f.done }
func (f *localFuture[T]) Result() (T, error) {
	select {
	case <-f.done:
		return f.v, nil
	default:
		var zero T
		return zero, spindle.ErrNotDone
	}
}

// gatherInts awaits any mix of awaitables, as spindle.Gather does.
func gatherInts(ctx context.Context, as ...spindle.Awaitable[int]) ([]int, error) {
	out := make([]int, len(as))
	for i, a := range as {
		v, err := spindle.Await(ctx, a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func TestHandleMixesWithLocalAwaitables(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add, slowDouble)
		ctx := context.Background()
		local := &localFuture[int]{done: make(chan struct{})}
		go func() {
			time.Sleep(10 * time.Millisecond)
			local.v = 7
			close(local.done)
		}()
		h1, _ := add.Enqueue(ctx, c, addArgs{1, 2})
		h2, _ := slowDouble.Enqueue(ctx, c, 4)
		got, err := gatherInts(ctx, h1, local, h2)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != 3 || got[1] != 7 || got[2] != 8 {
			t.Fatalf("gathered %v, want [3 7 8]", got)
		}
	})
}

func TestMapGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 3}, slowDouble)
		ctx := context.Background()
		in := []int{1, 2, 3, 4, 5, 6, 7}
		start := time.Now()
		g, err := slowDouble.Map(ctx, c, in)
		if err != nil {
			t.Fatal(err)
		}
		if g.Len() != len(in) {
			t.Fatalf("Len = %d", g.Len())
		}
		got, err := g.Await(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != in[i]*2 {
				t.Fatalf("results %v, want doubles of %v in order", got, in)
			}
		}
		// 7 jobs of 50ms on 3 slots: three rounds.
		if d := time.Since(start); d != 150*time.Millisecond {
			t.Fatalf("took %v, want 150ms", d)
		}
		<-g.Done()
		res, err := g.Result()
		if err != nil || len(res) != len(in) || res[6] != 14 {
			t.Fatalf("Group.Result = %v, %v", res, err)
		}
	})
}

func TestGroupJoinsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, failOdd)
		g, err := failOdd.Map(context.Background(), c, []int{2, 3, 4, 5})
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Await(context.Background())
		if got[0] != 2 || got[1] != 0 || got[2] != 4 || got[3] != 0 {
			t.Fatalf("results %v", got)
		}
		var je *jobs.JobError
		if !errors.As(err, &je) || !strings.Contains(err.Error(), "odd: 3") || !strings.Contains(err.Error(), "odd: 5") {
			t.Fatalf("error %v: want both failures joined", err)
		}
	})
}

var failOdd = jobs.Define("test.fail-odd", func(ctx context.Context, n int) (int, error) {
	if n%2 == 1 {
		return 0, jobs.Permanent(errors.New("odd: " + string(rune('0'+n))))
	}
	return n, nil
})
