package dash_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// putJob stores a job of name in queue and drives it to state through the
// store contract, as a worker in another process would. Jobs are claimed
// in ID order, so give them in that order.
func putJob(t *testing.T, s store.Store, id, name, queue string, state store.State) {
	t.Helper()
	ctx := context.Background()
	j := &store.Job{ID: id, Name: name, Queue: queue, Args: []byte(`{"image":"` + strings.ToLower(id[20:]) + `.jpg"}`),
		State: store.Queued, MaxAttempts: 1, RunAt: time.Now().UTC(), EnqueuedAt: time.Now().UTC().Add(-time.Minute)}
	if _, err := s.Insert(ctx, []*store.Job{j}); err != nil {
		t.Fatal(err)
	}
	if state == store.Queued {
		return
	}
	driveTo(t, s, queue, id, state, time.Now().UTC(), 40*time.Millisecond, decodeEOF)
}

// decodeEOF is the error of the dead jobs the tests make.
const decodeEOF = "resize: image decode: unexpected EOF"

func firstRowID(tb *tab) string {
	return evalJS[string](tb, `document.querySelector('#jobs tbody tr')?.dataset.id || ''`)
}

// TestBrowserJobsNewestFirst: the job list opens newest first, so the
// failure that just happened is on top; the toggle lists oldest first;
// filters and order are in the URL, and the back button walks back
// through them.
func TestBrowserJobsNewestFirst(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	ids := []string{"01J00000000000000000000001", "01J00000000000000000000002", "01J00000000000000000000003", "01J00000000000000000000004"}
	putJob(t, e.s, ids[0], "images.resize", "images", store.Succeeded)
	putJob(t, e.s, ids[1], "images.resize", "images", store.Dead)
	putJob(t, e.s, ids[2], "mail.send", "mail", store.Queued)
	putJob(t, e.s, ids[3], "images.resize", "images", store.Dead)

	tb.open(e.srv)
	tb.click(`[data-nav="jobs"]`)
	tb.waitFor("every job is listed", `document.querySelectorAll('#jobs tbody tr').length === 4`)
	if got := firstRowID(tb); got != ids[3] {
		t.Errorf("first row %s, want the newest job %s", got, ids[3])
	}
	if got := textOf(tb, `#order`); got != "Newest first" {
		t.Errorf("order toggle reads %q", got)
	}
	tb.shot("jobs")

	tb.click(`#order`)
	tb.waitFor("the list is oldest first", `document.querySelector('#jobs tbody tr')?.dataset.id === '`+ids[0]+`'`)
	if h := evalJS[string](tb, `location.hash`); h != "#/jobs?order=oldest" {
		t.Errorf("hash after the toggle: %q", h)
	}

	// A filter from the form keeps the order and goes in the URL.
	evalJS[any](tb, `document.querySelector('#f-state').value = 'dead'`)
	tb.click(`#filters button[type="submit"]`)
	tb.waitFor("the dead jobs are listed oldest first", `document.querySelectorAll('#jobs tbody tr').length === 2 && document.querySelector('#jobs tbody tr').dataset.id === '`+ids[1]+`'`)
	if h := evalJS[string](tb, `location.hash`); h != "#/jobs?state=dead&order=oldest" {
		t.Errorf("hash after filtering: %q", h)
	}

	// Back: oldest first without the filter; back again: newest first.
	evalJS[any](tb, `history.back()`)
	tb.waitFor("back to every job, oldest first", `document.querySelectorAll('#jobs tbody tr').length === 4 && document.querySelector('#jobs tbody tr').dataset.id === '`+ids[0]+`'`)
	evalJS[any](tb, `history.back()`)
	tb.waitFor("back to newest first", `document.querySelectorAll('#jobs tbody tr').length === 4 && document.querySelector('#jobs tbody tr').dataset.id === '`+ids[3]+`' && document.querySelector('#order').textContent === 'Newest first'`)

	// A shared link opens the same view.
	evalJS[any](tb, `location.hash = '#/jobs?state=dead&name=images.resize'`)
	tb.waitFor("the shared view", `document.querySelectorAll('#jobs tbody tr').length === 2 && document.querySelector('#f-name').value === 'images.resize' && document.querySelector('#f-state').value === 'dead'`)
	if got := firstRowID(tb); got != ids[3] {
		t.Errorf("shared view: first row %s, want %s", got, ids[3])
	}
	tb.checkClean()
}

