package jobs

import (
	"context"
	"errors"

	"github.com/spindlehq/spindle/jobs/store"
)

// insert stores jobs in one atomic write and returns their IDs: a job's
// own ID when it is stored, or when its pre-assigned ID (cron ticks,
// workflow steps) was there already; the holder's ID for a job whose
// unique key an unfinished job holds, with a [*DuplicateError] for each
// such job joined into err.
func (c *Client) insert(ctx context.Context, jobs []*store.Job) ([]string, error) {
	dups, err := c.store.Insert(ctx, jobs)
	if err != nil {
		return nil, err
	}
	return c.settle(jobs, dups)
}

// settle turns the duplicates an Insert of jobs reported into the IDs
// insert returns, and emits the Enqueued events of the jobs it stored.
func (c *Client) settle(jobs []*store.Job, dups []store.Dup) ([]string, error) {
	ids := make([]string, len(jobs))
	var of map[string]store.Dup
	if len(dups) > 0 {
		of = make(map[string]store.Dup, len(dups))
		for _, d := range dups {
			of[d.ID] = d
		}
	}
	var errs []error
	on := c.bus.on()
	for i, j := range jobs {
		ids[i] = j.ID
		d, dup := of[j.ID]
		if dup && d.Existing != j.ID {
			ids[i] = d.Existing
			errs = append(errs, &DuplicateError{Key: j.UniqueKey, ID: d.Existing})
		}
		if !dup && on {
			c.bus.emit(Event{Kind: EventEnqueued, JobID: j.ID, Name: j.Name, Queue: j.Queue, At: j.EnqueuedAt})
		}
	}
	return ids, errors.Join(errs...)
}
