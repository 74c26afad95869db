//go:build fault

package faulttest

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Network cut: worker A runs jobs, then its link to the store is cut
// (every call fails) while its handlers go on. Worker B, still connected,
// must take over A's jobs once their leases expire; when the link comes
// back, A's outcomes for those jobs must be dropped, not recorded over
// B's. Nothing is lost; the jobs A held run twice, and only those.
const cutLease = 400 * time.Millisecond

func TestNetworkCut(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		testNetworkCut(t, sk.name, sk.url(t))
	})
}

func testNetworkCut(t *testing.T, storeName, url string) {
	ctx := testCtx(t, 2*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue("cut")
	log := newExecLog()
	warnA := &warnings{}
	link := &cuttableStore{Store: c.Store()}
	opts := func(id string, w *warnings) jobs.WorkerOptions {
		return jobs.WorkerOptions{Concurrency: 4, Queues: map[string]int{queue: 1}, LeaseDuration: cutLease, ID: id, Logger: slog.New(w)}
	}
	args := make([]workArgs, 40)
	for i := range args {
		args[i] = workArgs{N: i, Sleep: 300 * time.Millisecond}
	}
	g, err := producerDef.Map(ctx, c, args, jobs.Queue(queue), jobs.Retries(10))
	if err != nil {
		t.Fatal(err)
	}
	startWorker(t, newClient(t, c, func(store.Store) store.Store { return link }), opts("A", warnA), workDef("A", log))
	// Cut the link while A is inside handlers.
	for !log.running("A") {
		if ctx.Err() != nil {
			t.Fatal("worker A never started a job")
		}
		time.Sleep(time.Millisecond)
	}
	link.cut.Store(true)
	page, err := c.Inspect().Jobs(ctx, jobs.ListOptions{Queue: queue, State: store.Running, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, j := range page.Jobs {
		if j.Worker == "A" {
			held[j.ID] = true
		}
	}
	startWorker(t, newClient(t, c, nil), opts("B", &warnings{}), workDef("B", log))
	// The link stays cut until B has started every job A held.
	for id := range held {
		for {
			started, _ := log.runs(id)
			if len(started) > 0 && started[len(started)-1] == "B" {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("job %s, held by A, was not taken over: runs %v", id, started)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	link.cut.Store(false)
	if _, err := g.Await(ctx, jobs.Preserve()); err != nil {
		t.Fatal(err)
	}

	runs, dupRuns, completedByA := 0, 0, 0
	for _, id := range groupIDs(g) {
		j, err := c.Inspect().Job(ctx, id)
		if err != nil || j.State != store.Succeeded {
			t.Fatalf("job %s: %+v, %v", id, j, err)
		}
		started, returned := log.runs(id)
		runs += len(started)
		if len(started) > 1 {
			dupRuns += len(started) - 1
			if !held[id] {
				t.Errorf("job %s ran %v but A did not hold it at the cut", id, started)
			}
		}
		if held[id] {
			if len(returned) > 0 && returned[0] == "A" {
				completedByA++
			}
			if len(j.Errors) == 0 || !isLeaseExpiry(j.Errors[0].Error) {
				t.Errorf("job %s held by A: errors %v; want the lease expiry", id, j.Errors)
			}
		}
	}
	dropped := 0
	for _, w := range warnA.list() {
		if strings.Contains(w, "dropped") || strings.Contains(w, "lost") {
			dropped++
		}
	}
	report(t, "network-cut", storeName, "lease", cutLease, "jobs", len(args), "held_at_cut", len(held), "runs", runs,
		"duplicate_runs", dupRuns, "completed_by_A_during_cut", completedByA, "lost", 0, "A_warnings_lost_or_dropped", dropped)
	if len(held) == 0 {
		t.Fatal("A held no job at the cut")
	}
}

// running reports whether a run tagged tag has started and not returned.
func (l *execLog) running(tag string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, tags := range l.starts {
		n := 0
		for _, x := range tags {
			if x == tag {
				n++
			}
		}
		for _, x := range l.dones[id] {
			if x == tag {
				n--
			}
		}
		if n > 0 {
			return true
		}
	}
	return false
}
