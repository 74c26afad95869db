package crontest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// Worker is one worker process as [Check] sees it. It is a plain value
// with no synchronisation of its own.
type Worker struct {
	// Pid is the process's ID.
	Pid int
	// Output is everything the process printed on stdout, read after it
	// exited.
	Output string
}

// Check asserts, over the tick jobs js of the workers ws (the one with
// pid killed was killed at killedAt):
//   - all jobs carry the same schedule part in their IDs and a whole
//     second: every process derived the same ID for a tick, so no tick
//     was stored twice;
//   - every tick strictly between from and to has its job, which
//     succeeded on its first and only run, run and fired by the workers;
//     the one exception is a tick the victim held when it was killed: its
//     first attempt's lease expired, and a survivor ran it once more;
//   - ticks after the kill were fired and run by the survivors.
//
// It reads only its arguments and fails t with t.Fatalf, so it must run
// on the test's goroutine.
func Check(t testing.TB, js []*jobs.JobInfo, ws []Worker, killed int, from, killedAt, to time.Time) {
	t.Helper()
	pids := map[int]bool{}
	runs := map[string]int{} // by every process
	killedRuns := map[string]int{}
	for _, w := range ws {
		pids[w.Pid] = true
		for _, line := range strings.Split(w.Output, "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "ran" {
				runs[f[1]]++
				if w.Pid == killed {
					killedRuns[f[1]]++
				}
			}
		}
	}
	byTick := map[time.Time]*jobs.JobInfo{}
	for _, j := range js {
		tk, ok := TickOf(j.ID)
		if !ok || !tk.Equal(tk.Truncate(time.Second)) || j.ID[10:] != js[0].ID[10:] {
			t.Fatalf("job %s is not a tick of the schedule (first job %s)", j.ID, js[0].ID)
		}
		byTick[tk] = j
	}
	ranBy, firedBy := map[int]int{}, map[int]int{}
	before, after := 0, 0
	for tk := from.Truncate(time.Second).Add(time.Second); tk.Before(to); tk = tk.Add(time.Second) {
		j := byTick[tk]
		if j == nil {
			t.Fatalf("tick %s has no job; jobs: %d, runs: %v", tk.Format(time.TimeOnly), len(js), runs)
		}
		var r TickRun
		if j.State != store.Succeeded || json.Unmarshal(j.Result, &r) != nil {
			t.Fatalf("tick %s: job %s %s, result %s", tk.Format(time.TimeOnly), j.ID, j.State, j.Result)
		}
		requeued := j.Attempt == 2 && len(j.Errors) == 1 && j.Errors[0].Attempt == 1 && strings.Contains(j.Errors[0].Error, "expired")
		switch {
		case j.Attempt == 1 && len(j.Errors) == 0 && runs[j.ID] == 1:
		case requeued && !tk.After(killedAt) && killedRuns[j.ID] <= 1 && runs[j.ID]-killedRuns[j.ID] == 1:
			t.Logf("tick %s was held by the killed worker and ran again after its lease expired", tk.Format(time.TimeOnly))
		default:
			t.Fatalf("tick %s: job %s attempt %d, errors %v, runs %d (%d in the killed worker); want one run",
				tk.Format(time.TimeOnly), j.ID, j.Attempt, j.Errors, runs[j.ID], killedRuns[j.ID])
		}
		if !pids[r.Pid] || !pids[r.FiredBy] {
			t.Fatalf("tick %s: run by %d, fired by %d; the workers are %v", tk.Format(time.TimeOnly), r.Pid, r.FiredBy, pids)
		}
		if tk.After(killedAt) {
			after++
			if r.Pid == killed || r.FiredBy == killed {
				t.Fatalf("tick %s after the kill: run by %d, fired by %d (killed %d)", tk.Format(time.TimeOnly), r.Pid, r.FiredBy, killed)
			}
		} else {
			before++
		}
		ranBy[r.Pid]++
		firedBy[r.FiredBy]++
	}
	if before < 1 || after < 2 {
		t.Fatalf("%d ticks checked before the kill and %d after; want some of each", before, after)
	}
	t.Logf("%d ticks before the kill, %d after; run by %v, fired by %v (killed %d)", before, after, ranBy, firedBy, killed)
}
