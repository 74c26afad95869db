package integration_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/jobtype"
)

// cancelProbe is what one cancelWatch job reports: that it started, and
// the cause its ctx ended with.
type cancelProbe struct {
	started chan struct{}
	cause   chan error
	at      time.Time // when the ctx ended; set before cause is sent
}

var (
	cancelProbes    sync.Map // the job's argument to *cancelProbe
	lastCancelProbe atomic.Int64
)

// newCancelProbe returns the argument of a cancelWatch job and the probe
// its handler reports to.
func newCancelProbe() (int, *cancelProbe) {
	n := int(lastCancelProbe.Add(1))
	p := &cancelProbe{started: make(chan struct{}, 1), cause: make(chan error, 1)}
	cancelProbes.Store(n, p)
	return n, p
}

// cancelWatch runs until its ctx ends and reports to the probe of its
// argument.
var cancelWatch = jobs.Define("test.cancel-watch", func(ctx context.Context, n int) (int, error) {
	v, _ := cancelProbes.Load(n)
	p := v.(*cancelProbe)
	p.started <- struct{}{}
	<-ctx.Done()
	p.at = time.Now()
	p.cause <- context.Cause(ctx)
	return 0, context.Cause(ctx)
})

// TestRevokeFromAnotherClientIsPushed: a revoke made through another
// client, whose store instance is not the worker's (as from another
// process), reaches the running handler through the store's push, long
// before the worker's next heartbeat would find it.
func TestRevokeFromAnotherClientIsPushed(t *testing.T) {
	eachStorePair(t, func(t *testing.T, worker, admin *jobs.Client) {
		ctx := testCtx(t)
		// Heartbeats every 30s: only a push can cancel the handler within
		// the bound below.
		startWorker(t, worker, fastOpts(jobs.WorkerOptions{LeaseDuration: 90 * time.Second, HeartbeatInterval: 30 * time.Second}), cancelWatch)
		arg, probe := newCancelProbe()
		h, err := cancelWatch.Enqueue(ctx, admin, arg)
		if err != nil {
			t.Fatal(err)
		}
		<-probe.started
		if st, err := admin.Inspect().Revoke(ctx, h.ID(), "stop from afar"); err != nil || st != jobtype.Running {
			t.Fatalf("revoke of a running job = %q, %v; want running", st, err)
		}
		select {
		case cause := <-probe.cause:
			if !errors.Is(cause, jobs.ErrRevoked) || !strings.Contains(cause.Error(), "stop from afar") {
				t.Fatalf("handler saw cause %v", cause)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the revoke did not reach the running handler within 5s; the heartbeat is 30s away: no push")
		}
		_, err = h.Await(ctx)
		wantJobError(t, err, jobtype.Canceled, 1)

		// The result says what the revoke did, from either client: a
		// waiting job is canceled; a final one is left as it is.
		later, err := cancelWatch.Enqueue(ctx, worker, 0, jobs.Delay(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if st, err := admin.Inspect().Revoke(ctx, later.ID(), "not wanted"); err != nil || st != jobtype.Canceled {
			t.Fatalf("revoke of a scheduled job = %q, %v; want canceled", st, err)
		}
		for _, id := range []string{h.ID(), later.ID()} {
			if st, err := worker.Inspect().Revoke(ctx, id, "again"); !errors.Is(err, jobtype.ErrFinal) || st != jobtype.Canceled {
				t.Fatalf("second revoke of %s = %q, %v; want canceled, ErrFinal", id, st, err)
			}
		}
	})
}

// TestRevokeEventWithoutReadBack: the EventRevoked of a job that had not
// started is made from what the revoke itself returned, without reading
// the job back.
func TestRevokeEventWithoutReadBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, mem := memClient(t)
		q := &quietStore{Store: mem}
		c, err := jobs.New(q)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		ev := collectEvents(t, c)
		h, err := add.Enqueue(ctx, c, addArgs{1, 2}, jobs.Queue("sums"))
		if err != nil {
			t.Fatal(err)
		}
		if st, err := h.Revoke(ctx, "not needed"); err != nil || st != jobtype.Canceled {
			t.Fatalf("Revoke = %q, %v; want canceled", st, err)
		}
		e := ev.waitFor(t, testCtx(t), jobs.EventRevoked, h.ID())
		if e.Name != add.Name() || e.Queue != "sums" || e.Attempt != 0 || !errors.Is(e.Err, jobs.ErrRevoked) {
			t.Fatalf("revoked event %+v", e)
		}
		if gets := q.readTimes(); len(gets) != 0 {
			t.Fatalf("Revoke read the job back %d times; want none", len(gets))
		}
	})
}
