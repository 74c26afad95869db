package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// The rule every store closes by: calls after Close, Close included,
// fail with ErrClosed; every watch channel (Ready, Revoked, Finished) is
// closed, so a watcher that waits on one learns at once; a watch asked
// for after Close gets a closed channel, or none.
func testClosed(t *testing.T, s store.Store) {
	insert(t, s, newJob("cl1"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(bg, "cl1"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w", Now: T0, LeaseUntil: T0}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Claim after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Insert(bg, []*store.Job{newJob("cl2")}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Insert after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("a second Close = %v, want ErrClosed", err)
	}
	for name, watch := range map[string]func() (<-chan struct{}, func()){
		"Ready":    func() (<-chan struct{}, func()) { return s.Ready([]string{"default"}) },
		"Revoked":  s.Revoked,
		"Finished": func() (<-chan struct{}, func()) { return s.Finished("cl1") },
	} {
		ch, stop := watch()
		if ch != nil && !closedWithin(ch, time.Second) {
			t.Errorf("%s asked for after Close: the channel is open", name)
		}
		stop()
	}
}

func testCloseWakesWatchers(t *testing.T, s store.Store) {
	insert(t, s, newJob("cw1"))
	type watch struct {
		name string
		ch   <-chan struct{}
		stop func()
	}
	var ws []watch
	for name, f := range map[string]func() (<-chan struct{}, func()){
		"Ready":    func() (<-chan struct{}, func()) { return s.Ready([]string{"default"}) },
		"Revoked":  s.Revoked,
		"Finished": func() (<-chan struct{}, func()) { return s.Finished("cw1") },
	} {
		ch, stop := f()
		if ch != nil {
			ws = append(ws, watch{name, ch, stop})
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if !closedWithin(w.ch, 5*time.Second) {
			t.Errorf("%s: the channel is still open 5s after Close; want it closed so its watcher stops", w.name)
		}
		w.stop()
		w.stop() // any number of times
	}
}

// closedWithin drains ch until it is closed, for up to d: a watch
// channel may hold a signal from before the close.
func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true
			}
		case <-timer.C:
			return false
		}
	}
}

// A store whose finish signal carries the final job hands the watcher
// the job as the commit left it, or nil; never another job, never one
// that is not final.
func testFinalNotifier(t *testing.T, s store.Store) {
	fn, ok := s.(store.FinalNotifier)
	if !ok {
		t.Skip("the store does not implement store.FinalNotifier (optional)")
	}
	insert(t, s, newJob("fn1"))
	ch, job, stop := fn.FinishedJob("fn1")
	defer stop()
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "fn1", Owner: "w", State: store.Succeeded, Result: []byte(`{"ok":true}`), FinishedAt: at(2 * time.Second)})
	if !closedWithin(ch, 5*time.Second) {
		t.Fatal("FinishedJob: the channel did not close within 5s of the job finishing")
	}
	j := job()
	if j == nil {
		return // allowed: the caller then reads the job back
	}
	if j.ID != "fn1" || j.State != store.Succeeded || string(j.Result) != `{"ok":true}` || !sameTime(j.FinishedAt, at(2*time.Second)) {
		t.Fatalf("FinishedJob carried %+v; want fn1 as the finish left it", j)
	}
	if j2 := job(); j2 != j {
		t.Fatal("FinishedJob: job() answered differently on a second call")
	}
}
