// Package storetest is the conformance suite every [store.Store] runs
// unchanged. A store package proves itself with one test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := mystore.Open(...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Every subtest asks for a fresh, empty store. Times in the suite are
// whole milliseconds in UTC, so a store may keep times at millisecond
// precision. The suite uses real goroutines but no sleeps: time is the
// now argument the contract takes.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// NewStore returns a fresh, empty store for one subtest and arranges for
// it to be closed when the subtest ends.
type NewStore func(t *testing.T) store.Store

// T0 is the instant the suite's clocks start from.
var T0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Run runs every conformance test against stores made by newStore, one
// subtest after another, each on a store of its own; some subtests call
// the store from many goroutines at once.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"InsertGet", testInsertGet},
		{"InsertUnique", testInsertUnique},
		{"InsertDuplicateID", testInsertDuplicateID},
		{"InsertChecks", testInsertChecks},
		{"GetNotFound", testGetNotFound},
		{"ClaimLease", testClaimLease},
		{"ClaimOrder", testClaimOrder},
		{"ClaimQueues", testClaimQueues},
		{"ClaimLimit", testClaimLimit},
		{"ClaimDelay", testClaimDelay},
		{"ConcurrentClaimers", testConcurrentClaimers},
		{"ClaimNames", testClaimNames},
		{"ClaimNamesBehindMany", testClaimNamesBehindMany},
		{"ClaimNamesAny", testClaimNamesAny},
		{"ReadyNames", testReadyNames},
		{"ExtendLeases", testExtendLeases},
		{"FinishSucceeded", testFinishSucceeded},
		{"FinishRetry", testFinishRetry},
		{"FinishDead", testFinishDead},
		{"FinishCanceled", testFinishCanceled},
		{"FinishGiveBack", testFinishGiveBack},
		{"FinishLost", testFinishLost},
		{"FinishBatch", testFinishBatch},
		{"FinishPoisonText", testFinishPoisonText},
		{"FinishResultBytes", testFinishResultBytes},
		{"FinishRejected", testFinishRejected},
		{"RevokePoisonReason", testRevokePoisonReason},
		{"RecoverRequeues", testRecoverRequeues},
		{"RecoverDeadLetters", testRecoverDeadLetters},
		{"RecoverKeepsLiveLeases", testRecoverKeepsLiveLeases},
		{"LateOutcomeAfterRecover", testLateOutcomeAfterRecover},
		{"UniqueReleasedWhenFinal", testUniqueReleasedWhenFinal},
		{"UniqueUntil", testUniqueUntil},
		{"UniqueYieldedHolderFinishes", testUniqueYieldedHolderFinishes},
		{"UniqueConcurrent", testUniqueConcurrent},
		{"UniqueAndIDInOneBatch", testUniqueAndIDInOneBatch},
		{"Prune", testPrune},
		{"PauseResume", testPauseResume},
		{"Queues", testQueues},
		{"ListPaged", testListPaged},
		{"ListFilters", testListFilters},
		{"ListDescending", testListDescending},
		{"Retry", testRetry},
		{"Delete", testDelete},
		{"Purge", testPurge},
		{"Stats", testStats},
		{"ReadySignal", testReadySignal},
		{"FinishedSignal", testFinishedSignal},
		{"FinishedAmong", testFinishedAmong},
		{"FinishedAmongMany", testFinishedAmongMany},
		{"WatchFinishes", testWatchFinishes},
		{"CanceledContext", testCanceledContext},
		{"Closed", testClosed},
		{"CloseWakesWatchers", testCloseWakesWatchers},
		{"FinalNotifier", testFinalNotifier},

		{"InsertGetExtended", testInsertGetExtended},
		{"RecoverExpires", testRecoverExpires},
		{"RecoverReportsMoves", testRecoverReportsMoves},
		{"RecoverDeadRetention", testRecoverDeadRetention},
		{"FinishExpired", testFinishExpired},
		{"GiveBackDeferred", testGiveBackDeferred},
		{"Wake", testWake},
		{"RevokeWaiting", testRevokeWaiting},
		{"RevokeRunning", testRevokeRunning},
		{"RevokeRequestsAfterRecover", testRevokeRequestsAfterRecover},
		{"RevokeFinal", testRevokeFinal},
		{"RevokeUnknown", testRevokeUnknown},
		{"RevokeEmptyReason", testRevokeEmptyReason},
		{"RevokedSignal", testRevokedSignal},
		{"RetryAfterRevokeOrExpiry", testRetryAfterRevokeOrExpiry},
		{"Restore", testRestore},
		{"RestoreRefuses", testRestoreRefuses},
		{"RestoreUniqueHeld", testRestoreUniqueHeld},
		{"RestoreConcurrent", testRestoreConcurrent},
		{"Acquire", testAcquire},
		{"AcquireConcurrent", testAcquireConcurrent},
		{"Release", testRelease},
		{"Leases", testLeases},
		{"Count", testCount},
		{"CountConcurrent", testCountConcurrent},
		{"PruneLeases", testPruneLeases},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

