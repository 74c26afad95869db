package memory

import (
	"context"

	"github.com/spindlehq/spindle/jobs/store"
)

// FinishedAmong returns copies of the jobs of ids that are final and the
// IDs of those not stored, in one pass under the lock.
func (s *core) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, nil, err
	}
	defer s.mu.Unlock()
	var (
		final   []*store.Job
		missing []string
	)
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		switch e := s.jobs[id]; {
		case e == nil:
			missing = append(missing, id)
		case e.job.State.Final():
			final = append(final, clone(&e.job))
		}
	}
	return final, missing, nil
}
