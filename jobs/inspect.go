package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/jobtype"
	"github.com/spindlehq/spindle/jobs/store"
)

// State is where a job is in its life; the constants are in package
// jobtype (jobtype.Queued, jobtype.Dead, ...).
type State = jobtype.State

// JobInfo is one job as the inspector shows it: its state, attempts,
// error history, arguments and result (both JSON); see [jobtype.Job].
type JobInfo = jobtype.Job

// QueueInfo is one queue with its job counts per state.
type QueueInfo = jobtype.QueueInfo

// Stats summarizes the whole store.
type Stats = jobtype.Stats

// jobInfo is the view of a stored job that users read: everything but
// the store's coordination fields (lease expiry, raw feature metadata).
func jobInfo(j *store.Job) *JobInfo {
	info := &JobInfo{
		ID: j.ID, Name: j.Name, Queue: j.Queue, Priority: j.Priority, Args: j.Args,
		State: j.State, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		RunAt: j.RunAt, EnqueuedAt: j.EnqueuedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		Result: j.Result, LastError: j.LastError, Errors: j.Errors,
		RetainUntil: j.RetainUntil, ExpiresAt: j.ExpiresAt,
		Worker: j.LeaseOwner, UniqueKey: j.UniqueKey, Revoke: j.Revoke,
	}
	// A job whose metadata does not decode is still shown, without links.
	if m, err := decodeMeta(j.Meta); err == nil && m != nil {
		info.DependsOn, info.Next, info.Headers = m.Deps, m.Next, m.Headers
		info.Lock = strings.TrimPrefix(m.Lock, "lock:")
	}
	return info
}

// Inspector administers the jobs of a store: the surface of the command
// line tool and the dashboard. It is safe for concurrent use and every
// call honours ctx. A call is one store round trip, and a change to one
// job (Retry, Delete, Revoke, Restore) one atomic store operation, with
// three exceptions: [Inspector.RunNow] reads the job, then wakes it;
// [Inspector.RevokeAll] releases the name's revocation, then takes it
// anew; [Inspector.Purge] of every state makes one trip per state.
type Inspector struct{ c *Client }

// Inspect returns the client's inspector.
func (c *Client) Inspect() *Inspector { return &Inspector{c: c} }

// Queues lists every queue that holds jobs or is paused, with counts per
// state.
func (in *Inspector) Queues(ctx context.Context) ([]QueueInfo, error) {
	return in.c.store.Queues(ctx)
}

// ListOptions selects a page of jobs. Empty fields match everything.
type ListOptions struct {
	Queue string
	State State
	Name  string
	Limit int // page size: 1 to 1000, 0 means 100
	// Newest lists newest first (descending ID, which is enqueue order);
	// the default is oldest first.
	Newest bool
	// After keeps jobs with a greater ID: Page.Next of the previous page
	// when listing oldest first; empty for the first.
	After string
	// Before keeps jobs with a smaller ID: Page.Next of the previous page
	// when listing newest first; empty for the first. After and Before
	// may be given together, in either order of listing.
	Before string
}

// Page is one page of jobs in ID (enqueue) order, newest first when
// listed with ListOptions.Newest.
type Page struct {
	Jobs []*JobInfo
	// Next continues the listing: pass it as ListOptions.After (or as
	// ListOptions.Before when listing Newest) for the next page; empty on
	// the last.
	Next string
}

// Jobs returns one page of jobs matching opts.
func (in *Inspector) Jobs(ctx context.Context, opts ListOptions) (Page, error) {
	if opts.State != "" && !opts.State.Valid() {
		return Page{}, fmt.Errorf("jobs: list: unknown state %q; accepted: %v", opts.State, store.States)
	}
	if opts.Limit < 0 || opts.Limit > 1000 {
		return Page{}, fmt.Errorf("jobs: list: page size %d; want 1 to 1000, or 0 for 100", opts.Limit)
	}
	limit := opts.Limit
	if limit == 0 {
		limit = 100
	}
	js, err := in.c.store.List(ctx, store.ListRequest{
		Queue: opts.Queue, State: opts.State, Name: opts.Name, Limit: limit,
		After: opts.After, Before: opts.Before, Desc: opts.Newest,
	})
	if err != nil {
		return Page{}, err
	}
	p := Page{Jobs: make([]*JobInfo, len(js))}
	for i, j := range js {
		p.Jobs[i] = jobInfo(j)
	}
	if len(js) == limit {
		p.Next = js[len(js)-1].ID
	}
	return p, nil
}

// Job returns one job with its attempts and error history, or an error
// wrapping jobtype.ErrNotFound. For a waiting job it also reads the
// workers' presence (one more round trip) to fill WaitingFor.
func (in *Inspector) Job(ctx context.Context, id string) (*JobInfo, error) {
	j, err := in.c.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("jobs: job %s: %w", id, err)
	}
	info := jobInfo(j)
	in.waitingFor(ctx, info)
	return info, nil
}

// Retry puts a finished job (dead-lettered, cancelled, expired or even
// succeeded) back in its queue with a fresh attempt budget, keeping its
// error history. A running job gives an error wrapping
// jobtype.ErrRunning; a waiting one (queued, or scheduled: start that
// with [Inspector.RunNow]) one wrapping jobtype.ErrNotFinal.
func (in *Inspector) Retry(ctx context.Context, id string) error {
	if err := in.c.store.Retry(ctx, id, now()); err != nil {
		return fmt.Errorf("jobs: retry %s: %w", id, err)
	}
	return nil
}

// Delete removes a job that is not running (jobtype.ErrRunning otherwise).
func (in *Inspector) Delete(ctx context.Context, id string) error {
	if err := in.c.store.Delete(ctx, id); err != nil {
		return fmt.Errorf("jobs: delete %s: %w", id, err)
	}
	return nil
}

// Purge deletes every job of queue (every queue when empty) in state
// (every state when empty), except running ones, and reports how many.
// Every state is one store round trip per state, each atomic by itself:
// a job that changes state between them may be left.
func (in *Inspector) Purge(ctx context.Context, queue string, state State) (int, error) {
	if state != "" && !state.Valid() {
		return 0, fmt.Errorf("jobs: purge: unknown state %q; accepted: %v", state, store.States)
	}
	if state != "" {
		return in.c.store.Purge(ctx, queue, state)
	}
	total := 0
	for _, s := range store.States {
		if s == store.Running {
			continue
		}
		n, err := in.c.store.Purge(ctx, queue, s)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Pause stops workers from claiming jobs of queue; running jobs go on.
// queue follows the rules of queue names (see [Queue]): no job could be
// in a queue of another name.
func (in *Inspector) Pause(ctx context.Context, queue string) error {
	if err := checkName("queue name", queue); err != nil {
		return err
	}
	return in.c.store.Pause(ctx, queue)
}

// Resume lets workers claim jobs of a paused queue again. It takes any
// name, unlike Pause: a store may hold a pause of a bad name made before
// Pause checked names, and this is the way to lift it.
func (in *Inspector) Resume(ctx context.Context, queue string) error {
	return in.c.store.Resume(ctx, queue)
}

// Stats returns counts per state, the number of queues and the enqueue
// time of the oldest waiting job.
func (in *Inspector) Stats(ctx context.Context) (Stats, error) {
	return in.c.store.Stats(ctx)
}
