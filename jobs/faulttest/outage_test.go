//go:build fault

package faulttest

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// outageRounds is how many times a server store is taken away mid-run.
const outageRounds = 3

// throughOutages runs a producer and a worker against url, calls outage
// (which takes the store's server away and brings it back) several times
// mid-run, and checks that nothing acknowledged was lost: every enqueue
// that returned success is in the store and, in the end, succeeded, and
// every job seen succeeded stays succeeded.
func throughOutages(t *testing.T, fault, storeName, url string, outage func(round int)) {
	ctx := testCtx(t, 4*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue(fault)
	warn := &warnings{}
	startWorker(t, c, jobs.WorkerOptions{Concurrency: 4, Queues: map[string]int{queue: 1}, LeaseDuration: 2 * time.Second,
		ID: "outage", Logger: slog.New(warn)}, workDef("outage", nil))

	var mu sync.Mutex
	var acked, seen []string
	var failedEnqueues int
	prodCtx, stopProducer := context.WithCancel(ctx)
	prodDone := make(chan struct{})
	go func() {
		defer close(prodDone)
		for i := 0; prodCtx.Err() == nil; i++ {
			opCtx, cancel := context.WithTimeout(prodCtx, 2*time.Second)
			h, err := producerDef.Enqueue(opCtx, c, workArgs{N: i, Sleep: time.Duration(rand.IntN(5)) * time.Millisecond}, jobs.Queue(queue), jobs.Retries(20))
			if err == nil {
				mu.Lock()
				acked = append(acked, h.ID())
				mu.Unlock()
				if _, err := h.Await(opCtx); err == nil {
					mu.Lock()
					seen = append(seen, h.ID())
					mu.Unlock()
				}
			} else {
				mu.Lock()
				failedEnqueues++
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}
	}()
	progress := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), len(seen)
	}
	for round := range outageRounds {
		a0, s0 := progress()
		for a, s := progress(); a < a0+50 || s < s0+20; a, s = progress() {
			if ctx.Err() != nil {
				t.Fatalf("round %d: no progress after the last outage: %d acknowledged, %d seen succeeded; warnings %v", round, a, s, warn.list())
			}
			time.Sleep(5 * time.Millisecond)
		}
		outage(round)
	}
	a0, _ := progress()
	for a, _ := progress(); a < a0+50; a, _ = progress() {
		if ctx.Err() != nil {
			t.Fatalf("no progress after the last outage; warnings %v", warn.list())
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopProducer()
	<-prodDone
	for unfinished(ctx, t, c, queue) > 0 {
		if ctx.Err() != nil {
			t.Fatalf("the queue did not drain; warnings %v", warn.list())
		}
		time.Sleep(20 * time.Millisecond)
	}
	lost := 0
	for _, id := range acked {
		j, err := c.Inspect().Job(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			lost++
			t.Errorf("acknowledged job %s is gone", id)
		case err != nil:
			t.Fatal(err)
		case j.State != store.Succeeded:
			t.Errorf("job %s: %s after the outages: %v", id, j.State, j.Errors)
		}
	}
	report(t, fault, storeName, "outages", outageRounds, "acknowledged", len(acked), "seen_succeeded", len(seen), "lost", lost,
		"failed_enqueues", failedEnqueues, "worker_warnings", len(warn.list()))
}

// schemeAccepted reports whether jobs.Open knows url's scheme, without
// needing the server: any error but an unknown scheme means it does.
func schemeAccepted(url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := jobs.Open(ctx, url)
	if err == nil {
		c.Close()
		return true
	}
	return !strings.Contains(err.Error(), "unknown scheme")
}
