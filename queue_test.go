package spindle

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errQueueTestCause = errors.New("queue test: caller gave up")

func queueMustPut[T any](t *testing.T, q *Queue[T], vs ...T) {
	t.Helper()
	for _, v := range vs {
		if err := q.TryPut(v); err != nil {
			t.Fatalf("TryPut(%v) = %v, want nil", v, err)
		}
	}
}

func queueDrain[T any](t *testing.T, q *Queue[T]) []T {
	t.Helper()
	var out []T
	for {
		v, err := q.TryGet()
		if err != nil {
			if !errors.Is(err, ErrQueueEmpty) && !errors.Is(err, ErrQueueShutdown) {
				t.Fatalf("TryGet: %v", err)
			}
			return out
		}
		out = append(out, v)
	}
}

func TestQueueOrder(t *testing.T) {
	t.Run("fifo", func(t *testing.T) {
		q := NewQueue[int](0)
		queueMustPut(t, q, 1, 2, 3, 4, 5)
		if got := queueDrain(t, q); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Fatalf("FIFO order = %v", got)
		}
	})
	t.Run("fifo across ring growth and wrap", func(t *testing.T) {
		q := NewQueue[int](0)
		var want []int
		next := 0
		for round := range 50 {
			for range round % 7 * 3 {
				queueMustPut(t, q, next)
				want = append(want, next)
				next++
			}
			for range round % 5 {
				v, err := q.TryGet()
				if err != nil {
					continue
				}
				if v != want[0] {
					t.Fatalf("got %d, want %d", v, want[0])
				}
				want = want[1:]
			}
		}
		if got := queueDrain(t, q); !slices.Equal(got, want) {
			t.Fatalf("remaining = %v, want %v", got, want)
		}
	})
	t.Run("lifo", func(t *testing.T) {
		q := NewLifoQueue[int](0)
		queueMustPut(t, q, 1, 2, 3)
		v, _ := q.TryGet()
		queueMustPut(t, q, 4)
		got := append([]int{v}, queueDrain(t, q)...)
		if !slices.Equal(got, []int{3, 4, 2, 1}) {
			t.Fatalf("LIFO order = %v, want [3 4 2 1]", got)
		}
	})
	t.Run("priority", func(t *testing.T) {
		q := NewPriorityQueue(0, func(a, b int) bool { return a < b })
		queueMustPut(t, q, 5, 1, 4, 2, 3, 0, 9, 7, 8, 6)
		if got := queueDrain(t, q); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Fatalf("priority order = %v", got)
		}
	})
	t.Run("priority is stable", func(t *testing.T) {
		type job struct {
			prio int
			name string
		}
		q := NewPriorityQueue(0, func(a, b job) bool { return a.prio < b.prio })
		queueMustPut(t, q,
			job{2, "a"}, job{1, "b"}, job{2, "c"}, job{1, "d"}, job{0, "e"},
			job{2, "f"}, job{1, "g"}, job{0, "h"}, job{2, "i"}, job{1, "j"})
		var names []string
		for _, j := range queueDrain(t, q) {
			names = append(names, j.name)
		}
		if got := strings.Join(names, ""); got != "ehbdgjacfi" {
			t.Fatalf("priority order = %q, want %q (equal priorities in insertion order)", got, "ehbdgjacfi")
		}
	})
}

func TestNewPriorityQueueNilLess(t *testing.T) {
	defer func() {
		r := recover()
		msg, _ := r.(string)
		if !strings.Contains(msg, "less") || !strings.Contains(msg, "nil") {
			t.Fatalf("panic = %v, want a message naming the nil less function", r)
		}
	}()
	NewPriorityQueue[int](0, nil)
}

