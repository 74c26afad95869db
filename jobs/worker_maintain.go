package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// maintainer is the component that keeps the store tidy for every
// worker: it returns jobs whose leases expired (and reports the moves as
// events) every RecoverInterval, once at start so a restarted worker
// picks up what its predecessor left, then warns of ready jobs no running
// worker can run; and it prunes finished jobs past their retention every
// PruneInterval.
type maintainer struct {
	st       store.Store
	opts     *WorkerOptions
	log      *slog.Logger
	storeCtx context.Context
	// reportRecovered emits the events of the jobs Recover moved.
	reportRecovered func([]store.Recovered)
	// afterRecover runs after each recovery sweep: the check for jobs
	// that no running worker knows how to run (worker_orphans.go).
	afterRecover func()
	service
}

func (m *maintainer) start() { m.service.start(m.loop) }

func (m *maintainer) loop(stop <-chan struct{}) {
	recoverT := time.NewTimer(0)
	pruneT := time.NewTimer(m.opts.PruneInterval)
	defer recoverT.Stop()
	defer pruneT.Stop()
	for {
		select {
		case <-stop:
			return
		case <-recoverT.C:
			moved, err := m.st.Recover(m.storeCtx, now())
			m.reportRecovered(moved)
			if err != nil {
				m.log.Warn("jobs: worker: recovering expired leases failed", "worker", m.opts.ID, "err", err)
			}
			if m.afterRecover != nil {
				m.afterRecover()
			}
			recoverT.Reset(m.opts.RecoverInterval)
		case <-pruneT.C:
			if _, err := m.st.Prune(m.storeCtx, now()); err != nil {
				m.log.Warn("jobs: worker: pruning finished jobs failed", "worker", m.opts.ID, "err", err)
			}
			pruneT.Reset(m.opts.PruneInterval)
		}
	}
}
