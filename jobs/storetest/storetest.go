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
