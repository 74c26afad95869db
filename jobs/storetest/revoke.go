package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke, RevokeRequests and the Revoked signal.

func testRevokeWaiting(t *testing.T, s store.Store) {
	q, sc := newJob("rw1"), newJob("rw2")
	q.UniqueKey, q.Retention = "only", time.Hour
	sc.State, sc.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, q, sc)
	ch, stop := s.Finished("rw1")
	defer stop()
	res, err := s.Revoke(bg, "rw1", "not wanted", at(5*time.Second))
	if want := (store.RevokeResult{State: store.Canceled, Name: "task", Queue: "default"}); err != nil || res != want {
		t.Fatalf("Revoke of a queued job = %+v, %v; want %+v", res, err, want)
	}
	j := wantState(t, s, "rw1", store.Canceled)
	if j.Revoke != "not wanted" || j.LastError != "not wanted" || !sameTime(j.FinishedAt, at(5*time.Second)) ||
		!sameTime(j.RetainUntil, at(time.Hour+5*time.Second)) || j.LeaseOwner != "" || j.Attempt != 0 {
		t.Fatalf("revoked queued job %+v: want Revoke and LastError = reason, FinishedAt = now, RetainUntil = now + Retention", j)
	}
	if res, err := s.Revoke(bg, "rw2", "later", at(6*time.Second)); err != nil || res.State != store.Canceled {
		t.Fatalf("Revoke of a scheduled job = %+v, %v; want canceled", res, err)
	}
	if j := wantState(t, s, "rw2", store.Canceled); !j.RetainUntil.IsZero() || j.Revoke != "later" {
		t.Fatalf("revoked scheduled job without Retention %+v: want RetainUntil zero (kept)", j)
	}
	if ch != nil && !recv(ch) {
		t.Fatal("Finished channel not closed after the job was revoked")
	}
	if got := claim(t, s, "w", 10, at(2*time.Hour)); len(got) != 0 {
		t.Fatalf("revoked jobs were claimed: %v", ids(got))
	}
	again := newJob("rw3")
	again.UniqueKey = "only"
	insert(t, s, again) // the revoke released the unique key
}

