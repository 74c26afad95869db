package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
	"github.com/spindlehq/spindle/jobs/storetest"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func claimReq(owner string, limit int, queues ...string) store.ClaimRequest {
	return store.ClaimRequest{Queues: queues, Limit: limit, Owner: owner, Now: t0.Add(time.Second), LeaseUntil: t0.Add(time.Minute)}
}

func mustInsert(t *testing.T, s store.Store, jobs ...*store.Job) {
	t.Helper()
	if dups, err := s.Insert(bg, jobs); err != nil || len(dups) > 0 {
		t.Fatalf("Insert: dups %v, err %v", dups, err)
	}
}

func TestClosedStore(t *testing.T) {
	s := openTemp(t)
	mustInsert(t, s, job("c1"))
	ready := storetest.Ready(t, s, []string{"default"})
	fin, stop := s.Finished("c1")
	defer stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fin:
	default:
		t.Error("Close did not wake a Finished watcher")
	}
	select {
	case <-ready: // a signal may be buffered (the watcher's first check)
	default:
	}
	select {
	case _, ok := <-ready:
		if ok {
			t.Error("Ready delivered a value instead of being closed by Close")
		}
	default:
		t.Error("Close did not close a Ready channel")
	}
	if ch := storetest.Ready(t, s, nil); ch == nil {
		t.Error("Ready after Close returned nil (nil means 'cannot push')")
	} else if _, ok := <-ch; ok {
		t.Error("Ready after Close is not closed")
	}
	if ch, stop := s.Finished("c1"); ch == nil {
		t.Error("Finished after Close returned nil")
	} else {
		<-ch
		stop()
	}
	calls := map[string]func() error{
		"Close":        s.Close,
		"Insert":       func() error { _, err := s.Insert(bg, []*store.Job{job("c2")}); return err },
		"Claim":        func() error { _, err := s.Claim(bg, claimReq("w", 1, "default")); return err },
		"ExtendLeases": func() error { _, err := s.ExtendLeases(bg, "w", []string{"c1"}, t0); return err },
		"Finish": func() error {
			_, err := s.Finish(bg, []store.Outcome{{ID: "c1", Owner: "w", State: store.Succeeded}})
			return err
		},
		"Recover": func() error { _, err := s.Recover(bg, t0); return err },
		"Get":     func() error { _, err := s.Get(bg, "c1"); return err },
		"Prune":   func() error { _, err := s.Prune(bg, t0); return err },
		"Queues":  func() error { _, err := s.Queues(bg); return err },
		"List":    func() error { _, err := s.List(bg, store.ListRequest{}); return err },
		"Retry":   func() error { return s.Retry(bg, "c1", t0) },
		"Delete":  func() error { return s.Delete(bg, "c1") },
		"Purge":   func() error { _, err := s.Purge(bg, "", ""); return err },
		"Pause":   func() error { return s.Pause(bg, "default") },
		"Resume":  func() error { return s.Resume(bg, "default") },
		"Stats":   func() error { _, err := s.Stats(bg); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestCanceledContextReportsCause(t *testing.T) {
	s := openTemp(t)
	mustInsert(t, s, job("x1"))
	cause := errors.New("request abandoned")
	ctx, cancel := context.WithCancelCause(bg)
	cancel(cause)
	calls := map[string]func() error{
		"Insert":       func() error { _, err := s.Insert(ctx, []*store.Job{job("x2")}); return err },
		"Claim":        func() error { _, err := s.Claim(ctx, claimReq("w", 1, "default")); return err },
		"ExtendLeases": func() error { _, err := s.ExtendLeases(ctx, "w", []string{"x1"}, t0); return err },
		"Finish": func() error {
			_, err := s.Finish(ctx, []store.Outcome{{ID: "x1", Owner: "w", State: store.Succeeded}})
			return err
		},
		"Recover": func() error { _, err := s.Recover(ctx, t0); return err },
		"Get":     func() error { _, err := s.Get(ctx, "x1"); return err },
		"Prune":   func() error { _, err := s.Prune(ctx, t0); return err },
		"Queues":  func() error { _, err := s.Queues(ctx); return err },
		"List":    func() error { _, err := s.List(ctx, store.ListRequest{}); return err },
		"Retry":   func() error { return s.Retry(ctx, "x1", t0) },
		"Delete":  func() error { return s.Delete(ctx, "x1") },
		"Purge":   func() error { _, err := s.Purge(ctx, "", ""); return err },
		"Pause":   func() error { return s.Pause(ctx, "default") },
		"Stats":   func() error { _, err := s.Stats(ctx); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, cause) {
			t.Errorf("%s with a canceled context = %v, want the cause", name, err)
		}
	}
	if _, err := s.Get(bg, "x2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a canceled Insert inserted: %v", err)
	}
	if j, err := s.Get(bg, "x1"); err != nil || j.State != store.Queued {
		t.Errorf("canceled calls changed the job: %+v, %v", j, err)
	}
}

// holdWriteLock takes SQLite's write lock on path from a plain connection,
// as another process in the middle of a write would, until release.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(bg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		conn.ExecContext(bg, "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

// TestWaitForLockHonoursContext: a write queued behind another process's
// transaction returns the cancel cause as soon as ctx ends, not when the
// busy timeout runs out.
func TestWaitForLockHonoursContext(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(dir, "jobs.db")
		s, err := sqlite.Open(bg, path, sqlite.WithBusyTimeout(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		release := holdWriteLock(t, path)
		defer release()
		cause := errors.New("client went away")
		ctx, cancel := context.WithCancelCause(bg)
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := s.Insert(ctx, []*store.Job{job("w1")})
			done <- err
		}()
		time.Sleep(3 * time.Second)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Insert returned while the lock was held: %v", err)
		default:
		}
		cancel(cause)
		err = <-done
		if !errors.Is(err, cause) {
			t.Fatalf("Insert = %v, want the cause", err)
		}
		if waited := time.Since(start); waited > 4*time.Second {
			t.Fatalf("Insert returned %v after the cancel", waited-3*time.Second)
		}
	})
}

