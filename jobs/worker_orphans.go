package jobs

import (
	"errors"

	"github.com/spindlehq/spindle/jobs/store"
)

// orphanKey is one job name in one queue.
type orphanKey struct{ queue, name string }

// orphans finds, at each recovery sweep of one Worker.Run, the names of
// ready jobs in the worker's queues that no running worker on their
// queue knows: no worker would ever claim them (a rolling deploy that
// enqueues a new kind of job before any worker runs its definition, or
// a definition left out of every worker). It warns and emits
// [EventNoWorker] for each, with the count, at every sweep while it
// lasts, and once more with a count of 0 when it ends. Only the
// maintenance goroutine uses it.
type orphans struct {
	r    *workerRun
	last map[orphanKey]int // what the previous check reported
}

func newOrphans(r *workerRun) *orphans { return &orphans{r: r} }

// check compares the names of the ready jobs (store.ReadyNames: bounded
// work) with those the running workers announce (their presence). It
// costs two store reads, and one when no job waits; a failed read is
// logged and the check skipped until the next sweep.
func (o *orphans) check() {
	r := o.r
	ready, err := r.st.ReadyNames(r.storeCtx, r.w.queues, now())
	if err != nil {
		o.failed(err)
		return
	}
	if len(ready) == 0 && len(o.last) == 0 {
		return
	}
	ws, err := r.w.c.Inspect().Workers(r.storeCtx)
	if err != nil {
		o.failed(err)
		return
	}
	t := takersOf(ws)
	mine := r.w.claimNames()
	for _, q := range r.w.queues {
		t.add(q, mine) // this worker, whatever became of its announcement
	}
	found := make(map[orphanKey]int)
	for _, rn := range ready {
		if t.missing(rn.Queue, rn.Name) == "" {
			continue
		}
		found[orphanKey{rn.Queue, rn.Name}] = rn.Count
		r.log.Warn("jobs: worker: jobs wait that no running worker knows: start a worker with their definition on their queue",
			"worker", r.opts.ID, "name", rn.Name, "queue", rn.Queue, "waiting", rn.Count)
		r.w.c.bus.emit(Event{Kind: EventNoWorker, Name: rn.Name, Queue: rn.Queue, Waiting: rn.Count})
	}
	for k := range o.last {
		if _, still := found[k]; !still {
			r.log.Info("jobs: worker: the jobs that waited for a worker that knows them are taken care of", "worker", r.opts.ID, "name", k.name, "queue", k.queue)
			r.w.c.bus.emit(Event{Kind: EventNoWorker, Name: k.name, Queue: k.queue})
		}
	}
	o.last = found
}

func (o *orphans) failed(err error) {
	if !errors.Is(err, store.ErrClosed) {
		o.r.log.Warn("jobs: worker: looking for jobs no running worker knows failed", "worker", o.r.opts.ID, "err", err)
	}
}