// TestBrowserBulkRetry retries every dead job of a name from the list,
// after a confirmation that counts them; a dead job of another name
// stays dead.
func TestBrowserBulkRetry(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	for i := 1; i <= 3; i++ {
		putJob(t, e.s, fmt.Sprintf("01J0000000000000000000000%d", i), "images.resize", "images", store.Dead)
	}
	putJob(t, e.s, "01J00000000000000000000009", "mail.send", "images", store.Dead)

	tb.open(e.srv)
	evalJS[any](tb, `location.hash = '#/jobs?state=dead&name=images.resize'`)
	tb.waitFor("the dead jobs are listed", `document.querySelectorAll('#jobs tbody tr[data-s="dead"]').length === 3`)
	tb.waitFor("the bulk button shows", `!document.querySelector('#retry-all').hidden && document.querySelector('#retry-all').textContent === 'Retry all dead'`)
	tb.click(`#retry-all`)
	tb.waitFor("the confirmation asks", `document.querySelector('#confirm').open`)
	if got := textOf(tb, `#confirm-text`); got != "Retry 3 dead jobs of images.resize?" {
		t.Errorf("confirmation %q", got)
	}
	tb.shot("confirm-retry-all")
	tb.click(`#confirm-ok`)
	tb.waitFor("the result is told", `document.querySelector('#toast')?.textContent === 'Retried 3 dead jobs of images.resize.'`)
	tb.waitFor("none is left dead", `document.querySelectorAll('#jobs tbody tr').length === 0 && !document.querySelector('#jobs-empty').hidden`)

	ctx := context.Background()
	for _, c := range []struct {
		name  string
		state store.State
		n     int
	}{{"images.resize", store.Queued, 3}, {"images.resize", store.Dead, 0}, {"mail.send", store.Dead, 1}} {
		p, err := e.c.Inspect().Jobs(ctx, jobs.ListOptions{Name: c.name, State: c.state})
		if err != nil || len(p.Jobs) != c.n {
			t.Errorf("%s %s: %d jobs, want %d (%v)", c.state, c.name, len(p.Jobs), c.n, err)
		}
	}
	tb.checkClean()
}

var (
	thumb = jobs.Define("images.thumbnail", func(ctx context.Context, a resizeArgs) (string, error) {
		return a.Image + ".thumb", nil
	}, jobs.Queue("images"))
	album = jobs.Define("images.album", func(ctx context.Context, ms []jobs.Member[string]) (int, error) {
		return len(ms), nil
	}, jobs.Queue("images"))
)

