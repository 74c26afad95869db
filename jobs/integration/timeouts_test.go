package integration_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

var slowThenFast = jobs.Define("test.slow-then-fast", func(ctx context.Context, _ int) (int, error) {
	j, _ := jobs.JobFromContext(ctx)
	if j.Attempt == 1 {
		<-ctx.Done()
		if !errors.Is(context.Cause(ctx), jobs.ErrTimeout) {
			return 0, errors.New("cause is not ErrTimeout")
		}
		return 0, ctx.Err()
	}
	return j.Attempt, nil
}, jobs.Timeout(200*time.Millisecond), jobs.Retries(1), jobs.RetryDelay(func(int) time.Duration { return time.Millisecond }))

func TestTimeoutFailsRetriesAndIsDistinguishable(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), slowThenFast, timesOut)
		h, _ := slowThenFast.Enqueue(ctx, c, 0)
		if got, err := h.Await(ctx); err != nil || got != 2 {
			t.Fatalf("Await = %d, %v; want success on the retry", got, err)
		}
		e := ev.waitFor(t, ctx, jobs.EventFailed, h.ID())
		if !errors.Is(e.Err, jobs.ErrTimeout) || !errors.Is(e.Err, context.DeadlineExceeded) {
			t.Fatalf("failed event error %v: want it to match ErrTimeout", e.Err)
		}
		ev.waitFor(t, ctx, jobs.EventRetrying, h.ID())
		// Out of attempts: dead, and the handle's error matches ErrTimeout.
		h2, _ := timesOut.Enqueue(ctx, c, 0)
		_, err := h2.Await(ctx)
		wantJobError(t, err, store.Dead, 1)
		if !errors.Is(err, jobs.ErrTimeout) || errors.Is(err, jobs.ErrRevoked) {
			t.Fatalf("handle error %v: want ErrTimeout only", err)
		}
	})
}

func TestExpiry(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		// Enqueued with a one-second expiry while no worker runs.
		h, err := add.Enqueue(ctx, c, addArgs{1, 2}, jobs.Expires(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		hAt, _ := add.Enqueue(ctx, c, addArgs{1, 2}, jobs.ExpiresAt(time.Now().Add(time.Second)))
		hOK, _ := add.Enqueue(ctx, c, addArgs{2, 2}, jobs.Expires(time.Hour))
		time.Sleep(1100 * time.Millisecond)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), add)
		for _, hh := range []*jobs.Handle[int]{h, hAt} {
			_, err := hh.Await(ctx)
			var je *jobs.JobError
			if !errors.As(err, &je) || je.State != store.Expired || !errors.Is(err, jobs.ErrExpired) || !strings.Contains(err.Error(), "expir") {
				t.Fatalf("expired job: %v", err)
			}
		}
		if got, err := hOK.Await(ctx); err != nil || got != 4 {
			t.Fatalf("job within its expiry: %d, %v", got, err)
		}
		// The worker expired it at claim (with an event), or the recovery
		// sweep did (without one); either way it never ran.
		info, _ := c.Inspect().Job(ctx, h.ID())
		if info.State != store.Expired || info.Result != nil {
			t.Fatalf("expired job record: %+v", info)
		}
		if _, err := add.Enqueue(ctx, c, addArgs{}, jobs.Expires(-time.Second)); err == nil {
			t.Fatal("Expires(-1s) accepted")
		}
	})
}

func TestExpiredAtClaimEmitsEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		// Ready after its expiry, and a recovery sweep only at start (when
		// it has not expired yet): the worker that claims it drops it.
		startWorker(t, c, fastOpts(jobs.WorkerOptions{LeaseDuration: time.Hour, RecoverInterval: time.Hour}), add)
		h, _ := add.Enqueue(ctx, c, addArgs{}, jobs.Delay(time.Second), jobs.Expires(500*time.Millisecond))
		_, err := h.Await(ctx)
		if !errors.Is(err, jobs.ErrExpired) {
			t.Fatalf("Await = %v", err)
		}
		if e := ev.waitFor(t, ctx, jobs.EventExpired, h.ID()); !errors.Is(e.Err, jobs.ErrExpired) {
			t.Fatalf("expired event %+v", e)
		}
	})
}
