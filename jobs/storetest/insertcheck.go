package storetest

import (
	"errors"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

// Every store refuses the same unrunnable jobs, alike (ErrRejected,
// nothing stored), and takes an empty State as Queued.
func testInsertChecks(t *testing.T, s store.Store) {
	bad := map[string]func(j *store.Job){
		"no ID":         func(j *store.Job) { j.ID = "" },
		"no name":       func(j *store.Job) { j.Name = "" },
		"no queue":      func(j *store.Job) { j.Queue = "" },
		"no attempts":   func(j *store.Job) { j.MaxAttempts = 0 },
		"running":       func(j *store.Job) { j.State = store.Running },
		"neg retention": func(j *store.Job) { j.Retention = -1 },
	}
	for what, spoil := range bad {
		j := newJob("ic-bad")
		spoil(j)
		if _, err := s.Insert(bg, []*store.Job{newJob("ic-ok"), j}); !errors.Is(err, store.ErrRejected) {
			t.Errorf("Insert of a job with %s = %v, want an error matching ErrRejected", what, err)
		}
		if _, err := s.Get(bg, "ic-ok"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused batch (%s) stored its other job: Get = %v", what, err)
		}
	}
	if _, err := s.Insert(bg, []*store.Job{nil}); !errors.Is(err, store.ErrRejected) {
		t.Errorf("Insert of a nil job = %v, want ErrRejected", err)
	}
	j := newJob("ic-empty-state")
	j.State = ""
	insert(t, s, j)
	wantState(t, s, "ic-empty-state", store.Queued)
}
