package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	spindle "github.com/spindlehq/spindle"
)

// ChordHandle is the awaitable result of a chord: the callback's result,
// with the members' failures reported alongside. It satisfies
// spindle.Awaitable[C] and spindle.Watcher. All methods are safe for
// concurrent use. Like a [Group], it settles when its parts do, without
// a goroutine of its own, and so also when the client closes.
type ChordHandle[R, C any] struct {
	callback *Handle[C]
	members  *Group[R]

	out    settled[C]
	armed  sync.Once
	sticky sync.Once
}

var (
	_ spindle.Awaitable[int] = (*ChordHandle[int, int])(nil)
	_ spindle.Watcher        = (*ChordHandle[int, int])(nil)
)

func newChord[R, C any](callback *Handle[C], members *Group[R]) *ChordHandle[R, C] {
	return &ChordHandle[R, C]{callback: callback, members: members, out: newSettled[C]()}
}

// Callback returns the callback job's handle.
func (h *ChordHandle[R, C]) Callback() *Handle[C] { return h.callback }

// Members returns the members' group handle, in member order.
func (h *ChordHandle[R, C]) Members() *Group[R] { return h.members }

// Await waits for the callback (which runs after every member finished)
// and returns its result. The error joins the callback's own failure, if
// any, and one [*JobError] per member that failed; with failed members
// the callback's result is still returned. When ctx ends it returns the
// zero value and spindle.Interrupted(ctx), and stops waiting. opts apply
// as in [Handle.Await].
func (h *ChordHandle[R, C]) Await(ctx context.Context, opts ...AwaitOption) (C, error) {
	v, err := h.callback.Await(ctx, opts...)
	if err != nil && ctx.Err() != nil {
		var zero C
		return zero, spindle.Interrupted(ctx)
	}
	_, merr := h.members.Await(ctx, opts...)
	if merr != nil && ctx.Err() != nil {
		var zero C
		return zero, spindle.Interrupted(ctx)
	}
	return v, errors.Join(err, merr)
}

// Done returns a channel closed once the callback and every member have
// an outcome, or the client closed; it calls Done on the callback and
// the members.
func (h *ChordHandle[R, C]) Done() <-chan struct{} {
	h.arm()
	h.sticky.Do(func() {
		h.callback.Done()
		h.members.Done()
	})
	return h.out.done
}

// Watch implements spindle.Watcher: it watches the callback and the
// members, and release (idempotent, never blocking) withdraws the
// watches.
func (h *ChordHandle[R, C]) Watch() (done <-chan struct{}, release func()) {
	h.arm()
	if h.out.isSet() {
		return h.out.done, func() {}
	}
	_, r1 := h.callback.Watch()
	_, r2 := h.members.Watch()
	return h.out.done, releaseAll([]func(){r1, r2})
}

// arm makes the chord settle in the goroutine that settles its last
// part.
func (h *ChordHandle[R, C]) arm() {
	h.armed.Do(func() {
		var left atomic.Int32
		left.Store(2)
		last := func() {
			if left.Add(-1) == 0 {
				v, err := h.callback.Result()
				_, merr := h.members.Result()
				h.out.settle(v, errors.Join(err, merr))
			}
		}
		h.members.arm()
		h.callback.out.then(last)
		h.members.out.then(last)
	})
}

// Result returns what Await would once Done is closed, and
// spindle.ErrNotDone before.
func (h *ChordHandle[R, C]) Result() (C, error) { return h.out.get() }
