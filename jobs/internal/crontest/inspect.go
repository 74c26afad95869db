package crontest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// ListTicks returns every job named name in the store, in ID order. It
// fails t on an error, ctx's cancellation included, so it must run on
// the test's goroutine; the store may be written meanwhile.
func ListTicks(t testing.TB, ctx context.Context, in *jobs.Inspector, name string) []*jobs.JobInfo {
	t.Helper()
	var all []*jobs.JobInfo
	opts := jobs.ListOptions{Name: name, Limit: 1000}
	for {
		p, err := in.Jobs(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Jobs...)
		if p.Next == "" {
			return all
		}
		opts.After = p.Next
	}
}

// AwaitTicks waits until every tick strictly between from and to has a
// job named name that succeeded, a tick the killed worker held included
// (after its lease expired), so that stopping the survivors cuts nothing
// short. It polls every 100ms and fails t when ctx ends first, so it must
// run on the test's goroutine.
func AwaitTicks(t testing.TB, ctx context.Context, in *jobs.Inspector, name string, from, to time.Time) {
	t.Helper()
	for {
		done := map[time.Time]bool{}
		for _, j := range ListTicks(t, ctx, in, name) {
			if tk, ok := TickOf(j.ID); ok && j.State == store.Succeeded {
				done[tk] = true
			}
		}
		var pending []string
		for tk := from.Truncate(time.Second).Add(time.Second); tk.Before(to); tk = tk.Add(time.Second) {
			if !done[tk] {
				pending = append(pending, tk.Format(time.TimeOnly))
			}
		}
		if len(pending) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ticks %v have no succeeded job: %v", pending, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// LatestFirer returns the index in pids of the process that fired the
// latest tick run so far, or 0 when none has run yet or its firer is not
// in pids. Like [ListTicks] it fails t on an error and must run on the
// test's goroutine.
func LatestFirer(t testing.TB, ctx context.Context, in *jobs.Inspector, name string, pids []int) int {
	t.Helper()
	var r TickRun
	for _, j := range ListTicks(t, ctx, in, name) {
		if j.State == store.Succeeded {
			_ = json.Unmarshal(j.Result, &r) // in ID order: the last is the latest
		}
	}
	for i, pid := range pids {
		if pid == r.FiredBy {
			return i
		}
	}
	return 0
}
