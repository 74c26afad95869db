package jobs_test

import (
	"context"
	"slices"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

// TestJobsNewestFirst pages through the same jobs both ways: newest
// first continues with Page.Next as Before, oldest first with it as After.
func TestJobsNewestFirst(t *testing.T) {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var want []string
	for i := range 7 {
		h, err := square.Enqueue(ctx, c, i)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, h.ID())
	}
	list := func(o jobs.ListOptions) []string {
		var got []string
		for {
			p, err := c.Inspect().Jobs(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range p.Jobs {
				got = append(got, j.ID)
			}
			if p.Next == "" {
				return got
			}
			if o.Newest {
				o.Before = p.Next
			} else {
				o.After = p.Next
			}
		}
	}
	if got := list(jobs.ListOptions{Limit: 3}); !slices.Equal(got, want) {
		t.Errorf("oldest first: %v, want %v", got, want)
	}
	slices.Reverse(want)
	if got := list(jobs.ListOptions{Limit: 3, Newest: true}); !slices.Equal(got, want) {
		t.Errorf("newest first: %v, want %v", got, want)
	}
}
