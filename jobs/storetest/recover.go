package storetest

// Recover: expired leases back to their queue or to the dead letters.

import (
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func testRecoverRequeues(t *testing.T, s store.Store) {
	insert(t, s, newJob("v1"))
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w1", Now: at(time.Second), LeaseUntil: at(10 * time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if n, err := recoverCount(s, at(10*time.Second)); err != nil || n != 0 {
		t.Fatalf("Recover at the lease's end = %d, %v; want 0 (only leases that expired before now)", n, err)
	}
	n, err := recoverCount(s, at(11*time.Second))
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	j := wantState(t, s, "v1", store.Queued)
	if j.LeaseOwner != "" || j.Attempt != 1 || len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || j.LastError == "" {
		t.Fatalf("recovered job %+v: want Attempt 1 kept, one error recorded", j)
	}
	got = claim(t, s, "w2", 1, at(12*time.Second))
	if len(got) != 1 || got[0].Attempt != 2 || got[0].LeaseOwner != "w2" {
		t.Fatalf("reclaim after recover: %+v", got)
	}
}

func testRecoverDeadLetters(t *testing.T, s store.Store) {
	j := newJob("v2")
	j.MaxAttempts = 1
	insert(t, s, j)
	claim(t, s, "w1", 1, at(time.Second)) // lease until 31s
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	d := wantState(t, s, "v2", store.Dead)
	if d.LastError == "" || len(d.Errors) != 1 {
		t.Fatalf("dead-lettered job %+v: want the lease expiry as its error", d)
	}
	if got := claim(t, s, "w2", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a dead-lettered job was claimed: %v", ids(got))
	}
}

func testRecoverKeepsLiveLeases(t *testing.T, s store.Store) {
	insert(t, s, newJob("v3"), newJob("v4"))
	claim(t, s, "w1", 2, at(time.Second))
	if _, err := s.ExtendLeases(bg, "w1", []string{"v4"}, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	wantState(t, s, "v3", store.Queued)
	wantState(t, s, "v4", store.Running)
}

func testLateOutcomeAfterRecover(t *testing.T, s store.Store) {
	insert(t, s, newJob("z1"))
	claim(t, s, "w1", 1, at(time.Second))
	if _, err := recoverCount(s, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w2", 1, at(time.Minute))
	lost, err := s.Finish(bg, []store.Outcome{{ID: "z1", Owner: "w1", State: store.Succeeded, FinishedAt: at(time.Minute)}})
	if err != nil || !slices.Equal(lost, []string{"z1"}) {
		t.Fatalf("late outcome of the old owner: lost %v err %v; want [z1]", lost, err)
	}
	lost, err = s.ExtendLeases(bg, "w1", []string{"z1"}, at(time.Hour))
	if err != nil || !slices.Equal(lost, []string{"z1"}) {
		t.Fatalf("old owner extending: lost %v err %v; want [z1]", lost, err)
	}
	finish(t, s, store.Outcome{ID: "z1", Owner: "w2", State: store.Succeeded, FinishedAt: at(time.Minute)})
}
