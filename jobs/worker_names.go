package jobs

import (
	"slices"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// unknownNameDelay is how long a job the worker has no definition for
// waits after the worker gave it back, so that a store that claimed it
// regardless of ClaimRequest.Names does not hand it straight back.
const unknownNameDelay = time.Second

// claimNames returns the names of the worker's definitions, sorted: the
// only jobs its claims ask for. It is never nil (a worker without
// definitions announces that it runs none) and a fresh slice each call.
func (w *Worker) claimNames() []string {
	names := make([]string, 0, len(w.defs))
	for n := range w.defs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// unknownName gives back a job the worker has no definition for, which
// its claim asked not to receive: the attempt does not count, and the job
// is claimable again after unknownNameDelay by a worker that knows it. It
// cannot happen with the stores of this module; a store that ignores
// ClaimRequest.Names would otherwise have the job dead-lettered.
func (r *workerRun) unknownName(o store.Outcome, j *store.Job) store.Outcome {
	t := now()
	r.log.Warn("jobs: worker: the store gave this worker a job whose name it has no definition for; giving it back without spending an attempt",
		"worker", r.opts.ID, "job", j.ID, "name", j.Name, "queue", j.Queue, "runs", r.w.knownNames())
	o.State, o.FinishedAt, o.RunAt = store.Queued, t, t.Add(unknownNameDelay)
	return o
}
