package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Expiry, retention of jobs the store finalizes itself, deferred
// give-backs, Wake, and the new Job fields.

func testInsertGetExtended(t *testing.T, s store.Store) {
	j := newJob("ie1")
	j.ExpiresAt, j.Retention = at(time.Hour), 36*time.Hour
	insert(t, s, j)
	got := get(t, s, "ie1")
	if !sameTime(got.ExpiresAt, at(time.Hour)) || got.Retention != 36*time.Hour || got.Revoke != "" {
		t.Fatalf("Get returned ExpiresAt %v Retention %v Revoke %q; want %v, 36h, none", got.ExpiresAt, got.Retention, got.Revoke, at(time.Hour))
	}
	claimed := claim(t, s, "w", 1, at(time.Second))
	if len(claimed) != 1 || !sameTime(claimed[0].ExpiresAt, at(time.Hour)) || claimed[0].Retention != 36*time.Hour {
		t.Fatalf("claimed %+v; want ExpiresAt and Retention carried", claimed)
	}
}

func testRecoverExpires(t *testing.T, s store.Store) {
	q, sc, keep, run, later := newJob("ex1"), newJob("ex2"), newJob("ex3"), newJob("ex4"), newJob("ex5")
	q.ExpiresAt, q.UniqueKey, q.Retention = at(10*time.Second), "exp", time.Hour
	sc.State, sc.RunAt, sc.ExpiresAt = store.Scheduled, at(time.Hour), at(10*time.Second)
	run.ExpiresAt, run.Priority = at(10*time.Second), 1 // claimed first below
	later.ExpiresAt = at(time.Minute)
	insert(t, s, q, sc, keep, run, later)
	claim(t, s, "w", 1, at(time.Second)) // ex4, lease until 31s
	ch, stop := s.Finished("ex1")
	defer stop()
	if n, err := recoverCount(s, at(10*time.Second)); err != nil || n != 0 {
		t.Fatalf("Recover at ExpiresAt = %d, %v; want 0 (only deadlines before now)", n, err)
	}
	n, err := recoverCount(s, at(11*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("Recover = %d, %v; want 2 (the queued and the scheduled job past ExpiresAt)", n, err)
	}
	e := wantState(t, s, "ex1", store.Expired)
	if !sameTime(e.FinishedAt, at(11*time.Second)) || e.LastError == "" || !sameTime(e.RetainUntil, at(time.Hour+11*time.Second)) {
		t.Fatalf("expired job %+v: want FinishedAt = now, LastError set, RetainUntil = now + Retention", e)
	}
	if e := wantState(t, s, "ex2", store.Expired); !e.RetainUntil.IsZero() || e.LastError == "" {
		t.Fatalf("expired job without Retention %+v: want RetainUntil zero", e)
	}
	wantState(t, s, "ex3", store.Queued)
	wantState(t, s, "ex4", store.Running) // started in time; its lease is live
	wantState(t, s, "ex5", store.Queued)
	if ch != nil && !recv(ch) {
		t.Fatal("Finished channel not closed after the job expired")
	}
	if got := claim(t, s, "w", 10, at(2*time.Hour)); !slices.Equal(ids(got), []string{"ex3", "ex5"}) {
		t.Fatalf("claimed %v; want [ex3 ex5], not the expired jobs", ids(got))
	}
	again := newJob("ex6")
	again.UniqueKey = "exp"
	insert(t, s, again) // expiry released the unique key
	if n, err := s.Prune(bg, at(time.Hour+12*time.Second)); err != nil || n != 1 {
		t.Fatalf("Prune after the retention = %d, %v; want 1 (ex1)", n, err)
	}
	if _, err := s.Get(bg, "ex1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(ex1) after Prune = %v, want ErrNotFound", err)
	}
}