func TestQueueTryAndSize(t *testing.T) {
	q := NewQueue[string](2)
	if q.Cap() != 2 || q.Len() != 0 {
		t.Fatalf("Cap, Len = %d, %d, want 2, 0", q.Cap(), q.Len())
	}
	if _, err := q.TryGet(); !errors.Is(err, ErrQueueEmpty) {
		t.Fatalf("TryGet on empty = %v, want ErrQueueEmpty", err)
	}
	queueMustPut(t, q, "a", "b")
	if err := q.TryPut("c"); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("TryPut on full = %v, want ErrQueueFull", err)
	}
	if q.Len() != 2 {
		t.Fatalf("Len = %d, want 2", q.Len())
	}
	for _, maxsize := range []int{0, -1} {
		u := NewQueue[int](maxsize)
		if u.Cap() != 0 {
			t.Fatalf("NewQueue(%d).Cap() = %d, want 0 (unbounded)", maxsize, u.Cap())
		}
		for i := range 1000 {
			queueMustPut(t, u, i)
		}
	}
}

func TestQueueGetBlocksUntilPut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](0)
		got := make(chan int)
		go func() {
			v, err := q.Get(t.Context())
			if err != nil {
				t.Errorf("Get: %v", err)
			}
			got <- v
		}()
		synctest.Wait()
		select {
		case v := <-got:
			t.Fatalf("Get returned %d from an empty queue", v)
		default:
		}
		if err := q.Put(t.Context(), 42); err != nil {
			t.Fatal(err)
		}
		if v := <-got; v != 42 {
			t.Fatalf("Get = %d, want 42", v)
		}
		if q.Len() != 0 {
			t.Fatalf("Len = %d after direct hand-over, want 0", q.Len())
		}
	})
}

func TestQueuePutBlocksWhileFull(t *testing.T) {
	for name, q := range map[string]*Queue[int]{
		"fifo":     NewQueue[int](1),
		"lifo":     NewLifoQueue[int](1),
		"priority": NewPriorityQueue(1, func(a, b int) bool { return a < b }),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				queueMustPut(t, q, 1)
				put := make(chan error)
				go func() { put <- q.Put(t.Context(), 2) }()
				synctest.Wait()
				select {
				case err := <-put:
					t.Fatalf("Put on a full queue returned %v without waiting", err)
				default:
				}
				if v, err := q.Get(t.Context()); v != 1 || err != nil {
					t.Fatalf("Get = %d, %v, want 1, nil", v, err)
				}
				if err := <-put; err != nil {
					t.Fatalf("blocked Put = %v, want nil", err)
				}
				if v, err := q.TryGet(); v != 2 || err != nil {
					t.Fatalf("TryGet = %d, %v, want the blocked Put's 2", v, err)
				}
			})
		})
	}
}

func TestQueueCancelWithCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](1)

		ctx, cancel := context.WithCancelCause(t.Context())
		getErr := make(chan error)
		go func() {
			_, err := q.Get(ctx)
			getErr <- err
		}()
		synctest.Wait()
		cancel(errQueueTestCause)
		if err := <-getErr; !errors.Is(err, errQueueTestCause) {
			t.Fatalf("cancelled Get = %v, want the cause %v", err, errQueueTestCause)
		}

		queueMustPut(t, q, 1)
		ctx, cancel = context.WithCancelCause(t.Context())
		putErr := make(chan error)
		go func() { putErr <- q.Put(ctx, 2) }()
		synctest.Wait()
		cancel(errQueueTestCause)
		if err := <-putErr; !errors.Is(err, errQueueTestCause) {
			t.Fatalf("cancelled Put = %v, want the cause %v", err, errQueueTestCause)
		}
		if got := queueDrain(t, q); !slices.Equal(got, []int{1}) {
			t.Fatalf("queue = %v after a cancelled Put, want [1]", got)
		}

		// A timeout reports DeadlineExceeded, not Canceled.
		ctx, cancelT := context.WithTimeout(t.Context(), time.Second)
		defer cancelT()
		start := time.Now()
		if _, err := q.Get(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("timed-out Get = %v, want DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("Get waited %v, want 1s", waited)
		}
	})
}

func TestQueueDoneContextLeavesQueueAlone(t *testing.T) {
	q := NewQueue[int](1)
	queueMustPut(t, q, 7)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errQueueTestCause)
	if _, err := q.Get(ctx); !errors.Is(err, errQueueTestCause) {
		t.Fatalf("Get with done ctx = %v, want the cause", err)
	}
	if err := q.Put(ctx, 8); !errors.Is(err, errQueueTestCause) {
		t.Fatalf("Put with done ctx = %v, want the cause", err)
	}
	if q.Len() != 1 {
		t.Fatalf("Len = %d, want 1: a done ctx must not touch the queue", q.Len())
	}
}

