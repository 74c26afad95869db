package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
)

// MinLeaseDuration is the shortest lease a worker accepts. It is short so
// tests can watch a lease expire; production leases are seconds or more.
const MinLeaseDuration = 50 * time.Millisecond

// ErrShutdown is the cause a handler's ctx reports when the worker's grace
// period ran out during a graceful shutdown. The job is given back to its
// queue without using up an attempt.
var ErrShutdown = errors.New("jobs: worker shutting down: grace period over")

// ErrLeaseLost is the cause a handler's ctx reports when the worker lost
// the job's lease (it expired and was recovered, or the job was deleted):
// another worker may be running the job now, and this attempt's outcome
// will be dropped.
var ErrLeaseLost = errors.New("jobs: the worker lost the job's lease")

// WorkerOptions configures a [Worker]. Zero fields take the defaults.
type WorkerOptions struct {
	// Concurrency is how many jobs run at once. Default 8.
	Concurrency int
	// Queues maps each queue to take jobs from to its weight: when several
	// have work, a claim starts from a queue picked with probability
	// proportional to its weight. Default {"default": 1}.
	Queues map[string]int
	// Grace is how long a shutdown waits for running jobs to finish before
	// cancelling their ctx (cause [ErrShutdown]) and giving them back to
	// their queue. Default 10s.
	Grace time.Duration
	// LeaseDuration is how long a claimed job stays reserved without a
	// heartbeat; after a worker dies, its jobs run again this much later.
	// Default 30s, at least [MinLeaseDuration].
	LeaseDuration time.Duration
	// HeartbeatInterval is how often running jobs' leases are extended.
	// Default LeaseDuration/3; it must be shorter than LeaseDuration.
	HeartbeatInterval time.Duration
	// RecoverInterval is how often the worker returns expired leases (of
	// any worker) to their queues. Default LeaseDuration/2.
	RecoverInterval time.Duration
	// PruneInterval is how often finished jobs past their retention are
	// deleted. Default 1 minute.
	PruneInterval time.Duration
	// ClaimBatch caps how many jobs one claim takes. Default
	// 4*Concurrency.
	ClaimBatch int
	// Prefetch caps how many claimed jobs may wait for a free slot, which
	// hides the claim round trip when jobs are short. The worker adapts
	// below the cap: it prefetches no more than its slots would finish in
	// about 10ms at the recent average job duration, so slow jobs are not
	// hoarded by one worker while others idle. Default 4*Concurrency;
	// negative means none.
	Prefetch int
	// PollInterval bounds the idle wait between claims when the store sends
	// no wake-up: the worker polls after 1ms, doubling up to this. It is
	// also how late a delayed job or a retry may start. Default 250ms.
	PollInterval time.Duration
	// ID names the worker as lease owner: valid UTF-8 without NUL bytes.
	// Default host-pid-random.
	ID string
	// Logger receives store failures and lost leases. Default
	// slog.Default().
	Logger *slog.Logger
	// Middleware wraps every attempt this worker runs, outermost first;
	// see [Middleware].
	Middleware []Middleware
	// Schedules are the periodic jobs this worker fires (see
	// [Definition.Cron]). Give every worker the same schedules: each tick
	// runs once however many fire it. The jobs run on any worker that
	// has their definition.
	Schedules []*Schedule
}

