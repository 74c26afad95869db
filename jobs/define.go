package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// Definition is a typed kind of job: a name that the store records, the
// function a worker runs, and defaults for its jobs. Arguments and results
// travel as JSON, so A and R must survive encoding/json. A Definition is
// immutable and safe for concurrent use; declare it once, at package level,
// in the code shared by producers and workers.
type Definition[A, R any] struct {
	core definitionCore
	fn   func(context.Context, A) (R, error)
}

// definitionCore is the untyped part a worker needs.
type definitionCore struct {
	name     string
	argsType string
	cfg      jobConfig
	run      func(ctx context.Context, args []byte) ([]byte, error)
}

// Registrable is a definition a [Worker] can run: any *[Definition].
type Registrable interface {
	// Name returns the name jobs of this definition are stored under.
	Name() string
	definition() *definitionCore
}

// Define declares a kind of job. name identifies it in the store, so keep
// it stable across deployments: 1 to 128 characters of letters, digits and
// _ . : / -, starting with a letter or digit.
//
// Define panics on an invalid name, a nil fn or a bad option, like
// regexp.MustCompile: definitions are declared at package level and such a
// mistake is a programming error to catch at start-up, not a runtime
// condition to handle.
func Define[A, R any](name string, fn func(context.Context, A) (R, error), opts ...DefineOption) *Definition[A, R] {
	if err := checkName("job name", name); err != nil {
		panic(err)
	}
	if fn == nil {
		panic(fmt.Errorf("jobs: Define(%q): nil function", name))
	}
	cfg := jobConfig{queue: DefaultQueue, maxAttempts: DefaultMaxAttempts}
	for _, o := range opts {
		o.applyDefine(&cfg)
	}
	if cfg.err != nil {
		panic(fmt.Errorf("jobs: Define(%q): %w", name, cfg.err))
	}
	if cfg.backoff == nil {
		cfg.backoff = defaultBackoff
	}
	d := &Definition[A, R]{fn: fn}
	d.core = definitionCore{name: name, argsType: reflect.TypeFor[A]().String(), cfg: cfg, run: d.run}
	return d
}

func defaultBackoff(attempt int) time.Duration {
	return jitteredBackoffRand(DefaultRetryBase, DefaultRetryMax, attempt)
}

// Name returns the definition's name.
func (d *Definition[A, R]) Name() string { return d.core.name }

func (d *Definition[A, R]) definition() *definitionCore { return &d.core }

// badArgsError marks arguments that do not decode into the definition's
// argument type, which its message names: retrying cannot help. It
// matches [ErrBadArgs], as the enqueue-side refusal does.
type badArgsError struct{ err error }

func (e *badArgsError) Error() string        { return e.err.Error() }
func (e *badArgsError) Unwrap() error        { return e.err }
func (e *badArgsError) Is(target error) bool { return target == ErrBadArgs }

// badArgsNote is in the recorded error of an attempt whose arguments did
// not decode, so the job's [*JobError] matches ErrBadArgs too.
const badArgsNote = "do not decode into"

// run decodes the arguments, calls fn and encodes the result.
func (d *Definition[A, R]) run(ctx context.Context, raw []byte) ([]byte, error) {
	var args A
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, &badArgsError{fmt.Errorf("arguments of job %q "+badArgsNote+" %s: %v (arguments: %s)", d.core.name, d.core.argsType, err, clip(raw, 200))}
	}
	r, err := d.fn(ctx, args)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(r)
	if err != nil {
		return nil, Permanent(fmt.Errorf("result of job %q does not encode as JSON: %v", d.core.name, err))
	}
	return out, nil
}

// clip quotes at most n bytes of b in an error message, cut at a
// character boundary and escaped as the stores keep error text
// (storetext.Clean: NUL and invalid UTF-8 as \xNN): the message may end
// up in the job's error history.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return storetext.Clean(string(b))
	}
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			n = i
			break
		}
	}
	return storetext.Clean(string(b[:n])) + "…"
}

// Enqueue stores one job that runs fn(ctx, args) on a worker and returns
// its handle. The job is durable once Enqueue returns. args is encoded as
// JSON now; an encoding error or a bad option is returned and nothing is
// stored. With [Unique] or [UniqueArgs], a duplicate is not stored: the
// existing job's handle is returned with an error matching [ErrDuplicate].
//
// Enqueue is safe for concurrent use, and concurrent calls on one client
// share store writes (group commit): a call that finds no write of the
// client in flight writes its job at once, under its own ctx; calls made
// while a write is in flight wait, and the next write stores all their
// jobs together (one transaction, script or statement). Each call still
// returns only once its own job is durable, with its own handle and
// error; a write the store rejects as a whole is written again in
// halves, so that one call's bad job does not fail the others.
// Cancellation: if ctx ends before the write that carries the job
// begins, the job is not stored and Enqueue returns context.Cause(ctx);
// if it ends while that write is in flight, Enqueue returns the cause
// at once and the job may or may not be stored. A ctx that carries a
// transaction of the store's (store.TxScoped, as postgres.EnqueueTx) is
// never shared: its job is written alone, in that transaction.
func (d *Definition[A, R]) Enqueue(ctx context.Context, c *Client, args A, opts ...EnqueueOption) (*Handle[R], error) {
	j, err := d.newJob(ctx, c, args, opts)
	if err != nil {
		return nil, err
	}
	ids, err := c.insert(ctx, []*store.Job{j})
	if ids == nil {
		return nil, fmt.Errorf("jobs: enqueue %q: %w", d.core.name, err)
	}
	if ids[0] == "" { // a duplicate whose holder the store could not name
		return nil, err
	}
	return newHandle[R](c, ids[0]), err
}