// Waiters are served in arrival order, and one leaving from the middle does
// not disturb the others.
func TestQueueFairness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](0)
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		ctxs := make([]context.CancelCauseFunc, 4)
		for i := range 4 {
			ctx, cancel := context.WithCancelCause(t.Context())
			ctxs[i] = cancel
			wg.Go(func() {
				v, err := q.Get(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				got[i] = v
				mu.Unlock()
			})
			synctest.Wait() // getter i is parked before getter i+1 arrives
		}
		ctxs[1](errQueueTestCause)
		synctest.Wait()
		// A newcomer TryGet must not see the items meant for the waiters.
		queueMustPut(t, q, 100, 200, 300)
		if _, err := q.TryGet(); !errors.Is(err, ErrQueueEmpty) {
			t.Fatalf("TryGet barged in ahead of waiting getters: %v", err)
		}
		wg.Wait()
		if want := map[int]int{0: 100, 2: 200, 3: 300}; !maps.Equal(got, want) {
			t.Fatalf("getters got %v, want %v", got, want)
		}
		for _, c := range ctxs {
			c(nil)
		}

		// Putters too.
		b := NewQueue[int](1)
		queueMustPut(t, b, 0)
		for i := 1; i <= 3; i++ {
			wg.Go(func() {
				if err := b.Put(t.Context(), i); err != nil {
					t.Errorf("Put(%d): %v", i, err)
				}
			})
			synctest.Wait()
		}
		if err := b.TryPut(99); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("TryPut barged in ahead of waiting putters: %v", err)
		}
		var order []int
		for range 4 {
			v, err := b.Get(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, v)
		}
		wg.Wait()
		if !slices.Equal(order, []int{0, 1, 2, 3}) {
			t.Fatalf("putters served as %v, want [0 1 2 3]", order)
		}
	})
}

// queueParked waits until n goroutines are parked in Get (or Put) of q.
func queueParked[T any](q *Queue[T], getters bool, n int) {
	for {
		q.mu.Lock()
		l := &q.putters
		if getters {
			l = &q.getters
		}
		k := 0
		for w := l.head; w != nil; w = w.next {
			k++
		}
		q.mu.Unlock()
		if k >= n {
			return
		}
		runtime.Gosched()
	}
}

// queueBlockedOnLock waits until a goroutine is blocked acquiring a mutex
// inside the named method of Queue.
func queueBlockedOnLock(method string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "sync.runtime_SemacquireMutex") && strings.Contains(g, ".(*Queue[") && strings.Contains(g, "])."+method+"(") {
				return
			}
		}
		runtime.Gosched()
	}
}

// The deterministic form of the race below: ctx ends, and before the
// waiter can withdraw, the queue serves it. The item must not be lost.
func TestQueueServedAsCtxEnds(t *testing.T) {
	t.Run("get", func(t *testing.T) {
		q := NewQueue[int](0)
		ctx, cancel := context.WithCancelCause(context.Background())
		type res struct {
			v   int
			err error
		}
		got := make(chan res, 1)
		go func() {
			v, err := q.Get(ctx)
			got <- res{v, err}
		}()
		queueParked(q, true, 1)
		q.mu.Lock()
		cancel(errQueueTestCause)
		queueBlockedOnLock("Get")
		if err := q.putLocked(7); err != nil {
			t.Fatal(err)
		}
		q.mu.Unlock()
		if r := <-got; r.v != 7 || r.err != nil {
			t.Fatalf("Get = %d, %v, want the item handed over, 7, nil", r.v, r.err)
		}
	})
	t.Run("put", func(t *testing.T) {
		q := NewQueue[int](1)
		queueMustPut(t, q, 1)
		ctx, cancel := context.WithCancelCause(context.Background())
		putErr := make(chan error, 1)
		go func() { putErr <- q.Put(ctx, 2) }()
		queueParked(q, false, 1)
		q.mu.Lock()
		cancel(errQueueTestCause)
		queueBlockedOnLock("Put")
		if v, err := q.getLocked(); v != 1 || err != nil {
			t.Fatalf("getLocked = %d, %v", v, err)
		}
		q.mu.Unlock()
		if err := <-putErr; err != nil {
			t.Fatalf("Put = %v, want nil: its item was accepted", err)
		}
		if got := queueDrain(t, q); !slices.Equal(got, []int{2}) {
			t.Fatalf("queue = %v, want [2]", got)
		}
	})
}

