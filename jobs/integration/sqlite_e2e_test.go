package integration_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// The worker tests run on the memory store in synctest bubbles; this one
// runs the same paths once on SQLite, in real time.
func TestSQLiteEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := jobs.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "e2e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stop := startWorker(t, c, jobs.WorkerOptions{Concurrency: 4, PollInterval: 5 * time.Millisecond}, add, flakyFast, panics, permanentFail)
	defer stop()

	h, err := add.Enqueue(ctx, c, addArgs{40, 2})
	if err != nil {
		t.Fatal(err)
	}
	<-h.Done()
	if got, err := h.Result(); err != nil || got != 42 {
		t.Fatalf("Result = %d, %v", got, err)
	}
	g, err := add.Map(ctx, c, []addArgs{{1, 1}, {2, 2}, {3, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := g.Await(ctx); err != nil || got[2] != 6 {
		t.Fatalf("Map: %v, %v", got, err)
	}
	hf, _ := flakyFast.Enqueue(ctx, c, 3)
	if got, err := hf.Await(ctx); err != nil || got != 3 {
		t.Fatalf("flaky: %d, %v", got, err)
	}
	hp, _ := panics.Enqueue(ctx, c, 1)
	_, err = hp.Await(ctx)
	if je := wantJobError(t, err, store.Dead, 2); !strings.Contains(je.Err, "panicked") {
		t.Fatalf("panic error %q", je.Err)
	}
	hx, _ := permanentFail.Enqueue(ctx, c, 1)
	_, err = hx.Await(ctx)
	wantJobError(t, err, store.Dead, 1)
	info, err := c.Inspect().Job(ctx, hf.ID())
	if err != nil || info.Attempt != 3 || len(info.Errors) != 2 {
		t.Fatalf("flaky job record: %+v, %v", info, err)
	}
}

var flakyFast = jobs.Define("test.flaky-fast", func(ctx context.Context, succeedAt int) (int, error) {
	j, _ := jobs.JobFromContext(ctx)
	if j.Attempt < succeedAt {
		return 0, context.DeadlineExceeded
	}
	return j.Attempt, nil
}, jobs.Retries(4), jobs.RetryDelay(func(int) time.Duration { return time.Millisecond }))
