package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// finishedAmong calls FinishedAmong and returns the final jobs by ID and
// the missing IDs sorted, failing t on an error or a job reported twice.
func finishedAmong(t *testing.T, s store.Store, ids []string) (map[string]*store.Job, []string) {
	t.Helper()
	final, missing, err := s.FinishedAmong(bg, ids)
	if err != nil {
		t.Fatalf("FinishedAmong: %v", err)
	}
	byID := map[string]*store.Job{}
	for _, j := range final {
		if byID[j.ID] != nil {
			t.Fatalf("FinishedAmong reported job %s twice", j.ID)
		}
		byID[j.ID] = j
	}
	slices.Sort(missing)
	if len(slices.Compact(slices.Clone(missing))) != len(missing) {
		t.Fatalf("FinishedAmong reported a missing ID twice: %v", missing)
	}
	return byID, missing
}

func testFinishedAmong(t *testing.T, s store.Store) {
	insert(t, s, newJob("fa-d"), newJob("fa-r"), newJob("fa-s"), newJob("fa-c"))
	if _, err := s.Revoke(bg, "fa-c", "no longer wanted", at(time.Second)); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w", 3, at(time.Second))
	finish(t, s,
		store.Outcome{ID: "fa-s", Owner: "w", State: store.Succeeded, Result: []byte(`7`), FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "fa-d", Owner: "w", State: store.Dead, Error: "boom", FinishedAt: at(2 * time.Second)},
	)
	insert(t, s, newJob("fa-q"))

	final, missing := finishedAmong(t, s, []string{"fa-q", "fa-r", "fa-s", "fa-d", "fa-c", "fa-x", "fa-s", "fa-x"})
	if want := []string{"fa-x"}; !slices.Equal(missing, want) {
		t.Fatalf("missing = %v, want %v", missing, want)
	}
	if len(final) != 3 || final["fa-s"] == nil || final["fa-d"] == nil || final["fa-c"] == nil {
		t.Fatalf("final = %v, want fa-s, fa-d and fa-c", keys(final))
	}
	// A final job is read whole, as Get reads it.
	for id, j := range final {
		g := get(t, s, id)
		if j.State != g.State || string(j.Result) != string(g.Result) || j.LastError != g.LastError ||
			j.Name != g.Name || j.Attempt != g.Attempt || !j.FinishedAt.Equal(g.FinishedAt) || len(j.Errors) != len(g.Errors) {
			t.Fatalf("FinishedAmong read job %s as %+v; Get reads %+v", id, j, g)
		}
	}
	if string(final["fa-s"].Result) != `7` || final["fa-d"].LastError != "boom" {
		t.Fatalf("final jobs read wrong: %+v, %+v", final["fa-s"], final["fa-d"])
	}

	if final, missing, err := s.FinishedAmong(bg, nil); err != nil || len(final)+len(missing) != 0 {
		t.Fatalf("FinishedAmong(nil) = %v, %v, %v; want nothing", final, missing, err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, _, err := s.FinishedAmong(ctx, []string{"fa-s"}); err == nil {
		t.Fatal("FinishedAmong with a canceled context succeeded")
	}
}

// Thousands of IDs go in one call, and a store that splits them inside
// (Redis's Lua) must not lose any.
func testFinishedAmongMany(t *testing.T, s store.Store) {
	const n = 3000
	var jobs []*store.Job
	var ids []string
	for i := range n {
		j := newJob(fmt.Sprintf("fm-%05d", i))
		jobs = append(jobs, j)
		ids = append(ids, j.ID, fmt.Sprintf("fm-none-%05d", i))
	}
	insert(t, s, jobs...)
	got := claim(t, s, "w", 10, at(time.Second))
	var outcomes []store.Outcome
	for _, j := range got {
		outcomes = append(outcomes, store.Outcome{ID: j.ID, Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)})
	}
	finish(t, s, outcomes...)
	final, missing := finishedAmong(t, s, ids)
	if len(missing) != n || missing[0] != "fm-none-00000" || missing[n-1] != fmt.Sprintf("fm-none-%05d", n-1) {
		t.Fatalf("%d missing (%v...); want the %d unknown IDs", len(missing), missing[:min(3, len(missing))], n)
	}
	if len(final) != len(got) {
		t.Fatalf("%d final jobs, want the %d finished", len(final), len(got))
	}
	for _, j := range got {
		if final[j.ID] == nil {
			t.Fatalf("finished job %s not reported final", j.ID)
		}
	}
}

// waitFired takes from w until the jobs of want are reported, or w
// reports all; it fails t after a while.
func waitFired(t *testing.T, w store.FinishWatch, want ...string) map[string]*store.Job {
	t.Helper()
	got := map[string]*store.Job{}
	deadline := time.After(5 * time.Second)
	for {
		fired, all := w.Take()
		for id, j := range fired {
			if j != nil && (j.ID != id || !j.State.Final()) {
				t.Fatalf("watch carried job %+v for %s: want the final job or nil", j, id)
			}
			got[id] = j
		}
		if all || !slices.ContainsFunc(want, func(id string) bool { _, ok := got[id]; return !ok }) {
			return got
		}
		select {
		case <-w.C():
		case <-deadline:
			t.Fatalf("watch reported %v; want %v", keys(got), want)
		}
	}
}

func testWatchFinishes(t *testing.T, s store.Store) {
	w := s.WatchFinishes()
	if w == nil {
		t.Skip("store cannot push: clients sweep")
	}
	defer w.Stop()
	insert(t, s, newJob("wf1"), newJob("wf2"), newJob("wf3"), newJob("wf4"))
	w.Add("wf1", "wf2", "wf4")
	w.Remove("wf2")
	claim(t, s, "w", 3, at(time.Second))
	// Drain what the claim may have signalled ("may have reached").
	w.Take()
	finish(t, s,
		store.Outcome{ID: "wf1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "wf2", Owner: "w", State: store.Succeeded, Result: []byte(`2`), FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "wf3", Owner: "w", State: store.Succeeded, Result: []byte(`3`), FinishedAt: at(2 * time.Second)},
	)
	got := waitFired(t, w, "wf1")
	for _, id := range []string{"wf2", "wf3"} {
		if _, ok := got[id]; ok {
			t.Fatalf("watch reported %s, which it does not watch", id)
		}
	}
	if j := got["wf1"]; j != nil && string(j.Result) != `1` {
		t.Fatalf("watch carried wf1 with result %s, want 1", j.Result)
	}
	// Deleting a waiting job is reported too: its waiters learn it is gone.
	if err := s.Delete(bg, "wf4"); err != nil {
		t.Fatal(err)
	}
	waitFired(t, w, "wf4")

	w.Stop()
	w.Stop()
	other := s.WatchFinishes()
	other.Add("wf-after")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closedBy := time.After(5 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-other.C():
		case <-closedBy:
			t.Fatal("a watch's channel is still open after Close")
		}
	}
	if _, all := other.Take(); !all {
		t.Fatal("Take after Close does not report all")
	}
	other.Stop()
	if _, _, err := s.FinishedAmong(bg, []string{"wf1"}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("FinishedAmong after Close = %v, want ErrClosed", err)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
