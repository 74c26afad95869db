package integration_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

var (
	orphanOnce = jobs.Define("test.orphan-once", func(ctx context.Context, n int) (int, error) {
		return n, nil
	}, jobs.Queue("orphans"), jobs.Retries(0))
	orphanRetried = jobs.Define("test.orphan-retried", func(ctx context.Context, n int) (int, error) {
		return n, nil
	}, jobs.Queue("orphans"), jobs.Retries(1))
	unserved = jobs.Define("test.unserved", func(ctx context.Context, n int) (int, error) {
		return n, nil
	}, jobs.Queue("unserved"))
)

// TestRecoveredJobsEmitEvents: jobs whose worker vanished mid-attempt, and
// a waiting job whose deadline passed in a queue no worker serves, are
// moved by another worker's recovery sweep, and that worker emits their
// events: subscribers (metrics among them) see every dead-lettered job,
// not only those a handler failed.
func TestRecoveredJobsEmitEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		once, err := orphanOnce.Enqueue(ctx, c, 1)
		if err != nil {
			t.Fatal(err)
		}
		retried, err := orphanRetried.Enqueue(ctx, c, 2)
		if err != nil {
			t.Fatal(err)
		}
		expired, err := unserved.Enqueue(ctx, c, 3, jobs.Expires(10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		// A worker that claims both jobs and is never heard from again.
		start := time.Now()
		got, err := c.Store().Claim(ctx, store.ClaimRequest{Queues: []string{"orphans"}, Limit: 2, Owner: "vanished",
			Now: start, LeaseUntil: start.Add(jobs.MinLeaseDuration)})
		if err != nil || len(got) != 2 {
			t.Fatalf("claim = %d jobs, %v; want both orphans", len(got), err)
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{Queues: map[string]int{"orphans": 1},
			LeaseDuration: time.Second, RecoverInterval: 20 * time.Millisecond}), orphanOnce, orphanRetried)

		seen := ev.collect(t, ctx, []eventKey{
			{jobs.EventFailed, once.ID()}, {jobs.EventDeadLettered, once.ID()},
			{jobs.EventFailed, retried.ID()}, {jobs.EventRetrying, retried.ID()}, {jobs.EventSucceeded, retried.ID()},
			{jobs.EventExpired, expired.ID()},
		})

		// No attempts left: Failed, then DeadLettered, and the handle's error says why.
		f := seen[eventKey{jobs.EventFailed, once.ID()}]
		if !errors.Is(f.Err, jobs.ErrLeaseExpired) || f.Attempt != 1 || f.Name != "test.orphan-once" || f.Queue != "orphans" {
			t.Fatalf("failed event %+v (err %v); want attempt 1 of test.orphan-once in orphans, matching ErrLeaseExpired", f, f.Err)
		}
		if d := seen[eventKey{jobs.EventDeadLettered, once.ID()}]; !errors.Is(d.Err, jobs.ErrLeaseExpired) || d.Attempt != 1 {
			t.Fatalf("dead-lettered event %+v; want attempt 1, matching ErrLeaseExpired", d)
		}
		_, err = once.Await(ctx)
		wantJobError(t, err, store.Dead, 1)
		if !errors.Is(err, jobs.ErrLeaseExpired) {
			t.Fatalf("Await = %v; want an error matching ErrLeaseExpired", err)
		}

		// An attempt left: Failed, Retrying, then the live worker runs it.
		if f := seen[eventKey{jobs.EventFailed, retried.ID()}]; !errors.Is(f.Err, jobs.ErrLeaseExpired) {
			t.Fatalf("failed event %+v; want ErrLeaseExpired", f)
		}
		if r := seen[eventKey{jobs.EventRetrying, retried.ID()}]; !errors.Is(r.Err, jobs.ErrLeaseExpired) || r.Attempt != 1 {
			t.Fatalf("retrying event %+v; want attempt 1, matching ErrLeaseExpired", r)
		}
		if s := seen[eventKey{jobs.EventSucceeded, retried.ID()}]; s.Attempt != 2 {
			t.Fatalf("succeeded event %+v; want attempt 2", s)
		}
		if v, err := retried.Await(ctx); err != nil || v != 2 {
			t.Fatalf("retried job = %d, %v; want 2 from its second attempt", v, err)
		}

		// A waiting job in a queue nobody serves still expires, with its event.
		if e := seen[eventKey{jobs.EventExpired, expired.ID()}]; !errors.Is(e.Err, jobs.ErrExpired) || e.Name != "test.unserved" {
			t.Fatalf("expired event %+v; want test.unserved, matching ErrExpired", e)
		}
		if _, err := expired.Await(ctx); !errors.Is(err, jobs.ErrExpired) {
			t.Fatalf("Await of the expired job = %v; want ErrExpired", err)
		}
	})
}
