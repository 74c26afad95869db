package integration_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

// tickLog records the scheduled instant of every run.
type tickLog struct {
	mu   sync.Mutex
	runs map[time.Time]int
	ids  map[string]int
}

func (l *tickLog) add(t time.Time, id string) {
	l.mu.Lock()
	l.runs[t]++
	l.ids[id]++
	l.mu.Unlock()
}

func (l *tickLog) reset() {
	l.mu.Lock()
	l.runs, l.ids = map[time.Time]int{}, map[string]int{}
	l.mu.Unlock()
}

var ticks = &tickLog{}

var tickJob = jobs.Define("test.tick", func(ctx context.Context, label string) (struct{}, error) {
	// A tick's job is enqueued at its tick; the second it started in
	// identifies it (fake time: no drift).
	j, _ := jobs.JobFromContext(ctx)
	ticks.add(time.Now().Truncate(time.Second), j.ID)
	return struct{}{}, nil
})

func TestCronOncePerTickAcrossThreeWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ticks.reset()
		c, _ := memClient(t)
		every10s, err := tickJob.Cron("*/10 * * * * *", "ten")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			startWorker(t, c, jobs.WorkerOptions{ID: "w" + string(rune('a'+i)), Schedules: []*jobs.Schedule{every10s}}, tickJob)
		}
		start := time.Now()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		ticks.mu.Lock()
		defer ticks.mu.Unlock()
		want := 0
		for tk := every10s.Next(start.Add(-time.Nanosecond)); !tk.After(start.Add(10 * time.Minute)); tk = every10s.Next(tk) {
			want++
			if n := ticks.runs[tk]; n != 1 {
				t.Fatalf("tick %s ran %d times, want once", tk.Format(time.TimeOnly), n)
			}
		}
		// Both ends are ticks: 00:00:00 to 00:10:00 every 10s.
		if len(ticks.runs) != want || want != 61 || len(ticks.ids) != want {
			t.Fatalf("%d ticks ran as %d jobs, %d expected (want 61)", len(ticks.runs), len(ticks.ids), want)
		}
	})
}

func TestCronMissedTicks(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []jobs.CronOption
		want int
	}{
		{"skip to latest", nil, 1},
		{"catch up", []jobs.CronOption{jobs.CronCatchUp(), jobs.CronLookback(5 * time.Minute)}, 5},
		{"no lookback", []jobs.CronOption{jobs.CronLookback(0)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ticks.reset()
				c, _ := memClient(t)
				// Start 1.5s after a minute: the ticks of the last five
				// minutes were missed.
				time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 1500*time.Millisecond)))
				s, err := tickJob.Cron("* * * * *", "minutely", tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
				startWorker(t, c, jobs.WorkerOptions{Schedules: []*jobs.Schedule{s}}, tickJob)
				time.Sleep(time.Second)
				synctest.Wait()
				ticks.mu.Lock()
				defer ticks.mu.Unlock()
				if len(ticks.ids) != tc.want {
					t.Fatalf("%d missed ticks fired (%v), want %d", len(ticks.ids), ticks.ids, tc.want)
				}
			})
		})
	}
}

