package dash

import (
	"net/http"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

type workerQueue struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
}

type workerView struct {
	ID          string        `json:"id"`
	Host        string        `json:"host"`
	PID         int           `json:"pid"`
	Queues      []workerQueue `json:"queues"`
	Concurrency int           `json:"concurrency"`
	// Held is what the worker announced at its last heartbeat: jobs it
	// holds leases on, running or claimed ahead (prefetched) and waiting
	// for a slot. Running is read from the store now, as the overview's
	// running count is: jobs in state running leased by this worker.
	Held      int        `json:"held"`
	Running   int        `json:"running"`
	Started   *time.Time `json:"started,omitempty"`
	Heartbeat *time.Time `json:"heartbeat,omitempty"`
	Until     *time.Time `json:"until,omitempty"`
}

type workersPage struct {
	Workers []workerView `json:"workers"`
	// Running is the store's count of running jobs, as on the overview;
	// Unlisted those of them leased by no worker listed (one that died
	// and whose leases have not expired yet, or one past maxWorkers).
	Running  int `json:"running"`
	Unlisted int `json:"unlisted"`
}

// runningCount bounds the running jobs read to count them per worker.
const runningCount = 1000

// workers lists the workers running on the store, idle ones too, as they
// last announced themselves (jobs.Inspector.Workers), with the jobs each
// is running now according to the store.
func (h *Handler) workers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	ws, err := h.in.Workers(ctx)
	if err != nil {
		h.storeError(w, "workers", err)
		return
	}
	page := workerViews(ws)
	st, err := h.in.Stats(ctx)
	if err != nil {
		h.storeError(w, "workers", err)
		return
	}
	page.Running = st.Counts[store.Running]
	byID := map[string]int{}
	if page.Running > 0 {
		p, err := h.in.Jobs(ctx, jobs.ListOptions{State: store.Running, Limit: runningCount})
		if err != nil {
			h.storeError(w, "workers", err)
			return
		}
		for _, j := range p.Jobs {
			byID[clipString(j.Worker, nameLimit).Text]++
		}
	}
	listed := 0
	for i := range page.Workers {
		page.Workers[i].Running = byID[page.Workers[i].ID]
		listed += page.Workers[i].Running
	}
	page.Unlisted = max(page.Running-listed, 0)
	writeJSON(w, http.StatusOK, page)
}

// maxWorkers bounds the rows one answer carries.
const maxWorkers = 1000

// workerViews clips what the workers announced: another client of the
// store wrote it, so it is job data like any other.
func workerViews(ws []jobs.WorkerInfo) workersPage {
	out := workersPage{Workers: make([]workerView, 0, min(len(ws), maxWorkers))}
	for _, wi := range ws {
		if len(out.Workers) == maxWorkers {
			break
		}
		v := workerView{
			ID: clipString(wi.ID, nameLimit).Text, Host: clipString(wi.Host, nameLimit).Text, PID: wi.PID,
			Queues: make([]workerQueue, 0, len(wi.Queues)), Concurrency: wi.Concurrency, Held: wi.InFlight,
			Started: timePtr(wi.Started), Heartbeat: timePtr(wi.LastHeartbeat), Until: timePtr(wi.Until),
		}
		for q, weight := range wi.Queues {
			if len(v.Queues) == 100 {
				break
			}
			v.Queues = append(v.Queues, workerQueue{Name: clipString(q, nameLimit).Text, Weight: weight})
		}
		sort.Slice(v.Queues, func(i, j int) bool { return v.Queues[i].Name < v.Queues[j].Name })
		out.Workers = append(out.Workers, v)
	}
	return out
}
