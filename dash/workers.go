package dash

import (
	"net/http"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
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
	InFlight    int           `json:"inFlight"`
	Started     *time.Time    `json:"started,omitempty"`
	Heartbeat   *time.Time    `json:"heartbeat,omitempty"`
	Until       *time.Time    `json:"until,omitempty"`
}

type workersPage struct {
	Workers []workerView `json:"workers"`
}

// workers lists the workers running on the store, idle ones too, as they
// last announced themselves (jobs.Inspector.Workers).
func (h *Handler) workers(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	ws, err := h.in.Workers(ctx)
	if err != nil {
		h.storeError(w, "workers", err)
		return
	}
	writeJSON(w, http.StatusOK, workerViews(ws))
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
			Queues: make([]workerQueue, 0, len(wi.Queues)), Concurrency: wi.Concurrency, InFlight: wi.InFlight,
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