var bg = context.Background()

// at returns T0 plus d.
func at(d time.Duration) time.Time { return T0.Add(d) }

// newJob returns a queued job in queue "default" enqueued and ready at T0.
func newJob(id string) *store.Job {
	return &store.Job{
		ID: id, Name: "task", Queue: "default", Args: []byte(`{"n":1}`),
		State: store.Queued, MaxAttempts: 3, RunAt: T0, EnqueuedAt: T0,
	}
}

func insert(t *testing.T, s store.Store, jobs ...*store.Job) {
	t.Helper()
	dups, err := s.Insert(bg, jobs)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	if len(dups) != 0 {
		t.Fatalf("Insert: unexpected dups %v", dups)
	}
}

// recoverCount runs Recover and reports how many jobs it moved.
func recoverCount(s store.Store, now time.Time) (int, error) {
	moved, err := s.Recover(bg, now)
	return len(moved), err
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

func get(t *testing.T, s store.Store, id string) *store.Job {
	t.Helper()
	j, err := s.Get(bg, id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return j
}

func ids(jobs []*store.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

func finish(t *testing.T, s store.Store, outcomes ...store.Outcome) {
	t.Helper()
	lost, err := s.Finish(bg, outcomes)
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if len(lost) != 0 {
		t.Fatalf("Finish: unexpected lost %v", lost)
	}
}

func wantState(t *testing.T, s store.Store, id string, want store.State) *store.Job {
	t.Helper()
	j := get(t, s, id)
	if j.State != want {
		t.Fatalf("job %s: state %q, want %q", id, j.State, want)
	}
	return j
}

func sameTime(a, b time.Time) bool { return a.Equal(b) }

func testInsertGet(t *testing.T, s store.Store) {
	j := newJob("a1")
	j.Priority = 7
	j.MaxAttempts = 5
	j.Meta = []byte(`{"k":"v"}`)
	j.Queue = "emails"
	j.Name = "send"
	insert(t, s, j)
	j.Args[0] = 'X' // the store must have copied
	got := get(t, s, "a1")
	if got.Name != "send" || got.Queue != "emails" || got.Priority != 7 || got.MaxAttempts != 5 ||
		string(got.Args) != `{"n":1}` || string(got.Meta) != `{"k":"v"}` || got.State != store.Queued ||
		got.Attempt != 0 || !sameTime(got.RunAt, T0) || !sameTime(got.EnqueuedAt, T0) {
		t.Fatalf("Get returned %+v", got)
	}
	got.Args[0] = 'Y' // and return copies
	if again := get(t, s, "a1"); string(again.Args) != `{"n":1}` {
		t.Fatalf("Get returned the store's own slice: now %q", again.Args)
	}
}

func testInsertUnique(t *testing.T, s store.Store) {
	a, b, c := newJob("u1"), newJob("u2"), newJob("u3")
	a.UniqueKey, b.UniqueKey = "k", "k"
	dups, err := s.Insert(bg, []*store.Job{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dups, []store.Dup{{ID: "u2", Existing: "u1"}}) {
		t.Fatalf("dups = %v, want [{u2 u1}]: u2's key is held by u1, earlier in the batch", dups)
	}
	get(t, s, "u1")
	get(t, s, "u3")
	if _, err := s.Get(bg, "u2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(u2) = %v, want ErrNotFound", err)
	}
	d := newJob("u4")
	d.UniqueKey = "k"
	dups, err = s.Insert(bg, []*store.Job{d})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "u4", Existing: "u1"}}) {
		t.Fatalf("second insert: dups %v err %v, want [{u4 u1}]", dups, err)
	}
}

