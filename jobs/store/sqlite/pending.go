package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// errPending is returned by the parts of the store contract this store
// does not implement yet (revoke, wake, leases and counters).
var errPending = errors.New("sqlite: not implemented yet: revoke, wake, leases and counters")

// Revoke implements [store.Store]; not implemented yet.
func (s *Store) Revoke(ctx context.Context, id, reason string, now time.Time) (store.State, error) {
	return "", errPending
}

// RevokeRequests implements [store.Store]; not implemented yet.
func (s *Store) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	return nil, errPending
}

// Wake implements [store.Store]; not implemented yet.
func (s *Store) Wake(ctx context.Context, ids []string, now time.Time) error { return errPending }

// Acquire implements [store.Leaser]; not implemented yet.
func (s *Store) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
	return store.Lease{}, false, errPending
}

// Release implements [store.Leaser]; not implemented yet.
func (s *Store) Release(ctx context.Context, key, owner string) (bool, error) {
	return false, errPending
}

// Leases implements [store.Leaser]; not implemented yet.
func (s *Store) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	return nil, errPending
}

// Count implements [store.Leaser]; not implemented yet.
func (s *Store) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	return 0, errPending
}

// Revoked implements [store.Notifier]: nil until revoke is implemented.
func (s *Store) Revoked() <-chan struct{} { return nil }
