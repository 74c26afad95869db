package postgres_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// Tests of the contract's later additions (revoke, wake, expiry, deferred
// give-back, duplicate IDs, leases) and of what PostgreSQL adds to it.

func insert(t *testing.T, s store.Store, jobs ...*store.Job) {
	t.Helper()
	dups, err := s.Insert(bg, jobs)
	if err != nil || len(dups) != 0 {
		t.Fatalf("Insert: dups %v, err %v", dups, err)
	}
}

func get(t *testing.T, s store.Store, id string) *store.Job {
	t.Helper()
	j, err := s.Get(bg, id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return j
}

func claim(t *testing.T, s store.Store, owner string, limit int, now time.Time, queues ...string) []*store.Job {
	t.Helper()
	if len(queues) == 0 {
		queues = []string{"default"}
	}
	got, err := s.Claim(bg, store.ClaimRequest{Queues: queues, Limit: limit, Owner: owner, Now: now, LeaseUntil: now.Add(30 * time.Second)})
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func ids(jobs []*store.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func TestInsertExistingIDIsADuplicate(t *testing.T) {
	s := openStore(t)
	insert(t, s, newJob("d1"))
	dups, err := s.Insert(bg, []*store.Job{newJob("d2"), newJob("d1"), newJob("d3"), newJob("d3")})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}, {ID: "d3", Existing: "d3"}}) {
		t.Fatalf("dups %v, err %v; want [d1 d3]", dups, err)
	}
	get(t, s, "d2")
	if j := get(t, s, "d3"); j.State != store.Queued {
		t.Fatalf("d3: %+v", j)
	}
	// A finished job's ID is still taken: a cron tick runs once.
	claim(t, s, "w", 10, at(time.Second))
	if lost, err := s.Finish(bg, []store.Outcome{{ID: "d1", Owner: "w", State: store.Succeeded, FinishedAt: at(time.Second)}}); err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if dups, err := s.Insert(bg, []*store.Job{newJob("d1")}); err != nil || !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}}) {
		t.Fatalf("re-insert of a finished ID: dups %v, err %v", dups, err)
	}
}

func TestInsertValidates(t *testing.T) {
	s := openStore(t)
	bad := map[string]*store.Job{
		"empty ID":     {Name: "n", Queue: "q", MaxAttempts: 1},
		"empty Name":   {ID: "x", Queue: "q", MaxAttempts: 1},
		"empty Queue":  {ID: "x", Name: "n", MaxAttempts: 1},
		"MaxAttempts":  {ID: "x", Name: "n", Queue: "q"},
		`State "dead"`: {ID: "x", Name: "n", Queue: "q", MaxAttempts: 1, State: store.Dead},
		"Retention":    {ID: "x", Name: "n", Queue: "q", MaxAttempts: 1, Retention: -time.Second},
	}
	for want, j := range bad {
		if _, err := s.Insert(bg, []*store.Job{newJob("ok"), j}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Insert(%+v) = %v; want an error naming %s", j, err, want)
		}
	}
	if _, err := s.Get(bg, "ok"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a rejected batch stored part of itself: %v", err)
	}
}

