package jobs

import (
	"github.com/spindlehq/spindle/jobs/store"
)

// reportRecovered logs and emits the events of the jobs a recovery sweep
// moved, which no worker ran to the end: the store made these
// transitions itself, and the sweeping worker is the one process that
// learns of each (the store gives every moved job to exactly one
// sweeper). A lease that expired is an attempt that failed, so it emits
// Failed, then Retrying or DeadLettered, as an attempt that returned an
// error would; a waiting job past its deadline emits Expired.
func (r *workerRun) reportRecovered(moved []store.Recovered) {
	if len(moved) == 0 {
		return
	}
	requeued, dead, expired := 0, 0, 0
	for _, m := range moved {
		switch m.State {
		case store.Queued:
			requeued++
		case store.Dead:
			dead++
		case store.Expired:
			expired++
		}
	}
	r.log.Info("jobs: worker: recovered jobs no worker finished", "worker", r.opts.ID,
		"requeued", requeued, "dead", dead, "expired", expired)
	bus := &r.w.c.bus
	if !bus.on() {
		return
	}
	t := now()
	for _, m := range moved {
		e := Event{JobID: m.ID, Name: m.Name, Queue: m.Queue, Attempt: m.Attempt, At: t}
		switch m.State {
		case store.Expired:
			e.Kind, e.Err = EventExpired, &recoveredError{sentinel: ErrExpired, msg: m.Error}
			bus.emit(e)
		case store.Queued, store.Dead:
			// A lost lease is a failed attempt; Retrying (due at once) or
			// DeadLettered follows, as for a handler's error.
			e.Kind, e.Err = EventFailed, &recoveredError{sentinel: ErrLeaseExpired, msg: m.Error}
			bus.emit(e)
			e.Kind = EventRetrying
			if m.State == store.Dead {
				e.Kind = EventDeadLettered
			}
			bus.emit(e)
		}
	}
}
