package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Claims filtered by job name (ClaimRequest.Names) and ReadyNames: a
// worker never receives a job it cannot run, and the jobs it leaves keep
// their attempts and their place.

// claimNames claims up to limit jobs of names from queues at now.
func claimNames(t *testing.T, s store.Store, limit int, now time.Time, queues, names []string) []*store.Job {
	t.Helper()
	got, err := s.Claim(bg, store.ClaimRequest{Queues: queues, Limit: limit, Owner: "w", Now: now, LeaseUntil: now.Add(30 * time.Second), Names: names})
	if err != nil {
		t.Fatalf("Claim(names %q): %v", names, err)
	}
	return got
}

// named returns a queued job of name in queue "default".
func named(id, name string, priority int) *store.Job {
	j := newJob(id)
	j.Name, j.Priority = name, priority
	return j
}

// wantUntouched checks that job id waits as it was inserted: Queued,
// no attempt, no lease.
func wantUntouched(t *testing.T, s store.Store, id string) {
	t.Helper()
	j := wantState(t, s, id, store.Queued)
	if j.Attempt != 0 || j.LeaseOwner != "" || !j.StartedAt.IsZero() {
		t.Fatalf("job %s: attempt %d, lease owner %q, started %v; want 0, none, never (a claim that skips a job leaves it alone)", id, j.Attempt, j.LeaseOwner, j.StartedAt)
	}
}

func testClaimNames(t *testing.T, s store.Store) {
	// y1 is ahead of everything; y2 sorts between the x jobs.
	insert(t, s, named("n1", "y", 5), named("n2", "x", 0), named("n3", "y", 0), named("n4", "x", 0))
	q := []string{"default"}
	if got := claimNames(t, s, 10, at(time.Second), q, []string{"x"}); !slices.Equal(ids(got), []string{"n2", "n4"}) {
		t.Fatalf("claimed %v knowing {x}; want [n2 n4], in claim order, and no y", ids(got))
	}
	if got := claimNames(t, s, 10, at(2*time.Second), q, []string{"x", "z"}); len(got) != 0 {
		t.Fatalf("claimed %v knowing {x z} with only y left; want none", ids(got))
	}
	wantUntouched(t, s, "n1")
	wantUntouched(t, s, "n3")
	// The y jobs kept their place: a claim of any name takes them in
	// claim order, with their first attempt.
	got := claim(t, s, "w2", 10, at(3*time.Second))
	if !slices.Equal(ids(got), []string{"n1", "n3"}) || got[0].Attempt != 1 || got[1].Attempt != 1 {
		t.Fatalf("claimed %v (attempts %v) with no Names; want [n1 n3] at attempt 1", ids(got), attempts(got))
	}
}

func attempts(jobs []*store.Job) []int {
	out := make([]int, len(jobs))
	for i, j := range jobs {
		out[i] = j.Attempt
	}
	return out
}

func testClaimNamesBehindMany(t *testing.T, s store.Store) {
	// 300 jobs nobody here can run, all ahead of one it can, in two
	// queues; a due Scheduled job of each kind too.
	var many []*store.Job
	for i := range 300 {
		j := named(fmt.Sprintf("b%03d", i), "y", 1)
		if i%2 == 1 {
			j.Queue = "other"
		}
		many = append(many, j)
	}
	insert(t, s, many...)
	x, xs, ys := named("bx1", "x", 0), named("bx2", "x", 0), named("by1", "y", 9)
	x.Queue = "other"
	xs.State, xs.RunAt = store.Scheduled, at(time.Second)
	ys.State, ys.RunAt = store.Scheduled, at(time.Second)
	insert(t, s, x, xs, ys)
	got := claimNames(t, s, 1, at(2*time.Second), []string{"other"}, []string{"x"})
	if !slices.Equal(ids(got), []string{"bx1"}) || got[0].Attempt != 1 {
		t.Fatalf("claimed %v behind 150 jobs of another name; want [bx1] at attempt 1", ids(got))
	}
	got = claimNames(t, s, 5, at(2*time.Second), []string{"default", "other"}, []string{"x"})
	if !slices.Equal(ids(got), []string{"bx2"}) {
		t.Fatalf("claimed %v from two queues behind 300 jobs of another name; want the due scheduled [bx2]", ids(got))
	}
	for _, id := range []string{"b000", "b001", "b299"} {
		wantUntouched(t, s, id)
	}
	if j := get(t, s, "by1"); j.Attempt != 0 || j.State == store.Running {
		t.Fatalf("due scheduled job of another name: %s at attempt %d; want it waiting at 0", j.State, j.Attempt)
	}
	if got := claim(t, s, "w2", 1, at(3*time.Second), "default"); !slices.Equal(ids(got), []string{"by1"}) {
		t.Fatalf("claimed %v with no Names; want by1 first (priority 9), its place kept", ids(got))
	}
}

func testClaimNamesAny(t *testing.T, s store.Store) {
	insert(t, s, named("a1", "x", 0), named("a2", "y", 0), named("a3", "z", 1))
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 10, Owner: "w", Now: at(time.Second), LeaseUntil: at(time.Minute), Names: []string{}})
	if err != nil || !slices.Equal(ids(got), []string{"a3", "a1", "a2"}) {
		t.Fatalf("Claim with empty Names = %v, %v; want every name: [a3 a1 a2]", ids(got), err)
	}
	insert(t, s, named("a4", "x", 0), named("a5", "y", 0))
	// Duplicates and order do not matter.
	got = claimNames(t, s, 10, at(2*time.Second), []string{"default"}, []string{"y", "x", "y"})
	if !slices.Equal(ids(got), []string{"a4", "a5"}) {
		t.Fatalf("claimed %v knowing {y x y}; want [a4 a5]", ids(got))
	}
}

func testReadyNames(t *testing.T, s store.Store) {
	later := named("r6", "z", 0)
	later.State, later.RunAt = store.Scheduled, at(time.Hour)
	due := named("r7", "w", 0)
	due.State, due.RunAt = store.Scheduled, at(time.Second)
	inB, inC := named("r4", "y", 0), named("r5", "x", 0)
	inB.Queue, inC.Queue = "b", "c"
	insert(t, s, named("r1", "x", 0), named("r2", "x", 3), named("r3", "y", 0), inB, inC, later, due, named("r8", "x", 0))
	if err := s.Pause(bg, "c"); err != nil {
		t.Fatal(err)
	}
	claimNames(t, s, 1, at(time.Second), []string{"default"}, []string{"x"}) // r2: running, not counted
	got, err := s.ReadyNames(bg, []string{"default", "b", "c", "empty", "b"}, at(2*time.Second))
	if err != nil {
		t.Fatalf("ReadyNames: %v", err)
	}
	rn := func(q, n string, c int) store.ReadyName { return store.ReadyName{Queue: q, Name: n, Count: c} }
	want := []store.ReadyName{rn("b", "y", 1), rn("default", "w", 1), rn("default", "x", 2), rn("default", "y", 1)}
	if !slices.Equal(got, want) {
		t.Fatalf("ReadyNames = %v; want %v (claimable only: not running, not later, not paused)", got, want)
	}
	wantUntouched(t, s, "r1")
	if j := get(t, s, "r7"); j.Attempt != 0 || j.State == store.Running {
		t.Fatalf("due job after ReadyNames: %s, attempt %d", j.State, j.Attempt)
	}
	if got, err := s.ReadyNames(bg, []string{"empty"}, at(2*time.Second)); err != nil || len(got) != 0 {
		t.Fatalf("ReadyNames of an empty queue = %v, %v; want none", got, err)
	}
}
