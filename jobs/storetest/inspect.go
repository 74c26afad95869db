package storetest

// The inspector: pause, queues, listing, retry, delete, purge, stats, prune.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func testPrune(t *testing.T, s store.Store) {
	insert(t, s, newJob("p1"), newJob("p2"), newJob("p3"), newJob("p4"))
	claim(t, s, "w", 3, at(time.Second)) // p1, p2, p3
	finish(t, s,
		store.Outcome{ID: "p1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)},
		store.Outcome{ID: "p2", Owner: "w", State: store.Dead, Error: "x", FinishedAt: at(2 * time.Second), RetainUntil: at(2 * time.Hour)},
		store.Outcome{ID: "p3", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)}, // kept forever
	)
	if n, err := s.Prune(bg, at(time.Hour)); err != nil || n != 0 {
		t.Fatalf("Prune at RetainUntil = %d, %v; want 0", n, err)
	}
	if n, err := s.Prune(bg, at(time.Hour+time.Millisecond)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(bg, "p1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pruned job still there: %v", err)
	}
	if n, err := s.Prune(bg, at(1000*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second Prune = %d, %v; want 1", n, err)
	}
	get(t, s, "p3")
	wantState(t, s, "p4", store.Queued)
}

func testPauseResume(t *testing.T, s store.Store) {
	if err := s.Pause(bg, "default"); err != nil {
		t.Fatal(err)
	}
	insert(t, s, newJob("pr1"))
	if got := claim(t, s, "w", 1, at(time.Second)); len(got) != 0 {
		t.Fatalf("claimed %v from a paused queue", ids(got))
	}
	qs, err := s.Queues(bg)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(qs, func(q store.QueueInfo) bool { return q.Name == "default" }); i < 0 || !qs[i].Paused {
		t.Fatalf("Queues = %+v; want default paused", qs)
	}
	if err := s.Resume(bg, "default"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, "w", 1, at(time.Second)); len(got) != 1 {
		t.Fatalf("claimed %v after resume; want 1", ids(got))
	}
}

func testQueues(t *testing.T, s store.Store) {
	a, b, c := newJob("qa1"), newJob("qa2"), newJob("qb1")
	c.Queue = "b"
	b.State, b.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second), "b")
	qs, err := s.Queues(bg)
	if err != nil {
		t.Fatal(err)
	}
	byName := make(map[string]store.QueueInfo)
	for _, q := range qs {
		byName[q.Name] = q
	}
	if d := byName["default"]; d.Counts[store.Queued] != 1 || d.Counts[store.Scheduled] != 1 || d.Paused {
		t.Fatalf("default queue %+v", d)
	}
	if q := byName["b"]; q.Counts[store.Running] != 1 {
		t.Fatalf("queue b %+v", q)
	}
}

func testListPaged(t *testing.T, s store.Store) {
	var all []string
	for i := range 25 {
		id := fmt.Sprintf("lp%02d", i)
		all = append(all, id)
		insert(t, s, newJob(id))
	}
	var got []string
	after := ""
	for range 10 {
		page, err := s.List(bg, store.ListRequest{State: store.Queued, Limit: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, ids(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, all) {
		t.Fatalf("paged listing %v, want %v", got, all)
	}
}

func testListFilters(t *testing.T, s store.Store) {
	a, b, c := newJob("lf1"), newJob("lf2"), newJob("lf3")
	b.Queue = "other"
	c.Name = "else"
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second)) // lf1 is running
	check := func(req store.ListRequest, want ...string) {
		t.Helper()
		got, err := s.List(bg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Fatalf("List(%+v) = %v, want %v", req, ids(got), want)
		}
	}
	check(store.ListRequest{}, "lf1", "lf2", "lf3")
	check(store.ListRequest{State: store.Running}, "lf1")
	check(store.ListRequest{Queue: "other"}, "lf2")
	check(store.ListRequest{Name: "else"}, "lf3")
	check(store.ListRequest{Queue: "default", State: store.Queued}, "lf3")
}

func testRetry(t *testing.T, s store.Store) {
	j := newJob("rt1")
	j.MaxAttempts = 1
	insert(t, s, j)
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "rt1", Owner: "w", State: store.Dead, Error: "bad", FinishedAt: at(2 * time.Second)})
	if err := s.Retry(bg, "rt1", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	r := wantState(t, s, "rt1", store.Queued)
	if r.Attempt != 0 || len(r.Errors) != 1 {
		t.Fatalf("retried job %+v: want a fresh attempt budget and the error history kept", r)
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("claim after retry %+v", got)
	}
	if err := s.Retry(bg, "rt1", at(time.Minute)); !errors.Is(err, store.ErrRunning) {
		t.Fatalf("Retry of a running job = %v, want ErrRunning", err)
	}
	if err := s.Retry(bg, "nope", at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry(nope) = %v, want ErrNotFound", err)
	}
	// Retry is for finished jobs: a waiting one is refused and left as it
	// was, naming its state (run-now is store.Wake's business).
	waiting := newJob("rt2")
	waiting.State, waiting.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, waiting, newJob("rt3"))
	for id, st := range map[string]store.State{"rt2": store.Scheduled, "rt3": store.Queued} {
		err := s.Retry(bg, id, at(time.Minute))
		if !errors.Is(err, store.ErrNotFinal) || !strings.Contains(err.Error(), string(st)) {
			t.Fatalf("Retry of a %s job = %v, want ErrNotFinal naming the state", st, err)
		}
		wantState(t, s, id, st)
	}
}

func testDelete(t *testing.T, s store.Store) {
	insert(t, s, newJob("dl1"), newJob("dl2"))
	claim(t, s, "w", 1, at(time.Second)) // dl1
	if err := s.Delete(bg, "dl1"); !errors.Is(err, store.ErrRunning) {
		t.Fatalf("Delete running = %v, want ErrRunning", err)
	}
	if err := s.Delete(bg, "dl2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(bg, "dl2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted job: %v", err)
	}
	if err := s.Delete(bg, "dl2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete twice = %v, want ErrNotFound", err)
	}
	if got := claim(t, s, "w", 5, at(time.Second)); len(got) != 0 {
		t.Fatalf("a deleted job was claimed: %v", ids(got))
	}
}

func testPurge(t *testing.T, s store.Store) {
	a, b, c, d := newJob("pu1"), newJob("pu2"), newJob("pu3"), newJob("pu4")
	d.Queue = "other"
	insert(t, s, a, b, c, d)
	claim(t, s, "w", 1, at(time.Second)) // pu1
	n, err := s.Purge(bg, "default", store.Queued)
	if err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v; want 2", n, err)
	}
	wantState(t, s, "pu1", store.Running)
	wantState(t, s, "pu4", store.Queued)
	if n, err := s.Purge(bg, "", store.Queued); err != nil || n != 1 {
		t.Fatalf("Purge of all queues = %d, %v; want 1", n, err)
	}
	if n, err := s.Purge(bg, "", store.Running); err != nil || n != 0 {
		t.Fatalf("Purge of running jobs = %d, %v; want 0 (running jobs are never purged)", n, err)
	}
}

func testStats(t *testing.T, s store.Store) {
	a, b, c := newJob("st1"), newJob("st2"), newJob("st3")
	b.EnqueuedAt = at(-time.Minute)
	c.Queue = "other"
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second), "other")
	st, err := s.Stats(bg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[store.Queued] != 2 || st.Counts[store.Running] != 1 || st.Queues != 2 || !sameTime(st.Oldest, at(-time.Minute)) {
		t.Fatalf("Stats = %+v", st)
	}
}
