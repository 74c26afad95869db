package postgres

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/jobrow"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// ts stores a time as timestamptz, the zero time as NULL. PostgreSQL
// keeps microseconds; the suite's times are whole milliseconds.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// fromTS is the inverse of ts: NULL is the zero time, others are UTC.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// jsonTime formats a time the way encoding/json does, so the errors
// column, built in SQL, decodes into []store.AttemptError.
func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// nullText stores "" as NULL, keeping optional text columns out of the
// partial indexes.
func nullText(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

// scanJob reads one row of jobColumns.
func scanJob(row pgx.Row) (*store.Job, error) {
	return jobrow.Scan[int32, pgtype.Timestamptz, []byte](row.Scan, fromTS)
}

// scanJobs appends every row of rows, read as a job, to jobs, and closes
// rows.
func scanJobs(rows pgx.Rows, jobs []*store.Job) ([]*store.Job, error) {
	defer rows.Close()
	return jobrow.All[int32, pgtype.Timestamptz, []byte](rows, jobs, fromTS)
}

// scanStrings reads the text first column of rows, ignoring any other
// (the notifications a statement sent), and closes rows.
func scanStrings(rows pgx.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	var dest []any
	var s string
	for rows.Next() {
		if dest == nil { // the columns are known once a row arrived
			dest = make([]any, max(1, len(rows.FieldDescriptions())))
			dest[0] = &s
		}
		if err := rows.Scan(dest...); err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// jobDoc is a job as jobJSON writes it, in a 'j' notification.
type jobDoc struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Queue       string          `json:"queue"`
	Priority    int             `json:"priority"`
	Args        []byte          `json:"args"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	EnqueuedAt  time.Time       `json:"enqueued_at"`
	StartedAt   time.Time       `json:"started_at"`
	FinishedAt  time.Time       `json:"finished_at"`
	LeaseOwner  string          `json:"lease_owner"`
	LeaseUntil  time.Time       `json:"lease_until"`
	Result      []byte          `json:"result"`
	LastError   string          `json:"last_error"`
	Errors      json.RawMessage `json:"errors"`
	RetainUntil time.Time       `json:"retain_until"`
	UniqueKey   string          `json:"unique_key"`
	Meta        []byte          `json:"meta"`
	ExpiresAt   time.Time       `json:"expires_at"`
	Retention   int64           `json:"retention_ns"`
	Revoke      string          `json:"revoke"`
	UniqueUntil time.Time       `json:"unique_until"`
}

// job returns the job as scanJob would have read it from the row.
func (d *jobDoc) job() (*store.Job, error) {
	j := &store.Job{
		ID: d.ID, Name: d.Name, Queue: d.Queue, Priority: d.Priority, Args: d.Args,
		State: store.State(d.State), Attempt: d.Attempt, MaxAttempts: d.MaxAttempts,
		RunAt: utc(d.RunAt), EnqueuedAt: utc(d.EnqueuedAt), StartedAt: utc(d.StartedAt), FinishedAt: utc(d.FinishedAt),
		LeaseOwner: d.LeaseOwner, LeaseUntil: utc(d.LeaseUntil), Result: d.Result, LastError: d.LastError,
		RetainUntil: utc(d.RetainUntil), UniqueKey: d.UniqueKey, Meta: d.Meta,
		ExpiresAt: utc(d.ExpiresAt), Retention: time.Duration(d.Retention), Revoke: d.Revoke,
		UniqueUntil: utc(d.UniqueUntil),
	}
	var err error
	if j.Errors, err = storecheck.ErrorHistory(j.ID, d.Errors); err != nil {
		return nil, err
	}
	return j, nil
}

// utc is fromTS for a decoded time: the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// finalPayloads cuts ids into 'f' notification payloads (see queries.go)
// of at most about 6000 bytes of JSON each, and adds 'a' when an ID is too
// long to send.
func finalPayloads(ids []string) []string {
	var out []string
	var chunk []string
	size, long := 0, false
	flush := func() {
		if len(chunk) > 0 {
			b, _ := json.Marshal(chunk)
			out = append(out, "f"+string(b))
			chunk, size = chunk[:0], 0
		}
	}
	for _, id := range ids {
		b, _ := json.Marshal(id) // escaping can make it up to six times longer
		if len(b) > maxNotifiedIDLen {
			long = true
			continue
		}
		if size+len(b)+1 > 6000 {
			flush()
		}
		chunk = append(chunk, id)
		size += len(b) + 1
	}
	flush()
	if long {
		out = append(out, "a")
	}
	return out
}
