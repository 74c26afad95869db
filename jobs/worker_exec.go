package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// RunningJob describes the job a handler is running (Huey's
// context=True): read it with [JobFromContext]; [Middleware] receives it
// directly. It is the worker's description, not a live view: changing it
// changes nothing in the store.
type RunningJob struct {
	ID          string
	Name        string
	Queue       string
	Attempt     int // 1 for the first run
	MaxAttempts int
	EnqueuedAt  time.Time
	// Headers are what the producer's [OnEnqueue] hooks set; nil when
	// none. Treat them as read-only.
	Headers map[string]string
}

type runningJobKey struct{}

// JobFromContext returns the job the handler with this ctx runs, and false
// outside a handler.
func JobFromContext(ctx context.Context) (RunningJob, bool) {
	j, ok := ctx.Value(runningJobKey{}).(*RunningJob)
	if !ok {
		return RunningJob{}, false
	}
	return *j, true
}

// execute runs one job and decides its outcome; skip reports that the
// lease was lost and no outcome should be written.
func (r *workerRun) execute(a *activeJob) (o store.Outcome, skip bool) {
	j := a.job
	o = store.Outcome{ID: j.ID, Owner: r.opts.ID}
	def := r.w.defs[j.Name]
	if def == nil {
		return r.unknownName(o, j), false
	}
	args := j.Args
	var m *jobMeta
	if len(j.Meta) > 0 || !j.ExpiresAt.IsZero() || r.gated(def) {
		var stop bool
		var release func()
		args, m, release, o, stop = r.admit(a, def, o)
		if stop {
			r.settled(j, m, o)
			return o, false
		}
		if release != nil {
			defer release()
		}
	}
	ctx, cancel := context.WithCancelCause(r.pool.jobsCtx)
	defer cancel(nil)
	a.mu.Lock()
	if a.lost {
		a.mu.Unlock()
		return o, true
	}
	if a.revoked != "" {
		cause := &RevokedError{Reason: a.revoked}
		a.mu.Unlock()
		o = r.revokedOutcome(o, j, def, cause)
		r.settled(j, m, o)
		return o, false
	}
	a.cancel = cancel
	a.mu.Unlock()
	if def.cfg.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, def.cfg.timeout, fmt.Errorf("%w after %v", ErrTimeout, def.cfg.timeout))
		defer stop()
	}
	rj := &RunningJob{
		ID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, EnqueuedAt: j.EnqueuedAt,
	}
	if m != nil {
		rj.Headers = m.Headers
	}
	ctx = context.WithValue(ctx, runningJobKey{}, rj)
	events := r.w.c.bus.on()
	if events {
		r.w.c.bus.emit(Event{Kind: EventStarted, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt})
	}
	started := time.Now()
	res, err := safeRun(ctx, r.w.handler(def), rj, args)
	ran := time.Since(started)
	r.claimer.observeRun(ran)
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrLeaseLost):
		return o, true
	case err != nil && errors.Is(cause, ErrShutdown):
		o.State, o.FinishedAt = store.Queued, now()
		return o, false
	case err == nil:
		if rerr := r.w.c.checkResult(j.Name, res); rerr != nil {
			o = r.failed(o, j, def, rerr, ran)
			r.settled(j, m, o)
			return o, false
		}
		o.State, o.Result = store.Succeeded, res
		o.FinishedAt = now()
		o.RetainUntil = r.retainUntil(def, o.FinishedAt)
		if events {
			r.w.c.bus.emit(Event{Kind: EventSucceeded, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Duration: ran, At: o.FinishedAt})
		}
		r.settled(j, m, o)
		return o, false
	case errors.Is(cause, ErrRevoked):
		o = r.revokedOutcome(o, j, def, cause)
		r.settled(j, m, o)
		return o, false
	}
	if cause != nil && !errors.Is(err, cause) {
		err = fmt.Errorf("%w (%w)", err, cause)
	}
	o = r.failed(o, j, def, err, ran)
	r.settled(j, m, o)
	return o, false
}

// failed turns a failed attempt into a retry or a dead letter.
func (r *workerRun) failed(o store.Outcome, j *store.Job, def *definitionCore, err error, ran time.Duration) store.Outcome {
	t := now()
	o.Error, o.FinishedAt = r.w.c.errorText(err.Error()), t
	events := r.w.c.bus.on()
	if events && def != nil {
		r.w.c.bus.emit(Event{Kind: EventFailed, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: err, Duration: ran, At: t})
	}
	if isPermanent(err) || j.Attempt >= j.MaxAttempts || def == nil {
		o.State = store.Dead
		o.RetainUntil = r.retainUntil(def, t)
		if events {
			r.w.c.bus.emit(Event{Kind: EventDeadLettered, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: err, At: t})
		}
		return o
	}
	o.State = store.Scheduled
	o.RunAt = t.Add(def.cfg.backoff(j.Attempt))
	if events {
		r.w.c.bus.emit(Event{Kind: EventRetrying, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: err, At: o.RunAt})
	}
	return o
}

// revokedOutcome cancels a job whose revoke was requested.
func (r *workerRun) revokedOutcome(o store.Outcome, j *store.Job, def *definitionCore, cause error) store.Outcome {
	t := now()
	o.State, o.Error, o.FinishedAt = store.Canceled, r.w.c.errorText(cause.Error()), t
	o.RetainUntil = r.retainUntil(def, t)
	r.w.c.bus.emit(Event{Kind: EventRevoked, JobID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, Err: cause, At: t})
	return o
}

func (r *workerRun) retainUntil(def *definitionCore, t time.Time) time.Time {
	d := r.w.c.retention
	if def != nil && def.cfg.retention != nil {
		d = *def.cfg.retention
	}
	if d <= 0 {
		return time.Time{}
	}
	return t.Add(d)
}

// safeRun calls the handler, turning a panic into an error that says so.
func safeRun(ctx context.Context, h Handler, rj *RunningJob, args []byte) (res []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("job %q panicked: %v\n\n%s", rj.Name, v, debug.Stack())
		}
	}()
	return h(ctx, rj, args)
}
