//go:build fault

package faulttest

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// skewedStore is the store as seen by a process whose clock is off by d:
// every instant the process passes in is shifted by d. Package jobs takes
// all times from the caller's clock and hands them to the store, so this
// is exactly what a skewed worker does, with no hook in the worker.
type skewedStore struct {
	store.Store
	d time.Duration
}

func (s skewedStore) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	cp := make([]*store.Job, len(jobs))
	for i, j := range jobs {
		c := *j
		c.RunAt, c.EnqueuedAt = c.RunAt.Add(s.d), c.EnqueuedAt.Add(s.d)
		cp[i] = &c
	}
	return s.Store.Insert(ctx, cp)
}

func (s skewedStore) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	req.Now, req.LeaseUntil = req.Now.Add(s.d), req.LeaseUntil.Add(s.d)
	return s.Store.Claim(ctx, req)
}

func (s skewedStore) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	return s.Store.ExtendLeases(ctx, owner, ids, until.Add(s.d))
}

func (s skewedStore) Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error) {
	cp := make([]store.Outcome, len(outcomes))
	for i, o := range outcomes {
		o.RunAt, o.FinishedAt = shift(o.RunAt, s.d), shift(o.FinishedAt, s.d)
		o.RetainUntil = shift(o.RetainUntil, s.d)
		cp[i] = o
	}
	return s.Store.Finish(ctx, cp)
}

func (s skewedStore) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	return s.Store.Recover(ctx, now.Add(s.d))
}

func (s skewedStore) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	return s.Store.ReadyNames(ctx, queues, now.Add(s.d))
}

func (s skewedStore) Prune(ctx context.Context, now time.Time) (int, error) {
	return s.Store.Prune(ctx, now.Add(s.d))
}

func (s skewedStore) Retry(ctx context.Context, id string, now time.Time) error {
	return s.Store.Retry(ctx, id, now.Add(s.d))
}

func (s skewedStore) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	return s.Store.Restore(ctx, id, now.Add(s.d))
}

// Close leaves the shared store open: its owner closes it.
func (s skewedStore) Close() error { return nil }

func shift(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(d)
}

// errCut is what every call through a cut link returns.
var errCut = errors.New("connection refused (the test cut the link to the store)")

// cuttableStore is the store behind a network link the test can cut:
// while cut, every call fails at once with errCut and no push signal
// arrives, as when packets are refused. Calls made before the cut run to
// completion.
type cuttableStore struct {
	store.Store
	cut atomic.Bool
}

func (s *cuttableStore) check(ctx context.Context) error {
	if s.cut.Load() {
		return errCut
	}
	return ctx.Err()
}

func (s *cuttableStore) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Insert(ctx, jobs)
}

func (s *cuttableStore) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Claim(ctx, req)
}

func (s *cuttableStore) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.ReadyNames(ctx, queues, now)
}

func (s *cuttableStore) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.ExtendLeases(ctx, owner, ids, until)
}

func (s *cuttableStore) Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Finish(ctx, outcomes)
}

func (s *cuttableStore) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Recover(ctx, now)
}

func (s *cuttableStore) Get(ctx context.Context, id string) (*store.Job, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, id)
}

func (s *cuttableStore) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	if err := s.check(ctx); err != nil {
		return nil, nil, err
	}
	return s.Store.FinishedAmong(ctx, ids)
}

func (s *cuttableStore) Prune(ctx context.Context, now time.Time) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	return s.Store.Prune(ctx, now)
}

// Close leaves the shared store open: its owner closes it.
func (s *cuttableStore) Close() error { return nil }

// insertCounter counts the store's Insert calls that failed, and those
// that overlapped an outage (the test marks each outage's start and end):
// how many of a client's enqueue writes a fault met, whether or not the
// store or the client then wrote them again.
type insertCounter struct {
	store.Store
	failed     atomic.Int64
	overlapped atomic.Int64
	window     atomic.Int64 // odd while an outage runs
}

func (s *insertCounter) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	from := s.window.Load()
	dups, err := s.Store.Insert(ctx, jobs)
	if to := s.window.Load(); from%2 == 1 || to != from {
		s.overlapped.Add(1)
	}
	if err != nil {
		s.failed.Add(1)
	}
	return dups, err
}

// mark starts or ends an outage.
func (s *insertCounter) mark() { s.window.Add(1) }

// Close leaves the shared store open: its owner closes it.
func (s *insertCounter) Close() error { return nil }
