package integration_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
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
		if err := admin.Inspect().Revoke(ctx, h.ID(), "stop from afar"); err != nil {
			t.Fatal(err)
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
		wantJobError(t, err, "canceled", 1)
	})
}
