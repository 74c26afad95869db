package dash

import (
	"regexp"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// The JSON the page reads. Every string that comes from job data passes
// through clip, so it is valid UTF-8, bounded and free of control
// characters; the page then puts it in the DOM as text only.

type queueView struct {
	Name   string         `json:"name"`
	Paused bool           `json:"paused"`
	Counts map[string]int `json:"counts"`
}

func queueViews(qs []jobs.QueueInfo) []queueView {
	out := make([]queueView, 0, len(qs))
	for _, q := range qs {
		v := queueView{Name: clipString(q.Name, nameLimit).Text, Paused: q.Paused, Counts: make(map[string]int, len(store.States))}
		for _, s := range store.States {
			v.Counts[string(s)] = q.Counts[s]
		}
		out = append(out, v)
	}
	return out
}

type jobRow struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"maxAttempts"`
	EnqueuedAt  *time.Time `json:"enqueuedAt,omitempty"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty"`
	Args        text       `json:"args"`
	LastError   *text      `json:"lastError,omitempty"`
}

func rowOf(j *jobs.JobInfo) jobRow {
	r := jobRow{
		ID: clipString(j.ID, nameLimit).Text, Name: clipString(j.Name, nameLimit).Text,
		Queue: clipString(j.Queue, nameLimit).Text, State: clipString(string(j.State), nameLimit).Text,
		Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		EnqueuedAt: timePtr(j.EnqueuedAt), FinishedAt: timePtr(j.FinishedAt),
		Args: clipJSON(j.Args, previewLimit, false),
	}
	if j.LastError != "" {
		t := clipString(j.LastError, previewLimit)
		r.LastError = &t
	}
	return r
}

type attemptView struct {
	Attempt int        `json:"attempt"`
	At      *time.Time `json:"at,omitempty"`
	Error   text       `json:"error"`
}

type relative struct {
	Role string `json:"role"`
	ID   string `json:"id"`
}

type jobDetail struct {
	jobRow
	Priority    int           `json:"priority"`
	RunAt       *time.Time    `json:"runAt,omitempty"`
	StartedAt   *time.Time    `json:"startedAt,omitempty"`
	Worker      string        `json:"worker,omitempty"`
	Lock        string        `json:"lock,omitempty"`
	RetainUntil *time.Time    `json:"retainUntil,omitempty"`
	UniqueKey   string        `json:"uniqueKey,omitempty"`
	Result      *text         `json:"result,omitempty"`
	Attempts    []attemptView `json:"attempts"`
	Relatives   []relative    `json:"relatives"`
	CanRevoke   bool          `json:"canRevoke"`
	WaitingFor  string        `json:"waitingFor,omitempty"`
}

func detailOf(j *jobs.JobInfo, canRevoke bool) jobDetail {
	d := jobDetail{
		jobRow:   rowOf(j),
		Priority: j.Priority, RunAt: timePtr(j.RunAt), StartedAt: timePtr(j.StartedAt),
		Worker: clipString(j.Worker, nameLimit).Text, Lock: clipString(j.Lock, nameLimit).Text,
		RetainUntil: timePtr(j.RetainUntil), UniqueKey: clipString(j.UniqueKey, nameLimit).Text,
		Attempts: make([]attemptView, 0, len(j.Errors)), Relatives: relatives(j),
		CanRevoke: canRevoke && !j.State.Final(), WaitingFor: clipString(j.WaitingFor, detailLimit).Text,
	}
	d.Args = clipJSON(j.Args, detailLimit, true)
	if j.LastError != "" {
		t := clipString(j.LastError, detailLimit)
		d.LastError = &t
	}
	if len(j.Result) > 0 {
		t := clipJSON(j.Result, detailLimit, true)
		d.Result = &t
	}
	// Newest attempt first, and at most 100: a job retried a thousand
	// times is read from the top.
	for i := len(j.Errors) - 1; i >= 0 && len(d.Attempts) < 100; i-- {
		e := j.Errors[i]
		d.Attempts = append(d.Attempts, attemptView{Attempt: e.Attempt, At: timePtr(e.At), Error: clipString(e.Error, detailLimit)})
	}
	return d
}

// jobIDPattern is the shape of IDs package jobs makes (ULIDs).
var jobIDPattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// relatives lists the workflow steps a job waits for and the ones it
// wakes, as the job's typed workflow links give them, at most 100.
func relatives(j *jobs.JobInfo) []relative {
	out := []relative{}
	for _, l := range []struct {
		role string
		ids  []string
	}{{"depends on", j.DependsOn}, {"next", j.Next}} {
		for _, id := range l.ids {
			if len(out) < 100 && jobIDPattern.MatchString(id) {
				out = append(out, relative{Role: l.role, ID: id})
			}
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
