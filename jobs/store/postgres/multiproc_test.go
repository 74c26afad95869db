package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Three worker processes and three inserting processes on one schema:
// the inserters store the same pre-assigned IDs at once, in different
// orders and batches, and each ID becomes one job; every job runs at
// least once and none is lost; results reach an awaiting client pushed,
// across processes.
func TestThreeWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	u := schemaURL(t)
	c, err := jobs.Open(bg, u) // creates the schema before the children race
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var workers []*child
	for range 3 {
		workers = append(workers, startChild(t, "worker", u, childLeaseEnv+"=2s"))
	}
	for _, w := range workers {
		w.waitReady(t)
	}
	const n = 900
	var inserters []*child
	for range 3 {
		inserters = append(inserters, startChild(t, "inserter", u, childCountEnv+"="+strconv.Itoa(n)))
	}
	insertedBy := map[string]int{}
	for i, p := range inserters {
		p.wait(t, time.Minute)
		for _, id := range strings.Fields(p.stdout.String()) {
			if prev, ok := insertedBy[id]; ok {
				t.Fatalf("%s inserted by inserters %d and %d", id, prev, i)
			}
			insertedBy[id] = i
		}
	}
	if len(insertedBy) != n {
		t.Fatalf("%d IDs inserted, want %d (each exactly once)", len(insertedBy), n)
	}
	hs := make([]*jobs.Handle[squared], n)
	for i := range hs {
		hs[i] = jobs.HandleOf[squared](c, preassigned(i).ID)
	}
	ctx, cancel := context.WithTimeout(bg, 2*time.Minute)
	defer cancel()
	res, err := jobs.GroupOf(c, hs...).Await(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]int{}
	for i, r := range res {
		if r.Sq != i*i {
			t.Fatalf("job %d: result %d", i, r.Sq)
		}
		pids[r.Pid]++
	}
	t.Logf("jobs per worker process: %v", pids)
	st, err := c.Inspect().Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts[store.Succeeded] != n || st.Counts[store.Succeeded] != st.Counts[store.Succeeded]+st.Counts[store.Queued]+st.Counts[store.Running]+st.Counts[store.Scheduled]+st.Counts[store.Dead] {
		t.Fatalf("Stats %v; want %d succeeded and nothing else", st.Counts, n)
	}
	for i := 0; i < n; i += 97 {
		j, err := c.Inspect().Job(ctx, fmt.Sprintf("pg-%05d", i))
		if err != nil || j.Attempt < 1 {
			t.Fatalf("job %d: %+v, %v", i, j, err)
		}
	}
	for _, w := range workers {
		w.stop(t)
	}
}
