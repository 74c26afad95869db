package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs/jobtype"
	"github.com/spindlehq/spindle/jobs/store"
)

// Handle is the awaitable result of one durable job. It satisfies
// spindle.Awaitable, so spindle.Gather and friends accept it next to
// in-process tasks. All methods are safe for concurrent use.
//
// A handle learns the outcome in one of two ways: Await polls (or is
// pushed) in the caller's goroutine; Done starts one watcher goroutine,
// lazily, that stops when the job is final or the [Client] closes. Once
// the handle has the outcome it keeps it: Result and later Awaits answer
// from memory.
type Handle[R any] struct {
	c  *Client
	id string

	watchOnce sync.Once
	done      chan struct{}

	mu       sync.Mutex
	settled  bool
	res      R
	err      error
	success  bool
	consumed bool
	keep     bool // a workflow step others read: never consumed
}

var _ spindle.Awaitable[int] = (*Handle[int])(nil)

func newHandle[R any](c *Client, id string) *Handle[R] {
	return &Handle[R]{c: c, id: id, done: make(chan struct{})}
}

// HandleOf returns a handle for the job with the given ID, so a process
// that did not enqueue it can await it. R must match the job's result
// type; a mismatch is reported as a decoding error by Result. It does not
// touch the store.
func HandleOf[R any](c *Client, id string) *Handle[R] { return newHandle[R](c, id) }

// ID returns the job's ID, to keep or pass to another process.
func (h *Handle[R]) ID() string { return h.id }

// Done returns a channel closed when the job's outcome is known: it
// succeeded, was dead-lettered, cancelled or expired, it no longer exists,
// or the client closed first (then Result reports [ErrClientClosed]). The
// first call starts one watcher goroutine that waits on the store's push
// signal and polls with the client's [Polling]; it never outlives
// Client.Close.
func (h *Handle[R]) Done() <-chan struct{} {
	h.watchOnce.Do(func() {
		select {
		case <-h.done:
			return
		default:
		}
		started := h.c.goWatch(func(ctx context.Context) {
			j, err := h.c.waitFinal(ctx, h.id, h.c.poll, h.done)
			if err != nil && ctx.Err() != nil {
				err = fmt.Errorf("jobs: waiting for job %s: %w", h.id, ErrClientClosed)
			}
			h.settle(j, err)
		})
		if !started {
			h.settle(nil, fmt.Errorf("jobs: waiting for job %s: %w", h.id, ErrClientClosed))
		}
	})
	return h.done
}

// Result returns the job's result once Done is closed, and the zero value
// and spindle.ErrNotDone before. It never blocks and never touches the
// store. The error of a job that did not succeed is a [*JobError].
func (h *Handle[R]) Result() (R, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.settled {
		var zero R
		return zero, spindle.ErrNotDone
	}
	return h.res, h.err
}

// AwaitOption configures [Handle.Await] and [Group.Await].
type AwaitOption func(*awaitConfig)

type awaitConfig struct {
	poll     Polling
	preserve bool
	err      error
}

// Preserve leaves a succeeded job and its result in the store for other
// readers (Huey's preserve=True). Without it, the first Await that sees
// the job succeed deletes the job from the store, as Huey's get_result
// does; the handle itself keeps the result either way, and Done/Result
// never delete anything.
func Preserve() AwaitOption { return func(c *awaitConfig) { c.preserve = true } }

// Poll sets the polling of this Await (Huey's backoff and max_delay); zero
// fields keep the client's.
func Poll(p Polling) AwaitOption {
	return func(c *awaitConfig) {
		np, err := p.normalize(c.poll)
		c.poll = np
		if err != nil {
			c.err = err
		}
	}
}

// Await blocks until the job's outcome is known or ctx ends, and returns
// it. It is woken at once when the job finishes in this process (or the
// store can push across processes), and otherwise polls with Huey's
// backoff. When ctx ends it returns the zero value and spindle.Interrupted(ctx);
// the job is not affected and can be awaited again. Close of the client
// ends it with an error wrapping [ErrClientClosed]. A job that did not
// succeed is reported as a [*JobError]. Unless [Preserve] is given, the
// succeeded job is deleted from the store after it is read.
func (h *Handle[R]) Await(ctx context.Context, opts ...AwaitOption) (R, error) {
	cfg := awaitConfig{poll: h.c.poll}
	for _, o := range opts {
		o(&cfg)
	}
	var zero R
	if cfg.err != nil {
		return zero, cfg.err
	}
	select {
	case <-h.done:
	default:
		j, err := h.c.waitFinal(ctx, h.id, cfg.poll, h.done)
		if err != nil {
			if ctx.Err() != nil {
				return zero, spindle.Interrupted(ctx)
			}
			if h.c.ctx.Err() != nil {
				return zero, fmt.Errorf("jobs: waiting for job %s: %w", h.id, ErrClientClosed)
			}
			if j == nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrClosed) {
				return zero, err // a store failure: the outcome is still unknown
			}
		}
		h.settle(j, err)
	}
	if !cfg.preserve {
		h.consume(ctx)
	}
	return h.Result()
}

