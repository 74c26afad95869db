package sqlite_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// TestInsertLeanRuns inserts one batch whose fresh jobs change name,
// queue, priority, state, attempts or retention every few jobs, so runs
// of shared values are shorter and longer than one statement, with jobs
// carrying Meta or an ExpiresAt (other statements) between them, and
// reads every job back whole.
func TestInsertLeanRuns(t *testing.T) {
	s := openTemp(t)
	var batch []*store.Job
	for i := range 120 {
		run := i / 5
		if i >= 40 {
			run = 8 + (i-40)/20 // runs longer than a statement (leanChunk)
		}
		j := &store.Job{
			ID: fmt.Sprintf("l%03d", i), Name: fmt.Sprint("task", run%3), Queue: fmt.Sprint("q", run%2),
			Priority: run % 4, MaxAttempts: 1 + run%5, Args: fmt.Appendf(nil, `{"n":%d}`, i),
			State: store.Queued, RunAt: t0.Add(time.Duration(i) * time.Millisecond), EnqueuedAt: t0,
			Retention: time.Duration(run%3) * time.Hour,
		}
		switch {
		case run%4 == 3:
			j.State, j.RunAt = store.Scheduled, t0.Add(time.Hour)
		case i%13 == 0:
			j.Meta = []byte(`{"sig":"s"}`)
		case i%17 == 0:
			j.ExpiresAt = t0.Add(time.Minute)
		case i%19 == 0:
			j.Args = nil
		}
		batch = append(batch, j)
	}
	mustInsert(t, s, batch...)
	for _, want := range batch {
		if got := mustGet(t, s, want.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("job %s read back as\n%+v\nwant\n%+v", want.ID, got, want)
		}
	}
}

func mustGet(t *testing.T, s store.Store, id string) *store.Job {
	t.Helper()
	j, err := s.Get(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestInsertLeanDuplicates puts an existing ID and an ID repeated within
// the batch among lean jobs of several runs: exactly those come back as
// duplicates and the first copy of the repeated ID is the one stored.
func TestInsertLeanDuplicates(t *testing.T) {
	s := openTemp(t)
	mustInsert(t, s, job("d07"))
	var batch []*store.Job
	for i := range 30 {
		j := job(fmt.Sprintf("d%02d", i))
		j.Queue = fmt.Sprint("q", i/10)
		batch = append(batch, j)
	}
	again := job("d03")
	again.Queue = "other"
	batch = append(batch, again)
	dups, err := s.Insert(bg, batch)
	if err != nil {
		t.Fatal(err)
	}
	if want := []store.Dup{{ID: "d07", Existing: "d07"}, {ID: "d03", Existing: "d03"}}; !reflect.DeepEqual(dups, want) {
		t.Fatalf("dups = %v, want %v", dups, want)
	}
	if got, err := s.Get(bg, "d03"); err != nil || got.Queue != "q0" {
		t.Fatalf("d03 stored in queue %q (%v); want the first copy's q0", got.Queue, err)
	}
}
