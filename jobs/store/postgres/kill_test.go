package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Every connection of every process (two worker processes, and this one
// enqueueing and awaiting) is terminated with pg_terminate_backend from
// an administrator's connection, again and again, in the middle of a run.
// Workers and waiting clients reconnect by themselves: every Await
// returns the result without help, and no acknowledged job is lost.
func TestConnectionsKilledMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills connections")
	}
	app := appName(t)
	u := schemaURL(t, "application_name", app)
	c, err := jobs.Open(bg, u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w1 := startChild(t, "worker", u, childLeaseEnv+"=1s")
	w2 := startChild(t, "worker", u, childLeaseEnv+"=1s")
	w1.waitReady(t)
	w2.waitReady(t)
	adm := admin(t)

	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		acked     = map[string]int{}
		awaited   atomic.Int64
		refused   atomic.Int64
		producing = make(chan struct{})
	)
	// Producers: enqueue one by one; each acknowledged job is awaited by
	// its own goroutine, as a client waiting for a result would.
	for p := range 2 {
		wg.Go(func() {
			for i := p; ; i += 2 {
				select {
				case <-producing:
					return
				default:
				}
				h, err := mpSquare.Enqueue(ctx, c, i)
				if err != nil {
					refused.Add(1) // not acknowledged: allowed to be lost
					continue
				}
				mu.Lock()
				acked[h.ID()] = i
				mu.Unlock()
				wg.Go(func() {
					got, err := h.Await(ctx)
					if err != nil || got.Sq != i*i {
						t.Errorf("Await(%s) = %+v, %v; want %d", h.ID(), got, err, i*i)
						return
					}
					awaited.Add(1)
				})
				time.Sleep(time.Millisecond)
			}
		})
	}
	kills := 0
	for range 6 {
		time.Sleep(150 * time.Millisecond)
		kills += terminate(t, adm, app)
	}
	time.Sleep(100 * time.Millisecond)
	close(producing)
	wg.Wait()
	if t.Failed() {
		t.Logf("worker 1 stderr:\n%s\nworker 2 stderr:\n%s", w1.stderr.String(), w2.stderr.String())
		return
	}
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	t.Logf("%d connections terminated; %d jobs acknowledged and awaited, %d enqueues refused", kills, n, refused.Load())
	if kills < 6 || n == 0 || awaited.Load() != int64(n) {
		t.Fatalf("kills %d, acknowledged %d, awaited %d", kills, n, awaited.Load())
	}
	for id, i := range acked {
		j, err := c.Inspect().Job(ctx, id)
		if err != nil || j.State != store.Succeeded {
			t.Fatalf("acknowledged job %s (%d): %+v, %v", id, i, j, err)
		}
	}
	st, err := c.Inspect().Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if left := st.Counts[store.Queued] + st.Counts[store.Running] + st.Counts[store.Scheduled] + st.Counts[store.Dead]; left != 0 {
		t.Fatalf("jobs left undone: %v", st.Counts)
	}
	for _, w := range []*child{w1, w2} {
		w.stop(t)
	}
	if err := c.Close(); err != nil && !errors.Is(err, jobs.ErrClientClosed) {
		t.Fatal(err)
	}
}
