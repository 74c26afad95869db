package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// WorkerInfo describes a running worker as it last announced itself.
type WorkerInfo struct {
	ID            string
	Host          string
	PID           int
	Queues        map[string]int // queue -> weight
	Concurrency   int
	InFlight      int       // jobs held: running or waiting for a slot
	Started       time.Time // when its Run began
	LastHeartbeat time.Time
	// Until is when the announcement lapses: a worker that stops
	// heartbeating (it died) disappears from the list then.
	Until time.Time
	// Names are the job names it runs, sorted: the only ones it claims.
	// nil for a worker of a version that did not announce them, which
	// claims every name.
	Names []string
	// Schedules are the periodic jobs the worker fires
	// (WorkerOptions.Schedules); empty from workers of releases that did
	// not announce them.
	Schedules []ScheduleInfo
}

type presenceData struct {
	Host          string         `json:"host"`
	PID           int            `json:"pid"`
	Queues        map[string]int `json:"queues"`
	Names         []string       `json:"names"` // absent (nil) from workers that claim any name
	Concurrency   int            `json:"concurrency"`
	InFlight      int            `json:"in_flight"`
	Started       time.Time      `json:"started"`
	LastHeartbeat time.Time      `json:"last_heartbeat"`
	Schedules     []ScheduleInfo `json:"schedules,omitempty"`
}

// Workers lists the workers running on the store, in ID order. Each
// worker renews a lease "worker:ID" with its details at every heartbeat
// and releases it when Run returns; one that died drops out when the
// lease lapses (after its LeaseDuration).
func (in *Inspector) Workers(ctx context.Context) ([]WorkerInfo, error) {
	ls, err := in.c.store.Leases(ctx, "worker:", now())
	if err != nil {
		return nil, fmt.Errorf("jobs: workers: %w", err)
	}
	out := make([]WorkerInfo, 0, len(ls))
	for _, l := range ls {
		var d presenceData
		if err := json.Unmarshal(l.Data, &d); err != nil {
			continue // not a worker's announcement
		}
		out = append(out, WorkerInfo{
			ID: strings.TrimPrefix(l.Key, "worker:"), Host: d.Host, PID: d.PID, Queues: d.Queues, Names: d.Names,
			Concurrency: d.Concurrency, InFlight: d.InFlight, Started: d.Started, LastHeartbeat: d.LastHeartbeat, Until: l.Until,
			Schedules: d.Schedules,
		})
	}
	return out, nil
}

// publishPresence announces or renews the worker's presence.
func (r *workerRun) publishPresence() {
	host, _ := os.Hostname()
	inFlight := r.held.len()
	t := now()
	data, _ := json.Marshal(presenceData{
		Host: host, PID: os.Getpid(), Queues: r.opts.Queues, Names: r.w.claimNames(), Concurrency: r.opts.Concurrency,
		InFlight: inFlight, Started: r.started, LastHeartbeat: t,
		Schedules: scheduleInfos(r.opts.Schedules),
	})
	l := store.Lease{Key: "worker:" + r.opts.ID, Owner: r.opts.ID, Data: data, Until: t.Add(r.opts.LeaseDuration)}
	if _, ok, err := r.st.Acquire(r.storeCtx, l, t); err != nil {
		if errors.Is(err, store.ErrClosed) {
			return
		}
		r.log.Warn("jobs: worker: announcing presence failed", "worker", r.opts.ID, "err", err)
	} else if !ok {
		r.log.Warn("jobs: worker: another worker announces itself with this worker's ID; give each worker a unique WorkerOptions.ID", "worker", r.opts.ID)
	}
}

// withdrawPresence removes the worker from Inspector.Workers.
func (r *workerRun) withdrawPresence() {
	if _, err := r.st.Release(r.storeCtx, "worker:"+r.opts.ID, r.opts.ID); err != nil && !errors.Is(err, store.ErrClosed) {
		r.log.Warn("jobs: worker: withdrawing presence failed; it lapses with its lease", "worker", r.opts.ID, "err", err)
	}
}
