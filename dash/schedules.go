package dash

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

const (
	// maxSchedules bounds the schedules one answer lists.
	maxSchedules = 100
	// scheduleScan is how many of the newest jobs of a schedule's
	// definition are read to find the jobs it made, and scheduleJobs how
	// many of those are shown.
	scheduleScan = 200
	scheduleJobs = 10
)

type scheduleRun struct {
	ID         string     `json:"id"`
	Tick       time.Time  `json:"tick"` // the tick the job was made for
	State      string     `json:"state"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

type scheduleView struct {
	Name    string        `json:"name"`
	Spec    string        `json:"spec"`
	Zone    string        `json:"zone"`
	Workers []string      `json:"workers"`        // the workers that fire it
	Next    *time.Time    `json:"next,omitempty"` // absent when the spec does not parse here
	Last    *scheduleRun  `json:"last,omitempty"` // the newest job it made, if the store holds one
	Jobs    []scheduleRun `json:"jobs"`           // the newest jobs it made, at most scheduleJobs
}

type schedulesPage struct {
	Schedules []scheduleView `json:"schedules"`
	Now       time.Time      `json:"now"`
	Scan      int            `json:"scan"` // jobs of each name read to find the ones a schedule made
}

// schedules lists the periodic jobs of every worker on the store, each
// once however many workers fire it, with its next tick (computed here
// from the spec in its zone), its last run and the jobs it made: those
// of its definition's name whose ID carries the schedule's tick bits,
// among the newest scheduleScan of that name.
func (h *Handler) schedules(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), bulkTimeout)
	defer cancel()
	ws, err := h.in.Workers(ctx)
	if err != nil {
		h.storeError(w, "schedules", err)
		return
	}
	type entry struct {
		info    jobs.ScheduleInfo
		workers []string
	}
	byKey := map[jobs.ScheduleInfo]*entry{}
	var order []*entry
	for _, wi := range ws {
		for _, s := range wi.Schedules {
			e := byKey[s]
			if e == nil {
				if len(order) == maxSchedules {
					continue
				}
				e = &entry{info: s}
				byKey[s] = e
				order = append(order, e)
			}
			if len(e.workers) < 100 {
				e.workers = append(e.workers, clipString(wi.ID, nameLimit).Text)
			}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i].info, order[j].info
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Spec < b.Spec
	})
	now := h.now().UTC()
	out := schedulesPage{Schedules: make([]scheduleView, 0, len(order)), Now: now, Scan: scheduleScan}
	for _, e := range order {
		v := scheduleView{
			Name: clipString(e.info.Name, nameLimit).Text, Spec: clipString(e.info.Spec, nameLimit).Text,
			Zone: clipString(e.info.Zone, nameLimit).Text, Workers: e.workers, Jobs: []scheduleRun{},
		}
		if n := e.info.Next(now); !n.IsZero() {
			n = n.UTC()
			v.Next = &n
		}
		lctx, lcancel := context.WithTimeout(ctx, apiTimeout)
		p, err := h.in.Jobs(lctx, jobs.ListOptions{Name: e.info.Name, Newest: true, Limit: scheduleScan})
		lcancel()
		if err != nil {
			h.storeError(w, "schedules", err)
			return
		}
		for _, j := range p.Jobs {
			tick, ok := e.info.TickOf(j.ID)
			if !ok {
				continue
			}
			if len(v.Jobs) < scheduleJobs {
				v.Jobs = append(v.Jobs, scheduleRun{ID: j.ID, Tick: tick, State: clipString(string(j.State), nameLimit).Text, FinishedAt: timePtr(j.FinishedAt)})
			}
		}
		if len(v.Jobs) > 0 {
			last := v.Jobs[0]
			v.Last = &last
		}
		out.Schedules = append(out.Schedules, v)
	}
	writeJSON(w, http.StatusOK, out)
}
