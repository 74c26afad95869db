package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// The JSON shapes below are the --json output. Their field names are a
// stable interface for scripts (documented in docs/cli.md): add fields,
// never rename or remove them. Every field is always present; absent
// times and results are null.

// jobJSON is one job.
type jobJSON struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Queue       string             `json:"queue"`
	State       store.State        `json:"state"`
	Priority    int                `json:"priority"`
	Attempt     int                `json:"attempt"`
	MaxAttempts int                `json:"max_attempts"`
	Args        json.RawMessage    `json:"args"`
	Result      json.RawMessage    `json:"result"`
	LastError   string             `json:"last_error"`
	Errors      []attemptErrorJSON `json:"errors"`
	EnqueuedAt  *time.Time         `json:"enqueued_at"`
	RunAt       *time.Time         `json:"run_at"`
	StartedAt   *time.Time         `json:"started_at"`
	FinishedAt  *time.Time         `json:"finished_at"`
	Worker      string             `json:"worker"`
	RetainUntil *time.Time         `json:"retain_until"`
	UniqueKey   string             `json:"unique_key"`
	WaitingFor  string             `json:"waiting_for"`
}

type attemptErrorJSON struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// rawOrNull keeps valid JSON as it is and null for nothing; anything else
// (a store bug) becomes a JSON string so the output stays parseable.
func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if !json.Valid(b) {
		s, _ := json.Marshal(string(b))
		return s
	}
	return json.RawMessage(b)
}

func toJobJSON(j *jobs.JobInfo) jobJSON {
	errs := make([]attemptErrorJSON, len(j.Errors))
	for i, e := range j.Errors {
		errs[i] = attemptErrorJSON{Attempt: e.Attempt, At: e.At.UTC(), Error: e.Error}
	}
	return jobJSON{
		ID: j.ID, Name: j.Name, Queue: j.Queue, State: j.State, Priority: j.Priority,
		Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		Args: rawOrNull(j.Args), Result: rawOrNull(j.Result),
		LastError: j.LastError, Errors: errs,
		EnqueuedAt: timePtr(j.EnqueuedAt), RunAt: timePtr(j.RunAt), StartedAt: timePtr(j.StartedAt),
		FinishedAt: timePtr(j.FinishedAt), Worker: j.Worker,
		RetainUntil: timePtr(j.RetainUntil), UniqueKey: j.UniqueKey, WaitingFor: j.WaitingFor,
	}
}

// countsJSON has every state, zero included, so scripts need no defaults.
func countsJSON(m map[store.State]int) (map[string]int, int) {
	out := make(map[string]int, len(store.States))
	total := 0
	for _, s := range store.States {
		out[string(s)] = m[s]
		total += m[s]
	}
	return out, total
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

func (t *table) flush() error { return t.tw.Flush() }

// ago says how long before now t was, or "-" for no time.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + roundDur(-d)
	}
	return roundDur(d) + " ago"
}

func roundDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < 48*time.Hour:
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// clipText shortens s to one line of at most n runes.
func clipText(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}
