package redis_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/servertest"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// TestServerRestart: a private redis-server (append-only file, fsync on
// every write) is killed with SIGKILL and restarted in the middle of a
// run. Worker processes and the waiting client reconnect by themselves,
// and every job whose enqueue was acknowledged runs and succeeds.
func TestServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and restarts redis-server and worker processes")
	}
	ps := servertest.StartRedis(t)
	url := ps.URL() + "?namespace=restart"
	c, err := jobs.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ws []*child
	for range 2 {
		w := startChild(t, "worker", url, childLeaseEnv+"=1s")
		w.waitReady(t)
		ws = append(ws, w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Waiting clients: every acknowledged job is awaited as it is
	// enqueued, through the outage.
	type result struct {
		n   int
		got ran
		err error
	}
	results := make(chan result, 1000)
	var waiters sync.WaitGroup
	await := func(n int, h *jobs.Handle[ran]) {
		waiters.Go(func() {
			got, err := h.Await(ctx)
			results <- result{n, got, err}
		})
	}

	const n = 300
	acked, failed := 0, 0
	var up <-chan error
	var ids []string
	for i := 0; acked < n; i++ {
		if ctx.Err() != nil {
			t.Fatalf("only %d of %d enqueues acknowledged", acked, n)
		}
		if acked == n/3 && up == nil {
			// Down for a while: enqueues meanwhile are refused, workers'
			// claims and outcomes fail, waiters' reads wait.
			up = ps.Restart(500 * time.Millisecond)
		}
		h, err := mpRun.Enqueue(ctx, c, runArgs{N: i, Sleep: time.Millisecond})
		if err != nil {
			// Not acknowledged: the producer would retry; it is not
			// counted as enqueued.
			failed++
			time.Sleep(10 * time.Millisecond)
			continue
		}
		acked++
		ids = append(ids, h.ID())
		await(i, h)
	}
	if err := <-up; err != nil {
		t.Fatal(err)
	}
	waiters.Wait()
	close(results)
	for r := range results {
		if r.err != nil {
			t.Fatalf("awaiting job %d: %v", r.n, r.err)
		}
		if r.got.N != r.n || r.got.Pid == 0 {
			t.Fatalf("job %d returned %+v", r.n, r.got)
		}
	}
	for _, id := range ids {
		j, err := c.Inspect().Job(ctx, id)
		if err != nil || j.State != store.Succeeded {
			t.Fatalf("acknowledged job %s after the restart: %+v, %v", id, j, err)
		}
	}
	t.Logf("%d enqueues acknowledged, %d refused while Redis was down", acked, failed)
	// The workers are still up, and stop cleanly.
	for _, w := range ws {
		select {
		case <-w.done:
			t.Fatalf("a worker exited during the restart: %v\n%s", w.err, w.stderr.String())
		default:
		}
		w.stopWorker(t)
	}
	if err := c.Close(); err != nil && !errors.Is(err, jobs.ErrClientClosed) {
		t.Fatal(err)
	}
}
