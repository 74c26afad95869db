package dash_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dash"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type resizeArgs struct {
	Image string `json:"image"`
	Width int    `json:"width"`
}

type reportArgs struct {
	Month string `json:"month"`
}

var (
	resize = jobs.Define("images.resize", func(ctx context.Context, a resizeArgs) (string, error) {
		return fmt.Sprintf("%s@%dw", a.Image, a.Width), sleepCtx(ctx, time.Duration(5+rand.IntN(40))*time.Millisecond)
	}, jobs.Queue("images"))
	sendMail = jobs.Define("mail.send", func(ctx context.Context, to string) (bool, error) {
		return true, sleepCtx(ctx, time.Duration(2+rand.IntN(10))*time.Millisecond)
	}, jobs.Queue("mail"))
	// reportsUp is what the flaky report job depends on: down until the
	// test repairs it.
	reportsUp   atomic.Bool
	buildReport = jobs.Define("reports.build", func(ctx context.Context, a reportArgs) (string, error) {
		if !reportsUp.Load() {
			return "", errors.New("warehouse connection refused: 10.0.0.7:5432")
		}
		return "report-" + a.Month + ".pdf", nil
	}, jobs.Queue("reports"), jobs.Retries(0))
)

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// liveEnv is a dashboard over a SQLite file with a worker in-process.
type liveEnv struct {
	c   *jobs.Client
	srv *httptest.Server
}

func newLiveEnv(t *testing.T) *liveEnv {
	t.Helper()
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "dash.db")
	c, err := jobs.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{
		Concurrency: 4, Queues: map[string]int{"images": 1, "mail": 1, "reports": 1},
		PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}, resize, sendMail, buildReport)
	if err != nil {
		t.Fatal(err)
	}
	wctx, stopWorker := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- w.Run(wctx) }()
	h, err := dash.New(c, dash.Options{StoreURL: url, Interval: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		stopWorker()
		if err := <-ran; err != nil {
			t.Errorf("worker: %v", err)
		}
		c.Close()
	})
	return &liveEnv{c: c, srv: srv}
}

func textOf(tb *tab, sel string) string {
	return evalJS[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, sel))
}

