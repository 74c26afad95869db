package dash

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// point is one sample of the live view.
type point struct {
	At        time.Time   `json:"at"`
	Queues    []queueView `json:"queues"`
	Succeeded *float64    `json:"succeeded"` // jobs/s over the last interval; null on the first sample
	Failed    *float64    `json:"failed"`    // dead-lettered jobs/s
	P50       *float64    `json:"p50"`       // run time in ms of jobs finished in the last latencyWindow; null if none
	P95       *float64    `json:"p95"`
	Span      float64     `json:"span"` // seconds between samples: the interval
	Error     string      `json:"error,omitempty"`
}

const (
	latencyWindow = 5 * time.Second
	scanPage      = 500 // finished jobs read per state per sample
	runningScan   = 200 // running jobs remembered per sample
	vanishedGets  = 32  // jobs that stopped running, looked up per sample
)

// sampler turns successive reads of the store into rates and latencies.
// A process that only reads the store sees no events, so:
//   - throughput is the growth of the succeeded and dead counts between
//     samples (a drop, from pruning, purging or a result consumed by
//     Await, counts as zero);
//   - latency is FinishedAt-StartedAt of jobs that finished since the
//     last sample, found by reading finished jobs in ID order from a
//     cursor, plus jobs seen running last time that are gone now (a long
//     job finishing after younger ones would fall behind the cursor).
//
// It is used by one goroutine at a time.
type sampler struct {
	in  *jobs.Inspector
	now func() time.Time

	prevAt   time.Time
	prevDone map[string]int
	prevDead map[string]int
	cursor   map[store.State]string
	running  map[string]bool
	recent   []timed
}

type timed struct {
	at time.Time
	d  time.Duration
}

func newSampler(in *jobs.Inspector, now func() time.Time) *sampler {
	return &sampler{in: in, now: now}
}

func (s *sampler) sample(ctx context.Context) point {
	at := s.now()
	p := point{At: at.UTC()}
	qs, err := s.in.Queues(ctx)
	if err != nil {
		p.Error = "store: " + err.Error()
		return p
	}
	p.Queues = queueViews(qs)
	done, dead := map[string]int{}, map[string]int{}
	for _, q := range qs {
		done[q.Name], dead[q.Name] = q.Counts[store.Succeeded], q.Counts[store.Dead]
	}
	if s.prevDone != nil {
		secs := at.Sub(s.prevAt).Seconds()
		if secs <= 0 {
			secs = 1
		}
		sr, fr := growth(s.prevDone, done)/secs, growth(s.prevDead, dead)/secs
		p.Succeeded, p.Failed = &sr, &fr
	}
	s.prevAt, s.prevDone, s.prevDead = at, done, dead
	s.latencies(ctx, at)
	p.P50, p.P95 = s.percentiles()
	return p
}

// growth sums the per-queue increases from a to b.
func growth(a, b map[string]int) float64 {
	n := 0
	for q, v := range b {
		if d := v - a[q]; d > 0 {
			n += d
		}
	}
	return float64(n)
}

func (s *sampler) latencies(ctx context.Context, at time.Time) {
	if s.cursor == nil {
		// Start at jobs enqueued from now on: reading the whole history
		// of a large store once per sample is not affordable.
		s.cursor = map[store.State]string{store.Succeeded: idAt(at), store.Dead: idAt(at)}
	}
	before := map[store.State]string{}
	for st, c := range s.cursor {
		before[st] = c
		p, err := s.in.Jobs(ctx, jobs.ListOptions{State: st, After: c, Limit: scanPage})
		if err != nil {
			return
		}
		for _, j := range p.Jobs {
			s.add(j, at)
			s.cursor[st] = j.ID
		}
	}
	p, err := s.in.Jobs(ctx, jobs.ListOptions{State: store.Running, Limit: runningScan})
	if err != nil {
		return
	}
	now := make(map[string]bool, len(p.Jobs))
	for _, j := range p.Jobs {
		now[j.ID] = true
	}
	gets := 0
	for id := range s.running {
		if now[id] || gets >= vanishedGets {
			continue
		}
		gets++
		j, err := s.in.Job(ctx, id)
		if err != nil || !j.State.Final() {
			continue
		}
		// The cursor scan saw this job unless it was behind the cursor.
		if c, ok := before[j.State]; ok && j.ID <= c {
			s.add(j, at)
		}
	}
	s.running = now
	// Forget what left the window.
	i := 0
	for i < len(s.recent) && at.Sub(s.recent[i].at) > latencyWindow {
		i++
	}
	s.recent = s.recent[i:]
}

func (s *sampler) add(j *jobs.JobInfo, at time.Time) {
	if j.StartedAt.IsZero() || j.FinishedAt.Before(j.StartedAt) {
		return
	}
	s.recent = append(s.recent, timed{at: at, d: j.FinishedAt.Sub(j.StartedAt)})
	if len(s.recent) > 10000 {
		s.recent = s.recent[len(s.recent)-10000:]
	}
}

func (s *sampler) percentiles() (p50, p95 *float64) {
	ds := make([]time.Duration, len(s.recent))
	for i, t := range s.recent {
		ds[i] = t.d
	}
	return quantiles(ds)
}

// idAt is the smallest job ID package jobs makes at t: IDs are ULIDs, whose
// first ten characters are the millisecond timestamp in Crockford base32.
func idAt(t time.Time) string {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	ms := uint64(t.UnixMilli())
	var b [26]byte
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 10; i < 26; i++ {
		b[i] = '0'
	}
	return string(b[:])
}
