package integration_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

var (
	wfFetch = jobs.Define("test.wf-fetch", func(ctx context.Context, url string) (string, error) {
		if strings.Contains(url, "broken") {
			return "", jobs.Permanent(errors.New("404 for " + url))
		}
		return "<html>" + url + "</html>", nil
	})
	wfLen    = jobs.Define("test.wf-len", func(ctx context.Context, page string) (int, error) { return len(page), nil })
	wfDouble = jobs.Define("test.wf-double", func(ctx context.Context, n int) (int, error) { return 2 * n, nil })
	wfMember = jobs.Define("test.wf-member", func(ctx context.Context, n int) (int, error) {
		switch {
		case n%40 == 7:
			panic(fmt.Sprintf("member %d exploded", n))
		case n%40 == 13:
			return 0, jobs.Permanent(fmt.Errorf("member %d failed", n))
		}
		return n * n, nil
	}, jobs.Retries(0))
	wfSum = jobs.Define("test.wf-sum", func(ctx context.Context, ms []jobs.Member[int]) (string, error) {
		sum, failed := 0, 0
		for _, m := range ms {
			if m.OK() {
				sum += m.Value
			} else {
				failed++
			}
		}
		return fmt.Sprintf("%d members, %d failed, sum %d", len(ms), failed, sum), nil
	})
)

func TestChain(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), wfFetch, wfLen, wfDouble)
		h, err := jobs.Then(jobs.Then(wfFetch.Step("a.example"), wfLen), wfDouble).Enqueue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := h.Await(ctx); err != nil || got != 2*len("<html>a.example</html>") {
			t.Fatalf("chain: %d, %v", got, err)
		}
		// The first step fails: the rest are cancelled, naming it.
		hb, err := jobs.Then(jobs.Then(wfFetch.Step("broken.example"), wfLen), wfDouble).Enqueue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = hb.Await(ctx)
		je := wantJobError(t, err, store.Canceled, 1)
		if !errors.Is(err, jobs.ErrRevoked) || !strings.Contains(je.Err, "test.wf-fetch") || !strings.Contains(je.Err, "404 for broken.example") || !strings.Contains(je.Err, "test.wf-len") {
			t.Fatalf("cancelled chain step's error %q: want the failed step named", je.Err)
		}
	})
}

func TestGroupOfSteps(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), wfFetch, wfLen, wfDouble)
		g, err := jobs.EnqueueGroup(ctx, c, wfDouble.Step(1), jobs.Then(wfFetch.Step("x"), wfLen), wfDouble.Step(3))
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Await(ctx)
		if err != nil || fmt.Sprint(got) != fmt.Sprint([]int{2, len("<html>x</html>"), 6}) {
			t.Fatalf("group: %v, %v", got, err)
		}
	})
}

func TestChordOf100With3Failures(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 8}), wfMember, wfSum, wfDouble)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Concurrency: 8}), wfMember, wfSum, wfDouble)
		members := make([]jobs.Step[int], 100)
		want := 0
		for i := range members {
			members[i] = wfMember.Step(i)
			if i%40 != 7 && i%40 != 13 {
				want += i * i
			}
		}
		// 7, 13, 47, 53, 87, 93 would fail: make it exactly three (7 panics,
		// 13 and 47 fail) by putting other steps, returning 0, at 53, 87, 93.
		members[53], members[87], members[93] = wfDouble.Step(0), wfDouble.Step(0), wfDouble.Step(0)
		ch, err := jobs.EnqueueChord(ctx, c, members, wfSum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ch.Await(ctx)
		if wantStr := fmt.Sprintf("100 members, 3 failed, sum %d", want); got != wantStr {
			t.Fatalf("chord callback: %q, want %q", got, wantStr)
		}
		fails := unwrapAll(err)
		if len(fails) != 3 {
			t.Fatalf("chord error reports %d failures, want 3: %v", len(fails), err)
		}
		var panicked bool
		for _, f := range fails {
			var je *jobs.JobError
			if !errors.As(f, &je) || je.State != store.Dead {
				t.Fatalf("failure %v", f)
			}
			panicked = panicked || strings.Contains(je.Err, "member 7 exploded")
		}
		if !panicked {
			t.Fatalf("the panicking member is not among the failures: %v", err)
		}
		<-ch.Done()
		if v, err2 := ch.Result(); v != got || len(unwrapAll(err2)) != 3 {
			t.Fatalf("Result = %q, %v", v, err2)
		}
	})
}

func TestWorkflowBadInput(t *testing.T) {
	c, _ := memClient(t)
	ctx := context.Background()
	if _, err := jobs.EnqueueChord(ctx, c, nil, wfSum); err == nil || !strings.Contains(err.Error(), "no members") {
		t.Fatalf("empty chord: %v", err)
	}
	if _, err := jobs.Then(jobs.Step[string]{}, wfLen).Enqueue(ctx, c); err == nil {
		t.Fatal("Then on the zero Step accepted")
	}
	if _, err := wfDouble.Step(1, jobs.Unique("k", 1e9)).Enqueue(ctx, c); err == nil || !strings.Contains(err.Error(), "Unique") {
		t.Fatalf("unique step: %v", err)
	}
}
