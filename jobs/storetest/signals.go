package storetest

// Push signals (Ready, Finished) and calls whose ctx has ended.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// recv reports whether ch delivers within a short real wait: signals are
// sent synchronously by the operation that causes them, so a store that
// pushes has done so by the time the call returns.
func recv(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

func testReadySignal(t *testing.T, s store.Store) {
	ch, stop := s.Ready([]string{"default"})
	defer stop()
	if ch == nil {
		t.Skip("store cannot push: workers poll")
	}
	gone, stopGone := s.Ready([]string{"default"})
	stopGone()
	stopGone() // idempotent
	insert(t, s, newJob("rs1"))
	if !recv(ch) {
		t.Fatal("no ready signal after Insert")
	}
	select { // every watcher is signalled in one pass, so gone would have its value by now
	case <-gone:
		t.Fatal("a stopped Ready watch was signalled")
	default:
	}
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "rs1", Owner: "w", State: store.Scheduled, Error: "again", RunAt: at(time.Second), FinishedAt: at(time.Second)})
	if !recv(ch) {
		t.Fatal("no ready signal after a retry outcome")
	}
}

func testFinishedSignal(t *testing.T, s store.Store) {
	insert(t, s, newJob("fs1"), newJob("fs2"))
	ch, stop := s.Finished("fs1")
	if ch == nil {
		t.Skip("store cannot push: handles poll")
	}
	defer stop()
	ch2, stop2 := s.Finished("fs2")
	stop2() // a stopped watch must not break the store
	stop2()
	_ = ch2
	claim(t, s, "w", 2, at(time.Second))
	select {
	case <-ch:
		// Allowed ("may have reached"), but the job must not be final yet.
		wantState(t, s, "fs1", store.Running)
	default:
	}
	finish(t, s,
		store.Outcome{ID: "fs1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "fs2", Owner: "w", State: store.Succeeded, Result: []byte(`2`), FinishedAt: at(2 * time.Second)},
	)
	if !recv(ch) {
		t.Fatal("Finished channel not closed after the job succeeded")
	}
}

func testCanceledContext(t *testing.T, s store.Store) {
	cause := errors.New("test stopped")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(cause)
	if _, err := s.Insert(ctx, []*store.Job{newJob("cx1")}); err == nil {
		t.Fatal("Insert with a canceled context succeeded")
	}
	if _, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w", Now: T0, LeaseUntil: T0}); err == nil {
		t.Fatal("Claim with a canceled context succeeded")
	}
	if _, err := s.Get(ctx, "cx1"); err == nil {
		t.Fatal("Get with a canceled context succeeded")
	}
}
