package integration_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// Inputs that every store used to take and then keep wrongly (or differently
// from the others) are refused before they reach the store, with what was
// wrong and what is accepted in the error.

var validateJob = jobs.Define("test.validate", func(ctx context.Context, n int) (int, error) { return n, nil })

// latestTime is the latest instant every store holds (SQLite keeps Unix
// nanoseconds in an int64), as errors spell it.
const latestTime = "2262-04-11T23:47:16Z"

const year = 365 * 24 * time.Hour

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

func TestUniqueTTLBeyondStoresRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		for _, tc := range []struct {
			name string
			opt  jobs.EnqueueOption
		}{
			{"Unique max", jobs.Unique("k", math.MaxInt64)},
			{"Unique 270y", jobs.Unique("k", 270*year)},
			{"UniqueArgs max", jobs.UniqueArgs(math.MaxInt64)},
		} {
			// Twice: a refused key must not be held either.
			for range 2 {
				_, err := validateJob.Enqueue(ctx, c, 1, tc.opt)
				if errors.Is(err, jobs.ErrDuplicate) {
					t.Fatalf("%s: %v; want the ttl refused", tc.name, err)
				}
				wantRefused(t, tc.name, err, "ttl", latestTime, "want")
			}
		}
		if n := storedJobs(t, ctx, c); n != 0 {
			t.Fatalf("the store holds %d jobs after refused enqueues", n)
		}
		// A long ttl that the stores hold still makes duplicates.
		h1, err := validateJob.Enqueue(ctx, c, 1, jobs.Unique("k", 100*year))
		if err != nil {
			t.Fatal(err)
		}
		h2, err := validateJob.Enqueue(ctx, c, 1, jobs.Unique("k", 100*year))
		if !errors.Is(err, jobs.ErrDuplicate) || h2 == nil || h2.ID() != h1.ID() {
			t.Fatalf("second enqueue with a 100-year ttl: %v; want ErrDuplicate naming %s", err, h1.ID())
		}
	})
}

func TestLockRetryBeyondStoresRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		_, err := validateJob.Enqueue(ctx, c, 1, jobs.Lock("l"), jobs.LockRetry(math.MaxInt64))
		wantRefused(t, "LockRetry(max)", err, "LockRetry", latestTime, "want")
		if n := storedJobs(t, ctx, c); n != 0 {
			t.Fatalf("the store holds %d jobs after a refused enqueue", n)
		}
	})
}

func TestTimesBeyondStoresRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		y3000 := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			name string
			opt  jobs.EnqueueOption
		}{
			{"At", jobs.At(y3000)},
			{"Delay", jobs.Delay(270 * year)},
			{"Delay", jobs.Delay(math.MaxInt64)},
			{"ExpiresAt", jobs.ExpiresAt(y3000)},
			{"Expires", jobs.Expires(math.MaxInt64)},
		} {
			_, err := validateJob.Enqueue(ctx, c, 1, tc.opt)
			wantRefused(t, tc.name, err, tc.name+"(", latestTime, "want")
		}
		if n := storedJobs(t, ctx, c); n != 0 {
			t.Fatalf("the store holds %d jobs after refused enqueues", n)
		}
		// The latest whole second that every store holds is kept as is.
		last, _ := time.Parse(time.RFC3339, latestTime)
		h, err := validateJob.Enqueue(ctx, c, 1, jobs.At(last), jobs.ExpiresAt(last))
		if err != nil {
			t.Fatal(err)
		}
		j, err := c.Inspect().Job(ctx, h.ID())
		if err != nil || !j.RunAt.Equal(last) || !j.ExpiresAt.Equal(last) {
			t.Fatalf("job at %s holds RunAt %v, ExpiresAt %v (%v)", last, j.RunAt, j.ExpiresAt, err)
		}
	})
}

func TestPauseRefusesBadQueueNames(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		for _, q := range []string{strings.Repeat("q", 10<<10), "<b>x</b>", "", "a b", "-lead"} {
			err := c.Inspect().Pause(ctx, q)
			wantRefused(t, fmt.Sprintf("Pause(%.20q)", q), err, "queue name", "1 to 128 characters")
			if err != nil && len(err.Error()) > 400 {
				t.Errorf("Pause(%.20q): an error of %d bytes; want the name clipped", q, len(err.Error()))
			}
		}
		qs, err := c.Inspect().Queues(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.Paused {
				t.Errorf("queue %.20q is paused", q.Name)
			}
		}
		// Names that queues may have are paused as before.
		if err := c.Inspect().Pause(ctx, "emails.high"); err != nil {
			t.Fatal(err)
		}
	})
}
