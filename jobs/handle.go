package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs/jobtype"
	"github.com/spindlehq/spindle/jobs/store"
)

// Handle is the awaitable result of one durable job. It satisfies
// spindle.Awaitable, so spindle.Gather and friends accept it next to
// in-process tasks. All methods are safe for concurrent use.
//
// A handle learns the outcome from its client's one watch over the jobs
// it waits for (see [Client]): the store's push where it can push, and a
// sweep that reads every waiting job in one call otherwise, so that
// waiting costs no goroutine and no store read per handle. Await and
// Watch wait only as long as their caller does; Done waits until the
// outcome is known or the client closes. Once the handle has the outcome
// it keeps it: Result and later Awaits answer from memory.
type Handle[R any] struct {
	c  *Client
	id string

	out      settled[handleOut[R]]
	sticky   sync.Once   // Done's watch
	consumed atomic.Bool // the succeeded job was deleted (or is being)
}

// handleOut is what a handle settles with, besides the error.
type handleOut[R any] struct {
	res     R
	success bool
	keep    bool // a workflow step others read: never consumed
}

var (
	_ spindle.Awaitable[int] = (*Handle[int])(nil)
	_ spindle.Watcher        = (*Handle[int])(nil)
	_ spindle.Subscriber     = (*Handle[int])(nil)
)

func newHandle[R any](c *Client, id string) *Handle[R] {
	return &Handle[R]{c: c, id: id, out: newSettled[handleOut[R]]()}
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
// first call makes the handle one of the client's waits, which lasts
// until then: it costs no goroutine, and the store no read of its own.
// A waiter that may give up sooner uses [Handle.Watch], as spindle's
// Gather, Wait and Await do.
func (h *Handle[R]) Done() <-chan struct{} {
	h.sticky.Do(func() {
		if !h.out.isSet() {
			h.c.waits.acquire(h.id, h.c.poll, h.deliver)
		}
	})
	return h.out.done
}

// Watch implements spindle.Watcher: it returns Done's channel and a
// release func, and the handle waits for the job only until release is
// called (any number of times; it never blocks) or the outcome is known.
// Safe for concurrent use; each call is a waiter of its own.
func (h *Handle[R]) Watch() (done <-chan struct{}, release func()) {
	if h.out.isSet() {
		return h.out.done, func() {}
	}
	return h.out.done, h.c.waits.acquire(h.id, h.c.poll, h.deliver)
}

// Subscribe implements spindle.Subscriber, which spindle's Gather, Wait
// and AsCompleted use so that waiting for many handles costs no
// goroutine per handle: f is called once the outcome is known (as Done
// would close), from the client's watch goroutine, and must not block.
// cancel withdraws the wait as Watch's release does. Safe for concurrent
// use; each call is a waiter of its own.
func (h *Handle[R]) Subscribe(f func()) (cancel func()) {
	if h.out.isSet() {
		f()
		return func() {}
	}
	return h.c.waits.acquire(h.id, h.c.poll, func(j *store.Job, err error) {
		h.deliver(j, err)
		f()
	})
}

// deliver settles the handle with whatever ended its wait.
func (h *Handle[R]) deliver(j *store.Job, err error) { h.settle(j, err) }

// Result returns the job's result once Done is closed, and the zero value
// and spindle.ErrNotDone before. It never blocks and never touches the
// store. The error of a job that did not succeed is a [*JobError].
func (h *Handle[R]) Result() (R, error) {
	o, err := h.out.get()
	return o.res, err
}

// AwaitOption configures [Handle.Await] and [Group.Await].
type AwaitOption func(*awaitConfig)

type awaitConfig struct {
	poll    Polling
	consume bool
	err     error
}

// Consume deletes a succeeded job from the store once this Await has read
// its result, as Huey's aget_result does unless given preserve=True; the
// handle keeps the value. Without it nothing that reads a result deletes
// it: Await, Group.Await, spindle.Gather, Wait and AsCompleted, the
// command and the dashboard all read the same stored result until the
// job's retention prunes it. A consumed job is gone for every other
// reader; a workflow step that others read is never consumed.
func Consume() AwaitOption { return func(c *awaitConfig) { c.consume = true } }

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

// awaitOptions reads the options of an Await.
func (c *Client) awaitOptions(opts []AwaitOption) (awaitConfig, error) {
	cfg := awaitConfig{poll: c.poll}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg, cfg.err
}

// Await blocks until the job's outcome is known or ctx ends, and returns
// it. It is woken at once when the job finishes (the store pushes the
// finish to the client's one watch), and where the store cannot push it
// polls with Huey's backoff, in one read with every other wait due. When
// ctx ends it returns the zero value and spindle.Interrupted(ctx), and
// the handle stops waiting; the job is not affected and can be awaited
// again. Close of the client ends it with an error wrapping
// [ErrClientClosed]. A store failure is returned as it is, the outcome
// still unknown. A job that did not succeed is reported as a
// [*JobError]. Reading never deletes the job unless [Consume] is given.
func (h *Handle[R]) Await(ctx context.Context, opts ...AwaitOption) (R, error) {
	cfg, err := h.c.awaitOptions(opts)
	var zero R
	if err != nil {
		return zero, err
	}
	if !h.out.isSet() {
		failed := make(chan error, 1)
		release := h.awaitWatch(cfg.poll, failed)
		select {
		case <-h.out.done:
		case err := <-failed:
			release()
			return zero, err
		case <-ctx.Done():
			release()
			return zero, spindle.Interrupted(ctx)
		}
		release()
	}
	if cfg.consume {
		h.consume(ctx)
	}
	return h.Result()
}

// awaitWatch makes an Await's wait: the handle settles once the outcome
// is known, and a store failure, which leaves it unknown, is sent on
// failed (capacity 1) instead. It returns the wait's release.
func (h *Handle[R]) awaitWatch(p Polling, failed chan<- error) (release func()) {
	return h.c.waits.acquire(h.id, p, func(j *store.Job, err error) {
		if j != nil || ends(err) {
			h.settle(j, err)
			return
		}
		failed <- err
	})
}

// consume deletes a succeeded job once, after its result was read.
func (h *Handle[R]) consume(ctx context.Context) {
	o, err := h.out.get()
	if err != nil || !o.success || o.keep || h.consumed.Swap(true) {
		return
	}
	// Best effort: a failure leaves the job for retention to prune.
	_ = h.c.store.Delete(context.WithoutCancel(ctx), h.id)
}

// settle records the outcome from a final job (or the error that ended
// the wait) and closes done; only the first call counts.
func (h *Handle[R]) settle(j *store.Job, err error) {
	if j == nil && err == nil {
		return
	}
	var o handleOut[R]
	if j != nil && len(j.Meta) > 0 {
		m, _ := decodeMeta(j.Meta)
		o.keep = m != nil && len(m.Next) > 0
	}
	switch {
	case err != nil && errors.Is(err, store.ErrNotFound):
		err = fmt.Errorf("jobs: job %s not found: it never existed, was deleted, was pruned after its retention, or an Await with Consume consumed its result: %w", h.id, err)
	case err != nil && errors.Is(err, ErrClientClosed):
		err = fmt.Errorf("jobs: waiting for job %s: %w", h.id, ErrClientClosed)
	case err != nil:
	case j.State == store.Succeeded:
		if derr := json.Unmarshal(j.Result, &o.res); derr != nil {
			err = fmt.Errorf("jobs: result of job %s (%s) does not decode into %T: %v", h.id, j.Name, o.res, derr)
		} else {
			o.success = true
		}
	default:
		err = newJobError(j)
	}
	h.out.settle(o, err)
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
