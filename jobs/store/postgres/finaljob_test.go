package postgres_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

var _ store.FinalNotifier = (*postgres.Store)(nil)

// listening starts s's listener and waits until its first connection
// has woken every watcher, so that later watchers wake only for what
// they wait for.
func listening(t *testing.T, s *postgres.Store) {
	t.Helper()
	s.Ready(nil)
	waitListening(t, s, 1)
}

// finish records outcomes that must all apply.
func finish(t *testing.T, s *postgres.Store, outs ...store.Outcome) {
	t.Helper()
	if lost, err := s.Finish(bg, outs); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
}

// carried waits for ch and returns the job its signal carried.
func carried(t *testing.T, ch <-chan struct{}, job func() *store.Job) *store.Job {
	t.Helper()
	if !recv(ch) {
		t.Fatal("no Finished signal")
	}
	return job()
}

// A final job travels whole in the notification of a Finish of one, in
// another store (as in another process), and equals what Get reads back:
// every column, nulls, error history and all.
func TestFinishedJobCarriesTheJob(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	listening(t, b)

	full := newJob("full")
	full.Priority, full.Meta, full.UniqueKey = 7, []byte(`{"next":["x"]}`), "k1"
	full.ExpiresAt, full.Retention = at(time.Hour), 90*time.Minute
	failed := newJob("failed")
	failed.MaxAttempts = 1
	bare := newJob("bare")
	bare.Args = nil
	insert(t, a, full, failed, bare)

	type watch struct {
		ch   <-chan struct{}
		job  func() *store.Job
		stop func()
	}
	ws := map[string]watch{}
	for _, id := range []string{"full", "failed", "bare"} {
		ch, job, stop := b.FinishedJob(id)
		defer stop()
		if job() != nil {
			t.Fatalf("%s: a job before any signal", id)
		}
		ws[id] = watch{ch, job, stop}
	}
	if got := claim(t, a, "w", 3, at(time.Second), "default"); len(got) != 3 {
		t.Fatal(ids(got))
	}
	finish(t, a, store.Outcome{ID: "full", Owner: "w", State: store.Succeeded, Result: []byte(`{"ok":"é\n"}`), FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)})
	finish(t, a, store.Outcome{ID: "failed", Owner: "w", State: store.Dead, Error: "boom", FinishedAt: at(2 * time.Second)})
	finish(t, a, store.Outcome{ID: "bare", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)})
	for id, w := range ws {
		got := carried(t, w.ch, w.job)
		if got == nil {
			t.Fatalf("%s: the signal carried no job", id)
		}
		want, err := b.Get(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: carried job\n%+v\nwant what Get reads\n%+v", id, got, want)
		}
	}
}

// A job too large for a payload, or a Finish of several final outcomes,
// still wakes its waiters, who then read the job back.
func TestFinishedJobFallsBackToIDs(t *testing.T) {
	s := openStore(t)
	listening(t, s)
	big := newJob("big")
	big.Args = []byte(`"` + strings.Repeat("a", 9000) + `"`)
	insert(t, s, big)
	ch, job, stop := s.FinishedJob("big")
	defer stop()
	claim(t, s, "w", 1, at(time.Second), "default")
	finish(t, s, store.Outcome{ID: "big", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)})
	if got := carried(t, ch, job); got != nil {
		t.Fatalf("a %d-byte job in a payload", len(got.Args))
	}

	const n = 2
	var many []*store.Job
	var outs []store.Outcome
	type watch struct {
		ch  <-chan struct{}
		job func() *store.Job
	}
	var ws []watch
	for i := range n {
		id := fmt.Sprintf("m%02d", i)
		many = append(many, newJob(id))
		outs = append(outs, store.Outcome{ID: id, Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)})
		ch, job, stop := s.FinishedJob(id)
		defer stop()
		ws = append(ws, watch{ch, job})
	}
	insert(t, s, many...)
	if got := claim(t, s, "w", n, at(time.Second), "default"); len(got) != n {
		t.Fatal(ids(got))
	}
	finish(t, s, outs...)
	for i, w := range ws {
		if got := carried(t, w.ch, w.job); got != nil {
			t.Fatalf("m%02d: a job carried by a Finish of %d outcomes", i, n)
		}
	}
}

// A lost outcome wakes nobody; a deleted job's waiters get no job.
func TestFinishedJobLostAndDeleted(t *testing.T) {
	s := openStore(t)
	listening(t, s)
	insert(t, s, newJob("l1"))
	claim(t, s, "w", 1, at(time.Second), "default")
	insert(t, s, newJob("d1"))
	lostCh, _, stop := s.FinishedJob("l1")
	defer stop()
	delCh, delJob, stop2 := s.FinishedJob("d1")
	defer stop2()
	lost, err := s.Finish(bg, []store.Outcome{{ID: "l1", Owner: "someone else", State: store.Succeeded, FinishedAt: at(2 * time.Second)}})
	if err != nil || len(lost) != 1 {
		t.Fatal(lost, err)
	}
	if !silent(lostCh) {
		t.Fatal("a lost outcome woke its waiter")
	}
	if err := s.Delete(bg, "d1"); err != nil {
		t.Fatal(err)
	}
	if got := carried(t, delCh, delJob); got != nil {
		t.Fatalf("deleted job carried: %+v", got)
	}
}

// A 'j' payload that does not decode wakes every waiter, with no job.
func TestDispatchBadJobPayload(t *testing.T) {
	s := openStore(t)
	listening(t, s)
	for _, payload := range []string{`j{`, `j"x"{"id": 3}`, `j"x"{"id":"x","state":"running"}`, `j"x"{"id":"y","state":"succeeded"}`} {
		ch, job, stop := s.FinishedJob("x")
		postgres.Dispatch(s, payload)
		if got := carried(t, ch, job); got != nil {
			t.Errorf("payload %q carried %+v", payload, got)
		}
		stop()
	}
	ch, job, stop := s.FinishedJob("x")
	defer stop()
	postgres.Dispatch(s, `j"other"{"id":"other","state":"succeeded"}`)
	if !silent(ch) || job() != nil {
		t.Fatal("a job for another ID woke the watcher")
	}
}
