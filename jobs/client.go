package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// DefaultRetention is how long a finished job and its result are kept
// when neither the definition nor the client says otherwise.
const DefaultRetention = 7 * 24 * time.Hour

// ErrClientClosed is the cause reported by waits that the client's Close
// ended, and the error of calls made after Close.
var ErrClientClosed = errors.New("jobs: client is closed")

// Client enqueues jobs and awaits their results through one store. It is
// safe for concurrent use by any number of goroutines; open one per store
// and share it.
//
// Every handle of a client waits through one watch: a single store
// subscription (store.FinishWatch) and a single goroutine, alive only
// while something waits, that reads in one call (store.FinishedAmong)
// the jobs a push names and those its sweep finds due. However many
// handles wait, the store sees reads per signal and per sweep, not per
// handle, and a wait whose ctx ended leaves nothing behind.
type Client struct {
	store     store.Store
	owned     bool // Close closes the store
	poll      Polling
	retention time.Duration
	ids       jobIDs
	bus       eventBus                                               // Subscribe: events.go
	onEnqueue []func(ctx context.Context, headers map[string]string) // OnEnqueue: headers.go
	signer    *signer                                                // WithSigning: signing.go
	// maxPayload caps encoded arguments; 0 means DefaultMaxPayload.
	maxPayload int
	// maxResult and maxErrorText cap what workers record: 0 means
	// DefaultMaxResult and DefaultMaxErrorText (outcome_limits.go).
	maxResult, maxErrorText int
	gc                      committer // group commit of enqueues: enqueue.go

	waits  *waits          // every handle's wait: waiters.go
	ctx    context.Context // ends at Close; watchers stop with it
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
}

// Option configures a [Client].
type Option func(*Client) error

// WithPolling sets how the client's waits poll a store that cannot push
// results, and how often they sweep one that can: see [Polling]. Zero
// fields keep the defaults.
func WithPolling(p Polling) Option {
	return func(c *Client) error {
		np, err := p.normalize(DefaultPolling)
		c.poll = np
		return err
	}
}

// WithRetention sets how long finished jobs are kept for definitions that
// do not set [Retention]. Zero or less keeps them until deleted.
func WithRetention(d time.Duration) Option {
	return func(c *Client) error {
		c.retention = d
		return nil
	}
}

// New returns a client for a store opened elsewhere. The caller keeps
// ownership: Close on the client does not close s.
func New(s store.Store, opts ...Option) (*Client, error) {
	if s == nil {
		return nil, errors.New("jobs: New: nil store")
	}
	c := &Client{store: s, poll: DefaultPolling, retention: DefaultRetention}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	c.waits = newWaits(c)
	return c, nil
}

// Store returns the store the client uses, for the inspector, stores'
// own features and tests.
func (c *Client) Store() store.Store { return c.store }

// Close stops every handle watcher the client started, waits for them to
// return and for a shared enqueue write in flight (see
// [Definition.Enqueue]) to finish, and closes the store if [Open] opened
// it. Every handle, group and chord being waited for (Done, Watch, Await)
// settles with an error wrapping [ErrClientClosed], and Await calls in
// progress return it; later waits settle with it at once. Stop the
// client's workers first: a worker whose
// store is closed under it stops and its Run returns the store's error.
// Close is idempotent and safe to call concurrently with anything; it
// returns the store's Close error.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.cancel(ErrClientClosed)
	c.gc.waitIdle()
	c.wg.Wait()
	if c.owned {
		return c.store.Close()
	}
	return nil
}

// goWatch runs fn in a goroutine that Close waits for. It reports false,
// without running fn, once the client is closed.
func (c *Client) goWatch(fn func(ctx context.Context)) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		fn(c.ctx)
	}()
	return true
}

// checkOpen returns ErrClientClosed after Close.
func (c *Client) checkOpen() error {
	if c.ctx.Err() != nil {
		return ErrClientClosed
	}
	return nil
}

// now is the client's clock: UTC wall time (synctest's fake clock in
// tests).
func now() time.Time { return time.Now().UTC() }

// Polling is how a handle polls for a result the store cannot push to it:
// the first wait is First, each next one is Factor times longer, up to Max
// (Huey's aget_result: delay 0.1, backoff=1.15, max_delay=1.0). The
// client's waits are polled together: one read covers every wait that is
// due (or due within half its wait), not one read each. Where the store
// pushes (every store of this module does), a handle wakes when its job
// finishes, and polling gives way to a sweep that only guards against a
// lost signal: one read of every job the client waits for, each Sweep.
type Polling struct {
	First  time.Duration // default 100ms, as Huey
	Factor float64       // default 1.15, as Huey; at least 1
	Max    time.Duration // default 1s, as Huey
	// Sweep is the period of the safety-net read where the store pushes;
	// default 10s. A store's pushes are lost only with its connection,
	// and its re-established subscription makes every wait read again,
	// so the sweep answers for what nothing else can and may be slow.
	Sweep time.Duration
}

// DefaultPolling is the polling used unless [WithPolling] or [Poll] say
// otherwise.
var DefaultPolling = Polling{First: 100 * time.Millisecond, Factor: 1.15, Max: time.Second, Sweep: 10 * time.Second}

func (p Polling) normalize(def Polling) (Polling, error) {
	if p.First < 0 || p.Max < 0 || p.Sweep < 0 || (p.Factor != 0 && p.Factor < 1) {
		return def, fmt.Errorf("jobs: polling %+v: want First, Max and Sweep of zero (default) or more, and Factor of zero (default) or at least 1", p)
	}
	if p.First == 0 {
		p.First = def.First
	}
	if p.Factor == 0 {
		p.Factor = def.Factor
	}
	if p.Max == 0 {
		p.Max = def.Max
	}
	if p.Max < p.First {
		p.Max = p.First
	}
	if p.Sweep == 0 {
		p.Sweep = def.Sweep
	}
	return p, nil
}

// next returns the wait after d.
func (p Polling) next(d time.Duration) time.Duration {
	n := time.Duration(float64(d) * p.Factor)
	if n > p.Max {
		n = p.Max
	}
	return n
}