func testInsertDuplicateID(t *testing.T, s store.Store) {
	first := newJob("d1")
	first.Args = []byte(`"first"`)
	insert(t, s, first)
	again := newJob("d1")
	again.Args = []byte(`"second"`)
	dups, err := s.Insert(bg, []*store.Job{newJob("d2"), again, newJob("d3")})
	if err != nil {
		t.Fatalf("Insert of a batch holding an existing ID: %v; want the ID in dups", err)
	}
	if !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}}) {
		t.Fatalf("dups = %v, want [{d1 d1}]", dups)
	}
	if j := get(t, s, "d1"); string(j.Args) != `"first"` {
		t.Fatalf("the existing job was changed: Args %s", j.Args)
	}
	wantState(t, s, "d2", store.Queued)
	wantState(t, s, "d3", store.Queued)
	// Final jobs keep their ID: inserting it again runs nothing.
	claim(t, s, "w", 1, at(time.Second)) // d1
	finish(t, s, store.Outcome{ID: "d1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)})
	dups, err = s.Insert(bg, []*store.Job{newJob("d1")})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "d1", Existing: "d1"}}) {
		t.Fatalf("re-insert of a finished ID: dups %v err %v; want [{d1 d1}]", dups, err)
	}
	wantState(t, s, "d1", store.Succeeded)
	// The same ID twice in one batch is inserted once.
	dups, err = s.Insert(bg, []*store.Job{newJob("d4"), newJob("d4")})
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "d4", Existing: "d4"}}) {
		t.Fatalf("one ID twice in a batch: dups %v err %v; want [{d4 d4}]", dups, err)
	}
	if got := claim(t, s, "w", 10, at(3*time.Second)); !slices.Equal(ids(got), []string{"d2", "d3", "d4"}) {
		t.Fatalf("claimed %v, want [d2 d3 d4]: each inserted job once", ids(got))
	}
}

