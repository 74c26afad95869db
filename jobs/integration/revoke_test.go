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

func TestRevokeQueuedRunningFinished(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		ev := collectEvents(t, c)
		b := newBlocker("test.revoke-blocker")
		causes := make(chan error, 1)
		watch := jobs.Define("test.revoke-watch", func(ctx context.Context, _ int) (int, error) {
			<-ctx.Done()
			causes <- context.Cause(ctx)
			return 0, context.Cause(ctx)
		})
		// A queued job, revoked before any worker runs: never runs.
		hq, _ := b.def.Enqueue(ctx, c, "queued")
		if st, err := hq.Revoke(ctx, "not needed"); err != nil || st != store.Canceled {
			t.Fatalf("revoke of a queued job = %q, %v; want canceled", st, err)
		}
		if e := ev.waitFor(t, ctx, jobs.EventRevoked, hq.ID()); e.Name != b.def.Name() || e.Queue != "default" || e.Attempt != 0 || !errors.Is(e.Err, jobs.ErrRevoked) {
			t.Fatalf("revoked event of a queued job %+v", e)
		}
		_, err := hq.Await(ctx)
		je := wantJobError(t, err, store.Canceled, 0)
		if !errors.Is(err, jobs.ErrRevoked) || !strings.Contains(je.Err, "not needed") {
			t.Fatalf("revoked queued job: %v", err)
		}

		startWorker(t, c, fastOpts(jobs.WorkerOptions{LeaseDuration: 300 * time.Millisecond}), watch, b.def, add)
		// A running job: its ctx is cancelled with the reason.
		hr, _ := watch.Enqueue(ctx, c, 1)
		ev.waitFor(t, ctx, jobs.EventStarted, hr.ID())
		if st, err := c.Inspect().Revoke(ctx, hr.ID(), "operator said stop"); err != nil || st != store.Running {
			t.Fatalf("revoke of a running job = %q, %v; want running", st, err)
		}
		cause := <-causes
		if !errors.Is(cause, jobs.ErrRevoked) || !strings.Contains(cause.Error(), "operator said stop") {
			t.Fatalf("handler saw cause %v", cause)
		}
		_, err = hr.Await(ctx)
		wantJobError(t, err, store.Canceled, 1)
		if e := ev.waitFor(t, ctx, jobs.EventRevoked, hr.ID()); !errors.Is(e.Err, jobs.ErrRevoked) {
			t.Fatalf("revoked event %+v", e)
		}
		// A finished job: an error, nothing changes.
		hf, _ := add.Enqueue(ctx, c, addArgs{1, 1})
		if _, err := hf.Await(ctx); err != nil {
			t.Fatal(err)
		}
		if st, err := hf.Revoke(ctx, "too late"); !errors.Is(err, store.ErrFinal) || st != store.Succeeded {
			t.Fatalf("revoke of a finished job = %q, %v; want succeeded, ErrFinal", st, err)
		}
		if st, err := c.Inspect().Revoke(ctx, "01NOSUCHJOB000000000000000", "x"); !errors.Is(err, store.ErrNotFound) || st != "" {
			t.Fatalf("revoke of an unknown job = %q, %v", st, err)
		}
		// Restore puts the revoked queued job back; it runs.
		if st, err := c.Inspect().Restore(ctx, hq.ID()); err != nil || st != store.Queued {
			t.Fatalf("restore of a revoked job = %q, %v; want queued", st, err)
		}
		close(b.release)
		if got, err := jobs.HandleOf[string](c, hq.ID()).Await(ctx); err != nil || got != "queued" {
			t.Fatalf("restored job: %q, %v", got, err)
		}
		if st, err := c.Inspect().Restore(ctx, hf.ID()); !errors.Is(err, store.ErrNotCanceled) || st != store.Succeeded || !strings.Contains(err.Error(), "only canceled") {
			t.Fatalf("restore of a succeeded job = %q, %v; want succeeded, ErrNotCanceled", st, err)
		}
	})
}

var revName = jobs.Define("test.rev-name", func(ctx context.Context, n int) (int, error) { return n, nil })

func TestRevokeAllRestoreAllOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		in := c.Inspect()
		if err := in.RevokeAll(ctx, revName.Name(), jobs.RevokeAllOptions{Reason: "bad deploy"}); err != nil {
			t.Fatal(err)
		}
		rs, err := in.Revocations(ctx)
		if err != nil || len(rs) != 1 || rs[0].Name != revName.Name() || !rs[0].Until.IsZero() || rs[0].Reason != "bad deploy" {
			t.Fatalf("revocations %+v, %v", rs, err)
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), revName, add)
		h1, _ := revName.Enqueue(ctx, c, 1)
		_, err = h1.Await(ctx)
		je := wantJobError(t, err, store.Canceled, 1)
		if !strings.Contains(je.Err, "bad deploy") {
			t.Fatalf("skipped job's error %q", je.Err)
		}
		// Other definitions are unaffected.
		if _, err := add.Enqueue(ctx, c, addArgs{}); err != nil {
			t.Fatal(err)
		}
		if ok, err := in.RestoreAll(ctx, revName.Name()); err != nil || !ok {
			t.Fatalf("RestoreAll = %v, %v", ok, err)
		}
		// The worker's cache refreshes within about a second.
		time.Sleep(1100 * time.Millisecond)
		h2, _ := revName.Enqueue(ctx, c, 2)
		if got, err := h2.Await(ctx); err != nil || got != 2 {
			t.Fatalf("after restore: %d, %v", got, err)
		}
		// Once: exactly one job is skipped, the next runs.
		if err := in.RevokeAll(ctx, revName.Name(), jobs.RevokeAllOptions{Once: true}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		g, err := revName.Map(ctx, c, []int{10, 11, 12, 13})
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Await(ctx)
		var canceled int
		for _, e := range unwrapAll(err) {
			if errors.Is(e, jobs.ErrRevoked) {
				canceled++
			}
		}
		if canceled != 1 {
			t.Fatalf("revoke once skipped %d jobs (results %v, %v), want exactly 1", canceled, res, err)
		}
		if rs, _ := in.Revocations(ctx); len(rs) != 0 {
			t.Fatalf("revoke-once still listed after use: %+v", rs)
		}
		// Until in the past is refused.
		if err := in.RevokeAll(ctx, revName.Name(), jobs.RevokeAllOptions{Until: time.Now().Add(-time.Second)}); err == nil {
			t.Fatal("RevokeAll with Until in the past accepted")
		}
	})
}

func TestRevokeAllUntilLapses(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		if err := c.Inspect().RevokeAll(ctx, revName.Name(), jobs.RevokeAllOptions{Until: time.Now().Add(500 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), revName)
		h1, _ := revName.Enqueue(ctx, c, 1)
		_, err := h1.Await(ctx)
		wantJobError(t, err, store.Canceled, 1)
		time.Sleep(1600 * time.Millisecond) // the revocation lapsed and the cache refreshed
		h2, _ := revName.Enqueue(ctx, c, 2)
		if got, err := h2.Await(ctx); err != nil || got != 2 {
			t.Fatalf("after Until: %d, %v", got, err)
		}
	})
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}
