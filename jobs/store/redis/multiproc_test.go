package redis_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// TestThreeWorkerProcesses: three worker processes share one Redis; one
// is killed with SIGKILL while it holds jobs. Every job runs at least
// once and none is lost: the killed worker's jobs run again elsewhere
// after their leases expire.
func TestThreeWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	c, url := openClient(t)
	const lease = "500ms"
	var ws []*child
	for range 3 {
		ws = append(ws, startChild(t, "worker", url, childLeaseEnv+"="+lease))
	}
	for _, w := range ws {
		w.waitReady(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 600
	args := make([]runArgs, n)
	for i := range args {
		args[i] = runArgs{N: i, Sleep: time.Millisecond}
	}
	// Half in one batch, half one by one, as producers would.
	g, err := mpRun.Map(ctx, c, args[:n/2])
	if err != nil {
		t.Fatal(err)
	}
	hs := g.Handles()
	for _, a := range args[n/2:] {
		h, err := mpRun.Enqueue(ctx, c, a)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
		if a.N == n/2+50 {
			// Kill one worker mid-run, whatever it holds.
			if err := ws[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err := jobs.GroupOf(c, hs...).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]int{}
	for i, r := range res {
		if r.N != i {
			t.Fatalf("job %d returned %+v", i, r)
		}
		pids[r.Pid]++
	}
	t.Logf("jobs per worker process: %v", pids)
	st, err := c.Inspect().Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[store.Succeeded] != n || st.Counts[store.Queued]+st.Counts[store.Running]+st.Counts[store.Scheduled]+st.Counts[store.Dead] != 0 {
		t.Fatalf("after the run: %v; want all %d succeeded", st.Counts, n)
	}
	<-ws[0].done
	for _, w := range ws[1:] {
		w.stopWorker(t)
	}
}

// TestConcurrentPreassignedIDs: three processes insert the same
// pre-assigned IDs at once, as cron ticks and workflow steps do; each job
// is stored once.
func TestConcurrentPreassignedIDs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	c, url := openClient(t)
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("tick:%04d", i)
	}
	env := childIDsEnv + "=" + strings.Join(ids, " ")
	var ins []*child
	for range 3 {
		ins = append(ins, startChild(t, "inserter", url, env))
	}
	for _, in := range ins {
		in.waitReady(t)
	}
	for _, in := range ins {
		if _, err := in.stdin.WriteString("go\n"); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, in := range ins {
		in.wait(t, time.Minute)
		k, err := strconv.Atoi(strings.TrimSpace(in.stdout.String()))
		if err != nil {
			t.Fatalf("inserter output %q: %v", in.stdout.String(), err)
		}
		total += k
	}
	if total != n {
		t.Fatalf("the inserters stored %d jobs between them; want %d, one per ID", total, n)
	}
	st, err := c.Inspect().Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[store.Queued] != n {
		t.Fatalf("queued jobs %d, want %d", st.Counts[store.Queued], n)
	}
	// Running them: each once.
	w := startChild(t, "worker", url)
	w.waitReady(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, id := range ids {
		r, err := jobs.HandleOf[ran](c, id).Await(ctx)
		if err != nil || r.N != i {
			t.Fatalf("job %s: %+v, %v", id, r, err)
		}
		if j, err := c.Inspect().Job(ctx, id); err != nil || j.Attempt != 1 {
			t.Fatalf("job %s: %+v, %v; want one attempt", id, j, err)
		}
	}
	w.stopWorker(t)
}
