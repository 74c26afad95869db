//go:build fault

package faulttest

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

const (
	// outageRounds is how many times a server store is taken away mid-run.
	outageRounds = 3
	// outageProducers is how many goroutines enqueue on the one client
	// through the outages, so that its writes carry many calls when the
	// store goes away.
	outageProducers = 64
	// hangLimit is how long an enqueue may go unanswered before the test
	// calls it hung: far beyond the stores' own timeouts (the SQLite busy
	// timeout of 5s is the longest), so only a call that would never
	// return reaches it.
	hangLimit = time.Minute
	// The producers' backlog (jobs acknowledged, not yet succeeded) is
	// kept between backlogLow and backlogHigh: they pause at the high
	// mark until the worker brings it down to the low one, so they
	// enqueue in bursts at full speed, where the outages should find
	// them, and the queue drains in the end.
	backlogLow, backlogHigh = 250, 1000
)

// throughOutages runs 64 producers and a worker against url, calls
// outage (which takes the store's server away and brings it back)
// several times mid-run, and checks that every enqueue returned, with an
// acknowledgement or an error, and that nothing acknowledged was lost:
// every enqueue that returned success is in the store and, in the end,
// succeeded. The enqueues have no deadline of their own, so an answer
// comes from the store and the client, not from a timer in the test.
func throughOutages(t *testing.T, fault, storeName, url string, outage func(round int)) {
	ctx := testCtx(t, 4*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue(fault)
	warn := &warnings{}
	startWorker(t, c, jobs.WorkerOptions{Concurrency: 4, Queues: map[string]int{queue: 1}, LeaseDuration: 2 * time.Second,
		ID: "outage", Logger: slog.New(warn)}, workDef("outage", nil))
	// The producers enqueue through a client of their own, which counts
	// the writes that failed.
	inserts := &insertCounter{}
	pc := newClient(t, c, func(s store.Store) store.Store { inserts.Store = s; return inserts })
	var tally childWrites
	stopTally := pc.SubscribeBatches(func(size int) { tally.line("B " + strconv.Itoa(size)) })

	var succeeded atomic.Int64 // handlers that succeeded, from the worker's events
	stopEvents := c.Subscribe(func(e jobs.Event) {
		if e.Kind == jobs.EventSucceeded {
			succeeded.Add(1)
		}
	})
	var mu sync.Mutex
	var acked []string
	var failedEnqueues int
	calls := &callWatch{since: map[int]time.Time{}}
	progress := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(acked), int(succeeded.Load())
	}
	backlog := func() int { a, s := progress(); return a - s }
	var pace pacer
	var stopping atomic.Bool
	var producers sync.WaitGroup
	for p := range outageProducers {
		producers.Go(func() {
			for i := 0; !stopping.Load(); i++ {
				pace.wait(backlog, &stopping)
				calls.begin(p)
				h, err := producerDef.Enqueue(ctx, pc, workArgs{N: i, Sleep: time.Duration(rand.IntN(5)) * time.Millisecond}, jobs.Queue(queue), jobs.Retries(20))
				calls.end(p)
				if err != nil {
					mu.Lock()
					failedEnqueues++
					mu.Unlock()
					time.Sleep(10 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked = append(acked, h.ID())
				mu.Unlock()
			}
		})
	}
	// until polls cond, failing the test when the run stalls or a call
	// hangs.
	until := func(cond func() bool, what string) {
		t.Helper()
		for !cond() {
			if n := calls.stuck(hangLimit); n > 0 {
				stopping.Store(true)
				t.Fatalf("%s: %d enqueues unanswered for %v", what, n, hangLimit)
			}
			if ctx.Err() != nil {
				a, s := progress()
				t.Fatalf("%s: no progress: %d acknowledged, %d succeeded; warnings %v", what, a, s, warn.list())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for round := range outageRounds {
		a0, s0 := progress()
		// Strike while the producers are in a burst.
		until(func() bool {
			a, s := progress()
			return a >= a0+200 && s >= s0+100 && !pace.paused.Load() && a-s < (backlogLow+backlogHigh)/2
		}, "round "+strconv.Itoa(round))
		inserts.mark()
		outage(round)
		inserts.mark()
	}
	a0, _ := progress()
	until(func() bool { a, _ := progress(); return a >= a0+200 }, "after the last outage")
	stopping.Store(true)
	stopped := make(chan struct{})
	go func() { producers.Wait(); close(stopped) }()
	until(func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	}, "stopping the producers")
	stopTally()
	tally.mu.Lock()
	writes, maxCalls := tally.writes, tally.maxCall
	tally.mu.Unlock()
	until(func() bool { return unfinished(ctx, t, c, queue) == 0 }, "draining the queue")
	stopEvents()
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
	report(t, fault, storeName, "outages", outageRounds, "producers", outageProducers,
		"calls", len(acked)+failedEnqueues, "acknowledged", len(acked), "failed_enqueues", failedEnqueues, "hung", 0, "longest_call", calls.longest.Round(time.Millisecond),
		"writes_during_outages", inserts.overlapped.Load(), "failed_writes", inserts.failed.Load(),
		"succeeded", succeeded.Load(), "lost", lost, "writes", writes, "max_calls_per_write", maxCalls,
		"worker_warnings", len(warn.list()))
}

// pacer holds producers back while the backlog is high; see backlogLow.
type pacer struct {
	paused atomic.Bool
}

// wait returns once the producers may enqueue, or stop is set.
func (p *pacer) wait(backlog func() int, stop *atomic.Bool) {
	for !stop.Load() {
		switch b := backlog(); {
		case b >= backlogHigh:
			p.paused.Store(true)
		case b <= backlogLow:
			p.paused.Store(false)
		}
		if !p.paused.Load() {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// callWatch records when each producer's call in flight began, so that
// a call that never returns is found rather than waited for.
type callWatch struct {
	mu      sync.Mutex
	since   map[int]time.Time // producer -> start of its call in flight
	longest time.Duration     // the longest call that returned
}

func (w *callWatch) begin(p int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.since[p] = time.Now()
}

func (w *callWatch) end(p int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.longest = max(w.longest, time.Since(w.since[p]))
	delete(w.since, p)
}

// stuck counts the calls in flight for longer than d.
func (w *callWatch) stuck(d time.Duration) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.since {
		if time.Since(s) > d {
			n++
		}
	}
	return n
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
