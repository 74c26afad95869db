package redis_test

import (
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/redis"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// delayed returns a job scheduled d from now.
func delayed(id string, d time.Duration) *store.Job {
	j := newJob(id)
	j.State, j.RunAt = store.Scheduled, time.Now().UTC().Add(d)
	return j
}

// recvDue waits for a signal on ch and checks that it did not come
// before due: it was the timer for due, not some other event.
func recvDue(t *testing.T, ch <-chan struct{}, due time.Time, what string) {
	t.Helper()
	recv(t, ch, what)
	if now := time.Now(); now.Before(due.Truncate(time.Millisecond)) {
		t.Fatalf("%s came at %v, before the job's RunAt %v", what, now, due)
	}
}

func claimNow(t *testing.T, s *redis.Store) []*store.Job {
	t.Helper()
	now := time.Now().UTC()
	got, err := s.Claim(bg, store.ClaimRequest{Queues: []string{"default"}, Limit: 10, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A delayed job inserted by another process wakes the workers waiting for
// its queue when it falls due, with nothing claimed or polled meanwhile.
func TestDelayedJobWakesWhenDue(t *testing.T) {
	a, b := pair(t)
	subscribed(t, a)
	ready := storetest.Ready(t, a, []string{"default"})
	other := storetest.Ready(t, a, []string{"elsewhere"})
	later := delayed("d0", time.Hour)
	j := delayed("d1", 300*time.Millisecond)
	if _, err := b.Insert(bg, []*store.Job{later}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Insert(bg, []*store.Job{j}); err != nil {
		t.Fatal(err)
	}
	recvDue(t, ready, j.RunAt, "Ready signal when the delayed job fell due")
	if got := claimNow(t, a); len(got) != 1 || got[0].ID != "d1" {
		t.Fatalf("claimed %d jobs after the wake-up; want d1", len(got))
	}
	quietFor(t, other, "Ready signal on a queue without delayed jobs")
}

// A worker that starts after a job was delayed learns when it falls due
// from its first (empty) claim.
func TestDelayedJobWakesAfterEmptyClaim(t *testing.T) {
	a, b := pair(t)
	j := delayed("d2", 300*time.Millisecond)
	if _, err := b.Insert(bg, []*store.Job{j}); err != nil {
		t.Fatal(err)
	}
	ready := storetest.Ready(t, a, []string{"default"})
	recv(t, ready, "the wake-up of a new subscription")
	if got := claimNow(t, a); len(got) != 0 {
		t.Fatalf("claimed %d jobs before the delay ran out", len(got))
	}
	recvDue(t, ready, j.RunAt, "Ready signal when the delayed job fell due")
	if got := claimNow(t, a); len(got) != 1 || got[0].ID != "d2" {
		t.Fatalf("claimed %d jobs after the wake-up; want d2", len(got))
	}
}

// A retry with backoff wakes the workers again when the backoff runs out.
func TestRetryWakesWhenBackoffEnds(t *testing.T) {
	a, b := pair(t)
	subscribed(t, a)
	ready := storetest.Ready(t, a, []string{"default"})
	if _, err := b.Insert(bg, []*store.Job{newJob("d3")}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal for the new job")
	if got := claimNow(t, a); len(got) != 1 {
		t.Fatalf("claimed %d jobs; want d3", len(got))
	}
	now := time.Now().UTC()
	retryAt := now.Add(300 * time.Millisecond)
	if _, err := b.Finish(bg, []store.Outcome{{ID: "d3", Owner: "w", State: store.Scheduled, Error: "again", RunAt: retryAt, FinishedAt: now}}); err != nil {
		t.Fatal(err)
	}
	recv(t, ready, "Ready signal after the retry outcome")
	if got := claimNow(t, a); len(got) != 0 {
		t.Fatalf("claimed %d jobs before the backoff ran out", len(got))
	}
	recvDue(t, ready, retryAt, "Ready signal when the backoff ran out")
	if got := claimNow(t, a); len(got) != 1 || got[0].Attempt != 2 {
		t.Fatalf("claimed %+v after the wake-up; want d3's second attempt", got)
	}
}
