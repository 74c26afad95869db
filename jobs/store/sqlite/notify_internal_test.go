package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

func (n *notifier) isPolling() bool {
	n.Mu.Lock()
	defer n.Mu.Unlock()
	return n.polling
}

// TestWatcherRunsOnlyWhileWatched: the data_version poller starts with
// the first watcher and stops once nobody watches.
func TestWatcherRunsOnlyWhileWatched(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		s, err := Open(context.Background(), filepath.Join(dir, "jobs.db"), WithWatchInterval(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var jobs []*store.Job
		for _, id := range []string{"a", "b", "c"} {
			jobs = append(jobs, &store.Job{ID: id, Name: "n", Queue: "q", MaxAttempts: 1})
		}
		if _, err := s.Insert(context.Background(), jobs); err != nil {
			t.Fatal(err)
		}
		if s.notify.isPolling() {
			t.Fatal("polling with nobody watching")
		}
		_, stop1 := s.Finished("a")
		_, stop2 := s.Finished("b")
		if !s.notify.isPolling() {
			t.Fatal("not polling with a watcher")
		}
		stop1()
		stop1()
		time.Sleep(5 * time.Millisecond)
		synctest.Wait()
		if !s.notify.isPolling() {
			t.Fatal("stopped polling while a watcher remains")
		}
		stop2()
		time.Sleep(5 * time.Millisecond)
		synctest.Wait()
		if s.notify.isPolling() {
			t.Fatal("still polling after the last watcher stopped")
		}
		_, stop3 := s.Finished("c")
		defer stop3()
		if !s.notify.isPolling() {
			t.Fatal("polling did not restart for a new watcher")
		}
	})
}
