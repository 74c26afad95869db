package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// outcomeStore is the part of a store the finisher uses. It refuses any
// write that carries an outcome refuse picks (store.ErrRejected, as a
// store refuses a value it cannot hold), fails the first flakes writes
// that carry the outcome of job flaky as a lost connection does, and
// applies the rest.
type outcomeStore struct {
	store.Store // nil: only Finish is called
	refuse      func(store.Outcome) bool
	flaky       string

	mu      sync.Mutex
	flakes  int
	calls   [][]string
	applied map[string]store.Outcome
}

func (s *outcomeStore) Finish(_ context.Context, outcomes []store.Outcome) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, o := range outcomes {
		ids = append(ids, o.ID)
	}
	s.calls = append(s.calls, ids)
	for _, o := range outcomes {
		if s.refuse(o) {
			return nil, fmt.Errorf("fake: job %s: value too big: %w", o.ID, store.ErrRejected)
		}
	}
	for _, o := range outcomes {
		if o.ID == s.flaky && s.flakes > 0 {
			s.flakes--
			return nil, errors.New("fake: connection reset by peer")
		}
	}
	for _, o := range outcomes {
		s.applied[o.ID] = o
	}
	return nil, nil
}

// callsWith counts the Finish calls that carried job id.
func (s *outcomeStore) callsWith(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if slices.Contains(c, id) {
			n++
		}
	}
	return n
}

var finishTestDef = Define("test.finish", func(context.Context, int) (int, error) { return 0, nil })

// finishRun is a worker run on st holding the leases of the jobs named
// by ids, as the finisher finds them when their outcomes arrive.
func finishRun(t *testing.T, st store.Store, ids ...string) *workerRun {
	t.Helper()
	c, err := New(st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w, err := NewWorker(c, WorkerOptions{Logger: slog.New(slog.DiscardHandler)}, finishTestDef)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(w)
	r.storeCtx = context.Background()
	for _, id := range ids {
		r.held.add(&activeJob{job: &store.Job{ID: id, Name: finishTestDef.Name(), Queue: DefaultQueue, Attempt: 1, MaxAttempts: 2}})
	}
	return r
}

// One outcome the store refuses and one that meets a lost connection, in
// a batch of healthy ones: the lost connection is retried until the
// write goes through, the refused outcome is isolated and replaced by
// the job's failure, and every other outcome is written as it was.
func TestFinishIsolatesRefusedOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &outcomeStore{
			refuse:  func(o store.Outcome) bool { return o.State == store.Succeeded && string(o.Result) == `"poison"` },
			flaky:   "flaky",
			flakes:  2,
			applied: map[string]store.Outcome{},
		}
		ids := []string{"a", "bad", "b", "flaky", "c"}
		r := finishRun(t, st, ids...)
		events := make(chan Event, 10)
		defer r.w.c.Subscribe(func(e Event) { events <- e })()
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		batch := []store.Outcome{
			{ID: "a", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at},
			{ID: "bad", Owner: "w", State: store.Succeeded, Result: []byte(`"poison"`), FinishedAt: at},
			{ID: "b", Owner: "w", State: store.Succeeded, Result: []byte(`2`), FinishedAt: at},
			{ID: "flaky", Owner: "w", State: store.Scheduled, Error: "try again", RunAt: at.Add(time.Second), FinishedAt: at},
			{ID: "c", Owner: "w", State: store.Dead, Error: "boom", FinishedAt: at},
		}
		want := map[string]store.Outcome{}
		for _, o := range batch {
			want[o.ID] = o
		}
		r.finish(slices.Clone(batch))

		for _, id := range []string{"a", "b", "flaky", "c"} {
			got, ok := st.applied[id]
			if !ok || got.State != want[id].State || string(got.Result) != string(want[id].Result) || got.Error != want[id].Error {
				t.Errorf("job %s: applied %+v (%v), want %+v", id, got, ok, want[id])
			}
		}
		got := st.applied["bad"]
		if got.State != store.Dead || got.Result != nil || got.RetainUntil.IsZero() ||
			!strings.Contains(got.Error, "could not record") || !strings.Contains(got.Error, "a result of 8 bytes") || !strings.Contains(got.Error, "value too big") {
			t.Errorf("refused job recorded as %+v; want dead, with an error saying why", got)
		}
		if n := st.callsWith("flaky"); n < 3 {
			t.Errorf("the outcome behind a lost connection was written in %d calls; want it retried past 2 failures", n)
		}
		if n := len(st.calls); n > 12 {
			t.Errorf("%d Finish calls for a batch of 5 with one refused outcome: %v", n, st.calls)
		}
		if r.held.len() != 0 {
			t.Errorf("leases still held after the batch: %v", r.held.ids(nil))
		}
		synctest.Wait() // the event bus delivers on its own goroutine
		select {
		case e := <-events:
			if e.Kind != EventDeadLettered || e.JobID != "bad" || !strings.Contains(fmt.Sprint(e.Err), "value too big") {
				t.Errorf("event %+v; want the refused job dead-lettered", e)
			}
		default:
			t.Error("no event for the refused job")
		}
	})
}

// A job whose every outcome the store refuses, its failure too, does not
// hold the finisher: the others are written, it is left to its lease.
func TestFinishGivesUpOnHopelessOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &outcomeStore{
			refuse:  func(o store.Outcome) bool { return o.ID == "hopeless" },
			applied: map[string]store.Outcome{},
		}
		r := finishRun(t, st, "a", "hopeless", "b")
		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		r.finish([]store.Outcome{
			{ID: "a", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at},
			{ID: "hopeless", Owner: "w", State: store.Dead, Error: "boom", FinishedAt: at},
			{ID: "b", Owner: "w", State: store.Succeeded, Result: []byte(`2`), FinishedAt: at},
		})
		if _, ok := st.applied["hopeless"]; ok || len(st.applied) != 2 {
			t.Fatalf("applied %v; want a and b only", st.applied)
		}
		// The batch, its half [hopeless b], the outcome alone, its failure.
		if n := st.callsWith("hopeless"); n > 4 {
			t.Fatalf("the hopeless outcome was tried %d times; want it given up on after its failure was refused", n)
		}
	})
}
