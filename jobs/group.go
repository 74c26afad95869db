package jobs

import (
	"context"
	"errors"
	"sync"

	spindle "github.com/spindlehq/spindle"
)

// Group is the awaitable result of jobs enqueued together by
// [Definition.Map] (Huey's ResultGroup). Its result lists the jobs'
// results in enqueue order. It satisfies spindle.Awaitable[[]R]. All
// methods are safe for concurrent use.
type Group[R any] struct {
	c       *Client
	handles []*Handle[R]

	watchOnce sync.Once
	done      chan struct{}
	mu        sync.Mutex
	settled   bool
	res       []R
	err       error
}

var _ spindle.Awaitable[[]int] = (*Group[int])(nil)

func newGroup[R any](c *Client, hs []*Handle[R]) *Group[R] {
	return &Group[R]{c: c, handles: hs, done: make(chan struct{})}
}

// GroupOf returns a group handle over existing handles, for example ones
// rebuilt with [HandleOf] in another process.
func GroupOf[R any](c *Client, hs ...*Handle[R]) *Group[R] { return newGroup(c, hs) }

// Handles returns the group's handles in enqueue order. The slice is the
// caller's to keep; the handles are shared.
func (g *Group[R]) Handles() []*Handle[R] { return append([]*Handle[R](nil), g.handles...) }

// Len returns the number of jobs in the group.
func (g *Group[R]) Len() int { return len(g.handles) }

// Done returns a channel closed when every job's outcome is known. The
// first call starts a goroutine that waits on each handle's
// [Handle.Done] in enqueue order, which starts that handle's own watcher
// when the group reaches it: two goroutines while the group is watched,
// one job watched at a time. Neither outlives Client.Close.
func (g *Group[R]) Done() <-chan struct{} {
	g.watchOnce.Do(func() {
		started := g.c.goWatch(func(ctx context.Context) {
			for _, h := range g.handles {
				select {
				case <-h.Done():
				case <-ctx.Done():
					return // every handle settles with ErrClientClosed
				}
			}
			g.settle()
		})
		if !started {
			for _, h := range g.handles {
				<-h.Done() // settled at once: the client is closed
			}
			g.settle()
		}
	})
	return g.done
}

// settle collects the handles' outcomes once all are known.
func (g *Group[R]) settle() {
	res := make([]R, len(g.handles))
	var errs []error
	for i, h := range g.handles {
		r, err := h.Result()
		res[i] = r
		if err != nil {
			errs = append(errs, err)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.settled {
		g.settled, g.res, g.err = true, res, errors.Join(errs...)
		close(g.done)
	}
}

// Result returns the results in enqueue order once Done is closed, and
// spindle.ErrNotDone before. When some jobs failed, the slice still holds
// the results of the others (zero values in the failed places) and the
// error joins every failure ([*JobError] each, with the job's ID).
func (g *Group[R]) Result() ([]R, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.settled {
		return nil, spindle.ErrNotDone
	}
	return append([]R(nil), g.res...), g.err
}

// Await waits for every job, in the caller's goroutine, and returns the
// results as [Group.Result] does (Huey's aget_result_group). opts apply to
// each job as in [Handle.Await]. When ctx ends it returns nil and
// spindle.Interrupted(ctx) (a *spindle.CanceledError carrying
// context.Cause(ctx)); the jobs go on and can be awaited again.
func (g *Group[R]) Await(ctx context.Context, opts ...AwaitOption) ([]R, error) {
	res := make([]R, len(g.handles))
	var errs []error
	for i, h := range g.handles {
		r, err := h.Await(ctx, opts...)
		if err != nil && ctx.Err() != nil {
			return nil, spindle.Interrupted(ctx)
		}
		res[i] = r
		if err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}
