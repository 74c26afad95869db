package dash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// apiTimeout bounds one store call made for a page request.
const apiTimeout = 10 * time.Second

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	e := json.NewEncoder(w)
	_ = e.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": clipString(msg, 1000).Text})
}

// storeError answers a failed store call: 404 for an unknown job, 409
// for a job that is running, 500 (logged) otherwise.
func (h *Handler) storeError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such job (it may have been deleted or pruned)")
	case errors.Is(err, store.ErrRunning):
		writeError(w, http.StatusConflict, "the job is running; wait for it to finish or revoke it")
	default:
		h.opts.Logger.Error("dash: store", "op", what, "err", err)
		writeError(w, http.StatusInternalServerError, what+": "+err.Error())
	}
}

func apiCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), apiTimeout)
}

type overview struct {
	Queues []queueView     `json:"queues"`
	States []string        `json:"states"`
	Store  string          `json:"store"`
	Totals map[string]int  `json:"totals"`
	Oldest *time.Time      `json:"oldestQueued,omitempty"`
	Can    map[string]bool `json:"can"`
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	qs, err := h.in.Queues(ctx)
	if err != nil {
		h.storeError(w, "queues", err)
		return
	}
	st, err := h.in.Stats(ctx)
	if err != nil {
		h.storeError(w, "stats", err)
		return
	}
	o := overview{Queues: queueViews(qs), Store: jobs.RedactURL(h.opts.StoreURL), Totals: map[string]int{}, Oldest: timePtr(st.Oldest),
		Can: map[string]bool{"revoke": h.revoker() != nil}}
	for _, s := range store.States {
		o.States = append(o.States, string(s))
		o.Totals[string(s)] = st.Counts[s]
	}
	writeJSON(w, http.StatusOK, o)
}

type jobPage struct {
	Jobs []jobRow `json:"jobs"`
	Next string   `json:"next,omitempty"`
}

// jobList answers a page of jobs: filters queue, state and name; order
// newest (the default) or oldest; after, the next of the previous page,
// continues the listing in its order.
func (h *Handler) jobList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts := jobs.ListOptions{Queue: q.Get("queue"), State: jobs.State(q.Get("state")), Name: q.Get("name"), Limit: 50}
	if opts.State != "" && !opts.State.Valid() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown state %q; accepted: %v", opts.State, store.States))
		return
	}
	switch o := q.Get("order"); o {
	case "", "newest":
		opts.Newest, opts.Before = true, q.Get("after")
	case "oldest":
		opts.After = q.Get("after")
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("order %q: want newest (the default) or oldest", o))
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want 1 to 500", l))
			return
		}
		opts.Limit = n
	}
	ctx, cancel := apiCtx(r)
	defer cancel()
	p, err := h.in.Jobs(ctx, opts)
	if err != nil {
		h.storeError(w, "list", err)
		return
	}
	out := jobPage{Jobs: make([]jobRow, 0, len(p.Jobs)), Next: p.Next}
	for _, j := range p.Jobs {
		out.Jobs = append(out.Jobs, rowOf(j))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) jobDetail(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	j, err := h.in.Job(ctx, r.PathValue("id"))
	if err != nil {
		h.storeError(w, "job", err)
		return
	}
	writeJSON(w, http.StatusOK, detailOf(j, h.revoker() != nil))
}

// revoker is the inspector's revoke, when the jobs package in use has
// one; the dashboard offers the action only then.
type revoker interface {
	Revoke(ctx context.Context, id, reason string) (store.State, error)
}

func (h *Handler) revoker() revoker {
	r, _ := any(h.in).(revoker)
	return r
}

func done(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message": msg})
}

func (h *Handler) retry(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.Retry(ctx, r.PathValue("id")); err != nil {
		h.storeError(w, "retry", err)
		return
	}
	done(w, "Queued again.")
}

func (h *Handler) runNow(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.RunNow(ctx, r.PathValue("id")); err != nil {
		if errors.Is(err, jobs.ErrNotScheduled) {
			writeError(w, http.StatusConflict, "the job is not waiting for a delay or a backoff: "+err.Error())
			return
		}
		h.storeError(w, "run now", err)
		return
	}
	done(w, "Ready to run now.")
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.Delete(ctx, r.PathValue("id")); err != nil {
		h.storeError(w, "delete", err)
		return
	}
	done(w, "Deleted.")
}

func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	rv := h.revoker()
	if rv == nil {
		writeError(w, http.StatusNotImplemented, "this build's job store cannot revoke jobs")
		return
	}
	reason := r.PostFormValue("reason")
	if reason == "" {
		reason = "revoked from the dashboard"
	}
	ctx, cancel := apiCtx(r)
	defer cancel()
	st, err := rv.Revoke(ctx, r.PathValue("id"), reason)
	if err != nil {
		h.storeError(w, "revoke", err)
		return
	}
	if st == store.Running {
		done(w, "Revoked: its worker stops it.")
		return
	}
	done(w, "Revoked.")
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.Pause(ctx, r.PathValue("queue")); err != nil {
		h.storeError(w, "pause", err)
		return
	}
	done(w, "Paused.")
}

func (h *Handler) resume(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.Resume(ctx, r.PathValue("queue")); err != nil {
		h.storeError(w, "resume", err)
		return
	}
	done(w, "Resumed.")
}

// purge deletes every job of one state, in one queue or (queue empty) in
// all. The state is required: purging everything at once is one click
// too easy.
func (h *Handler) purge(w http.ResponseWriter, r *http.Request) {
	state := jobs.State(r.PostFormValue("state"))
	if !state.Valid() || state == store.Running {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("purge: state %q; want one of %v except running", state, store.States))
		return
	}
	ctx, cancel := apiCtx(r)
	defer cancel()
	n, err := h.in.Purge(ctx, r.PostFormValue("queue"), state)
	if err != nil {
		h.storeError(w, "purge", err)
		return
	}
	done(w, fmt.Sprintf("Deleted %d %s jobs.", n, state))
}
