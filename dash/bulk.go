package dash

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

const (
	// bulkMax bounds the jobs one bulk request counts or retries: a
	// request over more says so, and the operator repeats it.
	bulkMax = 10000
	// bulkTimeout bounds one bulk request as a whole (each store call
	// has apiTimeout besides).
	bulkTimeout = time.Minute
	bulkPage    = 500
)

// bulkStates are the states a bulk retry takes: the final ones a job
// fails into. Retrying every succeeded job is not an operator's hour.
var bulkStates = []store.State{store.Dead, store.Canceled, store.Expired}

// bulkFilter reads the filter of a bulk request from form (or query)
// values: a state of bulkStates, and an optional queue and name.
func bulkFilter(v url.Values) (jobs.ListOptions, error) {
	f := jobs.ListOptions{State: jobs.State(v.Get("state")), Queue: v.Get("queue"), Name: v.Get("name"), Limit: bulkPage}
	for _, s := range bulkStates {
		if f.State == s {
			return f, nil
		}
	}
	return f, fmt.Errorf("state %q: want one of %v; a bulk retry takes jobs that failed", f.State, bulkStates)
}

// eachJob calls fn for every job matching f, oldest first, at most
// bulkMax of them, and reports whether more matched. It stops at the
// first error of the store or fn.
func (h *Handler) eachJob(ctx context.Context, f jobs.ListOptions, fn func(*jobs.JobInfo) error) (more bool, err error) {
	seen := 0
	for {
		f.Limit = min(bulkPage, bulkMax-seen)
		cctx, cancel := context.WithTimeout(ctx, apiTimeout)
		p, err := h.in.Jobs(cctx, f)
		cancel()
		if err != nil {
			return false, err
		}
		for _, j := range p.Jobs {
			if err := fn(j); err != nil {
				return false, err
			}
		}
		seen += len(p.Jobs)
		if p.Next == "" {
			return false, nil
		}
		if seen >= bulkMax {
			return true, nil
		}
		f.After = p.Next
	}
}

type countView struct {
	Count int  `json:"count"`
	More  bool `json:"more"` // more than Count match: counting stopped at bulkMax
}

// count answers how many jobs a bulk action would take, for its
// confirmation.
func (h *Handler) count(w http.ResponseWriter, r *http.Request) {
	f, err := bulkFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "count: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), bulkTimeout)
	defer cancel()
	var c countView
	c.More, err = h.eachJob(ctx, f, func(*jobs.JobInfo) error { c.Count++; return nil })
	if err != nil {
		h.storeError(w, "count", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

type bulkResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Retried int    `json:"retried"`
	Failed  int    `json:"failed"` // jobs that could not be retried (running again, deleted, a unique key taken...)
	More    bool   `json:"more"`   // jobs past bulkMax were left: send the request again
}

// retryAll retries every job matching the filter (state dead, canceled
// or expired; optional queue and name), at most bulkMax per request, and
// reports how many were retried and how many could not be.
func (h *Handler) retryAll(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "retry all: the form does not parse: "+err.Error())
		return
	}
	f, err := bulkFilter(r.PostForm)
	if err != nil {
		writeError(w, http.StatusBadRequest, "retry all: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), bulkTimeout)
	defer cancel()
	var res bulkResult
	var firstErr error
	res.More, err = h.eachJob(ctx, f, func(j *jobs.JobInfo) error {
		rctx, rcancel := context.WithTimeout(ctx, apiTimeout)
		defer rcancel()
		if err := h.in.Retry(rctx, j.ID); err != nil {
			if ctx.Err() != nil {
				return err
			}
			res.Failed++
			if firstErr == nil {
				firstErr = err
			}
			return nil
		}
		res.Retried++
		return nil
	})
	if err != nil && res.Retried == 0 && res.Failed == 0 {
		h.storeError(w, "retry all", err)
		return
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "Retried %s%s.", plural(res.Retried, string(f.State)+" job"), describeFilter(f))
	if res.Failed > 0 {
		fmt.Fprintf(&msg, " %s could not be retried (%s).", plural(res.Failed, "job"), clipString(firstErr.Error(), 200).Text)
	}
	if err != nil {
		fmt.Fprintf(&msg, " Stopped early: %s; retry again for the rest.", clipString(err.Error(), 200).Text)
		res.More = true
	} else if res.More {
		fmt.Fprintf(&msg, " More than %d matched: retry again for the rest.", bulkMax)
	}
	res.OK, res.Message = true, msg.String()
	writeJSON(w, http.StatusOK, res)
}

// plural is "1 job" or "3 jobs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// describeFilter is " of NAME in queue Q", as far as the filter goes.
func describeFilter(f jobs.ListOptions) string {
	var b strings.Builder
	if f.Name != "" {
		b.WriteString(" of " + clipString(f.Name, nameLimit).Text)
	}
	if f.Queue != "" {
		b.WriteString(" in queue " + clipString(f.Queue, nameLimit).Text)
	}
	return b.String()
}