// TestBusyTimeout: a write that cannot get the lock within the busy
// timeout fails with an error saying so, and succeeds once the lock is
// free.
func TestBusyTimeout(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		path := filepath.Join(dir, "jobs.db")
		s, err := sqlite.Open(bg, path, sqlite.WithBusyTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		release := holdWriteLock(t, path)
		start := time.Now()
		_, err = s.Insert(bg, []*store.Job{job("b1")})
		if err == nil || !strings.Contains(err.Error(), "busy timeout") {
			t.Fatalf("Insert under a held lock = %v, want a busy timeout error", err)
		}
		if waited := time.Since(start); waited < 2*time.Second {
			t.Fatalf("gave up after %v, before the 2s busy timeout", waited)
		}
		// Reads never wait for the writer.
		if _, err := s.Stats(bg); err != nil {
			t.Fatalf("Stats while another connection writes: %v", err)
		}
		release()
		mustInsert(t, s, job("b1"))
	})
}

func TestBadInput(t *testing.T) {
	s := openTemp(t)
	mustInsert(t, s, job("ok"))
	noMax := job("m")
	noMax.MaxAttempts = 0
	running := job("r")
	running.State = store.Running
	noQueue := job("q")
	noQueue.Queue = ""
	noName := job("n")
	noName.Name = ""
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"nil job", func() error { _, err := s.Insert(bg, []*store.Job{nil}); return err }, "jobs[0] is nil"},
		{"empty ID", func() error { _, err := s.Insert(bg, []*store.Job{job("")}); return err }, "empty ID"},
		{"no name", func() error { _, err := s.Insert(bg, []*store.Job{noName}); return err }, "empty Name"},
		{"no queue", func() error { _, err := s.Insert(bg, []*store.Job{noQueue}); return err }, "empty Queue"},
		{"MaxAttempts 0", func() error { _, err := s.Insert(bg, []*store.Job{noMax}); return err }, "MaxAttempts is 0; want at least 1"},
		{"insert running", func() error { _, err := s.Insert(bg, []*store.Job{running}); return err }, `State "running"`},
		{"claim no queues", func() error { _, err := s.Claim(bg, claimReq("w", 1)); return err }, "no Queues"},
		{"claim limit 0", func() error { _, err := s.Claim(bg, claimReq("w", 0, "default")); return err }, "Limit 0"},
		{"claim no owner", func() error { _, err := s.Claim(bg, claimReq("", 1, "default")); return err }, "empty Owner"},
		{"claim empty queue name", func() error { _, err := s.Claim(bg, claimReq("w", 1, "default", "")); return err }, "empty queue name"},
		{"finish bad state", func() error {
			_, err := s.Finish(bg, []store.Outcome{{ID: "ok", Owner: "w", State: store.Running}})
			return err
		}, `State "running"`},
		{"finish no owner", func() error {
			_, err := s.Finish(bg, []store.Outcome{{ID: "ok", State: store.Succeeded}})
			return err
		}, "empty Owner"},
		{"extend no owner", func() error { _, err := s.ExtendLeases(bg, "", []string{"ok"}, t0); return err }, "empty owner"},
		{"list bad state", func() error { _, err := s.List(bg, store.ListRequest{State: "done"}); return err }, `State "done"`},
		{"list negative limit", func() error { _, err := s.List(bg, store.ListRequest{Limit: -1}); return err }, "Limit -1"},
		{"purge bad state", func() error { _, err := s.Purge(bg, "", "gone"); return err }, `State "gone"`},
		{"pause no name", func() error { return s.Pause(bg, "") }, "empty queue name"},
		{"retry queued", func() error { return s.Retry(bg, "ok", t0) }, "only finished jobs"},
		{"revoke no reason", func() error { _, err := s.Revoke(bg, "ok", "", t0); return err }, "empty reason"},
		{"acquire no key", func() error {
			_, _, err := s.Acquire(bg, store.Lease{Owner: "w", Until: t0.Add(time.Second)}, t0)
			return err
		}, "empty Key"},
		{"acquire no owner", func() error {
			_, _, err := s.Acquire(bg, store.Lease{Key: "k", Until: t0.Add(time.Second)}, t0)
			return err
		}, "empty Owner"},
		{"acquire past until", func() error {
			_, _, err := s.Acquire(bg, store.Lease{Key: "k", Owner: "w", Until: t0}, t0)
			return err
		}, "not after now"},
		{"count no key", func() error { _, err := s.Count(bg, "", t0.Add(time.Second), t0); return err }, "empty key"},
		{"count past until", func() error { _, err := s.Count(bg, "k", t0, t0); return err }, "not after now"},
		{"finish unknown state lists expired", func() error {
			_, err := s.Finish(bg, []store.Outcome{{ID: "ok", Owner: "w", State: "later"}})
			return err
		}, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if j, err := s.Get(bg, "ok"); err != nil || j.State != store.Queued {
		t.Fatalf("bad input changed the store: %+v, %v", j, err)
	}
}