func (o WorkerOptions) normalize() (WorkerOptions, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.Concurrency < 1 {
		return o, fmt.Errorf("jobs: WorkerOptions.Concurrency %d: want at least 1", o.Concurrency)
	}
	if len(o.Queues) == 0 {
		o.Queues = map[string]int{DefaultQueue: 1}
	}
	for q, w := range o.Queues {
		if err := checkName("queue name", q); err != nil {
			return o, fmt.Errorf("jobs: WorkerOptions.Queues: %w", err)
		}
		if w < 1 {
			return o, fmt.Errorf("jobs: WorkerOptions.Queues[%q] weight %d: want at least 1", q, w)
		}
	}
	if o.Grace == 0 {
		o.Grace = 10 * time.Second
	}
	if o.LeaseDuration == 0 {
		o.LeaseDuration = 30 * time.Second
	}
	if o.LeaseDuration < MinLeaseDuration {
		return o, fmt.Errorf("jobs: WorkerOptions.LeaseDuration %v: want at least %v", o.LeaseDuration, MinLeaseDuration)
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = o.LeaseDuration / 3
	}
	if o.HeartbeatInterval <= 0 || o.HeartbeatInterval >= o.LeaseDuration {
		return o, fmt.Errorf("jobs: WorkerOptions.HeartbeatInterval %v: want more than 0 and less than LeaseDuration %v", o.HeartbeatInterval, o.LeaseDuration)
	}
	if o.RecoverInterval == 0 {
		o.RecoverInterval = o.LeaseDuration / 2
	}
	if o.PruneInterval == 0 {
		o.PruneInterval = time.Minute
	}
	if o.ClaimBatch == 0 {
		o.ClaimBatch = 4 * o.Concurrency
	}
	if o.Prefetch == 0 {
		o.Prefetch = 4 * o.Concurrency
	}
	if o.Prefetch < 0 {
		o.Prefetch = 0
	}
	if o.PollInterval == 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	if o.RecoverInterval < 0 || o.PruneInterval < 0 || o.ClaimBatch < 1 || o.PollInterval < time.Millisecond || o.Grace < 0 {
		return o, fmt.Errorf("jobs: WorkerOptions %+v: want RecoverInterval, PruneInterval and Grace of 0 (default) or more, ClaimBatch of 0 (default) or more, PollInterval of at least 1ms", o)
	}
	if !storetext.IsClean(o.ID) {
		return o, fmt.Errorf("jobs: WorkerOptions.ID %q: want valid UTF-8 without NUL bytes (stores keep it as text, as the lease owner)", o.ID)
	}
	if o.ID == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// Worker claims jobs from a store and runs them. Create it with
// [NewWorker] and call Run; one Worker runs at most one Run at a time.
// Its methods may be called from any goroutine: a Run while another is
// running returns an error.
type Worker struct {
	c    *Client
	opts WorkerOptions
	defs map[string]*definitionCore
	// handlers are the definitions' runs wrapped in the middleware
	handlers map[string]Handler
	// queues and weights, in a fixed order
	queues  []string
	weights []int

	mu      sync.Mutex
	running bool
}

// NewWorker returns a worker that runs jobs of the given definitions. It
// claims only jobs of those names: a job of another name waits, untouched,
// for a worker that has its definition (see [EventNoWorker]). It reports
// invalid options and definitions registered twice under one name.
func NewWorker(c *Client, opts WorkerOptions, defs ...Registrable) (*Worker, error) {
	o, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	w := &Worker{c: c, opts: o, defs: make(map[string]*definitionCore), handlers: make(map[string]Handler)}
	for _, d := range defs {
		if d == nil {
			return nil, errors.New("jobs: NewWorker: nil definition")
		}
		core := d.definition()
		if _, dup := w.defs[core.name]; dup {
			return nil, fmt.Errorf("jobs: NewWorker: two definitions named %q", core.name)
		}
		w.defs[core.name] = core
		run := core.run
		w.handlers[core.name] = chain(func(ctx context.Context, _ *RunningJob, args []byte) ([]byte, error) {
			return run(ctx, args)
		}, o.Middleware)
	}
	for i, sc := range o.Schedules {
		if sc == nil {
			return nil, fmt.Errorf("jobs: WorkerOptions.Schedules[%d] is nil", i)
		}
	}
	for q := range o.Queues {
		w.queues = append(w.queues, q)
	}
	sort.Strings(w.queues)
	for _, q := range w.queues {
		w.weights = append(w.weights, o.Queues[q])
	}
	return w, nil
}

// handler returns def's run wrapped in the worker's middleware.
func (w *Worker) handler(def *definitionCore) Handler { return w.handlers[def.name] }

// ID returns the worker's lease-owner name.
func (w *Worker) ID() string { return w.opts.ID }

// knownNames lists the registered names for error messages.
func (w *Worker) knownNames() string {
	names := make([]string, 0, len(w.defs))
	for n := range w.defs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Run claims and runs jobs until ctx ends, then shuts down gracefully:
// it stops claiming, gives jobs that have not started back to their
// queues, lets running jobs finish for up to Grace, then cancels them
// (cause [ErrShutdown]) and gives them back too, records every outcome,
// and returns. A handler that ignores its ctx delays Run until it
// returns. Run returns nil after a shutdown caused by ctx, and an error if
// it could not start (already running, closed client) or the store was
// closed under it. It may be called again after it returns.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.c.checkOpen(); err != nil {
		return err
	}
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errors.New("jobs: Worker.Run: already running")
	}
	w.running = true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.running = false
		w.mu.Unlock()
	}()
	r := newRun(w)
	return r.run(ctx)
}
