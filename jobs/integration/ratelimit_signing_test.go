package integration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

var rateLimited = jobs.Define("test.rate-limited", func(ctx context.Context, n int) (time.Time, error) {
	return time.Now(), nil
}, jobs.RateLimit(3, time.Second))

func TestRateLimitAcrossWorkers(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ctx := testCtx(t)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), rateLimited)
		startWorker(t, c, fastOpts(jobs.WorkerOptions{}), rateLimited)
		g, err := rateLimited.Map(ctx, c, []int{1, 2, 3, 4, 5, 6, 7, 8, 9})
		if err != nil {
			t.Fatal(err)
		}
		starts, err := g.Await(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perWindow := map[int64]int{}
		for _, s := range starts {
			perWindow[s.Truncate(time.Second).Unix()]++
		}
		for w, n := range perWindow {
			if n > 3 {
				t.Fatalf("%d starts in the window at %d, limit 3 (all: %v)", n, w, perWindow)
			}
		}
		for _, h := range g.Handles() {
			if info, _ := c.Inspect().Job(ctx, h.ID()); info.Attempt != 1 {
				t.Fatalf("a deferral spent an attempt: %d", info.Attempt)
			}
		}
	})
}

func TestSigning(t *testing.T) {
	eachStore(t, func(t *testing.T, c0 *jobs.Client) {
		ctx := testCtx(t)
		oldKey := []byte("the-old-key-0123456789")
		newKey := []byte("the-new-key-0123456789")
		st := c0.Store()
		signedOld, err := jobs.New(st, jobs.WithSigning(oldKey))
		if err != nil {
			t.Fatal(err)
		}
		defer signedOld.Close()
		rotated, err := jobs.New(st, jobs.WithSigning(newKey, oldKey))
		if err != nil {
			t.Fatal(err)
		}
		defer rotated.Close()
		ev := collectEvents(t, rotated)
		startWorker(t, rotated, fastOpts(jobs.WorkerOptions{}), add)

		// Signed with the new key, or with the old one during rotation: runs.
		h1, _ := add.Enqueue(ctx, rotated, addArgs{1, 2})
		h2, _ := add.Enqueue(ctx, signedOld, addArgs{2, 2})
		for i, h := range []*jobs.Handle[int]{h1, h2} {
			if _, err := h.Await(ctx); err != nil {
				t.Fatalf("signed job %d: %v", i, err)
			}
		}
		// Tampered in the store: the arguments changed after signing.
		hidden, _ := jobs.New(st, jobs.WithSigning(newKey))
		defer hidden.Close()
		// A paused queue keeps it from being claimed while it is changed.
		if err := c0.Inspect().Pause(ctx, "tamper"); err != nil {
			t.Fatal(err)
		}
		ht, _ := add.Enqueue(ctx, hidden, addArgs{1, 1}, jobs.Queue("tamper"))
		j, _ := st.Get(ctx, ht.ID())
		forged := *j
		forged.ID = "01FORGED000000000000000000"
		forged.Args = []byte(`{"A":1000,"B":1}`)
		forged.Queue = "default"
		if _, err := st.Insert(ctx, []*store.Job{&forged}); err != nil {
			t.Fatal(err)
		}
		// Unsigned: enqueued by a client without the key.
		hu, _ := add.Enqueue(ctx, c0, addArgs{3, 3})
		for _, tc := range []struct {
			id, want string
		}{{forged.ID, "did not verify"}, {hu.ID(), "unsigned"}} {
			_, err := jobs.HandleOf[int](c0, tc.id).Await(ctx)
			je := wantJobError(t, err, store.Dead, 1)
			if !strings.Contains(je.Err, "signature did not verify") || !strings.Contains(je.Err, tc.want) {
				t.Fatalf("job %s error %q: want it to say the signature did not verify (%s)", tc.id, je.Err, tc.want)
			}
		}
		for _, e := range ev.waitAll(t, ctx, jobs.EventDeadLettered, forged.ID, hu.ID()) {
			if e.Err == nil || !strings.Contains(e.Err.Error(), "signature did not verify") {
				t.Fatalf("dead-lettered event %+v", e)
			}
		}
		if _, err := jobs.New(st, jobs.WithSigning([]byte("short"))); err == nil || !strings.Contains(err.Error(), "at least 16") {
			t.Fatalf("short key: %v", err)
		}
	})
}