func testGetNotFound(t *testing.T, s store.Store) {
	if _, err := s.Get(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
}

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

func testFinishSucceeded(t *testing.T, s store.Store) {
	insert(t, s, newJob("f1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "f1", Owner: "w", State: store.Succeeded, Result: []byte(`42`), FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)})
	j := wantState(t, s, "f1", store.Succeeded)
	if string(j.Result) != "42" || !sameTime(j.FinishedAt, at(2*time.Second)) || !sameTime(j.RetainUntil, at(time.Hour)) || j.LeaseOwner != "" || j.Attempt != 1 {
		t.Fatalf("finished job %+v", j)
	}
	if got := claim(t, s, "w", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a succeeded job was claimed: %v", ids(got))
	}
}

func testFinishRetry(t *testing.T, s store.Store) {
	insert(t, s, newJob("r1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "r1", Owner: "w", State: store.Scheduled, Error: "boom 1", RunAt: at(time.Minute), FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "r1", store.Scheduled)
	if j.LastError != "boom 1" || len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || j.Errors[0].Error != "boom 1" || !sameTime(j.RunAt, at(time.Minute)) {
		t.Fatalf("job after a retry outcome %+v", j)
	}
	if got := claim(t, s, "w", 1, at(59*time.Second)); len(got) != 0 {
		t.Fatalf("claimed during the backoff: %v", ids(got))
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].Attempt != 2 {
		t.Fatalf("retry claim %+v", got)
	}
	finish(t, s, store.Outcome{ID: "r1", Owner: "w", State: store.Scheduled, Error: "boom 2", RunAt: at(2 * time.Minute), FinishedAt: at(61 * time.Second)})
	j = get(t, s, "r1")
	if len(j.Errors) != 2 || j.Errors[1].Attempt != 2 || j.Errors[1].Error != "boom 2" || j.LastError != "boom 2" {
		t.Fatalf("error history %+v", j.Errors)
	}
}

func testFinishDead(t *testing.T, s store.Store) {
	insert(t, s, newJob("x1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "x1", Owner: "w", State: store.Dead, Error: "fatal", FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "x1", store.Dead)
	if j.LastError != "fatal" || len(j.Errors) != 1 || !sameTime(j.FinishedAt, at(2*time.Second)) {
		t.Fatalf("dead job %+v", j)
	}
	if got := claim(t, s, "w", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a dead job was claimed: %v", ids(got))
	}
}

func testFinishCanceled(t *testing.T, s store.Store) {
	insert(t, s, newJob("k1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "k1", Owner: "w", State: store.Canceled, Error: "revoked", FinishedAt: at(2 * time.Second)})
	wantState(t, s, "k1", store.Canceled)
}

func testFinishGiveBack(t *testing.T, s store.Store) {
	insert(t, s, newJob("g1"))
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "g1", Owner: "w", State: store.Queued, FinishedAt: at(2 * time.Second)})
	j := wantState(t, s, "g1", store.Queued)
	if j.Attempt != 0 || len(j.Errors) != 0 || j.LeaseOwner != "" {
		t.Fatalf("given-back job %+v: want Attempt 0, no errors, no lease", j)
	}
	got := claim(t, s, "w2", 1, at(3*time.Second))
	if len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("reclaim after give-back: %+v", got)
	}
}

func testFinishLost(t *testing.T, s store.Store) {
	insert(t, s, newJob("L1"), newJob("L2"))
	claim(t, s, "w1", 1, at(time.Second)) // L1
	lost, err := s.Finish(bg, []store.Outcome{
		{ID: "L1", Owner: "w2", State: store.Succeeded, FinishedAt: at(2 * time.Second)},
		{ID: "L2", Owner: "w1", State: store.Succeeded, FinishedAt: at(2 * time.Second)}, // never claimed
		{ID: "nope", Owner: "w1", State: store.Succeeded, FinishedAt: at(2 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lost)
	if !slices.Equal(lost, []string{"L1", "L2", "nope"}) {
		t.Fatalf("lost = %v, want [L1 L2 nope]", lost)
	}
	wantState(t, s, "L1", store.Running)
	wantState(t, s, "L2", store.Queued)
}

func testFinishBatch(t *testing.T, s store.Store) {
	var batch []*store.Job
	for i := range 50 {
		batch = append(batch, newJob(fmt.Sprintf("b%02d", i)))
	}
	insert(t, s, batch...)
	got := claim(t, s, "w", 50, at(time.Second))
	outs := make([]store.Outcome, len(got))
	for i, j := range got {
		outs[i] = store.Outcome{ID: j.ID, Owner: "w", State: store.Succeeded, Result: []byte(fmt.Sprint(i)), FinishedAt: at(2 * time.Second)}
	}
	finish(t, s, outs...)
	for i, j := range got {
		if f := wantState(t, s, j.ID, store.Succeeded); string(f.Result) != fmt.Sprint(i) {
			t.Fatalf("job %s result %q, want %d", j.ID, f.Result, i)
		}
	}
}

func testRecoverRequeues(t *testing.T, s store.Store) {
	insert(t, s, newJob("v1"))
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w1", Now: at(time.Second), LeaseUntil: at(10 * time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if n, err := recoverCount(s, at(10*time.Second)); err != nil || n != 0 {
		t.Fatalf("Recover at the lease's end = %d, %v; want 0 (only leases that expired before now)", n, err)
	}
	n, err := recoverCount(s, at(11*time.Second))
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	j := wantState(t, s, "v1", store.Queued)
	if j.LeaseOwner != "" || j.Attempt != 1 || len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || j.LastError == "" {
		t.Fatalf("recovered job %+v: want Attempt 1 kept, one error recorded", j)
	}
	got = claim(t, s, "w2", 1, at(12*time.Second))
	if len(got) != 1 || got[0].Attempt != 2 || got[0].LeaseOwner != "w2" {
		t.Fatalf("reclaim after recover: %+v", got)
	}
}

func testRecoverDeadLetters(t *testing.T, s store.Store) {
	j := newJob("v2")
	j.MaxAttempts = 1
	insert(t, s, j)
	claim(t, s, "w1", 1, at(time.Second)) // lease until 31s
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	d := wantState(t, s, "v2", store.Dead)
	if d.LastError == "" || len(d.Errors) != 1 {
		t.Fatalf("dead-lettered job %+v: want the lease expiry as its error", d)
	}
	if got := claim(t, s, "w2", 1, at(time.Hour)); len(got) != 0 {
		t.Fatalf("a dead-lettered job was claimed: %v", ids(got))
	}
}

func testRecoverKeepsLiveLeases(t *testing.T, s store.Store) {
	insert(t, s, newJob("v3"), newJob("v4"))
	claim(t, s, "w1", 2, at(time.Second))
	if _, err := s.ExtendLeases(bg, "w1", []string{"v4"}, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := recoverCount(s, at(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	wantState(t, s, "v3", store.Queued)
	wantState(t, s, "v4", store.Running)
}

func testLateOutcomeAfterRecover(t *testing.T, s store.Store) {
	insert(t, s, newJob("z1"))
	claim(t, s, "w1", 1, at(time.Second))
	if _, err := recoverCount(s, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w2", 1, at(time.Minute))
	lost, err := s.Finish(bg, []store.Outcome{{ID: "z1", Owner: "w1", State: store.Succeeded, FinishedAt: at(time.Minute)}})
	if err != nil || !slices.Equal(lost, []string{"z1"}) {
		t.Fatalf("late outcome of the old owner: lost %v err %v; want [z1]", lost, err)
	}
	lost, err = s.ExtendLeases(bg, "w1", []string{"z1"}, at(time.Hour))
	if err != nil || !slices.Equal(lost, []string{"z1"}) {
		t.Fatalf("old owner extending: lost %v err %v; want [z1]", lost, err)
	}
	finish(t, s, store.Outcome{ID: "z1", Owner: "w2", State: store.Succeeded, FinishedAt: at(time.Minute)})
}

func testUniqueReleasedWhenFinal(t *testing.T, s store.Store) {
	a := newJob("n1")
	a.UniqueKey = "once"
	insert(t, s, a)
	claim(t, s, "w", 1, at(time.Second))
	b := newJob("n2")
	b.UniqueKey = "once"
	if dups, err := s.Insert(bg, []*store.Job{b}); err != nil || !slices.Equal(dups, []store.Dup{{ID: "n2", Existing: "n1"}}) {
		t.Fatalf("insert while running: dups %v err %v; want [{n2 n1}]", dups, err)
	}
	finish(t, s, store.Outcome{ID: "n1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)})
	c := newJob("n3")
	c.UniqueKey = "once"
	insert(t, s, c)
}

func testPrune(t *testing.T, s store.Store) {
	insert(t, s, newJob("p1"), newJob("p2"), newJob("p3"), newJob("p4"))
	claim(t, s, "w", 3, at(time.Second)) // p1, p2, p3
	finish(t, s,
		store.Outcome{ID: "p1", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second), RetainUntil: at(time.Hour)},
		store.Outcome{ID: "p2", Owner: "w", State: store.Dead, Error: "x", FinishedAt: at(2 * time.Second), RetainUntil: at(2 * time.Hour)},
		store.Outcome{ID: "p3", Owner: "w", State: store.Succeeded, FinishedAt: at(2 * time.Second)}, // kept forever
	)
	if n, err := s.Prune(bg, at(time.Hour)); err != nil || n != 0 {
		t.Fatalf("Prune at RetainUntil = %d, %v; want 0", n, err)
	}
	if n, err := s.Prune(bg, at(time.Hour+time.Millisecond)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(bg, "p1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("pruned job still there: %v", err)
	}
	if n, err := s.Prune(bg, at(1000*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second Prune = %d, %v; want 1", n, err)
	}
	get(t, s, "p3")
	wantState(t, s, "p4", store.Queued)
}

func testPauseResume(t *testing.T, s store.Store) {
	if err := s.Pause(bg, "default"); err != nil {
		t.Fatal(err)
	}
	insert(t, s, newJob("pr1"))
	if got := claim(t, s, "w", 1, at(time.Second)); len(got) != 0 {
		t.Fatalf("claimed %v from a paused queue", ids(got))
	}
	qs, err := s.Queues(bg)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(qs, func(q store.QueueInfo) bool { return q.Name == "default" }); i < 0 || !qs[i].Paused {
		t.Fatalf("Queues = %+v; want default paused", qs)
	}
	if err := s.Resume(bg, "default"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, "w", 1, at(time.Second)); len(got) != 1 {
		t.Fatalf("claimed %v after resume; want 1", ids(got))
	}
}

func testQueues(t *testing.T, s store.Store) {
	a, b, c := newJob("qa1"), newJob("qa2"), newJob("qb1")
	c.Queue = "b"
	b.State, b.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second), "b")
	qs, err := s.Queues(bg)
	if err != nil {
		t.Fatal(err)
	}
	byName := make(map[string]store.QueueInfo)
	for _, q := range qs {
		byName[q.Name] = q
	}
	if d := byName["default"]; d.Counts[store.Queued] != 1 || d.Counts[store.Scheduled] != 1 || d.Paused {
		t.Fatalf("default queue %+v", d)
	}
	if q := byName["b"]; q.Counts[store.Running] != 1 {
		t.Fatalf("queue b %+v", q)
	}
}

func testListPaged(t *testing.T, s store.Store) {
	var all []string
	for i := range 25 {
		id := fmt.Sprintf("lp%02d", i)
		all = append(all, id)
		insert(t, s, newJob(id))
	}
	var got []string
	after := ""
	for range 10 {
		page, err := s.List(bg, store.ListRequest{State: store.Queued, Limit: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, ids(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, all) {
		t.Fatalf("paged listing %v, want %v", got, all)
	}
}

func testListFilters(t *testing.T, s store.Store) {
	a, b, c := newJob("lf1"), newJob("lf2"), newJob("lf3")
	b.Queue = "other"
	c.Name = "else"
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second)) // lf1 is running
	check := func(req store.ListRequest, want ...string) {
		t.Helper()
		got, err := s.List(bg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Fatalf("List(%+v) = %v, want %v", req, ids(got), want)
		}
	}
	check(store.ListRequest{}, "lf1", "lf2", "lf3")
	check(store.ListRequest{State: store.Running}, "lf1")
	check(store.ListRequest{Queue: "other"}, "lf2")
	check(store.ListRequest{Name: "else"}, "lf3")
	check(store.ListRequest{Queue: "default", State: store.Queued}, "lf3")
}

func testRetry(t *testing.T, s store.Store) {
	j := newJob("rt1")
	j.MaxAttempts = 1
	insert(t, s, j)
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "rt1", Owner: "w", State: store.Dead, Error: "bad", FinishedAt: at(2 * time.Second)})
	if err := s.Retry(bg, "rt1", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	r := wantState(t, s, "rt1", store.Queued)
	if r.Attempt != 0 || len(r.Errors) != 1 {
		t.Fatalf("retried job %+v: want a fresh attempt budget and the error history kept", r)
	}
	got := claim(t, s, "w", 1, at(time.Minute))
	if len(got) != 1 || got[0].Attempt != 1 {
		t.Fatalf("claim after retry %+v", got)
	}
	if err := s.Retry(bg, "rt1", at(time.Minute)); !errors.Is(err, store.ErrRunning) {
		t.Fatalf("Retry of a running job = %v, want ErrRunning", err)
	}
	if err := s.Retry(bg, "nope", at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry(nope) = %v, want ErrNotFound", err)
	}
	// Retry is for finished jobs: a waiting one is refused and left as it
	// was, naming its state (run-now is store.Wake's business).
	waiting := newJob("rt2")
	waiting.State, waiting.RunAt = store.Scheduled, at(time.Hour)
	insert(t, s, waiting, newJob("rt3"))
	for id, st := range map[string]store.State{"rt2": store.Scheduled, "rt3": store.Queued} {
		err := s.Retry(bg, id, at(time.Minute))
		if !errors.Is(err, store.ErrNotFinal) || !strings.Contains(err.Error(), string(st)) {
			t.Fatalf("Retry of a %s job = %v, want ErrNotFinal naming the state", st, err)
		}
		wantState(t, s, id, st)
	}
}

func testDelete(t *testing.T, s store.Store) {
	insert(t, s, newJob("dl1"), newJob("dl2"))
	claim(t, s, "w", 1, at(time.Second)) // dl1
	if err := s.Delete(bg, "dl1"); !errors.Is(err, store.ErrRunning) {
		t.Fatalf("Delete running = %v, want ErrRunning", err)
	}
	if err := s.Delete(bg, "dl2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(bg, "dl2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted job: %v", err)
	}
	if err := s.Delete(bg, "dl2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delete twice = %v, want ErrNotFound", err)
	}
	if got := claim(t, s, "w", 5, at(time.Second)); len(got) != 0 {
		t.Fatalf("a deleted job was claimed: %v", ids(got))
	}
}

func testPurge(t *testing.T, s store.Store) {
	a, b, c, d := newJob("pu1"), newJob("pu2"), newJob("pu3"), newJob("pu4")
	d.Queue = "other"
	insert(t, s, a, b, c, d)
	claim(t, s, "w", 1, at(time.Second)) // pu1
	n, err := s.Purge(bg, "default", store.Queued)
	if err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v; want 2", n, err)
	}
	wantState(t, s, "pu1", store.Running)
	wantState(t, s, "pu4", store.Queued)
	if n, err := s.Purge(bg, "", store.Queued); err != nil || n != 1 {
		t.Fatalf("Purge of all queues = %d, %v; want 1", n, err)
	}
	if n, err := s.Purge(bg, "", store.Running); err != nil || n != 0 {
		t.Fatalf("Purge of running jobs = %d, %v; want 0 (running jobs are never purged)", n, err)
	}
}

func testStats(t *testing.T, s store.Store) {
	a, b, c := newJob("st1"), newJob("st2"), newJob("st3")
	b.EnqueuedAt = at(-time.Minute)
	c.Queue = "other"
	insert(t, s, a, b, c)
	claim(t, s, "w", 1, at(time.Second), "other")
	st, err := s.Stats(bg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[store.Queued] != 2 || st.Counts[store.Running] != 1 || st.Queues != 2 || !sameTime(st.Oldest, at(-time.Minute)) {
		t.Fatalf("Stats = %+v", st)
	}
}

// recv reports whether ch delivers within a short real wait: signals are
// sent synchronously by the operation that causes them, so a store that
// pushes has done so by the time the call returns.
func recv(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

func testReadySignal(t *testing.T, s store.Store) {
	ch, stop := s.Ready([]string{"default"})
	defer stop()
	if ch == nil {
		t.Skip("store cannot push: workers poll")
	}
	gone, stopGone := s.Ready([]string{"default"})
	stopGone()
	stopGone() // idempotent
	insert(t, s, newJob("rs1"))
	if !recv(ch) {
		t.Fatal("no ready signal after Insert")
	}
	select { // every watcher is signalled in one pass, so gone would have its value by now
	case <-gone:
		t.Fatal("a stopped Ready watch was signalled")
	default:
	}
	claim(t, s, "w", 1, at(time.Second))
	finish(t, s, store.Outcome{ID: "rs1", Owner: "w", State: store.Scheduled, Error: "again", RunAt: at(time.Second), FinishedAt: at(time.Second)})
	if !recv(ch) {
		t.Fatal("no ready signal after a retry outcome")
	}
}

func testFinishedSignal(t *testing.T, s store.Store) {
	insert(t, s, newJob("fs1"), newJob("fs2"))
	ch, stop := s.Finished("fs1")
	if ch == nil {
		t.Skip("store cannot push: handles poll")
	}
	defer stop()
	ch2, stop2 := s.Finished("fs2")
	stop2() // a stopped watch must not break the store
	stop2()
	_ = ch2
	claim(t, s, "w", 2, at(time.Second))
	select {
	case <-ch:
		// Allowed ("may have reached"), but the job must not be final yet.
		wantState(t, s, "fs1", store.Running)
	default:
	}
	finish(t, s,
		store.Outcome{ID: "fs1", Owner: "w", State: store.Succeeded, Result: []byte(`1`), FinishedAt: at(2 * time.Second)},
		store.Outcome{ID: "fs2", Owner: "w", State: store.Succeeded, Result: []byte(`2`), FinishedAt: at(2 * time.Second)},
	)
	if !recv(ch) {
		t.Fatal("Finished channel not closed after the job succeeded")
	}
}

func testCanceledContext(t *testing.T, s store.Store) {
	cause := errors.New("test stopped")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(cause)
	if _, err := s.Insert(ctx, []*store.Job{newJob("cx1")}); err == nil {
		t.Fatal("Insert with a canceled context succeeded")
	}
	if _, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w", Now: T0, LeaseUntil: T0}); err == nil {
		t.Fatal("Claim with a canceled context succeeded")
	}
	if _, err := s.Get(ctx, "cx1"); err == nil {
		t.Fatal("Get with a canceled context succeeded")
	}
}
