package front

import (
	"context"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/lifecycle"
)

// Work is a store's own side of the contract: what its methods do once
// [Contract] has admitted the call and checked its arguments. The methods
// have the signatures of store.Store, store.Inspector, store.Leaser and
// store.Among, and get what the caller passed, but for two: Claim gets
// the request with its Queues and Names as storecheck.Claim returns them
// (sorted, distinct; Names nil for any name), and List the request with
// the page size storecheck.List makes of it as its Limit.
//
// Close is the store's release: it runs once, after the calls in flight
// ended, when the first Close of the Contract closes the gate.
type Work interface {
	Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error)
	Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error)
	Finish(ctx context.Context, outcomes []store.Outcome) ([]string, error)
	ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error)
	Recover(ctx context.Context, now time.Time) ([]store.Recovered, error)
	ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error)
	FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error)

	Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error)
	RevokeRequests(ctx context.Context, owner string) (map[string]string, error)
	Wake(ctx context.Context, ids []string, now time.Time) error
	Restore(ctx context.Context, id string, now time.Time) (store.State, error)

	Get(ctx context.Context, id string) (*store.Job, error)
	List(ctx context.Context, req store.ListRequest) ([]*store.Job, error)
	Queues(ctx context.Context) ([]store.QueueInfo, error)
	Stats(ctx context.Context) (store.Stats, error)
	Retry(ctx context.Context, id string, now time.Time) error
	Delete(ctx context.Context, id string) error
	Purge(ctx context.Context, queue string, state store.State) (int, error)
	Prune(ctx context.Context, now time.Time) (int, error)
	Pause(ctx context.Context, queue string) error
	Resume(ctx context.Context, queue string) error

	Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error)
	Release(ctx context.Context, key, owner string) (bool, error)
	Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error)
	Count(ctx context.Context, key string, until, now time.Time) (int64, error)

	Close() error
}

// Contract is the one implementation of the store methods that reach
// the store's data: each admits the call through the store's gate,
// checks the arguments as every store does, answers an empty batch, and
// hands the rest to the store's [Work]. A driver embeds it in its Store,
// so no driver writes or can skip these steps. The watch methods (Ready,
// Finished, WatchFinishes, Revoked) are the driver's own: they reach no
// data and stay usable until Close.
//
// Its methods are safe for concurrent use and honour ctx as the Work
// does; after Close they return store.ErrClosed, and Close waits for the
// calls in flight. The overhead is one read lock and one interface call
// per method.
type Contract struct {
	name      string
	maxQueues int
	gate      lifecycle.Gate
	w         Work
}

// Init readies c for the store named name ("memory", "sqlite", "redis",
// "postgres": the prefix of its errors) over w; maxQueues bounds a
// claim's queues. It is called once, before c is used or shared. It is a
// function, not a method, so that it is no method of the Stores that
// embed a Contract.
func Init(c *Contract, name string, maxQueues int, w Work) {
	c.name, c.maxQueues, c.w = name, maxQueues, w
}

// Close closes the store: later calls get store.ErrClosed, and the first
// Close waits for the calls in flight, then runs the Work's Close and
// returns its error. Later ones return store.ErrClosed.
func (c *Contract) Close() error { return c.gate.Shut(c.w.Close) }

// Insert implements store.Store.
func (c *Contract) Insert(ctx context.Context, jobs []*store.Job) ([]store.Dup, error) {
	return Insert(ctx, &c.gate, jobs, c.w.Insert)
}

// Claim implements store.Store.
func (c *Contract) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	return Claim(ctx, &c.gate, c.name, req, c.maxQueues, c.w.Claim)
}

// Finish implements store.Store.
func (c *Contract) Finish(ctx context.Context, outcomes []store.Outcome) (lost []string, err error) {
	return Finish(ctx, &c.gate, c.name, outcomes, c.w.Finish)
}

// ExtendLeases implements store.Store.
func (c *Contract) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error) {
	return ExtendLeases(ctx, &c.gate, c.name, owner, ids, until, c.w.ExtendLeases)
}

// Recover implements store.Store.
func (c *Contract) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	return lifecycle.Call(&c.gate, func() ([]store.Recovered, error) { return c.w.Recover(ctx, now) })
}

