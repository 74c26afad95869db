package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Leases and counters (store.Leaser).

func acquire(t *testing.T, s store.Store, key, owner, data string, until, now time.Time) (store.Lease, bool) {
	t.Helper()
	h, ok, err := s.Acquire(bg, store.Lease{Key: key, Owner: owner, Data: []byte(data), Until: until}, now)
	if err != nil {
		t.Fatalf("Acquire(%s by %s): %v", key, owner, err)
	}
	return h, ok
}

func sameLease(a, b store.Lease) bool {
	return a.Key == b.Key && a.Owner == b.Owner && string(a.Data) == string(b.Data) && sameTime(a.Until, b.Until)
}

func testAcquire(t *testing.T, s store.Store) {
	want := store.Lease{Key: "lock:a", Owner: "o1", Data: []byte("d1"), Until: at(10 * time.Second)}
	h, ok := acquire(t, s, "lock:a", "o1", "d1", at(10*time.Second), T0)
	if !ok || !sameLease(h, want) {
		t.Fatalf("Acquire of a free key = %+v, %v; want %+v, true", h, ok, want)
	}
	h, ok = acquire(t, s, "lock:a", "o2", "d2", at(20*time.Second), at(5*time.Second))
	if ok || !sameLease(h, want) {
		t.Fatalf("Acquire of a held key = %+v, %v; want the holder %+v, false", h, ok, want)
	}
	// The holder renews: Until and Data are replaced.
	renewed := store.Lease{Key: "lock:a", Owner: "o1", Data: []byte("d3"), Until: at(15 * time.Second)}
	h, ok = acquire(t, s, "lock:a", "o1", "d3", at(15*time.Second), at(9*time.Second))
	if !ok || !sameLease(h, renewed) {
		t.Fatalf("renewal = %+v, %v; want %+v, true", h, ok, renewed)
	}
	if h, ok = acquire(t, s, "lock:a", "o2", "d2", at(20*time.Second), at(15*time.Second-time.Millisecond)); ok || h.Owner != "o1" {
		t.Fatalf("Acquire just before the renewed Until = %+v, %v; want o1 still holding", h, ok)
	}
	// From Until on, the lease is free.
	taken := store.Lease{Key: "lock:a", Owner: "o2", Data: []byte("d2"), Until: at(20 * time.Second)}
	if h, ok = acquire(t, s, "lock:a", "o2", "d2", at(20*time.Second), at(15*time.Second)); !ok || !sameLease(h, taken) {
		t.Fatalf("Acquire at the old Until = %+v, %v; want %+v, true", h, ok, taken)
	}
	// Keys are independent.
	if _, ok = acquire(t, s, "lock:b", "o1", "", at(20*time.Second), at(15*time.Second)); !ok {
		t.Fatal("Acquire of another key failed")
	}
	// The store keeps its own copy of Data.
	data := []byte("mine")
	if _, ok, err := s.Acquire(bg, store.Lease{Key: "lock:c", Owner: "o1", Data: data, Until: at(time.Hour)}, T0); err != nil || !ok {
		t.Fatal(ok, err)
	}
	data[0] = 'X'
	if h, _ := acquire(t, s, "lock:c", "o2", "", at(time.Hour), T0); string(h.Data) != "mine" {
		t.Fatalf("holder Data = %q, want %q: the store must copy", h.Data, "mine")
	}
}