// consume deletes a succeeded job once, after its result was read.
func (h *Handle[R]) consume(ctx context.Context) {
	h.mu.Lock()
	do := h.settled && h.success && !h.consumed && !h.keep
	h.consumed = h.consumed || do
	h.mu.Unlock()
	if do {
		// Best effort: a failure leaves the job for retention to prune.
		_ = h.c.store.Delete(context.WithoutCancel(ctx), h.id)
	}
}

// settle records the outcome from a final job (or the error that ended
// the wait) and closes done; only the first call counts.
func (h *Handle[R]) settle(j *store.Job, err error) {
	if j == nil && err == nil {
		return // another waiter settled the handle
	}
	var res R
	success := false
	keep := j != nil && len(j.Meta) > 0 && bytes.Contains(j.Meta, nextMark)
	switch {
	case err != nil && errors.Is(err, store.ErrNotFound):
		err = fmt.Errorf("jobs: job %s not found: it never existed, was deleted, was pruned after its retention, or an Await without Preserve consumed its result: %w", h.id, err)
	case err != nil:
	case j.State == store.Succeeded:
		if derr := json.Unmarshal(j.Result, &res); derr != nil {
			err = fmt.Errorf("jobs: result of job %s (%s) does not decode into %T: %v", h.id, j.Name, res, derr)
		} else {
			success = true
		}
	default:
		err = newJobError(j)
	}
	h.mu.Lock()
	if h.settled {
		h.mu.Unlock()
		return
	}
	h.settled, h.res, h.err, h.success, h.keep = true, res, err, success, keep
	close(h.done)
	h.mu.Unlock()
}

// JobError is the error of a job that did not succeed: it was
// dead-lettered after its last attempt (or a permanent failure), cancelled
// or expired. Use errors.As to get it from a handle's error.
type JobError struct {
	ID       string
	Name     string
	State    jobtype.State // Dead, Canceled or Expired
	Attempts int           // attempts started
	Err      string        // the last attempt's error text
	Errors   []jobtype.AttemptError
}

// nextMark is how encodeMeta writes a workflow step's dependents.
var nextMark = []byte(`"next":`)

func newJobError(j *store.Job) *JobError {
	return &JobError{ID: j.ID, Name: j.Name, State: j.State, Attempts: j.Attempt, Err: j.LastError, Errors: j.Errors}
}

func (e *JobError) Error() string {
	plural := "s"
	if e.Attempts == 1 {
		plural = ""
	}
	msg := fmt.Sprintf("jobs: job %s (%s) %s after %d attempt%s", e.ID, e.Name, e.State, e.Attempts, plural)
	if e.Err != "" {
		msg += ": " + e.Err
	}
	return msg
}

// waitFinal returns the job once it is final. It waits on the store's push
// signal and polls with p; it stops with an error when ctx or the client
// ends, when also is closed (another waiter settled the handle; it then
// returns nil, nil), or when the store fails. A store whose signal carries
// the final job (store.FinalNotifier) spares it the read that confirms,
// and the polling of the short waits, which it answers sooner.
func (c *Client) waitFinal(ctx context.Context, id string, p Polling, also <-chan struct{}) (*store.Job, error) {
	fn, _ := c.store.(store.FinalNotifier)
	delay := p.First
	if fn != nil {
		// Every finish reaches this process with the job: polling is only
		// a safety net, so it goes at p's slowest pace and leaves the
		// store's connections to the work.
		delay = p.Max
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		var (
			ch      <-chan struct{}
			carried func() *store.Job
			stop    func()
		)
		if fn != nil {
			ch, carried, stop = fn.FinishedJob(id)
		} else {
			ch, stop = c.store.Finished(id)
		}
		j, err := c.store.Get(ctx, id)
		if err != nil || j.State.Final() {
			stop()
			if err != nil && ctx.Err() == nil && c.ctx.Err() != nil {
				err = ErrClientClosed
			}
			return j, err
		}
		if timer == nil {
			timer = time.NewTimer(delay)
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ch:
			if carried != nil {
				if j := carried(); j != nil && j.State.Final() {
					stop()
					return j, nil
				}
			}
		case <-timer.C:
			delay = p.next(delay)
		case <-also:
			stop()
			return nil, nil
		case <-ctx.Done():
			stop()
			return nil, spindle.Interrupted(ctx)
		case <-c.ctx.Done():
			stop()
			return nil, ErrClientClosed
		}
		stop()
	}
}