// queueRace runs a and b on two goroutines released together.
func queueRace(a, b func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { <-start; a() })
	wg.Go(func() { <-start; b() })
	close(start)
	wg.Wait()
}

// A Get whose ctx ends at the moment a Put hands it an item must return the
// item, and a Put cancelled at the moment its item is accepted must report
// success: nothing is lost or duplicated.
func TestQueueCancelRaceLosesNothing(t *testing.T) {
	const rounds = 1000
	q := NewQueue[int](1)
	var outcomes [2]int // item received, get cancelled
	for i := range rounds {
		ctx, cancel := context.WithCancelCause(context.Background())
		type res struct {
			v   int
			err error
		}
		got := make(chan res, 1)
		go func() {
			v, err := q.Get(ctx)
			got <- res{v, err}
		}()
		queueParked(q, true, 1)
		var putErr error
		queueRace(func() { cancel(errQueueTestCause) }, func() { putErr = q.Put(context.Background(), i) })
		r := <-got
		if putErr != nil {
			t.Fatalf("Put: %v", putErr)
		}
		switch {
		case r.err == nil:
			if r.v != i {
				t.Fatalf("Get = %d, want %d", r.v, i)
			}
			outcomes[0]++
			if q.Len() != 0 {
				t.Fatalf("item %d duplicated: received and still queued", i)
			}
		case errors.Is(r.err, errQueueTestCause):
			outcomes[1]++
			if v, err := q.TryGet(); err != nil || v != i {
				t.Fatalf("item %d lost: Get was cancelled and TryGet = %d, %v", i, v, err)
			}
		default:
			t.Fatalf("Get = %v", r.err)
		}
	}
	t.Logf("gets: %d received the item, %d were cancelled with the item left queued", outcomes[0], outcomes[1])

	outcomes = [2]int{} // put accepted, put cancelled
	for i := range rounds {
		queueMustPut(t, q, -1)
		ctx, cancel := context.WithCancelCause(context.Background())
		putErr := make(chan error, 1)
		go func() { putErr <- q.Put(ctx, i) }()
		queueParked(q, false, 1)
		var v int
		var getErr error
		queueRace(func() { cancel(errQueueTestCause) }, func() { v, getErr = q.Get(context.Background()) })
		if getErr != nil || v != -1 {
			t.Fatalf("Get = %d, %v", v, getErr)
		}
		err := <-putErr
		left := queueDrain(t, q)
		switch {
		case err == nil:
			outcomes[0]++
			if !slices.Equal(left, []int{i}) {
				t.Fatalf("Put(%d) succeeded but the queue holds %v", i, left)
			}
		case errors.Is(err, errQueueTestCause):
			outcomes[1]++
			if len(left) != 0 {
				t.Fatalf("Put(%d) was cancelled but the queue holds %v", i, left)
			}
		default:
			t.Fatalf("Put = %v", err)
		}
	}
	t.Logf("puts: %d accepted, %d cancelled", outcomes[0], outcomes[1])
}

func TestQueueManyProducersConsumers(t *testing.T) {
	for name, q := range map[string]*Queue[int]{
		"fifo":     NewQueue[int](4),
		"lifo":     NewLifoQueue[int](4),
		"priority": NewPriorityQueue(4, func(a, b int) bool { return a > b }),
	} {
		t.Run(name, func(t *testing.T) {
			const producers, perProducer, consumers = 4, 500, 3
			var prod, cons sync.WaitGroup
			sums := make([]int, consumers)
			for p := range producers {
				prod.Go(func() {
					for i := range perProducer {
						if err := q.Put(t.Context(), p*perProducer+i); err != nil {
							t.Errorf("Put: %v", err)
							return
						}
					}
				})
			}
			for c := range consumers {
				cons.Go(func() {
					for v := range q.All(t.Context()) {
						sums[c] += v
						q.TaskDone()
					}
				})
			}
			prod.Wait()
			if err := q.Join(t.Context()); err != nil {
				t.Fatal(err)
			}
			q.Shutdown(false)
			cons.Wait()
			total := 0
			for _, s := range sums {
				total += s
			}
			n := producers * perProducer
			if want := n * (n - 1) / 2; total != want {
				t.Fatalf("consumers summed %d, want %d", total, want)
			}
		})
	}
}

func TestQueueJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](0)
		if err := q.Join(t.Context()); err != nil {
			t.Fatalf("Join on a fresh queue = %v, want nil", err)
		}
		queueMustPut(t, q, 1, 2)
		joined := make(chan error)
		go func() { joined <- q.Join(t.Context()) }()
		go func() { joined <- q.Join(t.Context()) }()

		for range 2 {
			if _, err := q.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		select {
		case err := <-joined:
			t.Fatalf("Join returned %v with items gotten but not done", err)
		default:
		}
		q.TaskDone()
		synctest.Wait()
		select {
		case err := <-joined:
			t.Fatalf("Join returned %v with one item unfinished", err)
		default:
		}
		q.TaskDone()
		for range 2 {
			if err := <-joined; err != nil {
				t.Fatalf("Join = %v, want nil", err)
			}
		}

		// Join honours ctx and reports its cause.
		queueMustPut(t, q, 3)
		ctx, cancel := context.WithCancelCause(t.Context())
		go func() { joined <- q.Join(ctx) }()
		synctest.Wait()
		cancel(errQueueTestCause)
		if err := <-joined; !errors.Is(err, errQueueTestCause) {
			t.Fatalf("cancelled Join = %v, want the cause", err)
		}
		q.TaskDone()
	})
}

func TestQueueTaskDoneTooManyPanics(t *testing.T) {
	q := NewQueue[int](0)
	queueMustPut(t, q, 1)
	q.TaskDone()
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "TaskDone called more times than items were put") {
			t.Fatalf("panic = %q, want the TaskDone misuse message", msg)
		}
		// The queue still works after the panic (the lock was released).
		queueMustPut(t, q, 2)
	}()
	q.TaskDone()
}

func TestQueueShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](2)
		queueMustPut(t, q, 1, 2)
		putErr := make(chan error)
		go func() { putErr <- q.Put(t.Context(), 3) }()
		synctest.Wait()

		q.Shutdown(false)
		if err := <-putErr; !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("blocked Put after Shutdown = %v, want ErrQueueShutdown", err)
		}
		if err := q.Put(t.Context(), 4); !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("Put after Shutdown = %v, want ErrQueueShutdown", err)
		}
		if err := q.TryPut(4); !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("TryPut after Shutdown = %v, want ErrQueueShutdown", err)
		}
		// Gets drain what is left, then fail.
		for _, want := range []int{1, 2} {
			if v, err := q.Get(t.Context()); v != want || err != nil {
				t.Fatalf("Get after Shutdown = %d, %v, want %d, nil", v, err, want)
			}
		}
		if _, err := q.Get(t.Context()); !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("Get on a drained shut-down queue = %v, want ErrQueueShutdown", err)
		}
		if _, err := q.TryGet(); !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("TryGet on a drained shut-down queue = %v, want ErrQueueShutdown", err)
		}
		q.Shutdown(false) // idempotent
		q.Shutdown(true)
		q.TaskDone()
		q.TaskDone()
		if err := q.Join(t.Context()); err != nil {
			t.Fatalf("Join = %v, want nil", err)
		}
	})
}

func TestQueueShutdownReleasesBlockedGets(t *testing.T) {
	for _, immediate := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			q := NewQueue[int](0)
			errs := make(chan error, 3)
			for range 3 {
				go func() {
					_, err := q.Get(t.Context())
					errs <- err
				}()
			}
			synctest.Wait()
			q.Shutdown(immediate)
			for range 3 {
				if err := <-errs; !errors.Is(err, ErrQueueShutdown) {
					t.Fatalf("blocked Get after Shutdown(%v) = %v, want ErrQueueShutdown", immediate, err)
				}
			}
		})
	}
}

func TestQueueShutdownImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewPriorityQueue(3, func(a, b int) bool { return a < b })
		queueMustPut(t, q, 3, 1, 2)
		putErr := make(chan error)
		go func() { putErr <- q.Put(t.Context(), 0) }()
		if v, _ := q.TryGet(); v != 1 { // one item in flight
			t.Fatalf("TryGet = %d, want 1", v)
		}
		synctest.Wait()
		if err := <-putErr; err != nil {
			t.Fatalf("Put = %v, want nil (space was freed)", err)
		}
		joined := make(chan error)
		go func() { joined <- q.Join(t.Context()) }()
		synctest.Wait()

		q.Shutdown(true)
		if q.Len() != 0 {
			t.Fatalf("Len = %d after Shutdown(true), want 0", q.Len())
		}
		if _, err := q.TryGet(); !errors.Is(err, ErrQueueShutdown) {
			t.Fatalf("TryGet after Shutdown(true) = %v, want ErrQueueShutdown", err)
		}
		synctest.Wait()
		select {
		case err := <-joined:
			t.Fatalf("Join returned %v while the item taken before Shutdown is unfinished", err)
		default:
		}
		q.TaskDone() // the one taken before the shutdown
		if err := <-joined; err != nil {
			t.Fatalf("Join = %v, want nil: discarded items count as done", err)
		}
	})
}

func TestQueueAll(t *testing.T) {
	t.Run("ends when shut down and drained", func(t *testing.T) {
		q := NewQueue[int](0)
		queueMustPut(t, q, 1, 2, 3)
		q.Shutdown(false)
		var got []int
		for v := range q.All(t.Context()) {
			got = append(got, v)
		}
		if !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("All = %v, want [1 2 3]", got)
		}
		for range got {
			q.TaskDone() // All leaves TaskDone to the caller
		}
		if err := q.Join(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("does not call TaskDone", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q := NewQueue[int](0)
			queueMustPut(t, q, 1)
			for range q.All(t.Context()) {
				break
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			if err := q.Join(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Join = %v, want DeadlineExceeded: the item is still unfinished", err)
			}
		})
	})
	t.Run("ends with ctx", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			q := NewQueue[int](0)
			queueMustPut(t, q, 1)
			ctx, cancel := context.WithCancelCause(t.Context())
			time.AfterFunc(time.Second, func() { cancel(errQueueTestCause) })
			n := 0
			for range q.All(ctx) {
				n++
			}
			if n != 1 || !errors.Is(context.Cause(ctx), errQueueTestCause) {
				t.Fatalf("All yielded %d items and ended with %v", n, context.Cause(ctx))
			}
		})
	})
	t.Run("break leaves the rest", func(t *testing.T) {
		q := NewQueue[int](0)
		queueMustPut(t, q, 1, 2, 3)
		for v := range q.All(t.Context()) {
			if v == 2 {
				break
			}
		}
		if got := queueDrain(t, q); !slices.Equal(got, []int{3}) {
			t.Fatalf("left after break = %v, want [3]", got)
		}
	})
}

func TestQueueDropsReferences(t *testing.T) {
	// Popped slots are zeroed so the queue keeps nothing alive.
	for name, q := range map[string]*Queue[*int]{
		"fifo":     NewQueue[*int](0),
		"lifo":     NewLifoQueue[*int](0),
		"priority": NewPriorityQueue(0, func(a, b *int) bool { return *a < *b }),
	} {
		for i := range 3 {
			queueMustPut(t, q, &i)
		}
		queueDrain(t, q)
		var held int
		switch name {
		case "fifo":
			for _, p := range q.fifo.buf {
				if p != nil {
					held++
				}
			}
		case "lifo":
			for _, p := range q.stack[:cap(q.stack)] {
				if p != nil {
					held++
				}
			}
		case "priority":
			for _, e := range q.prio.items[:cap(q.prio.items)] {
				if e.v != nil {
					held++
				}
			}
		}
		if held != 0 {
			t.Errorf("%s queue still references %d drained items", name, held)
		}
	}
}