// testRecoverReportsMoves checks what Recover returns: every job it moved,
// once, with the fields the jobs package builds its events from.
func testRecoverReportsMoves(t *testing.T, s store.Store) {
	dead, requeued, expired, live := newJob("rr1"), newJob("rr2"), newJob("rr3"), newJob("rr4")
	dead.MaxAttempts, dead.Priority, dead.Name = 1, 2, "rr.dead"
	requeued.MaxAttempts, requeued.Priority, requeued.Queue = 3, 1, "other"
	expired.ExpiresAt, expired.Name = at(10*time.Second), "rr.expired"
	live.Priority = 1
	insert(t, s, dead, requeued, expired, live)
	claim(t, s, "w1", 1, at(time.Second))          // rr1, lease until 31s
	claim(t, s, "w1", 1, at(time.Second), "other") // rr2, lease until 31s
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w2", Now: at(time.Second), LeaseUntil: at(time.Hour)})
	if err != nil || len(got) != 1 || got[0].ID != "rr4" {
		t.Fatalf("claim = %v, %v; want rr4", ids(got), err)
	}
	moved, err := s.Recover(bg, at(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(moved, func(a, b store.Recovered) int { return strings.Compare(a.ID, b.ID) })
	want := []store.Recovered{
		{ID: "rr1", Name: "rr.dead", Queue: "default", Attempt: 1, State: store.Dead},
		{ID: "rr2", Name: requeued.Name, Queue: "other", Attempt: 1, State: store.Queued},
		{ID: "rr3", Name: "rr.expired", Queue: "default", Attempt: 0, State: store.Expired},
	}
	if len(moved) != len(want) {
		t.Fatalf("Recover moved %+v; want rr1 (dead), rr2 (requeued) and rr3 (expired), not the live rr4", moved)
	}
	for i, m := range moved {
		if m.Error == "" {
			t.Errorf("Recover's record of %s has no Error", m.ID)
		}
		if m.State != store.Expired && !strings.Contains(m.Error, "(the worker stopped or lost contact)") {
			t.Errorf("Recover's record of %s has Error %q; a recovered lease's error must contain %q, which jobs.ErrLeaseExpired matches",
				m.ID, m.Error, "(the worker stopped or lost contact)")
		}
		if j := get(t, s, m.ID); j.LastError != m.Error {
			t.Errorf("Recover's record of %s has Error %q; the job's LastError is %q", m.ID, m.Error, j.LastError)
		}
		m.Error = ""
		if m != want[i] {
			t.Errorf("Recover's record %d = %+v; want %+v", i, m, want[i])
		}
	}
	if again, err := s.Recover(bg, at(time.Minute)); err != nil || len(again) != 0 {
		t.Fatalf("second Recover = %+v, %v; want nothing: each move is reported once", again, err)
	}
}

func testRecoverDeadRetention(t *testing.T, s store.Store) {
	a, b := newJob("dr1"), newJob("dr2")
	a.MaxAttempts, a.Retention = 1, 2*time.Hour
	b.Retention = 2 * time.Hour // attempts remain: requeued, not finalized
	insert(t, s, a, b)
	claim(t, s, "w", 2, at(time.Second))
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 2 {
		t.Fatalf("Recover = %d, %v; want 2", n, err)
	}
	if d := wantState(t, s, "dr1", store.Dead); !sameTime(d.RetainUntil, at(2*time.Hour+time.Minute)) || !sameTime(d.FinishedAt, at(time.Minute)) {
		t.Fatalf("dead-lettered job %+v: want RetainUntil = now + Retention", d)
	}
	if q := wantState(t, s, "dr2", store.Queued); !q.RetainUntil.IsZero() {
		t.Fatalf("requeued job has RetainUntil %v; want zero", q.RetainUntil)
	}
}

func testFinishExpired(t *testing.T, s store.Store) {
	j := newJob("fe1")
	j.ExpiresAt, j.UniqueKey = at(time.Second), "fe"
	insert(t, s, j)
	claim(t, s, "w", 1, at(2*time.Second))
	finish(t, s, store.Outcome{ID: "fe1", Owner: "w", State: store.Expired, Error: "deadline passed", FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)})
	e := wantState(t, s, "fe1", store.Expired)
	if e.LastError != "deadline passed" || !sameTime(e.FinishedAt, at(2*time.Second)) || !sameTime(e.RetainUntil, at(time.Hour)) || e.LeaseOwner != "" {
		t.Fatalf("expired job %+v", e)
	}
	if got := claim(t, s, "w", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("an expired job was claimed: %v", ids(got))
	}
	again := newJob("fe2")
	again.UniqueKey = "fe"
	insert(t, s, again)
}

func testGiveBackDeferred(t *testing.T, s store.Store) {
	insert(t, s, newJob("gd1"), newJob("gd2"))
	claim(t, s, "w", 2, at(time.Second))
	finish(t, s,
		store.Outcome{ID: "gd1", Owner: "w", State: store.Queued, RunAt: at(time.Minute), FinishedAt: at(2 * time.Second)},
		// RunAt not after FinishedAt: claimable at once.
		store.Outcome{ID: "gd2", Owner: "w", State: store.Queued, RunAt: at(2 * time.Second), FinishedAt: at(2 * time.Second)},
	)
	j := get(t, s, "gd1")
	if j.State != store.Scheduled || !sameTime(j.RunAt, at(time.Minute)) || j.Attempt != 0 || len(j.Errors) != 0 || j.LastError != "" || j.LeaseOwner != "" {
		t.Fatalf("deferred job %+v: want Scheduled at RunAt, Attempt 0, no error", j)
	}
	if j := wantState(t, s, "gd2", store.Queued); j.Attempt != 0 {
		t.Fatalf("given-back job %+v: want Attempt 0", j)
	}
	if got := claim(t, s, "w", 10, at(2*time.Second)); !slices.Equal(ids(got), []string{"gd2"}) {
		t.Fatalf("claimed %v; want only [gd2] before the deferral ends", ids(got))
	}
	if got := claim(t, s, "w", 10, at(time.Minute-time.Millisecond)); len(got) != 0 {
		t.Fatalf("claimed %v before RunAt", ids(got))
	}
	got := claim(t, s, "w", 10, at(time.Minute))
	if len(got) != 1 || got[0].ID != "gd1" || got[0].Attempt != 1 {
		t.Fatalf("claim at RunAt = %+v; want gd1 at Attempt 1 (the deferral did not count)", got)
	}
}

func testWake(t *testing.T, s store.Store) {
	sc, q, run, done, retry := newJob("wk1"), newJob("wk2"), newJob("wk3"), newJob("wk4"), newJob("wk5")
	sc.State, sc.RunAt = store.Scheduled, at(time.Hour)
	run.Priority, done.Priority, retry.Priority = 3, 2, 1
	insert(t, s, sc, q, run, done, retry)
	claim(t, s, "w", 3, at(time.Second)) // wk3, wk4, wk5
	finish(t, s,
		store.Outcome{ID: "wk4", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "wk5", Owner: "w", State: store.Scheduled, Error: "again", RunAt: at(time.Hour), FinishedAt: at(2 * time.Second)},
	)
	ch, stop := s.Ready([]string{"default"})
	defer stop()
	if ch != nil {
		select { // drain what the setup signalled
		case <-ch:
		default:
		}
	}
	if err := s.Wake(bg, []string{"wk1", "wk2", "wk3", "wk4", "wk5", "nope"}, at(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if ch != nil && !recv(ch) {
		t.Fatal("no ready signal after Wake")
	}
	if j := wantState(t, s, "wk1", store.Queued); !sameTime(j.RunAt, at(5*time.Second)) {
		t.Fatalf("woken job RunAt %v, want now", j.RunAt)
	}
	if j := wantState(t, s, "wk2", store.Queued); !sameTime(j.RunAt, T0) {
		t.Fatalf("Wake changed a queued job's RunAt to %v", j.RunAt)
	}
	if j := wantState(t, s, "wk3", store.Running); j.LeaseOwner != "w" {
		t.Fatalf("Wake changed a running job: %+v", j)
	}
	wantState(t, s, "wk4", store.Succeeded)
	if j := wantState(t, s, "wk5", store.Queued); j.Attempt != 1 || len(j.Errors) != 1 {
		t.Fatalf("woken retry %+v: want its attempt and error history kept", j)
	}
	got := claim(t, s, "w", 10, at(5*time.Second))
	if !slices.Equal(ids(got), []string{"wk5", "wk2", "wk1"}) {
		t.Fatalf("claimed %v after Wake; want [wk5 wk2 wk1] (by priority, then RunAt)", ids(got))
	}
	if err := s.Wake(bg, nil, at(6*time.Second)); err != nil {
		t.Fatalf("Wake of nothing: %v", err)
	}
}
