package jobs

import (
	"context"
	"fmt"
	"slices"

	"github.com/spindlehq/spindle/jobs/store"
)

// takers is what the running workers announce they claim: which queues
// they take from and which job names they run there.
type takers struct {
	queues map[string]bool            // some worker takes from the queue
	anyOf  map[string]bool            // a worker that claims any name (announced none) takes from it
	names  map[string]map[string]bool // queue -> names some worker there runs
}

// takersOf reads the workers' announcements.
func takersOf(ws []WorkerInfo) takers {
	t := takers{queues: map[string]bool{}, anyOf: map[string]bool{}, names: map[string]map[string]bool{}}
	for _, w := range ws {
		for q := range w.Queues {
			t.add(q, w.Names)
		}
	}
	return t
}

// add records a worker that takes from queue q and runs names (nil: any).
func (t takers) add(q string, names []string) {
	t.queues[q] = true
	if names == nil {
		t.anyOf[q] = true
		return
	}
	m := t.names[q]
	if m == nil {
		m = map[string]bool{}
		t.names[q] = m
	}
	for _, n := range names {
		m[n] = true
	}
}

// missing says why no running worker would claim a job of name in queue,
// or "" when one would.
func (t takers) missing(queue, name string) string {
	switch {
	case !t.queues[queue]:
		return fmt.Sprintf("a worker taking jobs from queue %q (none is running)", queue)
	case t.anyOf[queue] || t.names[queue][name]:
		return ""
	}
	return fmt.Sprintf("a worker that knows job name %q (no running worker on queue %q has its definition)", name, queue)
}

// waitingFor fills info.WaitingFor for a waiting job from the workers'
// presence. A failure to read it leaves the field empty: the job is
// still shown.
func (in *Inspector) waitingFor(ctx context.Context, info *JobInfo) {
	if !slices.Contains([]store.State{store.Queued, store.Scheduled}, info.State) {
		return
	}
	ws, err := in.Workers(ctx)
	if err != nil {
		return
	}
	info.WaitingFor = takersOf(ws).missing(info.Queue, info.Name)
}
