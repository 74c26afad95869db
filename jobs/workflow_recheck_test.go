package jobs_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// staleOnce answers the first read of a finished job named name as if it
// were still running: what a step's dependency check sees when the
// dependency finishes just after the read.
type staleOnce struct {
	store.Store
	name   string
	mu     sync.Mutex
	served bool
}

func (s *staleOnce) Get(ctx context.Context, id string) (*store.Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err != nil || j.Name != s.name || !j.State.Final() {
		return j, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served {
		return j, nil
	}
	s.served = true
	stale := *j
	stale.State = store.Running
	return &stale, nil
}

// A step deferred because its dependency looked unfinished is read again
// once the deferral is recorded, so a dependency that finished during the
// check (whose wake-up found the step running, and did nothing) does not
// leave the step waiting out its fallback.
func TestWorkflowStepDeferredWhileDependencyFinishesRunsPromptly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &staleOnce{Store: memory.New(), name: "test.wf-fetch"}
		c, err := jobs.New(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		ctx := context.Background()
		h, err := jobs.Then(wfFetch.Step("a.example"), wfLen).Enqueue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		// An old step waits the whole WorkflowFallback between looks.
		time.Sleep(4 * time.Minute)
		start := time.Now()
		startWorker(t, c, jobs.WorkerOptions{}, wfFetch, wfLen)
		got, err := h.Await(ctx)
		if err != nil || got != len("<html>a.example</html>") {
			t.Fatalf("chain = %d, %v", got, err)
		}
		s.mu.Lock()
		served := s.served
		s.mu.Unlock()
		if !served {
			t.Fatal("the dependency was never read as unfinished: the test did not exercise the race")
		}
		if d := time.Since(start); d >= jobs.WorkflowFallback/2 {
			t.Fatalf("the step ran %v after the worker started: it waited for its fallback instead of being woken", d)
		}
	})
}