// TestBrowserWorkflowChord shows a chord, reached from one of its
// members: the three members first, then the callback that waits for
// them, each with its state; a click on a step opens that step.
func TestBrowserWorkflowChord(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	ctx := context.Background()
	var members []jobs.Step[string]
	for i := range 3 {
		members = append(members, thumb.Step(resizeArgs{Image: fmt.Sprintf("photo-%d.jpg", i), Width: 200}))
	}
	ch, err := jobs.EnqueueChord(ctx, e.c, members, album)
	if err != nil {
		t.Fatal(err)
	}
	hs := ch.Members().Handles()
	// As workers would: the first member succeeds, the second dies, the
	// third waits.
	driveTo(t, e.s, "images", hs[0].ID(), store.Succeeded, time.Now().UTC(), 40*time.Millisecond, "")
	driveTo(t, e.s, "images", hs[1].ID(), store.Dead, time.Now().UTC(), 40*time.Millisecond, decodeEOF)

	tb.open(e.srv)
	evalJS[any](tb, `location.hash = '#/job/`+hs[1].ID()+`'`)
	tb.waitFor("the workflow shows its four steps", `document.querySelectorAll('#job-workflow .step').length === 4`)
	stage := func(n int) string {
		return evalJS[string](tb, fmt.Sprintf(`Array.from(document.querySelectorAll('#job-workflow .stage[data-stage="%d"] .step')).map(s => s.dataset.id + ':' + s.dataset.s).join(' ')`, n))
	}
	want0 := fmt.Sprintf("%s:succeeded %s:dead %s:queued", hs[0].ID(), hs[1].ID(), hs[2].ID())
	if got := stage(0); got != want0 {
		t.Errorf("first stage %q, want %q", got, want0)
	}
	if got := stage(1); got != ch.Callback().ID()+":scheduled" {
		t.Errorf("second stage %q, want the callback, scheduled", got)
	}
	if got := evalJS[string](tb, `document.querySelector('#job-workflow .step.current')?.dataset.id || ''`); got != hs[1].ID() {
		t.Errorf("current step %q, want %s", got, hs[1].ID())
	}
	if got := textOf(tb, `#job-workflow-note`); got != "4 steps: 1 succeeded, 1 dead, 1 queued, 1 scheduled" {
		t.Errorf("note %q", got)
	}
	if got := textOf(tb, `#job-workflow .stage[data-stage="1"] .stage-head`); got != "Then (waits for 3 steps)" {
		t.Errorf("callback stage head %q", got)
	}
	tb.shot("job-workflow")

	tb.click(`#job-workflow .step[data-id="` + ch.Callback().ID() + `"]`)
	tb.waitFor("the callback opens", `document.querySelector('#job-id')?.textContent === '`+ch.Callback().ID()+`'`)
	tb.waitFor("its workflow is the same, the callback current", `document.querySelector('#job-workflow .step.current')?.dataset.id === '`+ch.Callback().ID()+`' && document.querySelectorAll('#job-workflow .step').length === 4`)
	tb.checkClean()
}

var (
	cleanTmp = jobs.Define("cleanup.tmp", func(ctx context.Context, dir string) (int, error) {
		return 3, sleepCtx(ctx, 2*time.Millisecond)
	})
	digest = jobs.Define("mail.digest", func(ctx context.Context, list string) (int, error) {
		return 120, nil
	}, jobs.Queue("mail"))
)

// TestBrowserSchedules lists the schedules a worker announces: spec,
// zone, the next run computed from the spec and shown in the schedule's
// zone, the last run and the jobs the schedule made.
func TestBrowserSchedules(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 200 * time.Millisecond})
	every2s, err := cleanTmp.Cron("*/2 * * * * *", "/tmp/spindle")
	if err != nil {
		t.Fatal(err)
	}
	nightly, err := digest.Cron("CRON_TZ=America/New_York 0 3 * * *", "subscribers")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	w, err := jobs.NewWorker(e.c, jobs.WorkerOptions{
		ID: "worker-a", Queues: map[string]int{"default": 1, "mail": 1}, PollInterval: 20 * time.Millisecond,
		Schedules: []*jobs.Schedule{every2s, nightly}, Logger: slog.New(slog.DiscardHandler),
	}, cleanTmp, digest)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	tb.open(e.srv)
	tb.click(`[data-nav="schedules"]`)
	row := `#schedules tbody tr[data-name="mail.digest"]`
	tb.waitFor("the nightly schedule is listed", `document.querySelector('`+row+` td.next')?.dataset.next !== undefined`)
	next := nightly.Next(time.Now())
	if got := evalJS[string](tb, `document.querySelector('`+row+` td.next').dataset.next`); got != next.UTC().Format(time.RFC3339) {
		t.Errorf("next run %q, want %s", got, next.UTC().Format(time.RFC3339))
	}
	ny, _ := time.LoadLocation("America/New_York")
	if got, want := textOf(tb, row+` td.next`), next.In(ny).Format("2006-01-02 15:04:05"); !strings.HasPrefix(got, want+" (in ") {
		t.Errorf("next run shown as %q, want %q in New York time and how far off", got, want)
	}
	if got := textOf(tb, row); !strings.Contains(got, "0 3 * * *") || !strings.Contains(got, "America/New_York") || !strings.Contains(got, "worker-a") || !strings.Contains(got, "none in the store") {
		t.Errorf("nightly row: %q", got)
	}
	// The two-second schedule has fired by now, or does within seconds:
	// its last run and the jobs it made show, each a tick job of it.
	fast := `#schedules tbody tr[data-name="cleanup.tmp"]`
	tb.waitFor("the fast schedule made two jobs", `document.querySelectorAll('`+fast+` td.made a').length >= 2 && document.querySelector('`+fast+` td.last a') !== null`)
	info := every2s.Info()
	for _, id := range evalJS[[]string](tb, `Array.from(document.querySelectorAll('`+fast+` td.made a')).map(a => a.dataset.id)`) {
		if _, ok := info.TickOf(id); !ok {
			t.Errorf("job %s listed as made by %s", id, every2s.Spec())
		}
	}
	tb.waitFor("a tick succeeded", `document.querySelector('`+fast+` td.made [data-s="succeeded"]') !== null`)
	tb.shot("schedules")
	tb.checkClean()
}

