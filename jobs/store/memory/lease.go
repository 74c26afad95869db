package memory

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// counter is one fixed-window counter of [Store.Count].
type counter struct {
	n     int64
	until time.Time
}

// Acquire implements [store.Leaser]. Key and Owner must not be empty and
// Until must be after now.
func (s *Store) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
	if err := storecheck.Lease("memory", l, now); err != nil {
		return store.Lease{}, false, err
	}
	if err := s.lock(ctx); err != nil {
		return store.Lease{}, false, err
	}
	defer s.mu.Unlock()
	if cur, ok := s.leases[l.Key]; ok && cur.Owner != l.Owner && cur.Until.After(now) {
		return cloneLease(cur), false, nil
	}
	l = cloneLease(l)
	s.leases[l.Key] = l
	return cloneLease(l), true, nil
}

func cloneLease(l store.Lease) store.Lease {
	l.Data = cloneBytes(l.Data)
	return l
}

// Release implements [store.Leaser].
func (s *Store) Release(ctx context.Context, key, owner string) (bool, error) {
	if err := s.lock(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	cur, ok := s.leases[key]
	if !ok || (owner != "" && cur.Owner != owner) {
		return false, nil
	}
	delete(s.leases, key)
	return true, nil
}

// Leases implements [store.Leaser]. It scans every lease: the memory
// store keeps few.
func (s *Store) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []store.Lease
	for k, l := range s.leases {
		if strings.HasPrefix(k, prefix) && l.Until.After(now) {
			out = append(out, cloneLease(l))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Count implements [store.Leaser]. Key must not be empty and until must
// be after now.
func (s *Store) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	if err := storecheck.Count("memory", key, until, now); err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	c, ok := s.counters[key]
	if !ok || !c.until.After(now) {
		c = counter{until: until}
	}
	c.n++
	s.counters[key] = c
	return c.n, nil
}

// pruneLeases deletes leases and counters that expired before now; s.mu
// is held.
func (s *Store) pruneLeases(now time.Time) {
	for k, l := range s.leases {
		if l.Until.Before(now) {
			delete(s.leases, k)
		}
	}
	for k, c := range s.counters {
		if c.until.Before(now) {
			delete(s.counters, k)
		}
	}
}