// Three stores (as three processes would) insert the same pre-assigned
// IDs at once, in different orders and batches: each ID is stored once
// and reported as a duplicate to all but one inserter.
func TestConcurrentInsertsOfTheSameIDs(t *testing.T) {
	u := schemaURL(t)
	const n, inserters = 300, 3
	stores := make([]*postgres.Store, inserters)
	for i := range stores {
		stores[i] = openAt(t, u)
	}
	var (
		mu       sync.Mutex
		inserted = map[string]int{}
		wg       sync.WaitGroup
	)
	for w, s := range stores {
		wg.Go(func() {
			order := rand.Perm(n)
			for start := 0; start < n; start += 1 + w*7 {
				var batch []*store.Job
				for _, i := range order[start:min(n, start+1+w*7)] {
					j := newJob(fmt.Sprintf("tick-%04d", i))
					if i%3 == 0 {
						j.UniqueKey = fmt.Sprintf("key-%04d", i)
					}
					batch = append(batch, j)
				}
				dups, err := s.Insert(bg, batch)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, j := range batch {
					if !slices.Contains(store.DupIDs(dups), j.ID) {
						inserted[j.ID]++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(inserted) != n {
		t.Fatalf("%d IDs reported inserted, want %d", len(inserted), n)
	}
	for id, k := range inserted {
		if k != 1 {
			t.Fatalf("%s reported inserted %d times", id, k)
		}
	}
	st, err := stores[0].Stats(bg)
	if err != nil || st.Counts[store.Queued] != n {
		t.Fatalf("Stats %+v, %v; want %d queued", st, err, n)
	}
}

func TestRevoke(t *testing.T) {
	s := openStore(t)
	a, b, c := newJob("rv1"), newJob("rv2"), newJob("rv3")
	a.Retention = time.Hour
	b.State, b.RunAt = store.Scheduled, at(time.Hour)
	c.Priority = 9 // claimed first
	insert(t, s, a, b, c)
	revoked := storetest.Revoked(t, s)

	// Queued and Scheduled jobs are canceled at once.
	for _, id := range []string{"rv1", "rv2"} {
		res, err := s.Revoke(bg, id, "not wanted", at(time.Second))
		if err != nil || res.State != store.Canceled {
			t.Fatalf("Revoke(%s) = %+v, %v", id, res, err)
		}
	}
	j := get(t, s, "rv1")
	if j.State != store.Canceled || j.Revoke != "not wanted" || j.LastError != "not wanted" ||
		!j.FinishedAt.Equal(at(time.Second)) || !j.RetainUntil.Equal(at(time.Second+time.Hour)) {
		t.Fatalf("revoked queued job %+v", j)
	}
	if j := get(t, s, "rv2"); !j.RetainUntil.IsZero() {
		t.Fatalf("no Retention, yet RetainUntil %v", j.RetainUntil)
	}

	// A running job keeps its lease; its owner hears of it.
	got := claim(t, s, "w1", 1, at(time.Second))
	if !slices.Equal(ids(got), []string{"rv3"}) {
		t.Fatalf("claimed %v", ids(got))
	}
	res, err := s.Revoke(bg, "rv3", "stop it", at(2*time.Second))
	if err != nil || res.State != store.Running {
		t.Fatalf("Revoke(running) = %+v, %v", res, err)
	}
	if !recv(revoked) {
		t.Fatal("no Revoked signal")
	}
	if j := get(t, s, "rv3"); j.State != store.Running || j.LeaseOwner != "w1" || j.Revoke != "stop it" {
		t.Fatalf("revoked running job %+v", j)
	}
	reqs, err := s.RevokeRequests(bg, "w1")
	if err != nil || len(reqs) != 1 || reqs["rv3"] != "stop it" {
		t.Fatalf("RevokeRequests = %v, %v", reqs, err)
	}
	if reqs, err := s.RevokeRequests(bg, "w2"); err != nil || len(reqs) != 0 {
		t.Fatalf("RevokeRequests(w2) = %v, %v", reqs, err)
	}
	lost, err := s.Finish(bg, []store.Outcome{{ID: "rv3", Owner: "w1", State: store.Canceled, Error: "stop it", FinishedAt: at(3 * time.Second)}})
	if err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if j := get(t, s, "rv3"); j.State != store.Canceled || j.Revoke != "stop it" {
		t.Fatalf("canceled job %+v: want the revoke reason kept", j)
	}

	// Final and unknown jobs.
	if res, err := s.Revoke(bg, "rv3", "again", at(4*time.Second)); !errors.Is(err, store.ErrFinal) || res.State != store.Canceled {
		t.Fatalf("Revoke(final) = %+v, %v; want canceled, ErrFinal", res, err)
	}
	if _, err := s.Revoke(bg, "nope", "x", at(4*time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Revoke(unknown) = %v; want ErrNotFound", err)
	}
	// Retry clears the revoke so the job can run.
	if err := s.Retry(bg, "rv1", at(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if j := get(t, s, "rv1"); j.State != store.Queued || j.Revoke != "" {
		t.Fatalf("retried job %+v", j)
	}
}

func TestWake(t *testing.T) {
	s := openStore(t)
	a, b := newJob("wk1"), newJob("wk2")
	a.State, a.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, a, b)
	ready := storetest.Ready(t, s, []string{"default"})
	recv(ready) // the listener's first connection wakes every watcher
	if err := s.Wake(bg, []string{"wk1", "wk2", "nope"}, at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if !recv(ready) {
		t.Fatal("no Ready signal after Wake")
	}
	if j := get(t, s, "wk1"); j.State != store.Queued || !j.RunAt.Equal(at(time.Second)) {
		t.Fatalf("woken job %+v", j)
	}
	if j := get(t, s, "wk2"); !j.RunAt.Equal(T0) {
		t.Fatalf("a queued job was touched by Wake: %+v", j)
	}
	if got := claim(t, s, "w", 5, at(time.Second)); len(got) != 2 {
		t.Fatalf("claimed %v", ids(got))
	}
	if err := s.Wake(bg, nil, at(time.Second)); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverExpiresUnstartedJobs(t *testing.T) {
	s := openStore(t)
	a, b, c := newJob("ex1"), newJob("ex2"), newJob("ex3")
	a.ExpiresAt, a.Retention = at(time.Minute), time.Hour
	b.ExpiresAt, b.State, b.RunAt = at(time.Minute), store.Scheduled, at(2*time.Minute)
	c.ExpiresAt = at(3 * time.Hour)
	insert(t, s, a, b, c)
	if moved, err := s.Recover(bg, at(time.Minute)); err != nil || len(moved) != 0 {
		t.Fatalf("Recover at the deadline = %+v, %v; want 0", moved, err)
	}
	if moved, err := s.Recover(bg, at(time.Minute+time.Millisecond)); err != nil || len(moved) != 2 {
		t.Fatalf("Recover = %+v, %v; want 2", moved, err)
	}
	j := get(t, s, "ex1")
	if j.State != store.Expired || !j.FinishedAt.Equal(at(time.Minute+time.Millisecond)) || !strings.Contains(j.LastError, "expired") ||
		!j.RetainUntil.Equal(at(time.Hour+time.Minute+time.Millisecond)) || !j.ExpiresAt.Equal(at(time.Minute)) {
		t.Fatalf("expired job %+v", j)
	}
	if j := get(t, s, "ex2"); j.State != store.Expired || !j.RetainUntil.IsZero() {
		t.Fatalf("expired scheduled job %+v", j)
	}
	if j := get(t, s, "ex3"); j.State != store.Queued {
		t.Fatalf("ex3 %+v", j)
	}
	// A claimed job with a deadline is not expired by Recover.
	claim(t, s, "w", 1, at(time.Minute))
	if moved, err := s.Recover(bg, at(2*time.Hour)); err != nil || len(moved) != 1 {
		t.Fatalf("Recover = %+v, %v; want 1 (the lease)", moved, err)
	}
	if j := get(t, s, "ex3"); j.State != store.Queued || j.Attempt != 1 {
		t.Fatalf("recovered ex3 %+v", j)
	}
}

func TestRecoverDeadLetterKeepsRetention(t *testing.T) {
	s := openStore(t)
	j := newJob("rd1")
	j.MaxAttempts, j.Retention = 1, 24*time.Hour
	insert(t, s, j)
	claim(t, s, "w", 1, at(time.Second))
	if moved, err := s.Recover(bg, at(time.Hour)); err != nil || len(moved) != 1 {
		t.Fatal(moved, err)
	}
	d := get(t, s, "rd1")
	if d.State != store.Dead || !d.FinishedAt.Equal(at(time.Hour)) || !d.RetainUntil.Equal(at(25*time.Hour)) || d.Retention != 24*time.Hour {
		t.Fatalf("dead-lettered job %+v", d)
	}
}

func TestGiveBackDeferred(t *testing.T) {
	s := openStore(t)
	insert(t, s, newJob("gb1"))
	claim(t, s, "w", 1, at(time.Second))
	lost, err := s.Finish(bg, []store.Outcome{{ID: "gb1", Owner: "w", State: store.Queued, RunAt: at(time.Minute), FinishedAt: at(2 * time.Second)}})
	if err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	j := get(t, s, "gb1")
	if j.State != store.Scheduled || j.Attempt != 0 || !j.RunAt.Equal(at(time.Minute)) || len(j.Errors) != 0 || j.LeaseOwner != "" {
		t.Fatalf("deferred job %+v", j)
	}
	if got := claim(t, s, "w", 1, at(59*time.Second)); len(got) != 0 {
		t.Fatalf("claimed before RunAt: %v", ids(got))
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("claim at RunAt: %+v", got)
	}
	// Expired reported by the worker.
	lost, err = s.Finish(bg, []store.Outcome{{ID: "gb1", Owner: "w", State: store.Expired, Error: "too late", FinishedAt: at(time.Minute)}})
	if err != nil || len(lost) != 0 {
		t.Fatal(lost, err)
	}
	if j := get(t, s, "gb1"); j.State != store.Expired || j.LastError != "too late" {
		t.Fatalf("expired by the worker %+v", j)
	}
}

func TestFinishDuplicateOutcome(t *testing.T) {
	s := openStore(t)
	insert(t, s, newJob("fd1"))
	claim(t, s, "w", 1, at(time.Second))
	o := store.Outcome{ID: "fd1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)}
	lost, err := s.Finish(bg, []store.Outcome{o, o})
	if err != nil || !slices.Equal(lost, []string{"fd1"}) {
		t.Fatalf("lost %v, %v; want the second outcome lost", lost, err)
	}
	if _, err := s.Finish(bg, []store.Outcome{{ID: "fd1", Owner: "w", State: "bogus"}}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("Finish with a bad state: %v", err)
	}
}

func TestClaimPromotesDueScheduledJobsOnly(t *testing.T) {
	s := openStore(t)
	var batch []*store.Job
	for i := range 50 {
		j := newJob(fmt.Sprintf("sc%02d", i))
		j.State, j.RunAt = store.Scheduled, at(time.Duration(i)*time.Second)
		batch = append(batch, j)
	}
	insert(t, s, batch...)
	got := claim(t, s, "w", 100, at(9*time.Second+time.Millisecond))
	if len(got) != 10 || got[0].ID != "sc00" || got[9].ID != "sc09" {
		t.Fatalf("claimed %v; want sc00..sc09", ids(got))
	}
	if j := get(t, s, "sc10"); j.State != store.Scheduled {
		t.Fatalf("a job not due was promoted: %+v", j)
	}
}

func TestClaimSeveralQueuesSkipsPaused(t *testing.T) {
	s := openStore(t)
	var batch []*store.Job
	for i, q := range []string{"a", "b", "c", "a", "b", "c"} {
		j := newJob(fmt.Sprintf("mq%d", i))
		j.Queue, j.Priority = q, i
		batch = append(batch, j)
	}
	insert(t, s, batch...)
	if err := s.Pause(bg, "b"); err != nil {
		t.Fatal(err)
	}
	got := claim(t, s, "w", 3, at(time.Second), "a", "b", "c", "a")
	if !slices.Equal(ids(got), []string{"mq5", "mq3", "mq2"}) {
		t.Fatalf("claimed %v; want [mq5 mq3 mq2] (priority order, b paused)", ids(got))
	}
	if _, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"a", ""}, Limit: 1, Owner: "w", Now: T0}); err == nil {
		t.Fatal("an empty queue name was accepted")
	}
}

func TestLeases(t *testing.T) {
	s := openStore(t)
	l := store.Lease{Key: "lock:a", Owner: "w1", Data: []byte("d1"), Until: at(time.Minute)}
	h, ok, err := s.Acquire(bg, l, T0)
	if err != nil || !ok || h.Owner != "w1" || string(h.Data) != "d1" {
		t.Fatalf("Acquire = %+v, %v, %v", h, ok, err)
	}
	h, ok, err = s.Acquire(bg, store.Lease{Key: "lock:a", Owner: "w2", Until: at(2 * time.Minute)}, at(time.Second))
	if err != nil || ok || h.Owner != "w1" || !h.Until.Equal(at(time.Minute)) || string(h.Data) != "d1" {
		t.Fatalf("Acquire by another owner = %+v, %v, %v; want the holder w1", h, ok, err)
	}
	// Renewal replaces Until and Data.
	if h, ok, err = s.Acquire(bg, store.Lease{Key: "lock:a", Owner: "w1", Data: []byte("d2"), Until: at(3 * time.Minute)}, at(time.Second)); err != nil || !ok {
		t.Fatalf("renew: %+v, %v, %v", h, ok, err)
	}
	// Expired at now: free for anyone.
	if h, ok, err = s.Acquire(bg, store.Lease{Key: "lock:a", Owner: "w2", Until: at(time.Hour)}, at(3*time.Minute)); err != nil || !ok || h.Owner != "w2" {
		t.Fatalf("take over an expired lease: %+v, %v, %v", h, ok, err)
	}
	if ok, err := s.Release(bg, "lock:a", "w1"); err != nil || ok {
		t.Fatalf("Release by a non-holder = %v, %v", ok, err)
	}
	for _, k := range []string{"lock:b", "lock_x", "lock%y", "worker:1", "lock:c"} {
		if _, ok, err := s.Acquire(bg, store.Lease{Key: k, Owner: "o", Until: at(time.Hour)}, T0); err != nil || !ok {
			t.Fatal(k, ok, err)
		}
	}
	if _, ok, err := s.Acquire(bg, store.Lease{Key: "lock:old", Owner: "o", Until: at(time.Second)}, T0); err != nil || !ok {
		t.Fatal(ok, err)
	}
	ls, err := s.Leases(bg, "lock:", at(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range ls {
		keys = append(keys, l.Key)
	}
	if !slices.Equal(keys, []string{"lock:a", "lock:b", "lock:c"}) {
		t.Fatalf("Leases(lock:) = %v; want [lock:a lock:b lock:c] (no expired, no LIKE wildcards)", keys)
	}
	if ls, err := s.Leases(bg, "lock_", at(time.Minute)); err != nil || len(ls) != 1 || ls[0].Key != "lock_x" {
		t.Fatalf("Leases(lock_) = %+v, %v", ls, err)
	}
	if ok, err := s.Release(bg, "lock:a", ""); err != nil || !ok {
		t.Fatalf("Release by anyone = %v, %v", ok, err)
	}
	if ok, err := s.Release(bg, "lock:b", "o"); err != nil || !ok {
		t.Fatalf("Release by the holder = %v, %v", ok, err)
	}

	// Counters: a fixed window.
	for want := int64(1); want <= 3; want++ {
		if v, err := s.Count(bg, "rate:x", at(time.Minute), T0); err != nil || v != want {
			t.Fatalf("Count = %d, %v; want %d", v, err, want)
		}
	}
	if v, err := s.Count(bg, "rate:x", at(5*time.Minute), at(time.Minute)); err != nil || v != 1 {
		t.Fatalf("Count in the next window = %d, %v; want 1", v, err)
	}
	if v, err := s.Count(bg, "rate:x", at(9*time.Minute), at(2*time.Minute)); err != nil || v != 2 {
		t.Fatalf("Count = %d, %v; want 2 (the window keeps its expiry)", v, err)
	}
	// Leases and counters are separate namespaces.
	if ls, err := s.Leases(bg, "rate:", T0); err != nil || len(ls) != 0 {
		t.Fatalf("a counter shows as a lease: %+v, %v", ls, err)
	}

	// Prune drops what expired, leases and counters alike.
	if _, err := s.Prune(bg, at(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ls, err := s.Leases(bg, "", T0); err != nil || len(ls) != 4 {
		t.Fatalf("after Prune: %+v, %v; want the 4 live leases", ls, err)
	}
	if v, err := s.Count(bg, "rate:x", at(10*time.Minute), at(4*time.Minute)); err != nil || v != 3 {
		t.Fatalf("a live counter was pruned: %d, %v", v, err)
	}
	if _, err := s.Prune(bg, at(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Count(bg, "rate:x", at(time.Hour), at(20*time.Minute)); err != nil || v != 1 {
		t.Fatalf("Count after its window was pruned = %d, %v; want 1", v, err)
	}
}

// Many acquirers race for one key: exactly one wins each round.
func TestAcquireRace(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	for round := range 20 {
		key := fmt.Sprintf("lock:%d", round)
		var wins sync.Map
		var wg sync.WaitGroup
		for i := range 8 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				h, ok, err := s.Acquire(bg, store.Lease{Key: key, Owner: fmt.Sprint("o", i), Until: at(time.Hour)}, T0)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins.Store(i, h.Owner)
				} else if h.Owner == "" {
					t.Errorf("lost without a holder: %+v", h)
				}
			})
		}
		wg.Wait()
		n := 0
		wins.Range(func(any, any) bool { n++; return true })
		if n != 1 {
			t.Fatalf("round %d: %d winners", round, n)
		}
	}
}

func TestConcurrentClaimersAcrossStores(t *testing.T) {
	// Claimers on two stores (two pools, as two processes) never take
	// the same job and leave none behind.
	u := schemaURL(t)
	stores := []*postgres.Store{openAt(t, u), openAt(t, u)}
	var batch []*store.Job
	for i := range 200 {
		batch = append(batch, newJob(fmt.Sprintf("co%03d", i)))
	}
	insert(t, stores[0], batch...)
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for w := range 6 {
		s := stores[w%2]
		wg.Go(func() {
			for {
				got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 5, Owner: fmt.Sprint("w", w), Now: at(time.Second), LeaseUntil: at(time.Minute)})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				all = append(all, ids(got)...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Strings(all)
	if len(all) != 200 || len(slices.Compact(all)) != 200 {
		t.Fatalf("claimed %d jobs, %d distinct; want 200", len(all), len(slices.Compact(all)))
	}
}

// A claim that promotes more due jobs than it takes wakes the other
// workers of the queue; one that takes them all wakes nobody.
func TestPromotionWakesOthersOnlyForTheRest(t *testing.T) {
	u := schemaURL(t)
	a, b := openAt(t, u), openAt(t, u)
	ready := storetest.Ready(t, b, []string{"default"})
	waitListening(t, b, 1)
	drain(ready)
	var batch []*store.Job
	for i := range 10 {
		j := newJob(fmt.Sprintf("pw%02d", i))
		j.State, j.RunAt = store.Scheduled, at(time.Minute)
		batch = append(batch, j)
	}
	insert(t, a, batch...)
	if !recv(ready) {
		t.Fatal("no signal for the insert")
	}
	if got := claim(t, a, "w", 20, at(time.Minute)); len(got) != 10 {
		t.Fatalf("claimed %d", len(got))
	}
	if !silent(ready) {
		t.Fatal("a claim that took every promoted job woke other workers")
	}
	for i := range 10 {
		j := newJob(fmt.Sprintf("px%02d", i))
		j.State, j.RunAt = store.Scheduled, at(time.Minute)
		batch[i] = j
	}
	insert(t, a, batch...)
	if !recv(ready) {
		t.Fatal("no signal for the insert")
	}
	if got := claim(t, a, "w", 3, at(time.Minute)); len(got) != 3 {
		t.Fatalf("claimed %d", len(got))
	}
	if !recv(ready) {
		t.Fatal("jobs promoted beyond the claim's limit woke nobody")
	}
	if got := claim(t, b, "w2", 20, at(time.Minute)); len(got) != 7 {
		t.Fatalf("the other worker claimed %d, want the 7 left", len(got))
	}
}
