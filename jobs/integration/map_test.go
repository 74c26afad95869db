package integration_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// TestMapSharesOneInstant enqueues a batch with a delay: every job is
// enqueued at the same instant and runs at the same time, with its own
// arguments, and the IDs increase in the order of the arguments.
func TestMapSharesOneInstant(t *testing.T) {
	c, _ := memClient(t)
	ctx := context.Background()
	in := make([]int, 40)
	for i := range in {
		in[i] = i
	}
	g, err := slowDouble.Map(ctx, c, in, jobs.Delay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var first *jobs.JobInfo
	for i, h := range g.Handles() {
		j, err := c.Inspect().Job(ctx, h.ID())
		if err != nil {
			t.Fatal(err)
		}
		if string(j.Args) != fmt.Sprint(i) || j.State != store.Scheduled {
			t.Fatalf("job %d: args %s, state %s; want %d, scheduled", i, j.Args, j.State, i)
		}
		if first == nil {
			first = j
			if got := j.RunAt.Sub(j.EnqueuedAt); got != time.Hour {
				t.Fatalf("RunAt - EnqueuedAt = %v, want the 1h delay", got)
			}
			continue
		}
		if !j.EnqueuedAt.Equal(first.EnqueuedAt) || !j.RunAt.Equal(first.RunAt) {
			t.Fatalf("job %d enqueued at %v to run at %v; job 0 at %v, %v", i, j.EnqueuedAt, j.RunAt, first.EnqueuedAt, first.RunAt)
		}
		if prev := g.Handles()[i-1].ID(); j.ID <= prev {
			t.Fatalf("ID of job %d is %s, not after job %d's %s", i, j.ID, i-1, prev)
		}
	}
}

// TestMapRefusesWhole: a bad option, a closed client or an element over
// the payload limit fail the whole batch, naming the element, and store
// nothing.
func TestMapRefusesWhole(t *testing.T) {
	ctx := context.Background()
	c, _ := memClient(t, jobs.WithMaxPayload(4))
	if _, err := slowDouble.Map(ctx, c, []int{1, 2}, jobs.Delay(-time.Second)); err == nil || !strings.Contains(err.Error(), "element 0") || !strings.Contains(err.Error(), "Delay") {
		t.Fatalf("bad option: %v", err)
	}
	if _, err := slowDouble.Map(ctx, c, []int{1, 2, 123456}); err == nil || !strings.Contains(err.Error(), "element 2") {
		t.Fatalf("payload over the limit: %v", err)
	}
	if st, err := c.Inspect().Stats(ctx); err != nil || st.Counts[store.Queued]+st.Counts[store.Scheduled] != 0 {
		t.Fatalf("after failed batches: %+v, %v; want nothing stored", st, err)
	}
	if g, err := slowDouble.Map(ctx, c, nil, jobs.Delay(-time.Second)); err != nil || g.Len() != 0 {
		t.Fatalf("empty batch: %v, %v; want an empty group", g, err)
	}
	c.Close()
	if _, err := slowDouble.Map(ctx, c, []int{1}); !errors.Is(err, jobs.ErrClientClosed) || !strings.Contains(err.Error(), "element 0") {
		t.Fatalf("closed client: %v", err)
	}
}
