package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// dependencies checks a workflow step's dependencies. When all are final
// it returns the step's arguments (a chain step: the one dependency's
// result; a chord callback: every member's outcome) and ok; otherwise an
// outcome: deferred while some are not final, cancelled when a chain
// step's dependency did not succeed.
func (r *workerRun) dependencies(o store.Outcome, j *store.Job, def *definitionCore, m *jobMeta, t time.Time) (args []byte, out store.Outcome, ok bool) {
	deps := make([]*store.Job, len(m.Deps))
	for i, id := range m.Deps {
		dj, err := r.st.Get(r.storeCtx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// Deleted or pruned: it will never finish; treat as failed.
		case err != nil:
			r.log.Warn("jobs: worker: reading a workflow step's dependency failed; deferring the step", "worker", r.opts.ID, "job", j.ID, "dependency", id, "err", err)
			return nil, deferTo(o, t, t.Add(time.Second)), false
		case !dj.State.Final():
			r.recheckAfter(j.ID, m.Deps[i:])
			return nil, deferTo(o, t, t.Add(dependencyWait(j, t))), false
		default:
			deps[i] = dj
		}
	}
	if m.Mode == modeChord {
		args, err := chordArgs(m.Deps, deps)
		if err != nil {
			return nil, r.deadLetter(o, j, def, err), false
		}
		return args, o, true
	}
	if dj := deps[0]; dj != nil && dj.State == store.Succeeded {
		return dj.Result, o, true
	}
	return nil, r.cancelled(o, j, def, dependencyError(m.Deps[0], deps[0])), false
}

// recheckAfter arranges for a step deferred on deps to be looked at again
// once its deferral is recorded. A dependency that finished while the step
// was being checked woke a job that was still running, which does nothing;
// without the second look the step would sit out its fallback wait.
func (r *workerRun) recheckAfter(step string, deps []string) {
	r.wakeMu.Lock()
	if r.recheck == nil {
		r.recheck = make(map[string][]string)
	}
	r.recheck[step] = deps
	r.wakeN.Store(int64(len(r.wakes) + len(r.recheck)))
	r.wakeMu.Unlock()
}

// rechecked returns the deferred steps of batch whose dependencies have
// all finished by now. It stops reading a step's dependencies at the first
// unfinished one: that one's own wake-up reaches the step, which is
// Scheduled again.
func (r *workerRun) rechecked(steps map[string][]string) []string {
	var ready []string
next:
	for step, deps := range steps {
		for _, id := range deps {
			dj, err := r.st.Get(r.storeCtx, id)
			if err == nil && !dj.State.Final() {
				continue next
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				continue next // the fallback wait covers a store that cannot answer
			}
		}
		ready = append(ready, step)
	}
	return ready
}

// dependencyWait is how long a step whose dependencies are unfinished
// waits before it is looked at again if no wake-up comes first: a quarter
// of its age, from 100ms up to WorkflowFallback.
func dependencyWait(j *store.Job, t time.Time) time.Duration {
	return min(max(t.Sub(j.EnqueuedAt)/4, 100*time.Millisecond), WorkflowFallback)
}

// dependencyError names the step that failed and how.
func dependencyError(id string, dj *store.Job) error {
	if dj == nil {
		return fmt.Errorf("workflow dependency %s not found: it was deleted or pruned before this step ran", id)
	}
	msg := fmt.Sprintf("workflow dependency %s (%s) %s", dj.ID, dj.Name, dj.State)
	if dj.LastError != "" {
		msg += ": " + dj.LastError
	}
	return errors.New(msg)
}

type memberJSON struct {
	ID    string          `json:"id"`
	State store.State     `json:"state"`
	Value json.RawMessage `json:"value,omitempty"`
	Error string          `json:"error,omitempty"`
}

// chordArgs encodes the members' outcomes as the JSON of []Member[R].
func chordArgs(ids []string, deps []*store.Job) ([]byte, error) {
	ms := make([]memberJSON, len(ids))
	for i, dj := range deps {
		ms[i].ID = ids[i]
		switch {
		case dj == nil:
			ms[i].State = store.Dead
			ms[i].Error = dependencyError(ids[i], nil).Error()
		case dj.State == store.Succeeded:
			ms[i].State = dj.State
			if json.Valid(dj.Result) {
				ms[i].Value = dj.Result
			}
		default:
			ms[i].State, ms[i].Error = dj.State, dj.LastError
			if ms[i].Error == "" {
				ms[i].Error = "job " + string(dj.State)
			}
		}
	}
	b, err := json.Marshal(ms)
	if err != nil {
		return nil, fmt.Errorf("chord members' outcomes do not encode: %v", err)
	}
	return b, nil
}
