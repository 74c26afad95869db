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
// context=True): read it with [JobFromContext].
type RunningJob struct {
	ID          string
	Name        string
	Queue       string
	Attempt     int // 1 for the first run
	MaxAttempts int
	EnqueuedAt  time.Time
}

type runningJobKey struct{}

// JobFromContext returns the job the handler with this ctx runs, and false
// outside a handler.
func JobFromContext(ctx context.Context) (RunningJob, bool) {
	j, ok := ctx.Value(runningJobKey{}).(RunningJob)
	return j, ok
}

// execute runs one job and decides its outcome; skip reports that the
// lease was lost and no outcome should be written.
func (r *workerRun) execute(a *activeJob) (o store.Outcome, skip bool) {
	j := a.job
	o = store.Outcome{ID: j.ID, Owner: r.opts.ID}
	def := r.w.defs[j.Name]
	if def == nil {
		return r.failed(o, j, nil, Permanent(fmt.Errorf("unknown job name %q: this worker runs %s (pass the definition to NewWorker)", j.Name, r.w.knownNames()))), false
	}
	ctx, cancel := context.WithCancelCause(r.jobsCtx)
	defer cancel(nil)
	a.mu.Lock()
	if a.lost {
		a.mu.Unlock()
		return o, true
	}
	a.cancel = cancel
	a.mu.Unlock()
	if def.cfg.timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, def.cfg.timeout, fmt.Errorf("jobs: attempt timed out after %v", def.cfg.timeout))
		defer stop()
	}
	ctx = context.WithValue(ctx, runningJobKey{}, RunningJob{
		ID: j.ID, Name: j.Name, Queue: j.Queue, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, EnqueuedAt: j.EnqueuedAt,
	})
	started := time.Now()
	res, err := safeRun(ctx, def, j.Args)
	r.observeRun(time.Since(started))
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrLeaseLost):
		return o, true
	case err != nil && errors.Is(cause, ErrShutdown):
		o.State, o.FinishedAt = store.Queued, now()
		return o, false
	case err == nil:
		o.State, o.Result = store.Succeeded, res
		o.FinishedAt = now()
		o.RetainUntil = r.retainUntil(def, o.FinishedAt)
		return o, false
	}
	if cause != nil && !errors.Is(err, cause) {
		err = fmt.Errorf("%w (%v)", err, cause)
	}
	return r.failed(o, j, def, err), false
}

// failed turns a failed attempt into a retry or a dead letter.
func (r *workerRun) failed(o store.Outcome, j *store.Job, def *definitionCore, err error) store.Outcome {
	t := now()
	o.Error, o.FinishedAt = err.Error(), t
	if isPermanent(err) || j.Attempt >= j.MaxAttempts || def == nil {
		o.State = store.Dead
		o.RetainUntil = r.retainUntil(def, t)
		return o
	}
	o.State = store.Scheduled
	o.RunAt = t.Add(def.cfg.backoff(j.Attempt))
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
func safeRun(ctx context.Context, def *definitionCore, args []byte) (res []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("job %q panicked: %v\n\n%s", def.name, v, debug.Stack())
		}
	}()
	return def.run(ctx, args)
}
