package redis_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// TestClaimNamesSkipBound shows the bound on a claim by name: it steps
// over at most store.ClaimSkipMin jobs of other names per queue. A job
// behind more of them waits, and is claimed once the ones ahead leave.
func TestClaimNamesSkipBound(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	job := func(id, name string, priority int) *store.Job {
		return &store.Job{ID: id, Name: name, Queue: "q", Priority: priority, State: store.Queued, MaxAttempts: 1, RunAt: t0, EnqueuedAt: t0}
	}
	var ahead []*store.Job
	for i := range store.ClaimSkipMin + 10 {
		ahead = append(ahead, job(fmt.Sprintf("y%05d", i), "y", 1))
	}
	if _, err := s.Insert(ctx, append(ahead, job("x1", "x", 0))); err != nil {
		t.Fatal(err)
	}
	claim := func(names ...string) []string {
		t.Helper()
		got, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"q"}, Limit: 20, Owner: "w", Now: t0, LeaseUntil: t0.Add(time.Minute), Names: names})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(got))
		for i, j := range got {
			ids[i] = j.ID
		}
		return ids
	}
	if got := claim("x"); len(got) != 0 {
		t.Fatalf("claimed %v behind %d jobs of another name; want none (past the bound)", got, len(ahead))
	}
	if got := claim("y"); len(got) != 20 || got[0] != "y00000" {
		t.Fatalf("claimed %v knowing y; want the first 20 y jobs", got)
	}
	if got := claim("x"); !slices.Equal(got, []string{"x1"}) {
		t.Fatalf("claimed %v once fewer than the bound are ahead; want [x1]", got)
	}
}
