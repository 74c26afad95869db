//go:build fault

package faulttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Worker SIGKILL: three worker processes run short jobs; one at a time is
// killed while it runs at least one handler, and replaced, until 50 kills
// have hit a running handler. Then every job must have succeeded, and
// every run beyond a job's first must follow a run in a killed process
// whose lease expired.
//
// The lease is long enough that a survivor's heartbeat (every third of
// it) outlasts a stall of the whole machine: at 400 ms, a 270 ms pause of
// a worker on the 2-core CI machine let a survivor's leases lapse, and its
// jobs ran again, as at-least-once delivery allows but this test forbids;
// at 1 s, on a loaded machine, a survivor's renewal on PostgreSQL came
// after its lease in most full runs, right after the 64-producer kill
// test had written to the same server.
const (
	killTarget  = 50
	killLease   = 2 * time.Second
	killWorkers = 3
	killConc    = 4
)

func TestWorkerSIGKILL(t *testing.T) {
	forEachStore(t, func(t *testing.T, sk storeKind) {
		if !sk.shared {
			t.Skip("the memory store lives in one process: killing the worker kills the store; TestNetworkCut covers a worker that vanishes")
		}
		testWorkerSIGKILL(t, sk.name, sk.url(t))
	})
}

// workerProc is a worker process and what its handlers were doing.
type workerProc struct {
	ch       *child
	tag      string
	inflight map[string]bool // started, not returned
	killed   bool
}

func testWorkerSIGKILL(t *testing.T, storeName, url string) {
	ctx := testCtx(t, 5*time.Minute)
	c := openClient(t, url)
	queue := uniqueQueue("kill")
	log := newExecLog()
	var mu sync.Mutex // guards procs' fields, read by the test and written by the stdout readers
	killedTags := map[string]bool{}

	start := func() *workerProc {
		p := &workerProc{inflight: map[string]bool{}}
		mu.Lock()
		defer mu.Unlock()
		p.ch = startChild(t, "worker", []string{envURL + "=" + url, envQueue + "=" + queue, envLease + "=" + killLease.String(), envConc + "=" + strconv.Itoa(killConc)},
			func(line string) {
				kind, id, _ := strings.Cut(line, " ")
				mu.Lock()
				defer mu.Unlock()
				switch kind {
				case "S":
					p.inflight[id] = true
					log.start(id, p.tag)
				case "D":
					delete(p.inflight, id)
					log.done(id, p.tag)
				}
			})
		p.tag = strconv.Itoa(p.ch.pid())
		return p
	}

	var ids []string
	enqueue := func(n int) {
		for n > 0 {
			b := min(n, 500)
			args := make([]workArgs, b)
			for i := range args {
				args[i] = workArgs{N: len(ids) + i, Sleep: time.Duration(10+rand.IntN(30)) * time.Millisecond}
			}
			g, err := producerDef.Map(ctx, c, args, jobs.Queue(queue), jobs.Retries(1000))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, groupIDs(g)...)
			n -= b
		}
	}
	enqueue(2000)

	workers := make([]*workerProc, killWorkers)
	for i := range workers {
		workers[i] = start()
	}
	for _, w := range workers {
		w.ch.waitReady(t)
	}

	kills, midJob, interrupted := 0, 0, 0
	for midJob < killTarget {
		if unfinished(ctx, t, c, queue) < 500 {
			enqueue(1000)
		}
		// Kill a worker that is inside a handler (replacements start in
		// the meantime); the count below says whether the kill landed
		// there.
		i := -1
		deadline := time.Now().Add(10 * time.Second)
		for i < 0 {
			for _, k := range rand.Perm(len(workers)) {
				mu.Lock()
				busy := len(workers[k].inflight)
				mu.Unlock()
				if busy > 0 {
					i = k
					break
				}
			}
			if i < 0 {
				if time.Now().After(deadline) || ctx.Err() != nil {
					t.Fatalf("no worker ran a handler for 10s (kills so far %d)", kills)
				}
				time.Sleep(time.Millisecond)
			}
		}
		victim := workers[i]
		time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
		victim.ch.kill(t)
		mu.Lock()
		victim.killed = true
		killedTags[victim.tag] = true
		n := len(victim.inflight)
		mu.Unlock()
		kills++
		interrupted += n
		if n > 0 {
			midJob++
		}
		workers[i] = start()
	}

	// Let the survivors finish everything, then stop them gracefully.
	for unfinished(ctx, t, c, queue) > 0 {
		if ctx.Err() != nil {
			t.Fatalf("jobs still unfinished at the deadline")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, w := range workers {
		w.ch.stop(t)
	}

	var lost, runs, dupRuns, dupJobs, completedTwice, leaseExpiries, claimedUnstarted int
	var problems []string
	for _, id := range ids {
		j, err := c.Inspect().Job(ctx, id)
		if err != nil || j.State != store.Succeeded {
			lost++
			problems = append(problems, fmt.Sprintf("job %s not succeeded: %+v, %v", id, j, err))
			continue
		}
		started, returned := log.runs(id)
		runs += len(started)
		if len(started) == 0 {
			problems = append(problems, fmt.Sprintf("job %s succeeded without a run in the logs", id))
			continue
		}
		if len(started) > 1 {
			dupJobs++
			dupRuns += len(started) - 1
		}
		if len(returned) > 1 {
			completedTwice++
		}
		expired := 0
		for _, e := range j.Errors {
			if isLeaseExpiry(e.Error) {
				expired++
			} else {
				problems = append(problems, fmt.Sprintf("job %s: attempt %d failed with %q; only lease expiries are expected", id, e.Attempt, e.Error))
			}
		}
		leaseExpiries += expired
		claimedUnstarted += j.Attempt - len(started)
		if j.Attempt-1 != expired {
			problems = append(problems, fmt.Sprintf("job %s: %d attempts but %d lease expiries", id, j.Attempt, expired))
		}
		// Every run but the last was in a process that was killed.
		for _, tag := range started[:len(started)-1] {
			if !killedTags[tag] {
				problems = append(problems, fmt.Sprintf("job %s ran again after a run in process %s, which was not killed (runs %v)", id, tag, started))
			}
		}
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems, first ones:\n%s", len(problems), strings.Join(problems[:min(len(problems), 20)], "\n"))
	}
	report(t, "worker-sigkill", storeName,
		"kills", kills, "kills_mid_handler", midJob, "handlers_interrupted", interrupted, "jobs", len(ids), "lost", lost,
		"runs", runs, "duplicate_runs", dupRuns, "duplicated_jobs", dupJobs, "completed_twice", completedTwice,
		"lease_expiries", leaseExpiries, "claimed_not_started", claimedUnstarted)
	// A kill can make at most what the worker held run again: its slots
	// and its prefetch (4 per slot by default).
	if limit := kills * 5 * killConc; dupRuns > limit {
		t.Fatalf("%d duplicate runs from %d kills; at most %d expected", dupRuns, kills, limit)
	}
}

// isLeaseExpiry reports whether an attempt's error is the store's
// lease-expiry record.
func isLeaseExpiry(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "lease") && strings.Contains(m, "expired")
}

// unfinished counts the queue's jobs that are not final.
func unfinished(ctx context.Context, t *testing.T, c *jobs.Client, queue string) int {
	t.Helper()
	qs, err := c.Inspect().Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Name == queue {
			return q.Counts[store.Queued] + q.Counts[store.Scheduled] + q.Counts[store.Running]
		}
	}
	return 0
}