// Map enqueues one job per element of args in one atomic write (all or
// none) and returns a group handle whose result lists the results in the
// order of args (Huey's task.map). opts apply to every job, and all of
// them share one enqueue time; their IDs increase in the order of args.
// It is the fast way to enqueue many jobs. With [Unique] or [UniqueArgs],
// duplicates are not stored: their places hold the existing jobs' handles
// and the error joins one [*DuplicateError] each (errors.Is(err,
// ErrDuplicate)). Map is safe for concurrent use; its write may be shared
// with concurrent Enqueue calls, its jobs still all or none, and it
// honours ctx as Enqueue does.
func (d *Definition[A, R]) Map(ctx context.Context, c *Client, args []A, opts ...EnqueueOption) (*Group[R], error) {
	batch := make([]*store.Job, len(args))
	if len(args) > 0 {
		cfg, err := d.config(c, opts)
		if err != nil {
			return nil, fmt.Errorf("element 0: %w", err)
		}
		// One write, one instant: every job of the batch is enqueued at
		// t, and one allocation holds them all (the store copies what it
		// keeps). IDs and encoded arguments are made in bulk too.
		jobs, t := make([]store.Job, len(args)), now()
		ids := c.ids.nextN(t, len(args))
		var arena argArena
		for i, a := range args {
			if err := d.fillJob(ctx, c, &jobs[i], ids[i], a, &arena, &cfg, t); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			batch[i] = &jobs[i]
		}
	}
	ids, err := c.insert(ctx, batch)
	if ids == nil {
		return nil, fmt.Errorf("jobs: enqueue %d %q jobs: %w", len(batch), d.core.name, err)
	}
	hs := newHandles[R](c, ids)
	return newGroup(c, hs), err
}

// Handle returns the handle of an existing job of this definition, by ID:
// another process awaits a job this way. It does not touch the store; a
// wrong ID shows up when the handle is awaited.
func (d *Definition[A, R]) Handle(c *Client, id string) *Handle[R] {
	return newHandle[R](c, id)
}

func (d *Definition[A, R]) newJob(ctx context.Context, c *Client, args A, opts []EnqueueOption) (*store.Job, error) {
	cfg, err := d.config(c, opts)
	if err != nil {
		return nil, err
	}
	j := new(store.Job)
	t := now()
	if err := d.fillJob(ctx, c, j, c.ids.next(t), args, nil, &cfg, t); err != nil {
		return nil, err
	}
	return j, nil
}

// config checks that c is open and applies opts to the definition's
// defaults.
func (d *Definition[A, R]) config(c *Client, opts []EnqueueOption) (enqueueConfig, error) {
	if err := c.checkOpen(); err != nil {
		return enqueueConfig{}, err
	}
	cfg := enqueueConfig{jobConfig: d.core.cfg}
	cfg.err = nil
	for _, o := range opts {
		o.applyEnqueue(&cfg)
	}
	if cfg.err != nil {
		return enqueueConfig{}, fmt.Errorf("jobs: enqueue %q: %w", d.core.name, cfg.err)
	}
	return cfg, nil
}

// fillJob sets j, which is zero, to the job with ID id that runs args
// with cfg, enqueued at t. args are encoded into arena, or on their own
// when it is nil.
func (d *Definition[A, R]) fillJob(ctx context.Context, c *Client, j *store.Job, id string, args A, arena *argArena, cfg *enqueueConfig, t time.Time) error {
	if err := cfg.checkReach(t); err != nil {
		return fmt.Errorf("jobs: enqueue %q: %w", d.core.name, err)
	}
	var raw []byte
	var err error
	if arena != nil {
		raw, err = arena.encode(args)
	} else {
		raw, err = json.Marshal(args)
	}
	if err != nil {
		return fmt.Errorf("jobs: enqueue %q: arguments do not encode as JSON: %w", d.core.name, err)
	}
	if err := c.checkPayload(d.core.name, raw); err != nil {
		return err
	}
	runAt := t.Add(cfg.delay)
	if !cfg.at.IsZero() {
		runAt = cfg.at.UTC()
	}
	state := store.Queued
	if runAt.After(t) {
		state = store.Scheduled
	} else {
		runAt = t
	}
	// Field by field: j is zero, and copying a whole Job (a Map's
	// thousands of them) was a visible cost.
	j.ID, j.Name, j.Queue, j.Priority = id, d.core.name, cfg.queue, cfg.priority
	j.Args, j.State, j.MaxAttempts = raw, state, cfg.maxAttempts
	j.RunAt, j.EnqueuedAt = runAt, t
	if err := c.decorate(ctx, j, cfg); err != nil {
		return fmt.Errorf("jobs: enqueue %q: %w", d.core.name, err)
	}
	return nil
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the worker dead-letters the job at once
// instead of retrying it. errors.Is and errors.As see through it. A nil
// err stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

func isPermanent(err error) bool {
	var p *permanentError
	var b *badArgsError
	return errors.As(err, &p) || errors.As(err, &b)
}
