package jobs_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

// Inputs that every store used to take and then keep wrongly (or differently
// from the others) are refused before they reach the store, with what was
// wrong and what is accepted in the error.

var validateJob = jobs.Define("test.validate", func(ctx context.Context, n int) (int, error) { return n, nil })

// wantRefused fails t unless err names every one of parts.
func wantRefused(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted; want an error", what)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v; want an error that says %q", what, err, p)
		}
	}
}

// storedJobs is how many jobs the store holds, in any state.
func storedJobs(t *testing.T, ctx context.Context, c *jobs.Client) int {
	t.Helper()
	st, err := c.Inspect().Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range st.Counts {
		n += k
	}
	return n
}

func TestPriorityOutsideInt32Refused(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		for _, p := range []int{math.MaxInt32 + 1, 1 << 31, math.MinInt32 - 1, math.MaxInt64, math.MinInt64} {
			_, err := validateJob.Enqueue(ctx, c, 1, jobs.Priority(p))
			wantRefused(t, fmt.Sprintf("Priority(%d)", p), err, fmt.Sprintf("Priority(%d)", p), "-2147483648 to 2147483647")
		}
		if n := storedJobs(t, ctx, c); n != 0 {
			t.Fatalf("the store holds %d jobs after refused enqueues", n)
		}
		// The edges are kept as given, and the higher is claimed first.
		lo, err := validateJob.Enqueue(ctx, c, 1, jobs.Priority(math.MinInt32))
		if err != nil {
			t.Fatal(err)
		}
		hi, err := validateJob.Enqueue(ctx, c, 2, jobs.Priority(math.MaxInt32))
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]int{lo.ID(): math.MinInt32, hi.ID(): math.MaxInt32} {
			j, err := c.Inspect().Job(ctx, id)
			if err != nil || j.Priority != want {
				t.Fatalf("job %s holds priority %v (%v); want %d", id, j.Priority, err, want)
			}
		}
	})
}
