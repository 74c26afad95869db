package dash

import (
	"net/http"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type workerView struct {
	ID          string     `json:"id"`
	Heartbeat   *time.Time `json:"heartbeat,omitempty"`
	Concurrency int        `json:"concurrency,omitempty"`
	InFlight    int        `json:"inFlight"`
	Queues      []string   `json:"queues,omitempty"`
	LeaseUntil  *time.Time `json:"leaseUntil,omitempty"`
}

type workersPage struct {
	Workers []workerView `json:"workers"`
	Note    string       `json:"note,omitempty"`
}

// leaseScan bounds the running jobs read to find workers.
const leaseScan = 1000

func (h *Handler) workers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	p, err := h.in.Jobs(ctx, jobs.ListOptions{State: store.Running, Limit: leaseScan})
	if err != nil {
		h.storeError(w, "workers", err)
		return
	}
	writeJSON(w, http.StatusOK, workersFromLeases(p.Jobs, p.Next != ""))
}

// workersFromLeases names the workers that hold leases on running jobs:
// each with its jobs in flight and the latest lease expiry, which its
// heartbeats keep in the future. A worker running nothing holds no lease
// and is not listed; the note says so.
func workersFromLeases(running []*jobs.JobInfo, more bool) workersPage {
	by := map[string]*workerView{}
	for _, j := range running {
		owner := clipString(j.LeaseOwner, nameLimit).Text
		v := by[owner]
		if v == nil {
			v = &workerView{ID: owner}
			by[owner] = v
		}
		v.InFlight++
		if v.LeaseUntil == nil || j.LeaseUntil.After(*v.LeaseUntil) {
			v.LeaseUntil = timePtr(j.LeaseUntil)
		}
		if !contains(v.Queues, j.Queue) {
			v.Queues = append(v.Queues, clipString(j.Queue, nameLimit).Text)
		}
	}
	out := workersPage{Workers: make([]workerView, 0, len(by)),
		Note: "Workers seen through the leases of running jobs: an idle worker holds none and is not listed."}
	if more {
		out.Note += " Only the first 1000 running jobs were read."
	}
	for _, v := range by {
		sort.Strings(v.Queues)
		out.Workers = append(out.Workers, *v)
	}
	sort.Slice(out.Workers, func(i, j int) bool { return out.Workers[i].ID < out.Workers[j].ID })
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
