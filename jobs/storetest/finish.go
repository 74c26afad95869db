package storetest

// Finish: every outcome a worker reports, and outcomes that come too late.

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func testFinishSucceeded(t *testing.T, s store.Store) {
	insert(t, s, newJob("f1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "f1", Owner: "w", State: store.Succeeded, Result: []byte(`42`), FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)})
	j := wantState(t, s, "f1", store.Succeeded)
	if string(j.Result) != "42" || !sameTime(j.FinishedAt, at(2*time.Second)) || !sameTime(j.RetainUntil, at(time.Hour)) || j.LeaseOwner != "" || j.Attempt != 1 {
		t.Fatalf("finished job %+v", j)
	}
	if got := claim(t, s, "w", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a succeeded job was claimed: %v", ids(got))
	}
}

func testFinishRetry(t *testing.T, s store.Store) {
	insert(t, s, newJob("r1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "r1", Owner: "w", State: store.Scheduled, Error: "boom 1", RunAt: at(time.Minute), FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "r1", store.Scheduled)
	if j.LastError != "boom 1" || len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || j.Errors[0].Error != "boom 1" || !sameTime(j.RunAt, at(time.Minute)) {
		t.Fatalf("job after a retry outcome %+v", j)
	}
	if got := claim(t, s, "w", 1, at(59*time.Second)); len(got) != 0 {
		t.Fatalf("claimed during the backoff: %v", ids(got))
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].Attempt != 2 {
		t.Fatalf("retry claim %+v", got)
	}
	finish(t, s, store.Outcome{ID: "r1", Owner: "w", State: store.Scheduled, Error: "boom 2", RunAt: at(2 * time.Minute), FinishedAt: at(61 * time.Second)})
	j = get(t, s, "r1")
	if len(j.Errors) != 2 || j.Errors[1].Attempt != 2 || j.Errors[1].Error != "boom 2" || j.LastError != "boom 2" {
		t.Fatalf("error history %+v", j.Errors)
	}
}

func testFinishDead(t *testing.T, s store.Store) {
	insert(t, s, newJob("x1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "x1", Owner: "w", State: store.Dead, Error: "fatal", FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "x1", store.Dead)
	if j.LastError != "fatal" || len(j.Errors) != 1 || !sameTime(j.FinishedAt, at(2*time.Second)) {
		t.Fatalf("dead job %+v", j)
	}
	if got := claim(t, s, "w", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a dead job was claimed: %v", ids(got))
	}
}

func testFinishCanceled(t *testing.T, s store.Store) {
	insert(t, s, newJob("k1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "k1", Owner: "w", State: store.Canceled, Error: "revoked", FinishedAt: at(2 * time.Second)})
	wantState(t, s, "k1", store.Canceled)
}

func testFinishGiveBack(t *testing.T, s store.Store) {
	insert(t, s, newJob("g1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "g1", Owner: "w", State: store.Queued, FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "g1", store.Queued)
	if j.Attempt != 0 || len(j.Errors) != 0 || j.LeaseOwner != "" {
		t.Fatalf("given-back job %+v: want Attempt 0, no errors, no lease", j)
	}
	got := claim(t, s, "w2", 1, at(3*time.Second))
	if len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("reclaim after give-back: %+v", got)
	}
}

func testFinishLost(t *testing.T, s store.Store) {
	insert(t, s, newJob("L1"), newJob("L2"))
	claim(t, s, "w1", 1, at(time.Second)) // L1
	lost, err := s.Finish(bg, []store.Outcome{
		{ID: "L1", Owner: "w2", State: store.Succeeded, FinishedAt: at(2 * time.Second)},
		{ID: "L2", Owner: "w1", State: store.Succeeded, FinishedAt: at(2 * time.Second)}, // never claimed
		{ID: "nope", Owner: "w1", State: store.Succeeded, FinishedAt: at(2 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lost)
	if !slices.Equal(lost, []string{"L1", "L2", "nope"}) {
		t.Fatalf("lost = %v, want [L1 L2 nope]", lost)
	}
	wantState(t, s, "L1", store.Running)
	wantState(t, s, "L2", store.Queued)
}

func testFinishBatch(t *testing.T, s store.Store) {
	var batch []*store.Job
	for i := range 50 {
		batch = append(batch, newJob(fmt.Sprintf("b%02d", i)))
	}
	insert(t, s, batch...)
	got := claim(t, s, "w", 50, at(time.Second))
	outs := make([]store.Outcome, len(got))
	for i, j := range got {
		outs[i] = store.Outcome{ID: j.ID, Owner: "w", State: store.Succeeded, Result: []byte(fmt.Sprint(i)), FinishedAt: at(2 * time.Second)}
	}
	finish(t, s, outs...)
	for i, j := range got {
		if f := wantState(t, s, j.ID, store.Succeeded); string(f.Result) != fmt.Sprint(i) {
			t.Fatalf("job %s result %q, want %d", j.ID, f.Result, i)
		}
	}
}
