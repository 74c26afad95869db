package storetest

// Claim and ExtendLeases: order, queues, limits, leases, concurrent claimers.

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func testClaimLease(t *testing.T, s store.Store) {
	insert(t, s, newJob("c1"))
	now := at(time.Second)
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 5, Owner: "w1", Now: now, LeaseUntil: at(11 * time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatalf("Claim = %v, %v", ids(got), err)
	}
	j := got[0]
	if j.ID != "c1" || j.State != store.Running || j.Attempt != 1 || j.LeaseOwner != "w1" ||
		!sameTime(j.LeaseUntil, at(11*time.Second)) || !sameTime(j.StartedAt, now) || string(j.Args) != `{"n":1}` {
		t.Fatalf("claimed job %+v", j)
	}
	stored := wantState(t, s, "c1", store.Running)
	if stored.LeaseOwner != "w1" || stored.Attempt != 1 {
		t.Fatalf("stored job %+v", stored)
	}
	if again := claim(t, s, "w2", 5, now); len(again) != 0 {
		t.Fatalf("a running job was claimed again: %v", ids(again))
	}
}

func testClaimOrder(t *testing.T, s store.Store) {
	mk := func(id string, prio int, runAt time.Duration) *store.Job {
		j := newJob(id)
		j.Priority = prio
		j.RunAt = at(runAt)
		return j
	}
	// Insert in an order unrelated to the expected one.
	insert(t, s,
		mk("o5", 0, 2*time.Millisecond),
		mk("o2", 5, time.Millisecond),
		mk("o4", 0, time.Millisecond),
		mk("o1", 5, 0),
		mk("o3", 0, 0),
		mk("o0", 9, 3*time.Millisecond),
	)
	now := at(time.Second)
	var order []string
	for {
		got := claim(t, s, "w", 2, now)
		if len(got) == 0 {
			break
		}
		order = append(order, ids(got)...)
	}
	want := []string{"o0", "o1", "o2", "o3", "o4", "o5"}
	if !slices.Equal(order, want) {
		t.Fatalf("claim order %v, want %v (priority, then RunAt)", order, want)
	}
	// Ties on priority and RunAt go by ID.
	insert(t, s, mk("t3", 1, 0), mk("t1", 1, 0), mk("t2", 1, 0))
	got := claim(t, s, "w", 3, now)
	if !slices.Equal(ids(got), []string{"t1", "t2", "t3"}) {
		t.Fatalf("tie order %v, want [t1 t2 t3]", ids(got))
	}
}

func testClaimQueues(t *testing.T, s store.Store) {
	a, b, c := newJob("q1"), newJob("q2"), newJob("q3")
	a.Queue, b.Queue, c.Queue = "a", "b", "c"
	b.Priority = 1
	insert(t, s, a, b, c)
	got := claim(t, s, "w", 10, at(time.Second), "a", "b")
	if !slices.Equal(ids(got), []string{"q2", "q1"}) {
		t.Fatalf("claimed %v from queues a,b; want [q2 q1]", ids(got))
	}
	if got := claim(t, s, "w", 10, at(time.Second), "x"); len(got) != 0 {
		t.Fatalf("claimed %v from an empty queue", ids(got))
	}
	got = claim(t, s, "w", 10, at(time.Second), "c")
	if !slices.Equal(ids(got), []string{"q3"}) {
		t.Fatalf("claimed %v from queue c", ids(got))
	}
}

func testClaimLimit(t *testing.T, s store.Store) {
	for i := range 10 {
		insert(t, s, newJob(fmt.Sprintf("l%02d", i)))
	}
	if got := claim(t, s, "w", 4, at(time.Second)); len(got) != 4 {
		t.Fatalf("claimed %d with limit 4", len(got))
	}
	if got := claim(t, s, "w", 100, at(time.Second)); len(got) != 6 {
		t.Fatalf("claimed %d of the 6 left", len(got))
	}
}

func testClaimDelay(t *testing.T, s store.Store) {
	j := newJob("s1")
	j.State = store.Scheduled
	j.RunAt = at(time.Minute)
	j.Priority = 100
	insert(t, s, j, newJob("s0"))
	got := claim(t, s, "w", 10, at(59*time.Second))
	if !slices.Equal(ids(got), []string{"s0"}) {
		t.Fatalf("claimed %v before the delay; want only [s0]", ids(got))
	}
	wantState(t, s, "s1", store.Scheduled)
	got = claim(t, s, "w", 10, at(time.Minute))
	if !slices.Equal(ids(got), []string{"s1"}) {
		t.Fatalf("claimed %v at RunAt; want [s1]", ids(got))
	}
}

func testConcurrentClaimers(t *testing.T, s store.Store) {
	const n, claimers = 300, 6
	batch := make([]*store.Job, n)
	for i := range batch {
		batch[i] = newJob(fmt.Sprintf("cc%04d", i))
	}
	insert(t, s, batch...)
	var (
		mu   sync.Mutex
		seen = make(map[string]string)
		wg   sync.WaitGroup
		errs = make(chan error, claimers)
	)
	for w := range claimers {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 7, Owner: owner, Now: at(time.Second), LeaseUntil: at(time.Minute)})
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if prev, ok := seen[j.ID]; ok {
						errs <- fmt.Errorf("job %s claimed by both %s and %s", j.ID, prev, owner)
					}
					seen[j.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), n)
	}
}

func testExtendLeases(t *testing.T, s store.Store) {
	insert(t, s, newJob("e1"), newJob("e2"))
	claim(t, s, "w1", 2, at(time.Second))
	lost, err := s.ExtendLeases(bg, "w1", []string{"e1", "e2", "gone"}, at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lost, []string{"gone"}) {
		t.Fatalf("lost = %v, want [gone]", lost)
	}
	if j := get(t, s, "e1"); !sameTime(j.LeaseUntil, at(time.Hour)) {
		t.Fatalf("lease not extended: %v", j.LeaseUntil)
	}
	lost, err = s.ExtendLeases(bg, "w2", []string{"e1"}, at(2*time.Hour))
	if err != nil || !slices.Equal(lost, []string{"e1"}) {
		t.Fatalf("another owner extended: lost %v err %v", lost, err)
	}
	if j := get(t, s, "e1"); !sameTime(j.LeaseUntil, at(time.Hour)) {
		t.Fatalf("another owner moved the lease to %v", j.LeaseUntil)
	}
	// An extended lease survives a Recover that the old one would not have.
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 0 {
		t.Fatalf("Recover = %d, %v; want 0", n, err)
	}
}
