package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// TestUpgradeFromSchema1 opens a database written by a build that knew
// only migration 1: its jobs read as not expiring, kept, not revoked, and
// the new features work on them.
func TestUpgradeFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	v1, err := os.ReadFile("migrations/0001_jobs.sql")
	if err != nil {
		t.Fatal(err)
	}
	rawExec(t, path,
		"PRAGMA journal_mode = WAL",
		string(v1),
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')`,
		`INSERT INTO schema_migrations (version, name) VALUES (1, 'jobs')`,
		"PRAGMA application_id = 1397771844",
		`INSERT INTO jobs (id, name, queue, state, max_attempts) VALUES ('old1', 'task', 'default', 'queued', 3), ('old2', 'task', 'default', 'queued', 3)`,
	)
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	j, err := s.Get(bg, "old1")
	if err != nil {
		t.Fatal(err)
	}
	if !j.ExpiresAt.IsZero() || j.Retention != 0 || j.Revoke != "" {
		t.Fatalf("old job after the upgrade: ExpiresAt %v Retention %v Revoke %q; want zero values", j.ExpiresAt, j.Retention, j.Revoke)
	}
	if res, err := s.Revoke(bg, "old1", "cleanup", t0); err != nil || res.State != store.Canceled {
		t.Fatalf("Revoke of an old job = %+v, %v", res, err)
	}
	if moved, err := s.Recover(bg, t0.Add(time.Hour)); err != nil || len(moved) != 0 {
		t.Fatalf("Recover = %+v, %v; old jobs have no deadline", moved, err)
	}
	if _, ok, err := s.Acquire(bg, store.Lease{Key: "lock:a", Owner: "o", Until: t0.Add(time.Second)}, t0); err != nil || !ok {
		t.Fatalf("Acquire after the upgrade = %v, %v", ok, err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("SELECT max(version) FROM schema_migrations").Scan(&v); err != nil || v != 3 {
		t.Fatalf("schema version %d, %v; want 3", v, err)
	}
}

// TestInsertExistingIDsInBulk puts existing and repeated IDs into a
// batch spanning several multi-row statements: the batch is redone row by
// row and exactly those IDs come back as duplicates.
func TestInsertExistingIDsInBulk(t *testing.T) {
	s := openTemp(t)
	mustInsert(t, s, job("b005"), job("b037"))
	var batch []*store.Job
	for i := range 40 {
		batch = append(batch, job(fmt.Sprintf("b%03d", i)))
	}
	batch = append(batch, job("b010"))
	keyed := job("k1")
	keyed.UniqueKey = "key"
	batch = append(batch, keyed)
	d, err := s.Insert(bg, batch)
	if err != nil {
		t.Fatal(err)
	}
	dups := store.DupIDs(d)
	slices.Sort(dups)
	if want := []string{"b005", "b010", "b037"}; !slices.Equal(dups, want) {
		t.Fatalf("dups = %v, want %v", dups, want)
	}
	st, err := s.Stats(bg)
	if err != nil || st.Counts[store.Queued] != 41 {
		t.Fatalf("Stats = %+v, %v; want 41 queued (40 distinct IDs and k1)", st, err)
	}
}

// TestLeasesAndRevokesAcrossStores shares one file between two Stores, as
// two processes would: one of them wins a contended lease, and a revoke
// made through one is found by RevokeRequests through the other, whose
// Revoked watchers are signalled by its data_version poller.
func TestLeasesAndRevokesAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	stores := make([]*sqlite.Store, 2)
	for i := range stores {
		s, err := sqlite.Open(bg, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	a, b := stores[0], stores[1]
	const n = 8
	var wg sync.WaitGroup
	oks := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, oks[i], errs[i] = stores[i%2].Acquire(bg, store.Lease{Key: "lock:x", Owner: fmt.Sprint("o", i), Until: t0.Add(time.Minute)}, t0)
		})
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if oks[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d Acquires across two Stores won; want exactly 1", won, n)
	}

	mustInsert(t, a, job("r1"))
	if got, err := b.Claim(bg, claimReq("w", 1, "default")); err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	revA, revB := storetest.Revoked(t, a), storetest.Revoked(t, b)
	if res, err := a.Revoke(bg, "r1", "stop", t0); err != nil || res.State != store.Running {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	select {
	case <-revA:
	default:
		t.Fatal("the revoking Store did not signal Revoked")
	}
	select {
	case <-revB:
	case <-time.After(10 * time.Second):
		t.Fatal("the other Store did not signal Revoked: a worker there would wait for its heartbeat")
	}
	if got, err := b.RevokeRequests(bg, "w"); err != nil || got["r1"] != "stop" || len(got) != 1 {
		t.Fatalf("RevokeRequests through the other Store = %v, %v; want r1: stop", got, err)
	}
}

// TestRevokedClosedOnClose: Close wakes Revoked watchers, as it does
// Ready ones, and a later Revoked returns a closed channel.
func TestRevokedClosedOnClose(t *testing.T) {
	s := openTemp(t)
	ch := storetest.Revoked(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("Revoked channel received a value instead of being closed")
	}
	<-storetest.Revoked(t, s)
}

// TestInsertMixedShapes inserts, in one batch spanning several
// statements, fresh jobs with and without ExpiresAt or Retention (which
// take different statements) and reads every field back.
func TestInsertMixedShapes(t *testing.T) {
	s := openTemp(t)
	var batch []*store.Job
	for i := range 30 {
		j := job(fmt.Sprintf("x%02d", i))
		switch i % 3 {
		case 1:
			j.Retention = time.Duration(i) * time.Hour
		case 2:
			j.ExpiresAt = t0.Add(time.Duration(i) * time.Minute)
		}
		batch = append(batch, j)
	}
	mustInsert(t, s, batch...)
	for _, want := range batch {
		if got := mustGet(t, s, want.ID); got.Retention != want.Retention || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Name != want.Name {
			t.Fatalf("job %s read back with Retention %v ExpiresAt %v; want %v, %v", want.ID, got.Retention, got.ExpiresAt, want.Retention, want.ExpiresAt)
		}
	}
}
