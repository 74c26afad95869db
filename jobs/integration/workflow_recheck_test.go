package integration_test

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

// staleOnce answers one read of a finished job named name as if it were
// still running: what a step's dependency check sees when the dependency
// finishes just after the read. Only a read made while the step (a job
// named step) is claimed and has no outcome yet gets the stale answer:
// that is the step's own dependency check. Any other read (the worker's
// second look after the deferral, an await) comes after the dependency's
// finish in any real store.
type staleOnce struct {
	store.Store
	name, step string
	mu         sync.Mutex
	served     bool
	checking   map[string]bool // steps claimed and not yet finished
}

func (s *staleOnce) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	js, err := s.Store.Claim(ctx, req)
	s.mu.Lock()
	for _, j := range js {
		if j.Name == s.step {
			if s.checking == nil {
				s.checking = map[string]bool{}
			}
			s.checking[j.ID] = true
		}
	}
	s.mu.Unlock()
	return js, err
}

func (s *staleOnce) Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error) {
	s.mu.Lock()
	for _, o := range outcomes {
		delete(s.checking, o.ID)
	}
	s.mu.Unlock()
	return s.Store.Finish(ctx, outcomes)
}

func (s *staleOnce) Get(ctx context.Context, id string) (*store.Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err != nil || j.Name != s.name || !j.State.Final() {
		return j, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served || len(s.checking) == 0 {
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
// leave the step waiting out its fallback. Whether the check reads the
// dependency before or after it finishes is up to the scheduler, so the
// scenario is repeated until the stale read has happened; every round
// must run the step promptly either way.
func TestWorkflowStepDeferredWhileDependencyFinishesRunsPromptly(t *testing.T) {
	for range 20 {
		if workflowRecheckRound(t) {
			return
		}
	}
	t.Fatal("the dependency was never read as unfinished in 20 rounds: the test did not exercise the race")
}

// workflowRecheckRound runs one chain and reports whether its step's
// dependency check got the stale answer.
func workflowRecheckRound(t *testing.T) (served bool) {
	synctest.Test(t, func(t *testing.T) {
		s := &staleOnce{Store: memory.New(), name: "test.wf-fetch", step: "test.wf-len"}
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
		if d := time.Since(start); d >= jobs.WorkflowFallback/2 {
			t.Fatalf("the step ran %v after the worker started: it waited for its fallback instead of being woken", d)
		}
		s.mu.Lock()
		served = s.served
		s.mu.Unlock()
	})
	return served
}