func TestRetryKeepsUniqueKeyPromise(t *testing.T) {
	s := openTemp(t)
	a := job("u1")
	a.UniqueKey = "k"
	a.MaxAttempts = 1
	mustInsert(t, s, a)
	got, err := s.Claim(bg, claimReq("w", 1, "default"))
	if err != nil || len(got) != 1 {
		t.Fatal(got, err)
	}
	if _, err := s.Finish(bg, []store.Outcome{{ID: "u1", Owner: "w", State: store.Dead, Error: "x", FinishedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	b := job("u2")
	b.UniqueKey = "k"
	mustInsert(t, s, b) // the key is free once u1 is final
	err = s.Retry(bg, "u1", t0)
	if err == nil || !strings.Contains(err.Error(), "unique key") {
		t.Fatalf("Retry while another job holds the key = %v", err)
	}
	if j, _ := s.Get(bg, "u1"); j.State != store.Dead {
		t.Fatalf("failed Retry changed the job to %s", j.State)
	}
}

func TestClaimSkipsPausedQueueAmongOthers(t *testing.T) {
	s := openTemp(t)
	a, b := job("pa"), job("pb")
	a.Queue, b.Queue = "a", "b"
	a.Priority = 10
	mustInsert(t, s, a, b)
	if err := s.Pause(bg, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Pause(bg, "a"); err != nil {
		t.Fatalf("pausing twice: %v", err)
	}
	got, err := s.Claim(bg, claimReq("w", 10, "a", "b", "a"))
	if err != nil || len(got) != 1 || got[0].ID != "pb" {
		t.Fatalf("Claim from a (paused) and b = %v, %v", got, err)
	}
	qs, err := s.Queues(bg)
	if err != nil || len(qs) != 2 || !qs[0].Paused || qs[1].Paused || qs[0].Counts[store.Queued] != 1 || qs[1].Counts[store.Running] != 1 {
		t.Fatalf("Queues = %+v, %v", qs, err)
	}
	if err := s.Resume(bg, "never-paused"); err != nil {
		t.Fatalf("resuming a queue that is not paused: %v", err)
	}
}

func TestTimesRoundTrip(t *testing.T) {
	s := openTemp(t)
	j := job("t1")
	j.RunAt = time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600))
	j.EnqueuedAt = j.RunAt.Add(-time.Nanosecond)
	mustInsert(t, s, j)
	got, err := s.Get(bg, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.RunAt.Equal(j.RunAt) || got.RunAt.Location() != time.UTC || !got.EnqueuedAt.Equal(j.EnqueuedAt) {
		t.Fatalf("times came back as %v / %v, want %v / %v in UTC", got.RunAt, got.EnqueuedAt, j.RunAt, j.EnqueuedAt)
	}
	if !got.StartedAt.IsZero() || !got.FinishedAt.IsZero() || !got.LeaseUntil.IsZero() || !got.RetainUntil.IsZero() {
		t.Fatalf("unset times came back non-zero: %+v", got)
	}
}

// TestInsertFullJob covers the insert path for jobs that carry more than
// a fresh job's columns (imported or migrated jobs).
func TestInsertFullJob(t *testing.T) {
	s := openTemp(t)
	j := job("full")
	j.State = store.Scheduled
	j.Attempt = 2
	j.RunAt = t0.Add(time.Hour)
	j.LastError = "earlier"
	j.Errors = []store.AttemptError{{Attempt: 1, At: t0, Error: "first"}, {Attempt: 2, At: t0.Add(time.Minute), Error: "earlier"}}
	j.Meta = []byte(`{"m":1}`)
	mustInsert(t, s, j)
	got, err := s.Get(bg, "full")
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 2 || got.LastError != "earlier" || len(got.Errors) != 2 || got.Errors[1].Error != "earlier" ||
		!got.Errors[0].At.Equal(t0) || string(got.Meta) != `{"m":1}` || got.State != store.Scheduled {
		t.Fatalf("full job came back as %+v", got)
	}
}

func TestBulkInsertMixesFreshAndUnique(t *testing.T) {
	s := openTemp(t)
	var jobs []*store.Job
	for i := range 100 {
		j := job(fmt.Sprintf("m%03d", i))
		if i%10 == 0 {
			j.UniqueKey = fmt.Sprint("k", i%20) // k0 and k10: five jobs each
		}
		jobs = append(jobs, j)
	}
	dups, err := s.Insert(bg, jobs)
	if err != nil {
		t.Fatal(err)
	}
	if len(dups) != 8 {
		t.Fatalf("dups = %v; want 8 (the later four of each key)", dups)
	}
	st, err := s.Stats(bg)
	if err != nil || st.Counts[store.Queued] != 92 {
		t.Fatalf("Stats = %+v, %v; want 92 queued", st, err)
	}
}

// TestPruneAndPurgeInChunks deletes more jobs than one chunk holds.
func TestPruneAndPurgeInChunks(t *testing.T) {
	s := openTemp(t)
	const n = 2500
	var jobs []*store.Job
	for i := range n {
		jobs = append(jobs, job(fmt.Sprintf("p%05d", i)))
	}
	mustInsert(t, s, jobs...)
	got, err := s.Claim(bg, claimReq("w", n, "default"))
	if err != nil || len(got) != n {
		t.Fatalf("claimed %d, %v", len(got), err)
	}
	outs := make([]store.Outcome, 0, n)
	for i, j := range got {
		o := store.Outcome{ID: j.ID, Owner: "w", State: store.Succeeded, FinishedAt: t0, RetainUntil: t0.Add(time.Hour)}
		if i%2 == 1 {
			o.RetainUntil = time.Time{}
		}
		outs = append(outs, o)
	}
	if lost, err := s.Finish(bg, outs); err != nil || len(lost) > 0 {
		t.Fatal(lost, err)
	}
	if pruned, err := s.Prune(bg, t0.Add(2*time.Hour)); err != nil || pruned != n/2 {
		t.Fatalf("Prune = %d, %v; want %d", pruned, err, n/2)
	}
	if purged, err := s.Purge(bg, "default", store.Succeeded); err != nil || purged != n/2 {
		t.Fatalf("Purge = %d, %v; want %d", purged, err, n/2)
	}
	if st, err := s.Stats(bg); err != nil || st.Counts[store.Succeeded] != 0 || st.Queues != 0 || !st.Oldest.IsZero() {
		t.Fatalf("Stats after clean-up = %+v, %v", st, err)
	}
}

// TestConcurrentClaimersAcrossStores runs claimers in separate Stores on
// one file, each with its own connections as separate processes would
// have: no job is handed out twice and none is lost.
func TestConcurrentClaimersAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jobs.db")
	const nStores, perStore, nJobs = 3, 2, 600
	stores := make([]*sqlite.Store, nStores)
	for i := range stores {
		s, err := sqlite.Open(bg, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var jobs []*store.Job
	for i := range nJobs {
		jobs = append(jobs, job(fmt.Sprintf("cc%04d", i)))
	}
	mustInsert(t, stores[0], jobs...)
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
	)
	for si, s := range stores {
		for w := range perStore {
			owner := fmt.Sprintf("s%dw%d", si, w)
			wg.Go(func() {
				for {
					got, err := s.Claim(bg, claimReq(owner, 5, "default"))
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					outs := make([]store.Outcome, len(got))
					mu.Lock()
					for i, j := range got {
						if prev, dup := seen[j.ID]; dup {
							t.Errorf("job %s claimed by %s and %s", j.ID, prev, owner)
						}
						seen[j.ID] = owner
						outs[i] = store.Outcome{ID: j.ID, Owner: owner, State: store.Succeeded, FinishedAt: t0}
					}
					mu.Unlock()
					if lost, err := s.Finish(bg, outs); err != nil || len(lost) > 0 {
						t.Error(lost, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if len(seen) != nJobs {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), nJobs)
	}
	if st, err := stores[1].Stats(bg); err != nil || st.Counts[store.Succeeded] != nJobs {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
}