func testRevokeRunning(t *testing.T, s store.Store) {
	r1 := newJob("rr1")
	r1.Name, r1.Queue = "mail.send", "mail"
	insert(t, s, r1, newJob("rr2"), newJob("rr3"))
	claim(t, s, "w1", 1, at(time.Second), "mail")    // rr1
	claim(t, s, "w1", 1, at(time.Second), "default") // rr2
	claim(t, s, "w2", 1, at(time.Second))            // rr3
	res, err := s.Revoke(bg, "rr1", "stop it", at(2*time.Second))
	if want := (store.RevokeResult{State: store.Running, Name: "mail.send", Queue: "mail", Attempt: 1}); err != nil || res != want {
		t.Fatalf("Revoke of a running job = %+v, %v; want %+v (the owner cancels it)", res, err, want)
	}
	j := wantState(t, s, "rr1", store.Running)
	if j.Revoke != "stop it" || j.LeaseOwner != "w1" || !sameTime(j.LeaseUntil, at(31*time.Second)) || j.Attempt != 1 {
		t.Fatalf("revoked running job %+v: want the lease kept and Revoke set", j)
	}
	if _, err := s.Revoke(bg, "rr3", "w2's", at(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if lost, err := s.ExtendLeases(bg, "w1", []string{"rr1", "rr2"}, at(time.Minute)); err != nil || len(lost) != 0 {
		t.Fatalf("ExtendLeases of a revoked job: lost %v err %v; want the lease kept", lost, err)
	}
	wantRevokes(t, s, "w1", map[string]string{"rr1": "stop it"})
	wantRevokes(t, s, "w2", map[string]string{"rr3": "w2's"})
	wantRevokes(t, s, "w3", nil)
	finish(t, s, store.Outcome{ID: "rr1", Owner: "w1", State: store.Canceled, Error: "stop it", FinishedAt: at(3 * time.Second)})
	if j := wantState(t, s, "rr1", store.Canceled); j.Revoke != "stop it" {
		t.Fatalf("canceled job's Revoke = %q, want the reason it was revoked with", j.Revoke)
	}
	wantRevokes(t, s, "w1", nil)
	wantState(t, s, "rr2", store.Running)
}

// wantRevokes checks RevokeRequests(owner); nil and empty are the same.
func wantRevokes(t *testing.T, s store.Store, owner string, want map[string]string) {
	t.Helper()
	got, err := s.RevokeRequests(bg, owner)
	if err != nil {
		t.Fatalf("RevokeRequests(%s): %v", owner, err)
	}
	if len(got) != len(want) {
		t.Fatalf("RevokeRequests(%s) = %v, want %v", owner, got, want)
	}
	for id, r := range want {
		if got[id] != r {
			t.Fatalf("RevokeRequests(%s) = %v, want %v", owner, got, want)
		}
	}
}

func testRevokeRequestsAfterRecover(t *testing.T, s store.Store) {
	insert(t, s, newJob("ra1"))
	claim(t, s, "w1", 1, at(time.Second)) // lease until 31s
	if _, err := s.Revoke(bg, "ra1", "bye", at(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	// The lease is gone, so the old owner has nothing to cancel.
	wantRevokes(t, s, "w1", nil)
}

func testRevokeFinal(t *testing.T, s store.Store) {
	insert(t, s, newJob("rf1"), newJob("rf2"))
	claim(t, s, "w", 1, at(time.Second)) // rf1
	finish(t, s, store.Outcome{ID: "rf1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)})
	res, err := s.Revoke(bg, "rf1", "too late", at(3*time.Second))
	if want := (store.RevokeResult{State: store.Succeeded, Name: "task", Queue: "default", Attempt: 1}); !errors.Is(err, store.ErrFinal) || res != want {
		t.Fatalf("Revoke of a succeeded job = %+v, %v; want %+v, ErrFinal", res, err, want)
	}
	if j := wantState(t, s, "rf1", store.Succeeded); j.Revoke != "" || string(j.Result) != "1" {
		t.Fatalf("a final job was changed by Revoke: %+v", j)
	}
	if _, err := s.Revoke(bg, "rf2", "first", at(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	res, err = s.Revoke(bg, "rf2", "second", at(4*time.Second))
	if !errors.Is(err, store.ErrFinal) || res.State != store.Canceled {
		t.Fatalf("second Revoke = %+v, %v; want canceled, ErrFinal", res, err)
	}
	if j := get(t, s, "rf2"); j.Revoke != "first" || !sameTime(j.FinishedAt, at(3*time.Second)) {
		t.Fatalf("second Revoke changed the canceled job: %+v", j)
	}
}

func testRevokeUnknown(t *testing.T, s store.Store) {
	if res, err := s.Revoke(bg, "nope", "why", T0); !errors.Is(err, store.ErrNotFound) || res != (store.RevokeResult{}) {
		t.Fatalf("Revoke(nope) = %+v, %v; want a zero result, ErrNotFound", res, err)
	}
}

func testRevokeEmptyReason(t *testing.T, s store.Store) {
	insert(t, s, newJob("re1"), newJob("re2"))
	claim(t, s, "w", 1, at(time.Second)) // re1
	// The reason is how the owner tells a revoked job from another, so an
	// empty one is bad input, and nothing changes.
	for _, id := range []string{"re1", "re2"} {
		if _, err := s.Revoke(bg, id, "", at(2*time.Second)); err == nil {
			t.Fatalf("Revoke(%s) with an empty reason succeeded", id)
		}
	}
	wantState(t, s, "re1", store.Running)
	wantState(t, s, "re2", store.Queued)
	wantRevokes(t, s, "w", nil)
}

func testRevokedSignal(t *testing.T, s store.Store) {
	ch, stop := s.Revoked()
	defer stop()
	if ch == nil {
		t.Skip("store cannot push: owners learn of revokes at their heartbeat")
	}
	gone, stopGone := s.Revoked()
	stopGone()
	stopGone() // idempotent
	insert(t, s, newJob("rs1"))
	claim(t, s, "w", 1, at(time.Second))
	if _, err := s.Revoke(bg, "rs1", "now", at(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !recv(ch) {
		t.Fatal("no Revoked signal after a revoke of a running job")
	}
	select {
	case <-gone:
		t.Fatal("a stopped Revoked watch was signalled")
	default:
	}
	wantRevokes(t, s, "w", map[string]string{"rs1": "now"})
}

// testRetryAfterRevokeOrExpiry: Retry asks for the job to run, so neither
// the old revoke nor the passed deadline may undo it.
func testRetryAfterRevokeOrExpiry(t *testing.T, s store.Store) {
	r, e := newJob("ry1"), newJob("ry2")
	e.ExpiresAt = at(10 * time.Second)
	insert(t, s, r, e)
	if _, err := s.Revoke(bg, "ry1", "oops", at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverCount(s, at(11*time.Second)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1 (ry2 expired)", n, err)
	}
	wantState(t, s, "ry2", store.Expired)
	for _, id := range []string{"ry1", "ry2"} {
		if err := s.Retry(bg, id, at(time.Minute)); err != nil {
			t.Fatalf("Retry(%s): %v", id, err)
		}
	}
	if n, err := recoverCount(s, at(time.Minute+time.Second)); err != nil || n != 0 {
		t.Fatalf("Recover after Retry = %d, %v; want 0: a retried job is not expired again", n, err)
	}
	got := claim(t, s, "w", 10, at(2*time.Minute))
	if !slices.Equal(ids(got), []string{"ry1", "ry2"}) {
		t.Fatalf("claimed %v after Retry, want [ry1 ry2]", ids(got))
	}
	for _, j := range got {
		if j.Revoke != "" {
			t.Fatalf("retried job %s claimed with Revoke %q; want none", j.ID, j.Revoke)
		}
	}
	wantRevokes(t, s, "w", nil)
}
