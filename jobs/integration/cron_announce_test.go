package integration_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// TestCronSchedulesAnnounced: a worker announces its schedules with its
// presence, and what it announces is enough to compute the next tick and
// to recognise the jobs the schedule made, without the schedule itself.
func TestCronSchedulesAnnounced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ticks.reset()
		c, _ := memClient(t)
		ctx := context.Background()
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Skipf("no zone database: %v", err)
		}
		every2s, err := tickJob.Cron("*/2 * * * * *", "two", jobs.CronTimeZone(paris))
		if err != nil {
			t.Fatal(err)
		}
		nightly, err := tickJob.Cron("CRON_TZ=America/New_York 0 3 * * *", "night")
		if err != nil {
			t.Fatal(err)
		}
		if every2s.Zone() != "Europe/Paris" || nightly.Zone() != "America/New_York" {
			t.Fatalf("zones %q and %q", every2s.Zone(), nightly.Zone())
		}
		startWorker(t, c, jobs.WorkerOptions{ID: "w1", Schedules: []*jobs.Schedule{every2s, nightly}}, tickJob)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		ws, err := c.Inspect().Workers(ctx)
		if err != nil || len(ws) != 1 {
			t.Fatalf("workers: %+v %v", ws, err)
		}
		got := ws[0].Schedules
		if len(got) != 2 || got[0] != every2s.Info() || got[1] != nightly.Info() {
			t.Fatalf("announced %+v, want %+v and %+v", got, every2s.Info(), nightly.Info())
		}
		if got[0].Name != "test.tick" || got[0].Spec != "*/2 * * * * *" || got[0].Zone != "Europe/Paris" || got[0].Tick == got[1].Tick {
			t.Fatalf("announced %+v", got)
		}
		now := time.Now()
		for i, s := range []*jobs.Schedule{every2s, nightly} {
			if n, want := got[i].Next(now), s.Next(now); !n.Equal(want) {
				t.Errorf("%s: next from the announcement %v, from the schedule %v", s.Spec(), n, want)
			}
		}
		p, err := c.Inspect().Jobs(ctx, jobs.ListOptions{Name: "test.tick", Newest: true})
		if err != nil || len(p.Jobs) < 2 {
			t.Fatalf("tick jobs: %d %v", len(p.Jobs), err)
		}
		for _, j := range p.Jobs {
			tick, ok := got[0].TickOf(j.ID)
			if !ok || tick.UnixMilli()%2000 != 0 || tick.After(now) {
				t.Errorf("job %s: tick %v %v, want an even second", j.ID, tick, ok)
			}
			if _, ok := got[1].TickOf(j.ID); ok {
				t.Errorf("job %s taken for a tick of the nightly schedule", j.ID)
			}
		}
		if _, ok := got[0].TickOf("01J00000000000000000000001"); ok {
			t.Error("a job of another origin taken for a tick")
		}
		if n := (jobs.ScheduleInfo{Spec: "* * *", Zone: "UTC"}).Next(now); !n.IsZero() {
			t.Errorf("a spec that does not parse: next %v, want zero", n)
		}
	})
}