// TestBrowserChartGap drives the sampler's clock: samples a second apart,
// then a jump of three minutes in which nothing was sampled. The charts
// place points by their time, so the jump is a shaded gap that breaks
// the lines, not a step as wide as any other.
func TestBrowserChartGap(t *testing.T) {
	tb := newTab(t)
	e := newEnv(t, dash.Options{Interval: 50 * time.Millisecond})
	var mu sync.Mutex
	clock := time.Now().Add(-10 * time.Minute)
	dash.SetSampleClock(e.h, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	})
	put(t, e.s, "01J00000000000000000000001", "q", []byte(`{}`), store.Queued, "")

	tb.open(e.srv)
	tb.waitFor("a line of a minute's samples", `document.querySelectorAll('#chart-rate polyline.s-succeeded').length === 1 && document.querySelector('#chart-rate polyline.s-succeeded').points.numberOfItems >= 60`)
	mu.Lock()
	clock = clock.Add(3 * time.Minute)
	mu.Unlock()
	tb.waitFor("the line breaks at a gap", `document.querySelectorAll('#chart-rate polyline.s-succeeded').length === 2 && document.querySelectorAll('#chart-rate polyline.s-succeeded')[1].points.numberOfItems >= 5`)
	gap := evalJS[[]float64](tb, `(() => { const r = document.querySelector('#chart-rate rect.gap'); return r ? [r.x.baseVal.value, r.width.baseVal.value] : []; })()`)
	// The chart's 542 units of width hold five minutes: three are about 325.
	if len(gap) != 2 || gap[1] < 280 || gap[1] > 340 {
		t.Errorf("gap rect (x, width) %v: want about 325 units wide", gap)
	}
	lines := evalJS[[][]float64](tb, `Array.from(document.querySelectorAll('#chart-rate polyline.s-succeeded')).map(l => { const p = l.points; return [p.getItem(0).x, p.getItem(p.numberOfItems - 1).x]; })`)
	if len(lines) == 2 && lines[1][0]-lines[0][1] < 280 {
		t.Errorf("lines %v: the second starts %.0f units after the first ends, want the gap's width", lines, lines[1][0]-lines[0][1])
	}
	for _, sel := range []string{`#chart-latency`, `#chart-rate`} {
		if n := evalJS[int](tb, `document.querySelectorAll('`+sel+` text.axis').length`); n < 6 {
			t.Errorf("%s has %d axis labels", sel, n)
		}
	}
	tb.shot("overview-gap")
	tb.click(`[data-range="3600"]`)
	tb.waitFor("the hour view has ten-minute ticks", `Array.from(document.querySelectorAll('#chart-rate text.axis')).some(t => t.textContent === '-10m')`)
	tb.checkClean()
}
