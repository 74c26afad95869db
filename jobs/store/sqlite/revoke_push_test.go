package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store/sqlite"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// TestRevokedPushedOncePerRequest: a Store's poller signals its Revoked
// watchers when another Store on the file requests a revoke, and not
// again for commits that add no revoke request, so workers do not read
// the requests at every commit of a busy file.
func TestRevokedPushedOncePerRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	open := func() *sqlite.Store {
		s, err := sqlite.Open(bg, path, sqlite.WithWatchInterval(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	admin, worker := open(), open()
	mustInsert(t, admin, job("p1"), job("p2"))
	if got, err := worker.Claim(bg, claimReq("w", 2, "default")); err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	rev := storetest.Revoked(t, worker)
	// The poller runs one pass per change; a Ready signal marks the start
	// of a pass, so after a few commits, each waited for, the passes that
	// saw the first are over.
	ready, stopReady := worker.Ready(nil)
	defer stopReady()
	passDone := func(id string) {
		t.Helper()
		select {
		case <-ready:
		default:
		}
		for range 3 {
			mustInsert(t, admin, job(id+time.Now().Format("150405.000000000")))
			select {
			case <-ready:
			case <-time.After(10 * time.Second):
				t.Fatal("the poller did not see a commit")
			}
		}
	}
	wantSignal := func(what string) {
		t.Helper()
		select {
		case <-rev:
		case <-time.After(10 * time.Second):
			t.Fatal("no Revoked signal for " + what)
		}
	}
	drain := func() {
		select {
		case <-rev:
		default:
		}
	}
	passDone("settle")
	drain()

	if _, err := admin.Revoke(bg, "p1", "stop", t0); err != nil {
		t.Fatal(err)
	}
	wantSignal("a revoke made through another Store")
	passDone("other")
	select {
	case <-rev:
		t.Fatal("Revoked signalled again for commits that requested no new revoke")
	default:
	}
	if _, err := admin.Revoke(bg, "p2", "stop too", t0); err != nil {
		t.Fatal(err)
	}
	wantSignal("a second revoke while the first is pending")
	if got, err := worker.RevokeRequests(bg, "w"); err != nil || len(got) != 2 {
		t.Fatalf("RevokeRequests = %v, %v; want p1 and p2", got, err)
	}
}
