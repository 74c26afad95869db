package dash

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

func f64(v float64) *float64 { return &v }

// TestHistoryCoarsens: samples older than fineSpan become buckets of
// bucketSpan (rates averaged, p95 the highest), the history ends an hour
// back, stays in time order, and starts again if the clock goes back.
func TestHistoryCoarsens(t *testing.T) {
	var h history
	t0 := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	for i := range 2 * 3600 { // two hours, a sample a second
		p := chartPoint{At: t0.Add(time.Duration(i) * time.Second), Span: 1, Succeeded: f64(float64(i % 3)), Failed: f64(0), P50: f64(1), P95: f64(float64(i % 15))}
		p.rates, p.lats = 1, 1
		h.add(p)
	}
	ps := h.points()
	last := ps[len(ps)-1].At
	if first := ps[0].At; last.Sub(first) > historyKeep || last.Sub(first) < historyKeep-bucketSpan {
		t.Errorf("history spans %v, want about %v", last.Sub(first), historyKeep)
	}
	if len(h.fine) > int(fineSpan/time.Second)+1 || len(ps) > 121+int(historyKeep/bucketSpan) {
		t.Errorf("%d points (%d fine): want at most about %d", len(ps), len(h.fine), 120+historyKeep/bucketSpan)
	}
	for i := 1; i < len(ps); i++ {
		if !ps[i].At.After(ps[i-1].At) {
			t.Fatalf("points %d and %d out of order: %v, %v", i-1, i, ps[i-1].At, ps[i].At)
		}
	}
	b := h.coarse[len(h.coarse)/2]
	if b.Span != bucketSpan.Seconds() || *b.Succeeded != 1 || *b.P95 != 14 || *b.P50 != 1 {
		t.Errorf("a bucket: span %v, succeeded %v, p50 %v, p95 %v; want 15, 1, 1, 14", b.Span, *b.Succeeded, *b.P50, *b.P95)
	}
	h.add(chartPoint{At: t0, Span: 1})
	if ps := h.points(); len(ps) != 1 {
		t.Errorf("after the clock went back: %d points, want 1", len(ps))
	}
}

// TestBackfill rebuilds the past hour from the finished jobs in the
// store: per minute, jobs succeeded and dead per second and run times.
func TestBackfill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		c, err := jobs.New(s)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		if ps := backfill(ctx, c.Inspect(), time.Now()); ps != nil {
			t.Fatalf("an empty store backfills %v", ps)
		}
		w := fakeWorker{t, s}
		// Three jobs 20 minutes ago (two succeed within milliseconds, one
		// dies after 4 s), one 15 minutes ago; then the dashboard starts.
		for _, batch := range []struct {
			ago  time.Duration
			n    int
			dead int
		}{{20 * time.Minute, 3, 1}, {15 * time.Minute, 1, 0}} {
			time.Sleep(time.Until(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Hour - batch.ago)))
			for i := range batch.n {
				w.insert(idAt(time.Now()) + string(rune('A'+i)))
			}
			js := w.claim(batch.n)
			for i, j := range js {
				if i >= batch.n-batch.dead {
					time.Sleep(4 * time.Second)
					w.finish(j.ID, "dead")
				} else {
					time.Sleep(2 * time.Millisecond)
					w.finish(j.ID, "succeeded")
				}
			}
		}
		time.Sleep(time.Until(time.Date(2000, 1, 1, 1, 0, 30, 0, time.UTC)))
		ps := backfill(ctx, c.Inspect(), time.Now())
		if len(ps) != 20 {
			t.Fatalf("%d points, want one a minute from the first job's minute to now (20)", len(ps))
		}
		var done, dead float64
		for _, p := range ps {
			done += *p.Succeeded * 60
			dead += *p.Failed * 60
		}
		if done != 3 || dead != 1 {
			t.Errorf("backfilled %v succeeded and %v dead, want 3 and 1", done, dead)
		}
		if p := ps[0]; p.P50 == nil || *p.P95 < 4000 || *p.P50 > 5 {
			t.Errorf("first minute's run times: p50 %v p95 %v", deref(p.P50), deref(p.P95))
		}
	})
}
