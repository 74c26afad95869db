package sqlite_test

import (
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// signalled reports whether ch has a value or is closed, without waiting.
func signalled(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestReadyInProcess: a commit through the Store signals the Ready
// watchers of the affected queues at once, before the call returns.
func TestReadyInProcess(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		// A watch interval longer than the test keeps the cross-process
		// watcher out of the way after its first check.
		s, err := sqlite.Open(bg, filepath.Join(dir, "jobs.db"), sqlite.WithWatchInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		chA := storetest.Ready(t, s, []string{"a"})
		chAll := storetest.Ready(t, s, nil)
		synctest.Wait()
		signalled(chA) // the watcher's first check may signal
		signalled(chAll)

		b := job("b1")
		b.Queue = "b"
		mustInsert(t, s, b)
		if signalled(chA) {
			t.Error("an insert into queue b signalled a watcher of queue a")
		}
		if !signalled(chAll) {
			t.Error("an insert did not signal a watcher of every queue")
		}
		a := job("a1")
		a.Queue = "a"
		mustInsert(t, s, a)
		if !signalled(chA) {
			t.Fatal("an insert into queue a did not signal its watcher")
		}
		// Signals coalesce: two inserts leave one value.
		mustInsert(t, s, job("x1"), job("x2"))
		mustInsert(t, s, &store.Job{ID: "a2", Name: "n", Queue: "a", MaxAttempts: 1})
		mustInsert(t, s, &store.Job{ID: "a3", Name: "n", Queue: "a", MaxAttempts: 1})
		if !signalled(chA) || signalled(chA) {
			t.Error("signals did not coalesce into one")
		}
		if err := s.Pause(bg, "a"); err != nil {
			t.Fatal(err)
		}
		if err := s.Resume(bg, "a"); err != nil {
			t.Fatal(err)
		}
		if !signalled(chA) {
			t.Error("Resume did not signal the queue's watcher")
		}
	})
}

// TestFinishedInProcess: a final outcome closes the job's Finished
// channel before Finish returns; non-final outcomes do not.
func TestFinishedInProcess(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		s, err := sqlite.Open(bg, filepath.Join(dir, "jobs.db"), sqlite.WithWatchInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		mustInsert(t, s, job("f1"), job("f2"))
		ch1, stop1 := s.Finished("f1")
		defer stop1()
		ch2, stop2 := s.Finished("f2")
		defer stop2()
		chGone, stopGone := s.Finished("f2")
		defer stopGone()
		synctest.Wait()
		if signalled(ch1) || signalled(ch2) {
			t.Fatal("Finished fired for queued jobs")
		}
		got, err := s.Claim(bg, claimReq("w", 2, "default"))
		if err != nil || len(got) != 2 {
			t.Fatal(got, err)
		}
		if _, err := s.Finish(bg, []store.Outcome{
			{ID: "f1", Owner: "w", State: store.Scheduled, Error: "retry", RunAt: t0, FinishedAt: t0},
			{ID: "f2", Owner: "w", State: store.Queued},
		}); err != nil {
			t.Fatal(err)
		}
		if signalled(ch1) || signalled(ch2) {
			t.Fatal("Finished fired for a retry or a give-back")
		}
		got, err = s.Claim(bg, claimReq("w", 2, "default"))
		if err != nil || len(got) != 2 {
			t.Fatal(got, err)
		}
		if _, err := s.Finish(bg, []store.Outcome{{ID: "f1", Owner: "w", State: store.Succeeded, FinishedAt: t0}}); err != nil {
			t.Fatal(err)
		}
		if !signalled(ch1) {
			t.Fatal("Finished did not fire when the job succeeded")
		}
		if signalled(ch2) {
			t.Fatal("Finished fired for another job")
		}
		if _, err := s.Finish(bg, []store.Outcome{{ID: "f2", Owner: "w", State: store.Queued}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(bg, "f2"); err != nil {
			t.Fatal(err)
		}
		if !signalled(ch2) || !signalled(chGone) {
			t.Fatal("deleting a job did not wake its watchers")
		}
	})
}

// TestWakeupsAcrossStores: a Store learns of commits made through another
// Store on the same file (another process, as far as SQLite can tell)
// within its watch interval, through PRAGMA data_version.
func TestWakeupsAcrossStores(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		const interval = 5 * time.Millisecond
		path := filepath.Join(dir, "jobs.db")
		a, err := sqlite.Open(bg, path)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := sqlite.Open(bg, path, sqlite.WithWatchInterval(interval))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()

		ready := storetest.Ready(t, b, []string{"default"})
		time.Sleep(interval)
		synctest.Wait()
		signalled(ready)
		start := time.Now()
		mustInsert(t, a, job("x1"), job("x2"))
		<-ready
		if d := time.Since(start); d > interval {
			t.Fatalf("ready signal took %v, more than the %v watch interval", d, interval)
		}

		fin1, stop1 := b.Finished("x1")
		defer stop1()
		fin2, stop2 := b.Finished("x2")
		defer stop2()
		got, err := a.Claim(bg, claimReq("w", 2, "default"))
		if err != nil || len(got) != 2 {
			t.Fatal(got, err)
		}
		time.Sleep(10 * interval)
		if signalled(fin1) || signalled(fin2) {
			t.Fatal("a claim elsewhere woke a Finished watcher: only final or deleted jobs should")
		}
		start = time.Now()
		if _, err := a.Finish(bg, []store.Outcome{{ID: "x1", Owner: "w", State: store.Succeeded, Result: []byte("1"), FinishedAt: t0}}); err != nil {
			t.Fatal(err)
		}
		<-fin1
		if d := time.Since(start); d > interval {
			t.Fatalf("finished signal took %v, more than the %v watch interval", d, interval)
		}
		if j, err := b.Get(bg, "x1"); err != nil || j.State != store.Succeeded || string(j.Result) != "1" {
			t.Fatalf("after the signal: %+v, %v", j, err)
		}
		time.Sleep(10 * interval)
		if signalled(fin2) {
			t.Fatal("another job finishing woke x2's watcher")
		}
		if _, err := a.Finish(bg, []store.Outcome{{ID: "x2", Owner: "w", State: store.Dead, Error: "no", FinishedAt: t0}}); err != nil {
			t.Fatal(err)
		}
		<-fin2
	})
}
