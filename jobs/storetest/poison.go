package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// poisonTexts are error texts some store cannot keep as they are.
var poisonTexts = []string{
	"upstream said: \x00",
	"bad bytes \xff\xfe end",
	"mixed é\x00\xed\xa0\x80 and a cut \xe4\xb8",
}

// poisonResults are results that must come back byte for byte.
func poisonResults() [][]byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	return [][]byte{all, []byte("\x00"), []byte(`"\u0000"`), []byte("\xff\xfe"), []byte("{\"s\":\"\xc0\xed\xa0\x80\"}")}
}

// testFinishPoisonText: error text with NUL and invalid UTF-8, in one
// batch with a healthy outcome, is kept escaped (storetext.Clean) in
// LastError and the history, and the batch is written whole.
func testFinishPoisonText(t *testing.T, s store.Store) {
	ids := []string{"p0", "p1", "p2", "ok"}
	for _, id := range ids {
		insert(t, s, newJob(id))
	}
	claim(t, s, "w", len(ids), at(time.Second))
	fin := at(2 * time.Second)
	finish(t, s,
		store.Outcome{ID: "p0", Owner: "w", State: store.Scheduled, Error: poisonTexts[0], RunAt: at(time.Minute), FinishedAt: fin},
		store.Outcome{ID: "p1", Owner: "w", State: store.Dead, Error: poisonTexts[1], FinishedAt: fin},
		store.Outcome{ID: "ok", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: fin},
		store.Outcome{ID: "p2", Owner: "w", State: store.Canceled, Error: poisonTexts[2], FinishedAt: fin},
	)
	for i, id := range ids[:3] {
		j := get(t, s, id)
		want := storetext.Clean(poisonTexts[i])
		if j.LastError != want || len(j.Errors) != 1 || j.Errors[0].Error != want {
			t.Errorf("job %s failed with %q: LastError %q, history %+v; want %q", id, poisonTexts[i], j.LastError, j.Errors, want)
		}
	}
	wantState(t, s, "ok", store.Succeeded)
}

// testFinishResultBytes: results of any bytes, not valid UTF-8 or JSON
// text, are kept exactly, read back by Get and, where the store sends
// final jobs with their finish signal, by that signal.
func testFinishResultBytes(t *testing.T, s store.Store) {
	results := poisonResults()
	for i, res := range results {
		id := string(rune('a'+i)) + "-result"
		insert(t, s, newJob(id))
		claim(t, s, "w", 1, at(time.Second))
		var ch <-chan struct{}
		var sent func() *store.Job
		if fn, ok := s.(store.FinalNotifier); ok {
			var stop func()
			ch, sent, stop = fn.FinishedJob(id)
			defer stop()
		}
		finish(t, s, store.Outcome{ID: id, Owner: "w", State: store.Succeeded, Result: res, FinishedAt: at(2 * time.Second)})
		if j := get(t, s, id); string(j.Result) != string(res) {
			t.Errorf("result %q read back as %q", res, j.Result)
		}
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("no finish signal for job %s", id)
		}
		if j := sent(); j != nil && string(j.Result) != string(res) {
			t.Errorf("result %q sent with the finish signal as %q", res, j.Result)
		}
	}
}

// testFinishRejected: an outcome no store accepts fails the batch with
// an error matching store.ErrRejected, so that a caller knows a repeat
// cannot help, and applies nothing.
func testFinishRejected(t *testing.T, s store.Store) {
	insert(t, s, newJob("rj1"), newJob("rj2"))
	claim(t, s, "w", 2, at(time.Second))
	_, err := s.Finish(bg, []store.Outcome{
		{ID: "rj1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)},
		{ID: "rj2", Owner: "w", State: store.Running, FinishedAt: at(2 * time.Second)},
	})
	if !errors.Is(err, store.ErrRejected) {
		t.Fatalf("Finish with an outcome in state running: %v; want an error matching store.ErrRejected", err)
	}
	wantState(t, s, "rj1", store.Running)
}

// testRevokePoisonReason: a revoke reason is kept as error text is.
func testRevokePoisonReason(t *testing.T, s store.Store) {
	insert(t, s, newJob("rv1"), newJob("rv2"))
	claim(t, s, "w", 1, at(time.Second)) // rv1
	reason := "stop: \x00\xff"
	want := storetext.Clean(reason)
	if _, err := s.Revoke(bg, "rv1", reason, at(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	wantRevokes(t, s, "w", map[string]string{"rv1": want})
	if res, err := s.Revoke(bg, "rv2", reason, at(2*time.Second)); err != nil || res.State != store.Canceled {
		t.Fatalf("Revoke of a waiting job = %+v, %v", res, err)
	}
	if j := get(t, s, "rv2"); j.LastError != want || j.Revoke != want {
		t.Fatalf("revoked with %q: LastError %q, Revoke %q; want %q", reason, j.LastError, j.Revoke, want)
	}
}
