package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// heartbeater is the component that keeps the worker's leases alive: at
// every HeartbeatInterval it extends the leases of the held jobs and
// cancels the handlers of the ones it lost; after each beat, in a second
// goroutine so a slow store never delays the leases, it renews the
// running jobs' locks, checks for revoke requests and renews the
// worker's presence.
type heartbeater struct {
	st       store.Store
	opts     *WorkerOptions
	held     *heldJobs
	log      *slog.Logger
	storeCtx context.Context
	// extras runs after each beat: locks, revoke requests, presence.
	extras func(held []*activeJob)

	beat, after service
	kick        chan struct{} // beat -> after, coalesced
}

func (h *heartbeater) start() {
	h.kick = make(chan struct{}, 1)
	h.beat.start(h.beatLoop)
	h.after.start(h.afterLoop)
}

func (h *heartbeater) halt() {
	h.beat.halt()
	h.after.halt()
}

func (h *heartbeater) beatLoop(stop <-chan struct{}) {
	t := time.NewTicker(h.opts.HeartbeatInterval)
	defer t.Stop()
	var ids []string
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ids = h.held.ids(ids[:0])
		if len(ids) > 0 {
			until := now().Add(h.opts.LeaseDuration)
			lost, err := h.st.ExtendLeases(h.storeCtx, h.opts.ID, ids, until)
			if err != nil {
				h.log.Warn("jobs: worker: extending leases failed", "worker", h.opts.ID, "jobs", len(ids), "err", err)
			}
			for _, id := range lost {
				if a := h.held.get(id); a != nil {
					a.markLost()
				}
			}
		}
		select {
		case h.kick <- struct{}{}:
		default: // the previous round is still going
		}
	}
}

func (h *heartbeater) afterLoop(stop <-chan struct{}) {
	var held []*activeJob
	for {
		select {
		case <-stop:
			return
		case <-h.kick:
		}
		held = h.held.all(held[:0])
		h.extras(held)
	}
}
