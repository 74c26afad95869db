package sqlite_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

const childEnv = "SPINDLE_SQLITE_TEST_CHILD_DB"

// TestMultiProcessWorker is the body of the worker processes started by
// TestMultiProcess; run directly, it does nothing.
func TestMultiProcessWorker(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as a child of TestMultiProcess")
	}
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	owner := fmt.Sprint("pid", os.Getpid())
	for {
		got, err := s.Claim(bg, claimReq(owner, 4, "default"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return
		}
		outs := make([]store.Outcome, len(got))
		for i, j := range got {
			outs[i] = store.Outcome{ID: j.ID, Owner: owner, State: store.Succeeded, Result: []byte(`"` + owner + `"`), FinishedAt: t0}
		}
		if lost, err := s.Finish(bg, outs); err != nil || len(lost) > 0 {
			t.Fatalf("Finish: lost %v, err %v", lost, err)
		}
	}
}

// TestMultiProcess shares one file between this process and two worker
// processes: every job runs exactly once, and this process hears of the
// finishes through the data_version watcher.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "jobs.db")
	s, err := sqlite.Open(bg, path, sqlite.WithWatchInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 400
	var jobs []*store.Job
	for i := range n {
		jobs = append(jobs, job(fmt.Sprintf("mp%04d", i)))
	}
	mustInsert(t, s, jobs...)
	last, stop := s.Finished(jobs[n-1].ID)
	defer stop()

	var wg sync.WaitGroup
	outputs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMultiProcessWorker$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		wg.Go(func() { outputs[i], errs[i] = cmd.CombinedOutput() })
	}
	select {
	case <-last:
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("no Finished signal from the worker processes")
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, outputs[i])
		}
	}
	owners := map[string]int{}
	for _, j := range jobs {
		got, err := s.Get(bg, j.ID)
		if err != nil || got.State != store.Succeeded || got.Attempt != 1 {
			t.Fatalf("job %s: %+v, %v; want succeeded on its first attempt", j.ID, got, err)
		}
		owners[string(got.Result)]++
	}
	t.Logf("jobs per worker process: %v", owners)
}
