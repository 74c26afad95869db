// Package front is the shared opening of the store methods whose
// contract checks their arguments or answers some of them by itself:
// each function admits the call through the store's lifecycle.Gate,
// makes the checks every store makes alike (package storecheck), answers
// an empty batch, and only then hands the call to the store's own work,
// with the arguments as the checks left them. A store cannot forget a
// step, and the steps run in the same order in every store: ErrClosed
// first, then argument errors, then the work. name prefixes the errors
// ("sqlite", "postgres", "redis").
//
// The functions are safe for concurrent use, as the Gate is; they do not
// look at ctx and pass it to the work, which honours it. The work func is
// called on the caller's goroutine and not kept, so a method value passed
// here costs no allocation.
package front

import (
	"context"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/lifecycle"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Insert opens Store.Insert: an empty batch inserts nothing. The jobs
// themselves are checked by insert, which reads them anyway.
func Insert(ctx context.Context, g *lifecycle.Gate, jobs []*store.Job,
	insert func(context.Context, []*store.Job) ([]store.Dup, error)) ([]store.Dup, error) {
	if err := g.Enter(); err != nil {
		return nil, err
	}
	defer g.Leave()
	if len(jobs) == 0 {
		return nil, nil
	}
	return insert(ctx, jobs)
}

// Claim opens Store.Claim: claim gets the request with its Queues and
// Names as storecheck.Claim returns them (sorted, distinct; Names nil for
// any name). maxQueues is the store's bound on queues.
func Claim(ctx context.Context, g *lifecycle.Gate, name string, req store.ClaimRequest, maxQueues int,
	claim func(context.Context, store.ClaimRequest) ([]*store.Job, error)) ([]*store.Job, error) {
	if err := g.Enter(); err != nil {
		return nil, err
	}
	defer g.Leave()
	queues, names, err := storecheck.Claim(name, req, maxQueues)
	if err != nil {
		return nil, err
	}
	req.Queues, req.Names = queues, names
	return claim(ctx, req)
}

// Finish opens Store.Finish: a batch with a bad outcome applies nothing
// (storecheck.Outcomes), and an empty one loses nothing.
func Finish(ctx context.Context, g *lifecycle.Gate, name string, outcomes []store.Outcome,
	finish func(context.Context, []store.Outcome) ([]string, error)) ([]string, error) {
	if err := g.Enter(); err != nil {
		return nil, err
	}
	defer g.Leave()
	if err := storecheck.Outcomes(name, outcomes); err != nil {
		return nil, err
	}
	if len(outcomes) == 0 {
		return nil, nil
	}
	return finish(ctx, outcomes)
}

// ExtendLeases opens Store.ExtendLeases: owner must not be empty, and no
// ids lose nothing.
func ExtendLeases(ctx context.Context, g *lifecycle.Gate, name, owner string, ids []string, until time.Time,
	extend func(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error)) ([]string, error) {
	if err := g.Enter(); err != nil {
		return nil, err
	}
	defer g.Leave()
	if owner == "" {
		return nil, fmt.Errorf("%s: extend leases: empty owner; want the worker holding the leases", name)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return extend(ctx, owner, ids, until)
}

// Revoke opens Store.Revoke: revoke gets the reason as the store keeps
// it (storecheck.RevokeReason), never empty.
func Revoke(ctx context.Context, g *lifecycle.Gate, name, id, reason string, now time.Time,
	revoke func(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error)) (store.RevokeResult, error) {
	if err := g.Enter(); err != nil {
		return store.RevokeResult{}, err
	}
	defer g.Leave()
	reason, err := storecheck.RevokeReason(name, id, reason)
	if err != nil {
		return store.RevokeResult{}, err
	}
	return revoke(ctx, id, reason, now)
}

// Wake opens Store.Wake: no ids wake nothing.
func Wake(ctx context.Context, g *lifecycle.Gate, ids []string, now time.Time,
	wake func(ctx context.Context, ids []string, now time.Time) error) error {
	if err := g.Enter(); err != nil {
		return err
	}
	defer g.Leave()
	if len(ids) == 0 {
		return nil
	}
	return wake(ctx, ids, now)
}

// Acquire opens Store.Acquire: the lease is checked by storecheck.Lease.
func Acquire(ctx context.Context, g *lifecycle.Gate, name string, l store.Lease, now time.Time,
	acquire func(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error)) (store.Lease, bool, error) {
	if err := g.Enter(); err != nil {
		return store.Lease{}, false, err
	}
	defer g.Leave()
	if err := storecheck.Lease(name, l, now); err != nil {
		return store.Lease{}, false, err
	}
	return acquire(ctx, l, now)
}

// Count opens Leaser.Count: the counter is checked by storecheck.Count.
func Count(ctx context.Context, g *lifecycle.Gate, name, key string, until, now time.Time,
	count func(ctx context.Context, key string, until, now time.Time) (int64, error)) (int64, error) {
	if err := g.Enter(); err != nil {
		return 0, err
	}
	defer g.Leave()
	if err := storecheck.Count(name, key, until, now); err != nil {
		return 0, err
	}
	return count(ctx, key, until, now)
}

// List opens Inspector.List: list gets the request with the page size
// storecheck.List makes of it as its Limit.
func List(ctx context.Context, g *lifecycle.Gate, name string, req store.ListRequest,
	list func(context.Context, store.ListRequest) ([]*store.Job, error)) ([]*store.Job, error) {
	if err := g.Enter(); err != nil {
		return nil, err
	}
	defer g.Leave()
	limit, err := storecheck.List(name, req)
	if err != nil {
		return nil, err
	}
	req.Limit = limit
	return list(ctx, req)
}

// Purge opens Inspector.Purge: Running jobs are never purged (a worker
// holds them), and any other state must be valid or empty (all but
// Running).
func Purge(ctx context.Context, g *lifecycle.Gate, name, queue string, state store.State,
	purge func(ctx context.Context, queue string, state store.State) (int, error)) (int, error) {
	if err := g.Enter(); err != nil {
		return 0, err
	}
	defer g.Leave()
	switch {
	case state == store.Running:
		return 0, nil
	case state != "" && !state.Valid():
		return 0, fmt.Errorf("%s: purge: State %q; want empty (all but running) or one of %v", name, state, store.States)
	}
	return purge(ctx, queue, state)
}

// Pause opens Inspector.Pause: the queue must be named.
func Pause(ctx context.Context, g *lifecycle.Gate, name, queue string, pause func(ctx context.Context, queue string) error) error {
	return setPaused(ctx, g, name, "pause", queue, pause)
}

// Resume opens Inspector.Resume: the queue must be named.
func Resume(ctx context.Context, g *lifecycle.Gate, name, queue string, resume func(ctx context.Context, queue string) error) error {
	return setPaused(ctx, g, name, "resume", queue, resume)
}

func setPaused(ctx context.Context, g *lifecycle.Gate, name, op, queue string, set func(context.Context, string) error) error {
	if err := g.Enter(); err != nil {
		return err
	}
	defer g.Leave()
	if queue == "" {
		return fmt.Errorf("%s: %s: empty queue name", name, op)
	}
	return set(ctx, queue)
}
