package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/cronspec"
	"github.com/spindlehq/spindle/jobs/store"
)

// Schedule is a periodic job (Huey's periodic_task): a definition, its
// arguments and a cron expression. Give it to workers in
// WorkerOptions.Schedules. Every worker that has the schedule fires each
// tick by inserting that tick's job under an ID derived from the tick and
// the schedule, so the store keeps one job per tick however many workers
// fire it, and the tick runs once. A Schedule is immutable and safe for
// concurrent use.
type Schedule struct {
	name     string
	spec     string
	zone     string
	next     func(time.Time) time.Time
	seed     [10]byte // the low 80 bits of every tick's ID
	lookback time.Duration
	catchUp  bool
	make     func(ctx context.Context, c *Client, id string) (*store.Job, error)
}

// CronOption configures a [Schedule]; see [Definition.Cron].
type CronOption func(*cronConfig)

type cronConfig struct {
	loc      *time.Location
	lookback time.Duration
	catchUp  bool
	enqueue  []EnqueueOption
	err      error
}

// DefaultCronLookback is how far back a worker looks for missed ticks.
const DefaultCronLookback = time.Minute

// CronTimeZone evaluates the expression in loc (default UTC, so workers in
// different zones agree on the ticks). A CRON_TZ= or TZ= prefix in the
// expression takes precedence.
func CronTimeZone(loc *time.Location) CronOption {
	return func(c *cronConfig) {
		if loc == nil {
			c.err = fmt.Errorf("CronTimeZone(nil): want a *time.Location")
			return
		}
		c.loc = loc
	}
}

// CronLookback bounds how far back a worker looks for ticks that nobody
// fired (every worker was down, or stalled): ticks more than d (plus a
// second of slack for timer lateness) in the past are never fired. Default [DefaultCronLookback]. Keep it well below the jobs'
// retention: a tick whose job was already pruned would run again.
func CronLookback(d time.Duration) CronOption {
	return func(c *cronConfig) {
		if d < 0 {
			c.err = fmt.Errorf("CronLookback(%v): want 0 or more", d)
			return
		}
		c.lookback = d
	}
}

// CronCatchUp fires every missed tick within the lookback, oldest first
// (at most 1000 at a time). Without it the policy is to skip to the
// latest: of the ticks missed, only the most recent within the lookback
// is fired.
func CronCatchUp() CronOption { return func(c *cronConfig) { c.catchUp = true } }

// CronEnqueue applies opts to every tick's job (queue, priority, expiry
// and the like).
func CronEnqueue(opts ...EnqueueOption) CronOption {
	return func(c *cronConfig) { c.enqueue = append(c.enqueue, opts...) }
}

// Cron returns a schedule that runs d with args at every tick of spec:
// five fields (minute hour day-of-month month day-of-week), or six with
// seconds first, or a descriptor (@yearly, @monthly, @weekly, @daily,
// @hourly, @every 10m), optionally prefixed by CRON_TZ=Zone or TZ=Zone.
// Each field takes *, ?, a value, a range a-b, a list a,b,c or a step
// */n, a-b/n or a/n; months and weekdays may be named (JAN, MON). When
// both day fields are restricted a day matching either fires ("0 0 1 *
// MON": the first of the month and Mondays). A clock time that daylight
// saving time skips does not fire that day, and one it repeats fires at
// each occurrence.
//
// A bad spec is an error naming the field and what it accepts, and so is
// a spec that never fires (30 February) or an @every interval under one
// second or with a fraction of one. args is encoded now; an encoding
// error is returned. Cron is safe for concurrent use.
func (d *Definition[A, R]) Cron(spec string, args A, opts ...CronOption) (*Schedule, error) {
	cfg := cronConfig{loc: time.UTC, lookback: DefaultCronLookback}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, fmt.Errorf("jobs: cron %q for %q: %w", spec, d.core.name, cfg.err)
	}
	sched, err := cronspec.Parse(spec, cfg.loc)
	if err != nil {
		return nil, fmt.Errorf("jobs: cron %q for %q: %w", spec, d.core.name, err)
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("jobs: cron %q for %q: arguments do not encode as JSON: %w", spec, d.core.name, err)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d:%s%d:%s%d:%s", len(d.core.name), d.core.name, len(spec), spec, len(raw), raw))
	zone := cfg.loc.String()
	if l := sched.Location(); l != nil {
		zone = l.String()
	}
	s := &Schedule{name: d.core.name, spec: spec, zone: zone, next: sched.Next, lookback: cfg.lookback, catchUp: cfg.catchUp}
	copy(s.seed[:], sum[:10])
	enq := append([]EnqueueOption(nil), cfg.enqueue...)
	s.make = func(ctx context.Context, c *Client, id string) (*store.Job, error) {
		return d.newJob(ctx, c, args, append(enq, withID(id)))
	}
	return s, nil
}

// Name returns the name of the schedule's definition.
func (s *Schedule) Name() string { return s.name }

// Spec returns the cron expression.
func (s *Schedule) Spec() string { return s.spec }

// Zone returns the name of the time zone the ticks fall in: the
// expression's CRON_TZ= or TZ= zone, else the one given with
// [CronTimeZone], else "UTC". "Local" is the zone of the process that
// made the schedule. It is safe for concurrent use.
func (s *Schedule) Zone() string { return s.zone }

// Next returns the first tick after t, in t's location, or the zero time
// if none falls within five years (29 February seen from 2097, since 2100
// is no leap year). It is safe for concurrent use.
func (s *Schedule) Next(t time.Time) time.Time { return s.next(t) }

