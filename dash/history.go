package dash

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// The charts' history, kept by the dashboard process: every sample of the
// last fineSpan, older ones merged into buckets of bucketSpan, nothing
// older than historyKeep. At the default interval of 1 s that is at most
// about 120 + 240 points. It lives in memory: a restart starts it again
// from a backfill out of the store (see backfill).
const (
	fineSpan    = 2 * time.Minute
	bucketSpan  = 15 * time.Second
	historyKeep = time.Hour
	// backfillSpan is the width of the buckets a backfill makes, and
	// backfillScan how many finished jobs per final state it reads.
	backfillSpan = time.Minute
	backfillScan = 1000
)

// chartPoint is one point of the charts: what the samples of Span seconds
// up to At measured.
type chartPoint struct {
	At        time.Time `json:"at"`
	Span      float64   `json:"span"` // seconds the point stands for: the interval, or a bucket's width
	Succeeded *float64  `json:"succeeded"`
	Failed    *float64  `json:"failed"`
	P50       *float64  `json:"p50"`
	P95       *float64  `json:"p95"`

	rates, lats int       // samples merged in with rates, with latencies
	bucket      time.Time // for a bucket of merged samples: its start
}

func chartOf(p point, span time.Duration) chartPoint {
	c := chartPoint{At: p.At, Span: span.Seconds(), Succeeded: p.Succeeded, Failed: p.Failed, P50: p.P50, P95: p.P95}
	if c.Succeeded != nil {
		c.rates = 1
	}
	if c.P50 != nil {
		c.lats = 1
	}
	return c
}

// history is the charts' points in time order. It is used under the hub's
// lock.
type history struct {
	fine   []chartPoint // the samples of the last fineSpan
	coarse []chartPoint // older: one per bucketSpan (or backfill bucket)
}

// add appends a sample, merges those that left the fine span into
// buckets, and forgets what is older than historyKeep. A sample whose
// time is not after the last one's (a clock set back) starts the history
// again, so that it stays in time order.
func (h *history) add(p chartPoint) {
	if last, ok := h.last(); ok && !p.At.After(last.At) {
		h.fine, h.coarse = nil, nil
	}
	h.fine = append(h.fine, p)
	i := 0
	for i < len(h.fine) && p.At.Sub(h.fine[i].At) > fineSpan {
		h.merge(h.fine[i])
		i++
	}
	h.fine = h.fine[i:]
	j := 0
	for j < len(h.coarse) && p.At.Sub(h.coarse[j].At) > historyKeep {
		j++
	}
	h.coarse = h.coarse[j:]
}

func (h *history) last() (chartPoint, bool) {
	switch {
	case len(h.fine) > 0:
		return h.fine[len(h.fine)-1], true
	case len(h.coarse) > 0:
		return h.coarse[len(h.coarse)-1], true
	}
	return chartPoint{}, false
}

// merge adds a sample to the bucket it falls in, which takes the time of
// its latest sample (so that points stay in time order): rates are
// averaged over the samples that had one, p50 too, and p95 is the
// highest (a spike stays visible).
func (h *history) merge(p chartPoint) {
	start := p.At.Truncate(bucketSpan)
	n := len(h.coarse)
	if n == 0 || !h.coarse[n-1].bucket.Equal(start) {
		h.coarse = append(h.coarse, chartPoint{Span: bucketSpan.Seconds(), bucket: start})
		n++
	}
	b := &h.coarse[n-1]
	b.At = p.At
	if p.Succeeded != nil && p.Failed != nil {
		w := float64(max(p.rates, 1))
		b.Succeeded = mean(b.Succeeded, b.rates, *p.Succeeded, w)
		b.Failed = mean(b.Failed, b.rates, *p.Failed, w)
		b.rates += int(w)
	}
	if p.P50 != nil && p.P95 != nil {
		w := float64(max(p.lats, 1))
		b.P50 = mean(b.P50, b.lats, *p.P50, w)
		if b.P95 == nil || *p.P95 > *b.P95 {
			v := *p.P95
			b.P95 = &v
		}
		b.lats += int(w)
	}
}

