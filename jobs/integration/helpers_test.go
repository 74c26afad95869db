package integration_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

var quiet = slog.New(slog.DiscardHandler)

// memClient returns a client on a fresh memory store, closed at cleanup.
func memClient(t *testing.T, opts ...jobs.Option) (*jobs.Client, *memory.Store) {
	t.Helper()
	s := memory.New()
	c, err := jobs.New(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		s.Close()
	})
	return c, s
}

// startWorker runs a worker until the test ends (or stop is called) and
// checks that Run returned nil.
func startWorker(t *testing.T, c *jobs.Client, opts jobs.WorkerOptions, defs ...jobs.Registrable) (stop func()) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	w, err := jobs.NewWorker(c, opts, defs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	// A channel, not sync.Once, so a second caller parks durably (synctest).
	result := make(chan error, 1)
	go func() {
		err := <-done
		result <- err
		close(result)
	}()
	var stopped atomic.Bool
	stop = func() {
		cancel()
		err, ok := <-result
		if ok && err != nil && !stopped.Swap(true) {
			t.Errorf("Worker.Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// quietStore hides a store's push signals, as a store seen from another
// process that cannot push does, and records when jobs were read.
type quietStore struct {
	store.Store
	mu    sync.Mutex
	reads []time.Time
}

func (q *quietStore) Ready([]string) (<-chan struct{}, func())  { return nil, func() {} }
func (q *quietStore) Finished(string) (<-chan struct{}, func()) { return nil, func() {} }
func (q *quietStore) WatchFinishes() store.FinishWatch          { return nil }
func (q *quietStore) Get(ctx context.Context, id string) (*store.Job, error) {
	q.record()
	return q.Store.Get(ctx, id)
}
func (q *quietStore) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	q.record()
	return q.Store.FinishedAmong(ctx, ids)
}

func (q *quietStore) record() {
	q.mu.Lock()
	q.reads = append(q.reads, time.Now())
	q.mu.Unlock()
}

// readTimes returns when jobs were read (Get or FinishedAmong).
func (q *quietStore) readTimes() []time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]time.Time(nil), q.reads...)
}

func wantJobError(t *testing.T, err error, state store.State, attempts int) *jobs.JobError {
	t.Helper()
	var je *jobs.JobError
	if !errors.As(err, &je) {
		t.Fatalf("error %v (%T) is not a *jobs.JobError", err, err)
	}
	if je.State != state || je.Attempts != attempts {
		t.Fatalf("JobError state %q after %d attempts, want %q after %d: %v", je.State, je.Attempts, state, attempts, err)
	}
	return je
}