// ReadyNames implements store.Store.
func (c *Contract) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	return lifecycle.Call(&c.gate, func() ([]store.ReadyName, error) { return c.w.ReadyNames(ctx, queues, now) })
}

// FinishedAmong implements store.Among.
func (c *Contract) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	return lifecycle.Call2(&c.gate, func() ([]*store.Job, []string, error) { return c.w.FinishedAmong(ctx, ids) })
}

// Revoke implements store.Store.
func (c *Contract) Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error) {
	return Revoke(ctx, &c.gate, c.name, id, reason, now, c.w.Revoke)
}

// RevokeRequests implements store.Store.
func (c *Contract) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	return lifecycle.Call(&c.gate, func() (map[string]string, error) { return c.w.RevokeRequests(ctx, owner) })
}

// Wake implements store.Store.
func (c *Contract) Wake(ctx context.Context, ids []string, now time.Time) error {
	return Wake(ctx, &c.gate, ids, now, c.w.Wake)
}

// Restore implements store.Inspector.
func (c *Contract) Restore(ctx context.Context, id string, now time.Time) (store.State, error) {
	return lifecycle.Call(&c.gate, func() (store.State, error) { return c.w.Restore(ctx, id, now) })
}

// Get implements store.Store.
func (c *Contract) Get(ctx context.Context, id string) (*store.Job, error) {
	return lifecycle.Call(&c.gate, func() (*store.Job, error) { return c.w.Get(ctx, id) })
}

// List implements store.Inspector.
func (c *Contract) List(ctx context.Context, req store.ListRequest) ([]*store.Job, error) {
	return List(ctx, &c.gate, c.name, req, c.w.List)
}

// Queues implements store.Inspector.
func (c *Contract) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	return lifecycle.Call(&c.gate, func() ([]store.QueueInfo, error) { return c.w.Queues(ctx) })
}

// Stats implements store.Inspector.
func (c *Contract) Stats(ctx context.Context) (store.Stats, error) {
	return lifecycle.Call(&c.gate, func() (store.Stats, error) { return c.w.Stats(ctx) })
}

// Retry implements store.Inspector.
func (c *Contract) Retry(ctx context.Context, id string, now time.Time) error {
	return lifecycle.Do(&c.gate, func() error { return c.w.Retry(ctx, id, now) })
}

// Delete implements store.Inspector.
func (c *Contract) Delete(ctx context.Context, id string) error {
	return lifecycle.Do(&c.gate, func() error { return c.w.Delete(ctx, id) })
}

// Purge implements store.Inspector.
func (c *Contract) Purge(ctx context.Context, queue string, state store.State) (int, error) {
	return Purge(ctx, &c.gate, c.name, queue, state, c.w.Purge)
}

// Prune implements store.Store.
func (c *Contract) Prune(ctx context.Context, now time.Time) (int, error) {
	return lifecycle.Call(&c.gate, func() (int, error) { return c.w.Prune(ctx, now) })
}

// Pause implements store.Inspector.
func (c *Contract) Pause(ctx context.Context, queue string) error {
	return Pause(ctx, &c.gate, c.name, queue, c.w.Pause)
}

// Resume implements store.Inspector.
func (c *Contract) Resume(ctx context.Context, queue string) error {
	return Resume(ctx, &c.gate, c.name, queue, c.w.Resume)
}

// Acquire implements store.Leaser.
func (c *Contract) Acquire(ctx context.Context, l store.Lease, now time.Time) (store.Lease, bool, error) {
	return Acquire(ctx, &c.gate, c.name, l, now, c.w.Acquire)
}

// Release implements store.Leaser.
func (c *Contract) Release(ctx context.Context, key, owner string) (bool, error) {
	return lifecycle.Call(&c.gate, func() (bool, error) { return c.w.Release(ctx, key, owner) })
}

// Leases implements store.Leaser.
func (c *Contract) Leases(ctx context.Context, prefix string, now time.Time) ([]store.Lease, error) {
	return lifecycle.Call(&c.gate, func() ([]store.Lease, error) { return c.w.Leases(ctx, prefix, now) })
}

// Count implements store.Leaser.
func (c *Contract) Count(ctx context.Context, key string, until, now time.Time) (int64, error) {
	return Count(ctx, &c.gate, c.name, key, until, now, c.w.Count)
}