func testAcquireConcurrent(t *testing.T, s store.Store) {
	const n = 16
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		holders = make([]store.Lease, n)
		oks     = make([]bool, n)
		errs    = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			holders[i], oks[i], errs[i] = s.Acquire(bg, store.Lease{Key: "lock:x", Owner: fmt.Sprint("o", i), Until: at(time.Minute)}, T0)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Acquire %d: %v", i, errs[i])
		}
		if oks[i] {
			if winner >= 0 {
				t.Fatalf("both o%d and o%d acquired one key", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no one acquired a free key")
	}
	for i := range n {
		if want := fmt.Sprint("o", winner); holders[i].Owner != want {
			t.Fatalf("Acquire %d returned holder %q, want the winner %s", i, holders[i].Owner, want)
		}
	}
}

func testRelease(t *testing.T, s store.Store) {
	acquire(t, s, "lock:a", "o1", "", at(time.Minute), T0)
	acquire(t, s, "lock:b", "o1", "", at(time.Minute), T0)
	if ok, err := s.Release(bg, "lock:a", "o2"); err != nil || ok {
		t.Fatalf("Release by another owner = %v, %v; want false", ok, err)
	}
	if h, ok := acquire(t, s, "lock:a", "o2", "", at(time.Minute), T0); ok || h.Owner != "o1" {
		t.Fatal("a Release by another owner freed the lease")
	}
	if ok, err := s.Release(bg, "lock:a", "o1"); err != nil || !ok {
		t.Fatalf("Release by the owner = %v, %v; want true", ok, err)
	}
	if ok, err := s.Release(bg, "lock:a", "o1"); err != nil || ok {
		t.Fatalf("second Release = %v, %v; want false", ok, err)
	}
	if _, ok := acquire(t, s, "lock:a", "o2", "", at(time.Minute), T0); !ok {
		t.Fatal("a released key could not be acquired")
	}
	if ok, err := s.Release(bg, "lock:b", ""); err != nil || !ok {
		t.Fatalf("Release by anyone = %v, %v; want true", ok, err)
	}
	if ok, err := s.Release(bg, "nope", ""); err != nil || ok {
		t.Fatalf("Release of an absent key = %v, %v; want false", ok, err)
	}
}

func testLeases(t *testing.T, s store.Store) {
	for _, l := range []struct{ key, owner, data string }{
		{"lock:b", "o2", "2"}, {"lock:a", "o1", "1"}, {"lock;", "o3", ""}, {"lock", "o4", ""},
		{"locks", "o5", ""}, {"worker:w1", "w1", "{}"},
	} {
		acquire(t, s, l.key, l.owner, l.data, at(time.Minute), T0)
	}
	acquire(t, s, "lock:c", "o6", "", at(10*time.Second), T0)
	keys := func(prefix string, now time.Time) []string {
		t.Helper()
		ls, err := s.Leases(bg, prefix, now)
		if err != nil {
			t.Fatalf("Leases(%q): %v", prefix, err)
		}
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = l.Key
		}
		return out
	}
	if got, want := keys("lock:", at(9*time.Second)), []string{"lock:a", "lock:b", "lock:c"}; !slices.Equal(got, want) {
		t.Fatalf("Leases(lock:) = %v, want %v in key order", got, want)
	}
	if got, want := keys("lock:", at(10*time.Second)), []string{"lock:a", "lock:b"}; !slices.Equal(got, want) {
		t.Fatalf("Leases(lock:) at lock:c's Until = %v, want %v (expired leases left out)", got, want)
	}
	if got, want := keys("", at(time.Second)), []string{"lock", "lock:a", "lock:b", "lock:c", "lock;", "locks", "worker:w1"}; !slices.Equal(got, want) {
		t.Fatalf("Leases(\"\") = %v, want %v", got, want)
	}
	if got := keys("x", T0); len(got) != 0 {
		t.Fatalf("Leases(x) = %v, want none", got)
	}
	ls, err := s.Leases(bg, "worker:", T0)
	if err != nil || len(ls) != 1 {
		t.Fatal(ls, err)
	}
	if want := (store.Lease{Key: "worker:w1", Owner: "w1", Data: []byte("{}"), Until: at(time.Minute)}); !sameLease(ls[0], want) {
		t.Fatalf("Leases(worker:) = %+v, want %+v", ls[0], want)
	}
}

func count(t *testing.T, s store.Store, key string, until, now time.Time) int64 {
	t.Helper()
	n, err := s.Count(bg, key, until, now)
	if err != nil {
		t.Fatalf("Count(%s): %v", key, err)
	}
	return n
}

