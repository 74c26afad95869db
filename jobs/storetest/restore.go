package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Restore: Retry for Canceled jobs only, the check and the move atomic.

// testRestore: a canceled job goes back to Queued as Retry puts it, ready
// now, with its error history kept.
func testRestore(t *testing.T, s store.Store) {
	j := newJob("rs1")
	j.UniqueKey, j.Retention = "rs-key", time.Hour
	insert(t, s, j)
	if _, err := s.Revoke(bg, "rs1", "not now", at(time.Second)); err != nil {
		t.Fatal(err)
	}
	ready, stop := s.Ready([]string{"default"})
	defer stop()
	select { // signals coalesce: one receive empties the channel
	case <-ready:
	default:
	}
	st, err := s.Restore(bg, "rs1", at(time.Minute))
	if err != nil || st != store.Queued {
		t.Fatalf("Restore of a canceled job = %q, %v; want queued", st, err)
	}
	if ready != nil && !recv(ready) {
		t.Fatal("no Ready signal after a Restore")
	}
	r := wantState(t, s, "rs1", store.Queued)
	if r.Attempt != 0 || !r.FinishedAt.IsZero() || !r.RetainUntil.IsZero() || r.Revoke != "" || r.LastError != "not now" {
		t.Fatalf("restored job %+v: want a fresh attempt budget, no finish, retention or revoke, LastError kept", r)
	}
	dup := newJob("rs2")
	dup.UniqueKey = "rs-key"
	if dups, err := s.Insert(bg, []*store.Job{dup}); err != nil || len(dups) != 1 {
		t.Fatalf("Insert of a job with the restored job's unique key = %v, %v; want it refused", dups, err)
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].ID != "rs1" || got[0].Attempt != 1 {
		t.Fatalf("claim after Restore: %+v", got)
	}
}

// testRestoreRefuses: a job in any state but Canceled is left as it is
// and its state is reported; an unknown one is not found.
func testRestoreRefuses(t *testing.T, s store.Store) {
	sched, exp := newJob("rf-scheduled"), newJob("rf-expired")
	sched.State, sched.RunAt = store.Scheduled, at(time.Hour)
	exp.ExpiresAt = at(time.Second)
	insert(t, s, exp)
	if n, err := recoverCount(s, at(2*time.Second)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want rf-expired expired", n, err)
	}
	running, succeeded, dead := newJob("rf-running"), newJob("rf-succeeded"), newJob("rf-dead")
	dead.MaxAttempts = 1
	insert(t, s, running, succeeded, dead)
	claim(t, s, "w", 3, at(3*time.Second))
	insert(t, s, sched, newJob("rf-queued"))
	finish(t, s,
		store.Outcome{ID: "rf-succeeded", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(4 * time.Second)},
		store.Outcome{ID: "rf-dead", Owner: "w", State: store.Dead, Error: "bad", FinishedAt: at(4 * time.Second)})
	for _, want := range []store.State{store.Scheduled, store.Queued, store.Running, store.Succeeded, store.Dead, store.Expired} {
		id := "rf-" + string(want)
		before := wantState(t, s, id, want)
		st, err := s.Restore(bg, id, at(time.Minute))
		if !errors.Is(err, store.ErrNotCanceled) || st != want || !strings.Contains(err.Error(), string(want)) {
			t.Fatalf("Restore of a %s job = %q, %v; want %s and ErrNotCanceled naming it", want, st, err, want)
		}
		after := wantState(t, s, id, want)
		if after.Attempt != before.Attempt || !after.FinishedAt.Equal(before.FinishedAt) || !after.RunAt.Equal(before.RunAt) ||
			after.LeaseOwner != before.LeaseOwner || after.LastError != before.LastError {
			t.Fatalf("a refused Restore changed the %s job: %+v, was %+v", want, after, before)
		}
	}
	if st, err := s.Restore(bg, "nope", at(time.Minute)); !errors.Is(err, store.ErrNotFound) || st != "" {
		t.Fatalf("Restore(nope) = %q, %v; want ErrNotFound", st, err)
	}
}

// testRestoreUniqueHeld: a canceled job whose unique key another
// unfinished job took meanwhile is refused, as Retry refuses it, and
// stays Canceled.
func testRestoreUniqueHeld(t *testing.T, s store.Store) {
	j := newJob("ru1")
	j.UniqueKey = "ru-key"
	insert(t, s, j)
	if _, err := s.Revoke(bg, "ru1", "replaced", at(time.Second)); err != nil {
		t.Fatal(err)
	}
	other := newJob("ru2")
	other.UniqueKey = "ru-key"
	insert(t, s, other)
	st, err := s.Restore(bg, "ru1", at(time.Minute))
	if err == nil || errors.Is(err, store.ErrNotCanceled) {
		t.Fatalf("Restore of a job whose unique key is held = %q, %v; want an error about the key", st, err)
	}
	wantState(t, s, "ru1", store.Canceled)
	wantState(t, s, "ru2", store.Queued)
}

// testRestoreConcurrent: restores of one canceled job racing each other
// move it once; every other caller is told it is no longer canceled.
// Several rounds, so that the calls do overlap.
func testRestoreConcurrent(t *testing.T, s store.Store) {
	insert(t, s, newJob("rc1"))
	const rounds, n = 20, 8
	for round := range rounds {
		if _, err := s.Revoke(bg, "rc1", "x", at(time.Second)); err != nil {
			t.Fatal(err)
		}
		states := make([]store.State, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				states[i], errs[i] = s.Restore(bg, "rc1", at(time.Minute))
			})
		}
		close(start)
		wg.Wait()
		restored := 0
		for i := range n {
			switch {
			case errs[i] == nil && states[i] == store.Queued:
				restored++
			case errors.Is(errs[i], store.ErrNotCanceled) && states[i] == store.Queued:
			default:
				t.Fatalf("round %d: concurrent Restore = %q, %v; want queued, with or without ErrNotCanceled", round, states[i], errs[i])
			}
		}
		if restored != 1 {
			t.Fatalf("round %d: %d of %d concurrent Restores moved the job; want exactly 1", round, restored, n)
		}
	}
	wantState(t, s, "rc1", store.Queued)
}
