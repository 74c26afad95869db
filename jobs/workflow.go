package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Workflows (Huey's pipelines, groups and chords) are built from steps
// and enqueued in one atomic write, every step with an ID assigned up
// front. A step that depends on others is stored Scheduled at a fallback
// time ([WorkflowFallback] from now) with its dependencies in its
// metadata; when a worker finishes a step it wakes the steps waiting for
// it, and a worker that claims a step whose dependencies have not all
// finished gives it back without spending an attempt. Nothing waits in
// memory, so a crash anywhere loses nothing: at worst a step starts at
// its fallback time instead of at once.

// WorkflowFallback is how long after enqueue a waiting workflow step is
// looked at even if no wake-up reached it (a worker died between
// finishing its dependency and waking it); a step looked at too early
// waits again, up to this long each time.
const WorkflowFallback = 30 * time.Second

const (
	modeChain = "chain" // receives the one dependency's result; cancelled if it failed
	modeChord = "chord" // receives every dependency's outcome as []Member[R]
)

// Step is one job of a workflow, not yet enqueued: make it with
// [Definition.Step], chain it with [Then], gather steps with [Chord],
// and enqueue it with [Step.Enqueue] or [EnqueueGroup]. A Step is an
// immutable value, safe to share; using one step in two places of the
// same enqueue makes one job that both places wait for.
type Step[R any] struct{ n *stepNode }

type stepNode struct {
	name string
	make func(ctx context.Context, c *Client) (*store.Job, error)
	deps []*stepNode
	mode string
	err  error
}

// Step returns a workflow step that runs d with args (Huey's task.s).
// Arguments are encoded when the workflow is enqueued.
func (d *Definition[A, R]) Step(args A, opts ...EnqueueOption) Step[R] {
	return Step[R]{&stepNode{name: d.core.name, make: func(ctx context.Context, c *Client) (*store.Job, error) {
		return d.newJob(ctx, c, args, opts)
	}}}
}

// Then returns a step that runs next with the result of prev as its
// argument, once prev has succeeded (Huey's pipeline .then). If prev does
// not succeed (dead-lettered, cancelled, expired), next is not run: it
// ends Canceled with an error naming the step that failed, and so do the
// steps after it.
func Then[A, R any](prev Step[A], next *Definition[A, R], opts ...EnqueueOption) Step[R] {
	n := &stepNode{name: next.core.name, deps: []*stepNode{prev.n}, mode: modeChain, make: func(ctx context.Context, c *Client) (*store.Job, error) {
		var zero A // the real argument is prev's result, read by the worker
		return next.newJob(ctx, c, zero, opts)
	}}
	if prev.n == nil {
		n.err = errors.New("Then: the previous step is the zero Step")
	}
	return Step[R]{n}
}

// Member is one member's outcome as a chord callback receives it.
type Member[R any] struct {
	ID    string `json:"id"`
	State State  `json:"state"`           // jobtype.Succeeded, or how it failed
	Value R      `json:"value,omitzero"`  // with Succeeded
	Error string `json:"error,omitempty"` // otherwise: the job's last error
}

// OK reports whether the member succeeded.
func (m Member[R]) OK() bool { return m.State == store.Succeeded }

// Chord returns a step that runs callback once every member has finished,
// with each member's outcome in member order, failures included (Huey's
// chord; Celery's chord(group, callback)). The callback always runs:
// a member that fails, panics or is revoked appears with its state and
// error. Members may be any steps, chains included.
func Chord[R, C any](members []Step[R], callback *Definition[[]Member[R], C], opts ...EnqueueOption) Step[C] {
	n := &stepNode{name: callback.core.name, mode: modeChord, make: func(ctx context.Context, c *Client) (*store.Job, error) {
		return callback.newJob(ctx, c, nil, opts)
	}}
	if len(members) == 0 {
		n.err = errors.New("Chord: no members")
	}
	for i, m := range members {
		if m.n == nil {
			n.err = fmt.Errorf("Chord: member %d is the zero Step", i)
		}
		n.deps = append(n.deps, m.n)
	}
	return Step[C]{n}
}

// Enqueue stores every job of the workflow that ends in s in one atomic
// write and returns the handle of s. Awaiting it waits for the whole
// chain; a failure earlier in the chain is reported as the [*JobError] of
// s, Canceled, naming the step that failed. Intermediate steps are kept
// (an Await does not consume them) until their retention. It is safe for concurrent use and honours ctx while it writes,
// like [Definition.Map].
func (s Step[R]) Enqueue(ctx context.Context, c *Client) (*Handle[R], error) {
	ids, err := enqueueSteps(ctx, c, []*stepNode{s.n})
	if err != nil {
		return nil, err
	}
	return newHandle[R](c, ids[0]), nil
}

// EnqueueGroup stores every job of steps in one atomic write and returns
// a group handle over them, in order (Huey's group; a [Definition.Map]
// whose jobs may differ in definition and be chains). It is safe for concurrent use and honours ctx while it writes,
// like [Definition.Map].
func EnqueueGroup[R any](ctx context.Context, c *Client, steps ...Step[R]) (*Group[R], error) {
	nodes := make([]*stepNode, len(steps))
	for i, s := range steps {
		nodes[i] = s.n
	}
	ids, err := enqueueSteps(ctx, c, nodes)
	if err != nil {
		return nil, err
	}
	hs := make([]*Handle[R], len(ids))
	for i, id := range ids {
		hs[i] = newHandle[R](c, id)
	}
	return newGroup(c, hs), nil
}

// EnqueueChord stores the chord of members and callback (see [Chord]) in
// one atomic write and returns its handle. It is safe for concurrent use and honours ctx while it writes,
// like [Definition.Map].
func EnqueueChord[R, C any](ctx context.Context, c *Client, members []Step[R], callback *Definition[[]Member[R], C], opts ...EnqueueOption) (*ChordHandle[R, C], error) {
	ch := Chord(members, callback, opts...)
	nodes := append([]*stepNode{ch.n}, ch.n.deps...)
	ids, err := enqueueSteps(ctx, c, nodes)
	if err != nil {
		return nil, err
	}
	hs := make([]*Handle[R], len(members))
	for i, id := range ids[1:] {
		hs[i] = newHandle[R](c, id)
	}
	return newChord(newHandle[C](c, ids[0]), newGroup(c, hs)), nil
}

// enqueueSteps builds the jobs of every step reachable from roots, links
// them, and inserts them in one write. It returns the roots' IDs.
func enqueueSteps(ctx context.Context, c *Client, roots []*stepNode) ([]string, error) {
	if err := c.checkOpen(); err != nil {
		return nil, err
	}
	jobOf := make(map[*stepNode]*store.Job)
	metaOf := make(map[*store.Job]*jobMeta)
	var order []*store.Job
	var visit func(n *stepNode, depth int) error
	visit = func(n *stepNode, depth int) error {
		if n == nil {
			return errors.New("jobs: workflow: a step is the zero Step")
		}
		if _, ok := jobOf[n]; ok {
			return nil
		}
		if n.err != nil {
			return fmt.Errorf("jobs: workflow step %q: %w", n.name, n.err)
		}
		if depth > 10000 {
			return errors.New("jobs: workflow: more than 10000 steps deep")
		}
		for _, d := range n.deps {
			if err := visit(d, depth+1); err != nil {
				return err
			}
		}
		j, err := n.make(ctx, c)
		if err != nil {
			return err
		}
		m, err := decodeMeta(j.Meta)
		if err != nil {
			return err
		}
		if m == nil {
			m = new(jobMeta)
		}
		if j.UniqueKey != "" {
			return fmt.Errorf("jobs: workflow step %q: Unique and UniqueArgs do not apply to workflow steps", n.name)
		}
		jobOf[n] = j
		metaOf[j] = m
		order = append(order, j)
		if len(n.deps) > 0 {
			m.Mode = n.mode
			for _, d := range n.deps {
				dj := jobOf[d]
				m.Deps = append(m.Deps, dj.ID)
				metaOf[dj].Next = append(metaOf[dj].Next, j.ID)
			}
			j.State = store.Scheduled
			j.RunAt = j.EnqueuedAt.Add(WorkflowFallback)
		}
		return nil
	}
	for _, n := range roots {
		if err := visit(n, 0); err != nil {
			return nil, err
		}
	}
	for _, j := range order {
		raw, err := encodeMeta(metaOf[j])
		if err != nil {
			return nil, err
		}
		j.Meta = raw
	}
	if _, err := c.insert(ctx, order); err != nil {
		return nil, fmt.Errorf("jobs: enqueue workflow of %d steps: %w", len(order), err)
	}
	ids := make([]string, len(roots))
	for i, n := range roots {
		ids[i] = jobOf[n].ID
	}
	return ids, nil
}
