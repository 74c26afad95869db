package memory

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// counter is one fixed-window counter of Count.
type counter struct {
	n     int64
	until time.Time
}

// Acquire takes or renews the lease l.Key for l.Owner unless another
// owner holds it until after now; it returns the lease that holds the key
// and whether it is l. Key and Owner must not be empty and Until must be
// after now.
func (s *core) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
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

// Release deletes the lease key if owner holds it, or whoever does when
// owner is empty, and reports whether it did.
func (s *core) Release(ctx context.Context, key, owner string) (bool, error) {
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

// Leases lists the leases whose key starts with prefix and that are
// held after now, by key. It scans every lease: the memory store keeps
// few.
func (s *core) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
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

// Count adds one to counter key and returns the new value: a counter
// that is absent or expired (its until is not after now) restarts at 1
// with until as its expiry, a live one keeps its expiry. Key must not be
// empty and until must be after now.
func (s *core) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
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
func (s *core) pruneLeases(now time.Time) {
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