func testCount(t *testing.T, s store.Store) {
	// Refused: no key, and a window that already ended; neither counts.
	if _, err := s.Count(bg, "", at(time.Minute), T0); err == nil {
		t.Error("Count of an empty key succeeded")
	}
	if _, err := s.Count(bg, "rate:a", T0, T0); err == nil || !strings.Contains(err.Error(), "until") {
		t.Errorf("Count until now = %v; want an error naming until", err)
	}
	for i := int64(1); i <= 3; i++ {
		if n := count(t, s, "rate:a", at(10*time.Second), at(time.Duration(i)*time.Second)); n != i {
			t.Fatalf("Count %d = %d", i, n)
		}
	}
	if n := count(t, s, "rate:b", at(10*time.Second), T0); n != 1 {
		t.Fatalf("another counter = %d, want 1", n)
	}
	// A live counter keeps its expiry: a later until does not extend it.
	if n := count(t, s, "rate:a", at(time.Hour), at(9*time.Second)); n != 4 {
		t.Fatalf("Count = %d, want 4", n)
	}
	// From its until on, it restarts with the new until.
	if n := count(t, s, "rate:a", at(20*time.Second), at(10*time.Second)); n != 1 {
		t.Fatalf("Count at the window's end = %d, want 1 (restarted)", n)
	}
	if n := count(t, s, "rate:a", at(time.Hour), at(19*time.Second)); n != 2 {
		t.Fatalf("Count in the new window = %d, want 2", n)
	}
	// Counters and leases are separate namespaces.
	if _, ok := acquire(t, s, "rate:a", "o1", "", at(time.Minute), at(19*time.Second)); !ok {
		t.Fatal("a counter blocked a lease of the same key")
	}
	if n := count(t, s, "rate:a", at(time.Hour), at(19*time.Second)); n != 3 {
		t.Fatalf("Count after a lease of the same key = %d, want 3", n)
	}
	if ls, err := s.Leases(bg, "rate:", at(19*time.Second)); err != nil || len(ls) != 1 {
		t.Fatalf("Leases(rate:) = %v, %v; want only the lease, not the counters", ls, err)
	}
}

func testCountConcurrent(t *testing.T, s store.Store) {
	const goroutines, each = 12, 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seen = make(map[int64]bool)
		errs = make(chan error, goroutines*each)
	)
	for range goroutines {
		wg.Go(func() {
			for range each {
				n, err := s.Count(bg, "rate:c", at(time.Minute), T0)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[n] {
					errs <- fmt.Errorf("two Count calls returned %d", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := int64(1); i <= goroutines*each; i++ {
		if !seen[i] {
			t.Fatalf("no Count returned %d; want every value 1..%d once", i, goroutines*each)
		}
	}
	if n := count(t, s, "rate:c", at(time.Minute), T0); n != goroutines*each+1 {
		t.Fatalf("final Count = %d, want %d", n, goroutines*each+1)
	}
}

// testPruneLeases observes the deletions through a caller whose clock is
// behind: a lease or counter Prune deleted is free at any now.
func testPruneLeases(t *testing.T, s store.Store) {
	acquire(t, s, "lock:old", "o1", "", at(10*time.Second), T0)
	acquire(t, s, "lock:edge", "o1", "", at(20*time.Second), T0)
	acquire(t, s, "lock:live", "o1", "", at(time.Hour), T0)
	count(t, s, "rate:old", at(10*time.Second), T0)
	count(t, s, "rate:old", at(10*time.Second), T0)
	count(t, s, "rate:edge", at(20*time.Second), T0)
	count(t, s, "rate:live", at(time.Hour), T0)
	if _, err := s.Prune(bg, at(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	ls, err := s.Leases(bg, "lock:", at(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range ls {
		keys = append(keys, l.Key)
	}
	if want := []string{"lock:edge", "lock:live"}; !slices.Equal(keys, want) {
		t.Fatalf("leases after Prune at 20s, listed at 5s: %v, want %v (only leases that expired before now go)", keys, want)
	}
	if h, ok := acquire(t, s, "lock:live", "o2", "", at(time.Hour), at(30*time.Second)); ok || h.Owner != "o1" {
		t.Fatal("Prune freed a live lease")
	}
	if n := count(t, s, "rate:old", at(10*time.Second), at(5*time.Second)); n != 1 {
		t.Fatalf("expired counter after Prune = %d, want 1 (deleted)", n)
	}
	if n := count(t, s, "rate:edge", at(20*time.Second), at(5*time.Second)); n != 2 {
		t.Fatalf("counter expiring at Prune's now = %d, want 2 (kept: it did not expire before now)", n)
	}
	if n := count(t, s, "rate:live", at(time.Hour), at(30*time.Second)); n != 2 {
		t.Fatalf("live counter after Prune = %d, want 2 (kept)", n)
	}
}
