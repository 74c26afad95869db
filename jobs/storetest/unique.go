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

// uniqueJob returns a job holding key until the given offset from T0
// (zero: until final), enqueued at T0 plus enq.
func uniqueJob(id, key string, enq, until time.Duration) *store.Job {
	j := newJob(id)
	j.UniqueKey, j.EnqueuedAt, j.RunAt = key, at(enq), at(enq)
	if until != 0 {
		j.UniqueUntil = at(until)
	}
	return j
}

// testUniqueUntil: a holder keeps its key until UniqueUntil, judged by
// the enqueue time of the job that asks for it; from then the next job
// with the key takes it over, and the old holder reads without it.
func testUniqueUntil(t *testing.T, s store.Store) {
	insert(t, s, uniqueJob("h1", "k", 0, 10*time.Second))
	if j := get(t, s, "h1"); j.UniqueKey != "k" || !sameTime(j.UniqueUntil, at(10*time.Second)) {
		t.Fatalf("Get(h1): UniqueKey %q UniqueUntil %v; want %q and %v", j.UniqueKey, j.UniqueUntil, "k", at(10*time.Second))
	}
	dups, err := s.Insert(bg, []*store.Job{uniqueJob("h2", "k", 9*time.Second, 0)})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "h2", Existing: "h1"}}) {
		t.Fatalf("insert before UniqueUntil: dups %v err %v; want [{h2 h1}]", dups, err)
	}
	// At UniqueUntil the key is free, though h1 has not finished.
	insert(t, s, uniqueJob("h3", "k", 10*time.Second, 0))
	if j := wantState(t, s, "h1", store.Queued); j.UniqueKey != "" {
		t.Fatalf("h1 after yielding its key: UniqueKey %q, want empty", j.UniqueKey)
	}
	// h3 holds the key until it is final: UniqueUntil zero.
	dups, err = s.Insert(bg, []*store.Job{uniqueJob("h4", "k", time.Hour, time.Hour+time.Second)})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "h4", Existing: "h3"}}) {
		t.Fatalf("insert while h3 holds the key: dups %v err %v; want [{h4 h3}]", dups, err)
	}
	// A key whose holder's time is up is taken by the first job of a
	// batch that asks; the second finds the first holding it.
	insert(t, s, uniqueJob("g1", "g", 0, time.Second))
	dups, err = s.Insert(bg, []*store.Job{uniqueJob("g2", "g", 2*time.Second, 0), uniqueJob("g3", "g", 2*time.Second, 0)})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "g3", Existing: "g2"}}) {
		t.Fatalf("batch after UniqueUntil: dups %v err %v; want [{g3 g2}]", dups, err)
	}
}

// testUniqueYieldedHolderFinishes: a holder that yielded its key does not
// free it for others when it finishes; the new holder keeps it.
func testUniqueYieldedHolderFinishes(t *testing.T, s store.Store) {
	insert(t, s, uniqueJob("y1", "k", 0, time.Second))
	claim(t, s, "w", 1, at(time.Second)) // y1 runs
	insert(t, s, uniqueJob("y2", "k", 2*time.Second, 0))
	finish(t, s, store.Outcome{ID: "y1", Owner: "w", State: store.Succeeded, FinishedAt: at(3 * time.Second)})
	dups, err := s.Insert(bg, []*store.Job{uniqueJob("y3", "k", 4*time.Second, 0)})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "y3", Existing: "y2"}}) {
		t.Fatalf("after the old holder finished: dups %v err %v; want [{y3 y2}]", dups, err)
	}
}

// testUniqueConcurrent: of concurrent inserts of one key, one is stored
// and every other learns its ID.
func testUniqueConcurrent(t *testing.T, s store.Store) {
	const n = 16
	var wg sync.WaitGroup
	dups := make([][]store.Dup, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dups[i], errs[i] = s.Insert(bg, []*store.Job{uniqueJob(fmt.Sprintf("c%02d", i), "k", 0, time.Hour)})
		}()
	}
	wg.Wait()
	var stored []string
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("insert c%02d: %v", i, errs[i])
		}
		if len(dups[i]) == 0 {
			stored = append(stored, fmt.Sprintf("c%02d", i))
		}
	}
	if len(stored) != 1 {
		t.Fatalf("stored %v; want exactly one job of the key", stored)
	}
	for i := range n {
		if len(dups[i]) == 1 && dups[i][0].Existing != stored[0] {
			t.Fatalf("c%02d: dups %v; want it to name the holder %s", i, dups[i], stored[0])
		}
	}
}

// testUniqueAndIDInOneBatch: a job whose ID exists is a duplicate of
// itself even when its key is free; one whose key is held names the
// holder.
func testUniqueAndIDInOneBatch(t *testing.T, s store.Store) {
	insert(t, s, uniqueJob("i1", "a", 0, 0))
	dups, err := s.Insert(bg, []*store.Job{uniqueJob("i1", "b", 0, 0), uniqueJob("i2", "a", 0, 0), uniqueJob("i3", "b", 0, 0)})
	slices.SortFunc(dups, func(x, y store.Dup) int { return strings.Compare(x.ID, y.ID) })
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "i1", Existing: "i1"}, {ID: "i2", Existing: "i1"}}) {
		t.Fatalf("dups %v err %v; want [{i1 i1} {i2 i1}]", dups, err)
	}
	if j := get(t, s, "i3"); j.UniqueKey != "b" {
		t.Fatalf("i3: UniqueKey %q, want b", j.UniqueKey)
	}
}
