package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Text the server refuses (here a NUL in a job's name, SQLSTATE 22021)
// fails with an error matching store.ErrRejected: a worker must not
// retry it as it retries a lost connection.
func TestDataErrorIsRejected(t *testing.T) {
	s := openStore(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := s.Insert(bg, []*store.Job{{ID: "j1", Name: "bad\x00name", Queue: "q", State: store.Queued, MaxAttempts: 1, RunAt: now, EnqueuedAt: now}})
	if !errors.Is(err, store.ErrRejected) {
		t.Fatalf("Insert of a name with NUL: %v; want an error matching store.ErrRejected", err)
	}
	if _, err := s.Get(bg, "j1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the refused insert: %v; want nothing stored", err)
	}
}