func TestCronSpecs(t *testing.T) {
	at := time.Date(2030, 3, 10, 12, 0, 30, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct {
		spec string
		opts []jobs.CronOption
		want time.Time
	}{
		{"0 13 * * *", nil, time.Date(2030, 3, 10, 13, 0, 0, 0, time.UTC)},
		{"45 * * * * *", nil, time.Date(2030, 3, 10, 12, 0, 45, 0, time.UTC)},
		{"CRON_TZ=Europe/Paris 0 13 * * *", nil, time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC).Add(24 * time.Hour)},
		{"0 14 * * *", []jobs.CronOption{jobs.CronTimeZone(paris)}, time.Date(2030, 3, 10, 13, 0, 0, 0, time.UTC)},
		{"@hourly", nil, time.Date(2030, 3, 10, 13, 0, 0, 0, time.UTC)},
		{"@every 15m", nil, time.Date(2030, 3, 10, 12, 15, 0, 0, time.UTC)},
		{"@every 1s", nil, time.Date(2030, 3, 10, 12, 0, 31, 0, time.UTC)},
		// Leap days only: rare, but they do come.
		{"0 0 29 2 *", nil, time.Date(2032, 2, 29, 0, 0, 0, 0, time.UTC)},
		// Day of month or day of week when both are given: 30 February
		// never comes, but Mondays in February do.
		{"0 0 30 2 MON", nil, time.Date(2031, 2, 3, 0, 0, 0, 0, time.UTC)},
	} {
		s, err := tickJob.Cron(tc.spec, "x", tc.opts...)
		if err != nil {
			t.Fatalf("%q: %v", tc.spec, err)
		}
		if got := s.Next(at); !got.Equal(tc.want) {
			t.Errorf("%q: next after %s is %s, want %s", tc.spec, at, got.UTC(), tc.want)
		}
	}
}

func TestCronBadSpecs(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"61 * * * *", `minute field "61"`},
		{"* 24 * * *", `hour field "24"`},
		{"* * 0 * *", `day-of-month field "0"`},
		{"* * * 13 *", `month field "13"`},
		{"* * * * MON-XYZ", `day-of-week field "MON-XYZ"`},
		{"75 * * * * *", `second field "75"`},
		{"* * *", "3 fields; want 5 fields"},
		{"", "empty"},
		{"@fortnightly", "descriptor"},
		{"CRON_TZ=Mars/Olympus * * * * *", `time zone "Mars/Olympus"`},
		{"TZ=UTC", "nothing after"},
		// Accepted once, and then never fired or fired as fast as it could.
		{"0 0 30 2 *", "never fires"},
		{"0 0 31 2,4,6,9,11 *", "never fires"},
		{"0 0 31 4 ?", "never fires"},
		{"CRON_TZ=Europe/Paris 0 0 30,31 2 *", "never fires"},
		{"@every 0s", "at least 1s"},
		{"@every -1s", "at least 1s"},
		{"@every 1ns", "at least 1s"},
		{"@every 999ms", "at least 1s"},
	} {
		_, err := tickJob.Cron(tc.spec, "x")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Cron(%q) = %v; want an error with %q", tc.spec, err, tc.want)
			continue
		}
		if strings.Contains(tc.want, " field ") && !strings.Contains(err.Error(), "accepts") {
			t.Errorf("Cron(%q) = %v; want what the field accepts", tc.spec, err)
		}
	}
}

func TestCronOncePerTickEachStore(t *testing.T) {
	eachStore(t, func(t *testing.T, c *jobs.Client) {
		ticks.reset()
		s, err := tickJob.Cron("* * * * * *", "every second", jobs.CronLookback(0))
		if err != nil {
			t.Fatal(err)
		}
		var stops []func()
		for range 3 {
			stops = append(stops, startWorker(t, c, fastOpts(jobs.WorkerOptions{Schedules: []*jobs.Schedule{s}}), tickJob))
		}
		time.Sleep(2500 * time.Millisecond)
		for _, stop := range stops {
			stop()
		}
		ticks.mu.Lock()
		defer ticks.mu.Unlock()
		if len(ticks.ids) < 2 {
			t.Fatalf("%d ticks in 2.5s", len(ticks.ids))
		}
		for id, n := range ticks.ids {
			if n != 1 {
				t.Fatalf("tick job %s ran %d times", id, n)
			}
		}
		info, err := c.Inspect().Stats(context.Background())
		if err != nil || info.Counts["succeeded"] != len(ticks.ids) {
			t.Fatalf("store holds %v succeeded jobs for %d ticks (%v)", info.Counts, len(ticks.ids), err)
		}
	})
}
