package dash

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// run claims job id and finishes it in state after d, all on the bubble's
// clock.
type fakeWorker struct {
	t *testing.T
	s store.Store
}

func (w fakeWorker) insert(id string) {
	now := time.Now().UTC()
	j := &store.Job{ID: id, Name: "n", Queue: "q", Args: []byte(`{}`), State: store.Queued, MaxAttempts: 1, RunAt: now, EnqueuedAt: now}
	if _, err := w.s.Insert(context.Background(), []*store.Job{j}); err != nil {
		w.t.Fatal(err)
	}
}

func (w fakeWorker) claim(n int) []*store.Job {
	now := time.Now().UTC()
	js, err := w.s.Claim(context.Background(), store.ClaimRequest{Queues: []string{"q"}, Limit: n, Owner: "w", Now: now, LeaseUntil: now.Add(time.Hour)})
	if err != nil || len(js) != n {
		w.t.Fatalf("claim %d: %d, %v", n, len(js), err)
	}
	return js
}

func (w fakeWorker) finish(id string, state store.State) {
	o := store.Outcome{ID: id, Owner: "w", State: state, FinishedAt: time.Now().UTC(), Error: "x"}
	if _, err := w.s.Finish(context.Background(), []store.Outcome{o}); err != nil {
		w.t.Fatal(err)
	}
}

func TestSamplerRatesAndLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		c, err := jobs.New(s)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		w := fakeWorker{t, s}
		ctx := context.Background()

		// A long job from before the dashboard opened: behind the cursor.
		w.insert(idAt(time.Now().Add(-time.Hour)))
		long := w.claim(1)[0]

		sm := newSampler(c.Inspect(), time.Now)
		p := sm.sample(ctx)
		if p.Succeeded != nil || p.P50 != nil || p.Error != "" {
			t.Fatalf("first sample %+v: want no rates yet", p)
		}

		for i := range 4 {
			w.insert(fmt.Sprintf("%s%d", idAt(time.Now())[:25], i))
		}
		running := w.claim(4)
		time.Sleep(30 * time.Millisecond)
		for i, j := range running {
			st := store.Succeeded
			if i == 3 {
				st = store.Dead
			}
			w.finish(j.ID, st)
		}
		time.Sleep(970 * time.Millisecond)
		p = sm.sample(ctx)
		if p.Succeeded == nil || *p.Succeeded != 3 || *p.Failed != 1 {
			t.Fatalf("second sample: succeeded %v failed %v, want 3/s and 1/s", p.Succeeded, p.Failed)
		}
		if p.P50 == nil || *p.P50 != 30 || *p.P95 != 30 {
			t.Fatalf("second sample: p50 %v p95 %v, want 30ms", p.P50, p.P95)
		}

		// The long job finishes: found through the running set, not the cursor.
		time.Sleep(time.Second)
		w.finish(long.ID, store.Succeeded)
		if _, err := c.Inspect().Purge(ctx, "q", store.Dead); err != nil {
			t.Fatal(err)
		}
		p = sm.sample(ctx)
		if *p.Succeeded != 1 || *p.Failed != 0 {
			t.Fatalf("third sample: succeeded %v failed %v, want 1/s and 0 (a purge is no negative rate)", *p.Succeeded, *p.Failed)
		}
		if p.P95 == nil || *p.P95 < 2000 {
			t.Fatalf("third sample: p95 %v, want the long job's 2s+", deref(p.P95))
		}

		// Nothing happens: the window empties.
		time.Sleep(6 * time.Second)
		p = sm.sample(ctx)
		if *p.Succeeded != 0 || p.P50 != nil {
			t.Fatalf("idle sample %+v", p)
		}

		s.Close()
		if p := sm.sample(ctx); p.Error == "" {
			t.Fatalf("closed store: no error in %+v", p)
		}
	})
}

func TestIDAtOrdersLikeJobIDs(t *testing.T) {
	s := memory.New()
	defer s.Close()
	c, _ := jobs.New(s)
	defer c.Close()
	d := jobs.Define("t.noop", func(context.Context, int) (int, error) { return 0, nil })
	before := idAt(time.Now().Add(-time.Millisecond))
	h, err := d.Enqueue(context.Background(), c, 1)
	if err != nil {
		t.Fatal(err)
	}
	after := idAt(time.Now().Add(2 * time.Millisecond))
	if !(before < h.ID() && h.ID() < after) || len(before) != len(h.ID()) {
		t.Fatalf("idAt: %s < %s < %s does not hold", before, h.ID(), after)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