// Info returns the schedule as workers announce it (see
// [WorkerInfo.Schedules]). It is safe for concurrent use.
func (s *Schedule) Info() ScheduleInfo {
	return ScheduleInfo{Name: s.name, Spec: s.spec, Zone: s.zone, Tick: s.tickID(time.UnixMilli(0))[10:]}
}

// ScheduleInfo is a periodic job as a worker announces it, so that tools
// reading the store (the dashboard) can list the schedules of every
// worker and recognise the jobs they made. It is a plain value, safe to
// copy and to use from any goroutine.
type ScheduleInfo struct {
	Name string `json:"name"` // the definition's name: every tick job has it
	Spec string `json:"spec"` // the cron expression, as given to [Definition.Cron]
	Zone string `json:"zone"` // see [Schedule.Zone]
	// Tick is the last 16 characters shared by the IDs of every tick job
	// of this schedule (a tick's ID is the tick's millisecond and these 80
	// bits, derived from the name, the spec and the arguments); see
	// [ScheduleInfo.TickOf].
	Tick string `json:"tick"`
}

// Next returns the schedule's first tick after t, in t's location,
// computed from Spec in Zone as the workers compute it, or the zero time
// if the spec does not parse here (an unknown zone, a spec written by a
// newer release) or never fires within five years. It may read the
// system's zone database; it is safe for concurrent use.
func (i ScheduleInfo) Next(t time.Time) time.Time {
	loc, err := time.LoadLocation(i.Zone)
	if err != nil {
		return time.Time{}
	}
	sched, err := cronspec.Parse(i.Spec, loc)
	if err != nil {
		return time.Time{}
	}
	return sched.Next(t)
}

// TickOf reports whether id is the ID of a tick job of this schedule, and
// if so the tick it was fired for (in UTC, to the millisecond). It is a
// pure function of its arguments, safe for concurrent use.
func (i ScheduleInfo) TickOf(id string) (time.Time, bool) {
	if len(i.Tick) != 16 || len(id) != 26 || id[10:] != i.Tick {
		return time.Time{}, false
	}
	var ms int64
	for _, c := range []byte(id[:10]) {
		v := strings.IndexByte(crockford, c)
		if v < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | int64(v)
	}
	return time.UnixMilli(ms).UTC(), true
}

// scheduleInfos is what a worker announces of its schedules.
func scheduleInfos(ss []*Schedule) []ScheduleInfo {
	out := make([]ScheduleInfo, len(ss))
	for i, s := range ss {
		out[i] = s.Info()
	}
	return out
}

// tickID is the ULID of the tick at t: its millisecond timestamp and the
// schedule's 80 bits, the same in every process.
func (s *Schedule) tickID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(t.UnixMilli())<<16)
	copy(b[6:], s.seed[:])
	return encodeULID(b)
}

// withID makes newJob use a pre-assigned ID (a cron tick's).
func withID(id string) EnqueueOption {
	return enqFunc(func(c *enqueueConfig) { c.feat.id = id })
}

// cronSlack is how late a worker may wake for a tick and still fire it
// on top of the lookback: timers fire a little after their instant.
const cronSlack = time.Second

// maxCatchUp bounds the ticks one round fires.
const maxCatchUp = 1000

// due returns the ticks in (after, t] to fire by the schedule's policy.
func (s *Schedule) due(after, t time.Time) []time.Time {
	var ticks []time.Time
	for n := s.next(after); !n.IsZero() && !n.After(t); n = s.next(n) {
		ticks = append(ticks, n)
		if len(ticks) > maxCatchUp {
			ticks = ticks[1:]
		}
	}
	if !s.catchUp && len(ticks) > 1 {
		ticks = ticks[len(ticks)-1:]
	}
	return ticks
}

// runSchedule fires the schedule's ticks until stop is closed.
func (r *workerRun) runSchedule(s *Schedule, stop <-chan struct{}) {
	cursor := now().Add(-s.lookback - cronSlack)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		t := now()
		if floor := t.Add(-s.lookback - cronSlack); cursor.Before(floor) {
			cursor = floor
		}
		if ticks := s.due(cursor, t); len(ticks) > 0 {
			if r.fire(s, ticks) {
				cursor = ticks[len(ticks)-1]
			}
		}
		wait := time.Second // after a failed insert, try again soon
		if n := s.next(cursor); !n.IsZero() && n.After(t) {
			wait = n.Sub(t)
		} else if n.IsZero() {
			wait = 24 * time.Hour // a spec that never fires again
		}
		timer.Reset(wait)
		select {
		case <-stop:
			return
		case <-timer.C:
		}
	}
}

// fire inserts the jobs of ticks; ticks fired already are duplicates the
// store drops. It reports whether the write succeeded.
func (r *workerRun) fire(s *Schedule, ticks []time.Time) bool {
	batch := make([]*store.Job, 0, len(ticks))
	for _, tick := range ticks {
		j, err := s.make(r.storeCtx, r.w.c, s.tickID(tick))
		if err != nil {
			r.log.Error("jobs: worker: building a periodic job failed", "worker", r.opts.ID, "name", s.name, "spec", s.spec, "err", err)
			return true // it will not build next time either
		}
		batch = append(batch, j)
	}
	if _, err := r.w.c.insert(r.storeCtx, batch); err != nil {
		r.log.Warn("jobs: worker: firing a periodic job failed; retrying", "worker", r.opts.ID, "name", s.name, "spec", s.spec, "err", err)
		return false
	}
	return true
}
