package jobs

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// uniqueMark is how encodeMeta writes a unique key; jobs whose Meta lacks
// it skip decoding at insert.
var uniqueMark = []byte(`"unique":`)

// insert stores jobs in one atomic write. A job with a unique key takes
// its lease first; a job whose key is held is left out and its place in
// ids names the job holding it, with a [*DuplicateError] joined into err.
// Otherwise ids are the jobs' own IDs (including pre-assigned IDs the
// store reports as already there: cron ticks and workflow steps). Leases
// taken are released again if the write fails.
func (c *Client) insert(ctx context.Context, batch []*store.Job) (ids []string, err error) {
	ids = make([]string, len(batch))
	var dupErrs []error
	var taken []store.Lease
	var keep []*store.Job
	for i, j := range batch {
		ids[i] = j.ID
		if len(j.Meta) == 0 || !bytes.Contains(j.Meta, uniqueMark) {
			if keep != nil {
				keep = append(keep, j)
			}
			continue
		}
		m, err := decodeMeta(j.Meta)
		if err != nil || m.Unique == "" {
			if keep != nil {
				keep = append(keep, j)
			}
			continue
		}
		t := now()
		l := store.Lease{Key: m.Unique, Owner: j.ID, Until: time.Unix(0, m.UniqueUntil).UTC()}
		holder, ok, err := c.store.Acquire(ctx, l, t)
		if err != nil {
			c.releaseAll(ctx, taken)
			return nil, err
		}
		if keep == nil {
			keep = append(make([]*store.Job, 0, len(batch)), batch[:i]...)
		}
		if !ok {
			ids[i] = holder.Owner
			dupErrs = append(dupErrs, &DuplicateError{Key: m.Unique, ID: holder.Owner})
			continue
		}
		taken = append(taken, l)
		keep = append(keep, j)
	}
	if keep != nil {
		batch = keep
	}
	if len(batch) > 0 {
		dups, err := c.store.Insert(ctx, batch)
		if err != nil {
			c.releaseAll(ctx, taken)
			return nil, err
		}
		if c.bus.on() {
			c.emitEnqueued(batch, dups)
		}
	}
	return ids, errors.Join(dupErrs...)
}

func (c *Client) releaseAll(ctx context.Context, ls []store.Lease) {
	for _, l := range ls {
		_, _ = c.store.Release(context.WithoutCancel(ctx), l.Key, l.Owner)
	}
}

func (c *Client) emitEnqueued(batch []*store.Job, dups []string) {
	skip := make(map[string]bool, len(dups))
	for _, id := range dups {
		skip[id] = true
	}
	for _, j := range batch {
		if !skip[j.ID] {
			c.bus.emit(Event{Kind: EventEnqueued, JobID: j.ID, Name: j.Name, Queue: j.Queue, At: j.EnqueuedAt})
		}
	}
}
