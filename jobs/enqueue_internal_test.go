package jobs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// heldStore holds every Insert until its ctx ends or release is closed,
// and counts the Inserts that ended with their ctx.
type heldStore struct {
	store.Store
	release  chan struct{}
	mu       sync.Mutex
	inserts  int
	canceled int
}

func (h *heldStore) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	h.mu.Lock()
	h.inserts++
	h.mu.Unlock()
	select {
	case <-h.release:
		return h.Store.Insert(ctx, jobs)
	case <-ctx.Done():
		h.mu.Lock()
		h.canceled++
		h.mu.Unlock()
		return nil, context.Cause(ctx)
	}
}

// newHeld returns a client on a heldStore over a memory store, closed
// when the test ends.
func newHeld(t *testing.T) (*heldStore, *Client) {
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	h := &heldStore{Store: mem, release: make(chan struct{})}
	c, err := New(h)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

var gcNoop = Define("gc.noop", func(ctx context.Context, n int) (int, error) { return n, nil })

// TestSharedWriteEndsWithItsCallers: a shared write whose every caller
// stopped waiting is canceled; one that still has a caller goes on.
func TestSharedWriteEndsWithItsCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, c := newHeld(t)
		defer c.Close()
		ctx := context.Background()
		leadCtx, cancelLead := context.WithCancel(ctx)
		lead := make(chan error, 1)
		go func() { _, err := gcNoop.Enqueue(leadCtx, c, 0); lead <- err }()
		synctest.Wait() // the lone write is held
		ctx1, cancel1 := context.WithCancel(ctx)
		ctx2, cancel2 := context.WithCancel(ctx)
		errs := make(chan error, 2)
		for _, qctx := range []context.Context{ctx1, ctx2} {
			go func() { _, err := gcNoop.Enqueue(qctx, c, 1); errs <- err }()
		}
		synctest.Wait() // both queued
		cancelLead()    // the lone write ends with its caller's ctx...
		if err := <-lead; !errors.Is(err, context.Canceled) {
			t.Fatalf("lone call: %v, want context.Canceled", err)
		}
		synctest.Wait() // ...and the queued two go in one shared write
		if h.inserts != 2 {
			t.Fatalf("%d inserts, want 2", h.inserts)
		}
		cancel1()
		synctest.Wait()
		if h.canceled != 1 {
			t.Fatalf("after one of two callers left: %d inserts canceled, want only the lone one", h.canceled)
		}
		cancel2()
		synctest.Wait()
		if h.canceled != 2 {
			t.Fatalf("after both callers left: %d inserts canceled, want 2", h.canceled)
		}
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Fatalf("queued call: %v, want context.Canceled", err)
			}
		}
		close(h.release)
		if _, err := gcNoop.Enqueue(ctx, c, 2); err != nil {
			t.Fatalf("a call after: %v", err)
		}
	})
}

// TestCloseWaitsForSharedWrite: Close returns once the shared write in
// flight is done, and its callers get their jobs.
func TestCloseWaitsForSharedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, c := newHeld(t)
		ctx := context.Background()
		errs := make(chan error, 3)
		for i := range 3 {
			go func() { _, err := gcNoop.Enqueue(ctx, c, i); errs <- err }()
			synctest.Wait()
		}
		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		close(h.release)
		<-closed
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatalf("enqueue: %v", err)
			}
		}
		if st, err := h.Store.Stats(ctx); err != nil || st.Counts[store.Queued] != 3 {
			t.Fatalf("stats %+v, %v; want 3 queued", st, err)
		}
	})
}