// mean folds v, standing for w samples, into the average cur of n.
func mean(cur *float64, n int, v, w float64) *float64 {
	if cur == nil || n == 0 {
		return &v
	}
	m := (*cur*float64(n) + v*w) / (float64(n) + w)
	return &m
}

// points returns the history oldest first.
func (h *history) points() []chartPoint {
	out := make([]chartPoint, 0, len(h.coarse)+len(h.fine))
	return append(append(out, h.coarse...), h.fine...)
}

// seed puts backfilled points before any sample; it is for an empty
// history only.
func (h *history) seed(ps []chartPoint) {
	if len(h.fine) == 0 && len(h.coarse) == 0 {
		h.coarse = append(h.coarse, ps...)
	}
}

// backfill rebuilds the hour before now from the finished jobs the store
// still holds, so that a dashboard opened (or restarted) after a quiet
// spell shows the recent past rather than an empty chart: jobs that
// succeeded or were dead-lettered per backfillSpan, and their run times.
// It reads at most backfillScan of each, newest first (ID order, which is
// enqueue order, close to finishing order); where that cap cuts the hour
// short, the points start after the oldest job read. Jobs the store no
// longer has (results consumed by Await, pruned, purged) are not counted.
// It returns nil when nothing finished in the hour.
func backfill(ctx context.Context, in *jobs.Inspector, now time.Time) []chartPoint {
	end := now.Truncate(backfillSpan)
	start := end.Add(-historyKeep)
	type bucket struct {
		done, dead int
		runs       []time.Duration
	}
	buckets := map[time.Time]*bucket{}
	from := start
	for _, st := range []store.State{store.Succeeded, store.Dead} {
		read, before := 0, ""
		var oldest time.Time
		for read < backfillScan {
			p, err := in.Jobs(ctx, jobs.ListOptions{State: st, Newest: true, Before: before, Limit: min(scanPage, backfillScan-read)})
			if err != nil {
				return nil
			}
			for _, j := range p.Jobs {
				read++
				if oldest.IsZero() || j.FinishedAt.Before(oldest) {
					oldest = j.FinishedAt
				}
				if j.FinishedAt.Before(start) || !j.FinishedAt.Before(end) {
					continue
				}
				k := j.FinishedAt.Truncate(backfillSpan)
				b := buckets[k]
				if b == nil {
					b = &bucket{}
					buckets[k] = b
				}
				if st == store.Succeeded {
					b.done++
				} else {
					b.dead++
				}
				if !j.StartedAt.IsZero() && !j.FinishedAt.Before(j.StartedAt) {
					b.runs = append(b.runs, j.FinishedAt.Sub(j.StartedAt))
				}
			}
			if p.Next == "" {
				break
			}
			before = p.Next
		}
		if read >= backfillScan && oldest.After(from) {
			from = oldest.Truncate(backfillSpan).Add(backfillSpan)
		}
	}
	if len(buckets) == 0 {
		return nil
	}
	first := end
	for k := range buckets {
		if !k.Before(from) && k.Before(first) {
			first = k
		}
	}
	var out []chartPoint
	for k := first; k.Before(end); k = k.Add(backfillSpan) {
		b := buckets[k]
		if b == nil {
			b = &bucket{}
		}
		secs := backfillSpan.Seconds()
		sr, fr := float64(b.done)/secs, float64(b.dead)/secs
		p := chartPoint{At: k.Add(backfillSpan).UTC(), Span: secs, Succeeded: &sr, Failed: &fr, rates: 1}
		if len(b.runs) > 0 {
			p.P50, p.P95 = quantiles(b.runs)
			p.lats = 1
		}
		out = append(out, p)
	}
	return out
}

// quantiles returns the nearest-rank p50 and p95 of ds in milliseconds;
// it sorts ds.
func quantiles(ds []time.Duration) (p50, p95 *float64) {
	if len(ds) == 0 {
		return nil, nil
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(f float64) *float64 {
		i := int(math.Ceil(f*float64(len(ds)))) - 1
		v := float64(ds[max(i, 0)]) / float64(time.Millisecond)
		return &v
	}
	return q(0.5), q(0.95)
}