// TestBrowserRetryFailedJob is the operator's path: watch jobs arrive,
// find the one that failed, retry it, see it succeed.
func TestBrowserRetryFailedJob(t *testing.T) {
	tb := newTab(t)
	e := newLiveEnv(t)
	ctx := context.Background()
	reportsUp.Store(false)

	tb.open(e.srv)
	if got := textOf(tb, `[data-total="succeeded"] .n`); got != "0" {
		t.Fatalf("succeeded before any job: %q", got)
	}

	// A few waves, so the chart has a shape.
	for wave := range 8 {
		imgs := make([]resizeArgs, 6+wave*3)
		for i := range imgs {
			imgs[i] = resizeArgs{Image: fmt.Sprintf("photo-%d-%d.jpg", wave, i), Width: 320 * (1 + i%3)}
		}
		if _, err := resize.Map(ctx, e.c, imgs); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if _, err := sendMail.Enqueue(ctx, e.c, fmt.Sprintf("user%d@example.com", wave*4+i)); err != nil {
				t.Fatal(err)
			}
		}
		if wave == 2 {
			if _, err := buildReport.Enqueue(ctx, e.c, reportArgs{Month: "2026-10"}); err != nil {
				t.Fatal(err)
			}
		}
		// Waves a sample apart: the page must keep up, not the test.
		tb.waitFor(fmt.Sprintf("wave %d is counted", wave),
			fmt.Sprintf(`Number(document.querySelector('tr[data-queue="mail"] td[data-state="succeeded"]')?.textContent) >= %d`, (wave+1)*4))
	}
	tb.waitFor("every image is done", `Number(document.querySelector('tr[data-queue="images"] td[data-state="succeeded"]')?.textContent) === 132`)
	tb.waitFor("the failed report shows", `document.querySelector('[data-total="dead"] .n')?.textContent === '1'`)
	tb.waitFor("the chart has a line", `document.querySelectorAll('#chart-rate polyline').length > 0`)
	tb.shot("overview")

	tb.click(`[data-total="dead"]`)
	tb.waitFor("the dead job is listed", `document.querySelectorAll('#jobs tbody a.job-link').length === 1`)
	tb.shot("jobs-dead")
	tb.click(`#jobs tbody a.job-link`)
	tb.waitFor("the job's detail is shown", `document.querySelector('#job-state')?.textContent === 'dead'`)
	if got := textOf(tb, `#job-error`); !strings.Contains(got, "warehouse connection refused") {
		t.Fatalf("error shown: %q", got)
	}
	if got := textOf(tb, `#job-args`); !strings.Contains(got, `"month": "2026-10"`) {
		t.Fatalf("arguments shown: %q", got)
	}
	if got := textOf(tb, `#job-attempts`); !strings.Contains(got, "warehouse connection refused") {
		t.Fatalf("attempts shown: %q", got)
	}
	tb.shot("job-dead")

	reportsUp.Store(true)
	tb.click(`#act-retry`)
	tb.waitFor("the confirmation asks", `document.querySelector('#confirm').open`)
	tb.shot("confirm-retry")
	tb.click(`#confirm-ok`)
	tb.waitFor("the retried job succeeds", `document.querySelector('#job-state')?.textContent === 'succeeded'`)
	if got := textOf(tb, `#job-result`); !strings.Contains(got, "report-2026-10.pdf") {
		t.Fatalf("result shown: %q", got)
	}
	tb.shot("job-retried")

	j, err := e.c.Inspect().Job(ctx, evalJS[string](tb, `document.querySelector('#job-id').textContent`))
	if err != nil || j.State != store.Succeeded || len(j.Errors) != 1 {
		t.Fatalf("in the store: %+v, %v", j, err)
	}

	// The worker is listed, idle now, with what it announced.
	evalJS[any](tb, `location.hash = '#/workers'`)
	tb.waitFor("the worker is listed", `document.querySelectorAll('#workers tbody tr[data-worker]').length === 1`)
	if got := textOf(tb, `#workers tbody tr`); !strings.Contains(got, "images, mail, reports") || !strings.Contains(got, " ago") {
		t.Errorf("worker row: %q", got)
	}
	tb.shot("workers")

	// Revoke every mail job from the jobs view, see a new one canceled,
	// then restore the name from the overview.
	evalJS[any](tb, `location.hash = '#/jobs?name=mail.send'`)
	tb.waitFor("the revoke-all button shows", `!document.querySelector('#revoke-name').hidden && document.querySelector('#revoke-name').textContent === 'Revoke all mail.send'`)
	tb.click(`#revoke-name`)
	tb.waitFor("the confirmation asks", `document.querySelector('#confirm').open`)
	tb.click(`#confirm-ok`)
	tb.waitFor("the revocation is confirmed", `document.querySelector('#toast')?.textContent.includes('canceled instead of run')`)
	if rs, err := e.c.Inspect().Revocations(ctx); err != nil || len(rs) != 1 || rs[0].Name != "mail.send" {
		t.Fatalf("revocations in the store: %+v, %v", rs, err)
	}
	// Workers refresh revocations about once a second, so a job claimed
	// within that second may still run: send mail until one is canceled.
	for i := 0; ; i++ {
		h, err := sendMail.Enqueue(ctx, e.c, fmt.Sprintf("late%d@example.com", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Await(ctx); errors.Is(err, jobs.ErrRevoked) {
			break
		} else if i == 1000 {
			t.Fatalf("no job of the revoked name was canceled: %v", err)
		}
	}
	evalJS[any](tb, `location.hash = '#/'`)
	tb.waitFor("the revocation is listed", `document.querySelector('#revocations tbody tr[data-name="mail.send"]') !== null && !document.querySelector('#revocations-card').hidden`)
	tb.waitFor("the new mail job is canceled", `document.querySelector('tr[data-queue="mail"] td[data-state="canceled"]')?.textContent === '1'`)
	tb.shot("revoked-name")
	tb.click(`#revocations tbody tr[data-name="mail.send"] button[data-act="restore"]`)
	tb.waitFor("the confirmation asks", `document.querySelector('#confirm').open`)
	tb.click(`#confirm-ok`)
	tb.waitFor("the revocation is gone", `document.querySelector('#revocations-card').hidden`)
	if rs, err := e.c.Inspect().Revocations(ctx); err != nil || len(rs) != 0 {
		t.Fatalf("revocations after restoring: %+v, %v", rs, err)
	}
	tb.do()
	tb.checkClean()
}
