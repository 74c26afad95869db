package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	spindle "github.com/spindlehq/spindle"
)

// Group is the awaitable result of jobs enqueued together by
// [Definition.Map] (Huey's ResultGroup). Its result lists the jobs'
// results in enqueue order. It satisfies spindle.Awaitable[[]R] and
// spindle.Watcher. All methods are safe for concurrent use.
//
// A group waits through its handles: it settles when the last of them
// does, without a goroutine of its own, and so also when the client
// closes (every handle then settles with [ErrClientClosed]).
type Group[R any] struct {
	c       *Client
	handles []*Handle[R]

	out    settled[[]R]
	armed  sync.Once // the hooks that settle the group with its handles
	sticky sync.Once // Done's watches
}

var (
	_ spindle.Awaitable[[]int] = (*Group[int])(nil)
	_ spindle.Watcher          = (*Group[int])(nil)
)

func newGroup[R any](c *Client, hs []*Handle[R]) *Group[R] {
	return &Group[R]{c: c, handles: hs, out: newSettled[[]R]()}
}

// GroupOf returns a group handle over existing handles, for example ones
// rebuilt with [HandleOf] in another process.
func GroupOf[R any](c *Client, hs ...*Handle[R]) *Group[R] { return newGroup(c, hs) }

// Handles returns the group's handles in enqueue order. The slice is the
// caller's to keep; the handles are shared.
func (g *Group[R]) Handles() []*Handle[R] { return append([]*Handle[R](nil), g.handles...) }

// Len returns the number of jobs in the group.
func (g *Group[R]) Len() int { return len(g.handles) }

// Done returns a channel closed when every job's outcome is known, or
// the client closed. It calls Done on every handle: the waits last until
// then, and cost no goroutine.
func (g *Group[R]) Done() <-chan struct{} {
	g.arm()
	g.sticky.Do(func() {
		for _, h := range g.handles {
			h.Done()
		}
	})
	return g.out.done
}

// Watch implements spindle.Watcher: it watches every handle, and release
// (idempotent, never blocking) withdraws those watches.
func (g *Group[R]) Watch() (done <-chan struct{}, release func()) {
	g.arm()
	if g.out.isSet() {
		return g.out.done, func() {}
	}
	releases := make([]func(), 0, len(g.handles))
	for _, h := range g.handles {
		_, r := h.Watch()
		releases = append(releases, r)
	}
	return g.out.done, releaseAll(releases)
}

// arm makes the group settle in the goroutine that settles its last
// handle.
func (g *Group[R]) arm() {
	g.armed.Do(func() {
		var left atomic.Int64
		left.Store(int64(len(g.handles)) + 1)
		last := func() {
			if left.Add(-1) == 0 {
				g.settle()
			}
		}
		for _, h := range g.handles {
			h.out.then(last)
		}
		last()
	})
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
	g.out.settle(res, errors.Join(errs...))
}

// Result returns the results in enqueue order once Done is closed, and
// spindle.ErrNotDone before. When some jobs failed, the slice still holds
// the results of the others (zero values in the failed places) and the
// error joins every failure ([*JobError] each, with the job's ID).
func (g *Group[R]) Result() ([]R, error) {
	res, err := g.out.get()
	if err == spindle.ErrNotDone {
		return nil, err
	}
	return append([]R(nil), res...), err
}

// Await waits for every job, in the caller's goroutine, and returns the
// results as [Group.Result] does (Huey's aget_result_group). The jobs are
// waited for together: one read checks them all, not one each. opts apply
// to each job as in [Handle.Await], and so does a store failure, which is
// joined into the error in that job's place. When ctx ends it returns nil
// and spindle.Interrupted(ctx) (a *spindle.CanceledError carrying
// context.Cause(ctx)), and stops waiting; the jobs go on and can be
// awaited again.
func (g *Group[R]) Await(ctx context.Context, opts ...AwaitOption) ([]R, error) {
	cfg, err := g.c.awaitOptions(opts)
	if err != nil {
		return nil, err
	}
	failed := make([]chan error, len(g.handles))
	releases := make([]func(), 0, len(g.handles))
	g.c.waits.batch(func() {
		for i, h := range g.handles {
			if !h.out.isSet() {
				failed[i] = make(chan error, 1)
				releases = append(releases, h.awaitWatch(cfg.poll, failed[i]))
			}
		}
	})
	release := releaseAll(releases)
	defer release()
	errs := make([]error, len(g.handles))
	for i, h := range g.handles {
		if failed[i] == nil {
			continue
		}
		select {
		case <-h.out.done:
		case errs[i] = <-failed[i]:
		case <-ctx.Done():
			return nil, spindle.Interrupted(ctx)
		}
	}
	release()
	res := make([]R, len(g.handles))
	var joined []error
	for i, h := range g.handles {
		err := errs[i]
		if err == nil {
			if cfg.consume {
				h.consume(ctx)
			}
			res[i], err = h.Result()
		}
		if err != nil {
			joined = append(joined, err)
		}
	}
	return res, errors.Join(joined...)
}
