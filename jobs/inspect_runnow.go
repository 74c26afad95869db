package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/jobs/jobtype"
)

// ErrNotScheduled is wrapped by [Inspector.RunNow] for a job that does not
// wait for a run time: it is queued, running or final (retry a final one
// with [Inspector.Retry]).
var ErrNotScheduled = errors.New("jobs: the job is not waiting for a delay or a backoff")

// RunNow makes a job that waits for its run time (a delay, an ETA or a
// retry's backoff) ready at once, keeping its attempts and history; idle
// workers are woken as for a new job. A job in any other state is left
// alone with an error wrapping [ErrNotScheduled] that names its state, and
// an unknown ID gives one wrapping jobtype.ErrNotFound. It reads the job,
// then moves it: two store round trips; a job that leaves the scheduled
// state between them is not touched. Safe for concurrent use; honours
// ctx.
func (in *Inspector) RunNow(ctx context.Context, id string) error {
	j, err := in.c.store.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("jobs: run now %s: %w", id, err)
	}
	if j.State != jobtype.Scheduled {
		return fmt.Errorf("jobs: run now %s: the job is %s: %w", id, j.State, ErrNotScheduled)
	}
	if err := in.c.store.Wake(ctx, []string{id}, now()); err != nil {
		return fmt.Errorf("jobs: run now %s: %w", id, err)
	}
	return nil
}
