package spindle

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// subscribed is an awaitable defined elsewhere that calls back when it
// settles, counting its live subscriptions.
type subscribed struct {
	mu     sync.Mutex
	done   chan struct{}
	v      int
	err    error
	subs   map[int]func()
	next   int
	active *atomic.Int64
}

func newSubscribed(active *atomic.Int64) *subscribed {
	return &subscribed{done: make(chan struct{}), subs: map[int]func(){}, active: active}
}

func (s *subscribed) Done() <-chan struct{} { return s.done }

func (s *subscribed) Result() (int, error) {
	select {
	case <-s.done:
		return s.v, s.err
	default:
		return 0, ErrNotDone
	}
}

func (s *subscribed) Subscribe(f func()) (cancel func()) {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		f()
		return func() {}
	default:
	}
	k := s.next
	s.next++
	s.subs[k] = f
	s.active.Add(1)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[k]; ok {
			delete(s.subs, k)
			s.active.Add(-1)
		}
	}
}

func (s *subscribed) settle(v int, err error) {
	s.mu.Lock()
	s.v, s.err = v, err
	close(s.done)
	subs := s.subs
	s.subs = map[int]func(){}
	s.active.Add(-int64(len(subs)))
	s.mu.Unlock()
	for _, f := range subs {
		f()
	}
}

func TestGatherSubscribesWithoutGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var active atomic.Int64
		const n = 1000
		subs := make([]Awaitable[int], n)
		for i := range subs {
			subs[i] = newSubscribed(&active)
		}
		subs[0].(*subscribed).settle(0, nil) // settled before the Gather
		before := runtime.NumGoroutine()
		var peak int
		go func() {
			time.Sleep(time.Second)
			peak = runtime.NumGoroutine()
			for i := 1; i < n; i++ {
				subs[i].(*subscribed).settle(i, nil)
			}
		}()
		got, err := Gather(context.Background(), subs...)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("value %d = %d", i, v)
			}
		}
		if peak > before+1 {
			t.Errorf("%d goroutines while gathering %d subscribers, %d before", peak, n, before)
		}
		if active.Load() != 0 {
			t.Errorf("%d subscriptions left after Gather returned", active.Load())
		}
	})
}

func TestGatherCancelsSubscriptionsOnFailureAndCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var active atomic.Int64
		a, b, c := newSubscribed(&active), newSubscribed(&active), newSubscribed(&active)
		boom := errors.New("boom")
		go func() { time.Sleep(time.Second); b.settle(0, boom) }()
		if _, err := Gather[int](context.Background(), a, b, c); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if active.Load() != 0 {
			t.Fatalf("%d subscriptions left after a failure", active.Load())
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := Gather[int](ctx, a, c); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		if active.Load() != 0 {
			t.Fatalf("%d subscriptions left after ctx ended", active.Load())
		}
	})
}

func TestWaitAndAsCompletedSubscribe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var active atomic.Int64
		a, b := newSubscribed(&active), newSubscribed(&active)
		go func() {
			time.Sleep(time.Second)
			b.settle(2, nil)
			time.Sleep(time.Second)
			a.settle(1, nil)
		}()
		var order []int
		for aw := range AsCompleted[int](context.Background(), a, b) {
			v, err := aw.Result()
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, v)
		}
		if len(order) != 2 || order[0] != 2 || order[1] != 1 {
			t.Fatalf("order = %v, want [2 1]", order)
		}
		if active.Load() != 0 {
			t.Fatalf("%d subscriptions left after AsCompleted", active.Load())
		}
	})
}
