package dash

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

type revocationView struct {
	Name   string     `json:"name"`
	Reason text       `json:"reason"`
	Once   bool       `json:"once"`
	Until  *time.Time `json:"until,omitempty"` // absent: until restored
}

type revocationsPage struct {
	Revocations []revocationView `json:"revocations"`
}

// jobNamePattern is the rule jobs.Define applies to names.
var jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

// revocations lists the revocations by name in force.
func (h *Handler) revocations(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := apiCtx(r)
	defer cancel()
	rs, err := h.in.Revocations(ctx)
	if err != nil {
		h.storeError(w, "revocations", err)
		return
	}
	out := revocationsPage{Revocations: make([]revocationView, 0, len(rs))}
	for _, rv := range rs {
		out.Revocations = append(out.Revocations, revocationView{
			Name: clipString(rv.Name, nameLimit).Text, Reason: clipString(rv.Reason, previewLimit), Once: rv.Once, Until: timePtr(rv.Until),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// revokeAll revokes every job of a definition name that workers claim
// from now on, until restored (the page offers no end time; the spindle
// command does).
func (h *Handler) revokeAll(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	if !jobNamePattern.MatchString(name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("revoke all: %q is not a job name", name))
		return
	}
	reason := r.PostFormValue("reason")
	if reason == "" {
		reason = "revoked from the dashboard"
	}
	ctx, cancel := apiCtx(r)
	defer cancel()
	if err := h.in.RevokeAll(ctx, name, jobs.RevokeAllOptions{Reason: reason}); err != nil {
		h.storeError(w, "revoke all", err)
		return
	}
	done(w, "Jobs of "+name+" will be canceled instead of run until restored.")
}

// restoreAll ends the revocation of a name (in the form: names may hold
// slashes).
func (h *Handler) restoreAll(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	if !jobNamePattern.MatchString(name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("restore: %q is not a job name", name))
		return
	}
	ctx, cancel := apiCtx(r)
	defer cancel()
	ok, err := h.in.RestoreAll(ctx, name)
	if err != nil {
		h.storeError(w, "restore", err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, name+" is not revoked")
		return
	}
	done(w, "Jobs of "+name+" run again.")
}
