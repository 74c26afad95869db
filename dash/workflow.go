package dash

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// maxWorkflowSteps bounds the jobs one workflow view reads: a chord of
// thousands of members is shown in part, saying so.
const maxWorkflowSteps = 200

type workflowStep struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Queue      string     `json:"queue"`
	State      string     `json:"state"` // "missing" for a step the store no longer has (pruned, deleted)
	Stage      int        `json:"stage"` // 0 for steps that wait for none, else one more than the latest they wait for
	DependsOn  []string   `json:"dependsOn"`
	Next       []string   `json:"next"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

type workflowView struct {
	Steps     []workflowStep `json:"steps"` // by stage, then ID
	Truncated bool           `json:"truncated"`
}

// workflow shows the workflow a job belongs to (a chain, a chord and its
// members, ...) as its steps, found by walking the typed links DependsOn
// and Next from the job, at most maxWorkflowSteps of them. A job with no
// links is a workflow of one step. (The members of a group without a
// callback have no links: each shows alone.)
func (h *Handler) workflow(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), bulkTimeout)
	defer cancel()
	v, err := h.walkWorkflow(ctx, r.PathValue("id"))
	if err != nil {
		h.storeError(w, "workflow", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) walkWorkflow(ctx context.Context, id string) (workflowView, error) {
	var v workflowView
	steps := map[string]*workflowStep{}
	queue := []string{id}
	queued := map[string]bool{id: true}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		gctx, cancel := context.WithTimeout(ctx, apiTimeout)
		j, err := h.in.Job(gctx, cur)
		cancel()
		switch {
		case errors.Is(err, store.ErrNotFound) && cur != id:
			steps[cur] = &workflowStep{ID: cur, State: "missing", DependsOn: []string{}, Next: []string{}}
			continue
		case err != nil:
			return v, err
		}
		s := stepOf(j)
		steps[cur] = &s
		for _, link := range append(append([]string(nil), s.DependsOn...), s.Next...) {
			if queued[link] {
				continue
			}
			if len(queued) >= maxWorkflowSteps {
				v.Truncated = true
				continue
			}
			queued[link] = true
			queue = append(queue, link)
		}
	}
	stage := map[string]int{}
	var depth func(id string, seen map[string]bool) int
	depth = func(id string, seen map[string]bool) int {
		if d, ok := stage[id]; ok {
			return d
		}
		s := steps[id]
		if s == nil || seen[id] {
			return -1 // outside the part read, or a cycle no workflow makes
		}
		seen[id] = true
		d := 0
		for _, dep := range s.DependsOn {
			d = max(d, depth(dep, seen)+1)
		}
		delete(seen, id)
		stage[id] = d
		return d
	}
	v.Steps = make([]workflowStep, 0, len(steps))
	for id, s := range steps {
		s.Stage = depth(id, map[string]bool{})
		v.Steps = append(v.Steps, *s)
	}
	sort.Slice(v.Steps, func(i, j int) bool {
		a, b := v.Steps[i], v.Steps[j]
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.ID < b.ID
	})
	return v, nil
}

// stepOf is a job as a workflow step, its links limited to job IDs.
func stepOf(j *jobs.JobInfo) workflowStep {
	s := workflowStep{
		ID: clipString(j.ID, nameLimit).Text, Name: clipString(j.Name, nameLimit).Text, Queue: clipString(j.Queue, nameLimit).Text,
		State: clipString(string(j.State), nameLimit).Text, DependsOn: []string{}, Next: []string{}, FinishedAt: timePtr(j.FinishedAt),
	}
	for _, r := range relatives(j) {
		if r.Role == "depends on" {
			s.DependsOn = append(s.DependsOn, r.ID)
		} else {
			s.Next = append(s.Next, r.ID)
		}
	}
	return s
}
