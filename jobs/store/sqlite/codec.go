package sqlite

import (
	"database/sql"
	"math"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/jobrow"
)

// nanos stores a time as Unix nanoseconds, the zero time as 0. Integer
// columns keep comparisons and index order cheap and exact. Instants
// outside what int64 nanoseconds hold (years 1678 to 2262) are clamped to
// the nearest one it does, and the instant 1970-01-01T00:00:00Z itself
// reads back as the zero time.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// fromNanos is the inverse of nanos: 0 is the zero time, others are UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// rfc3339 formats a time the way encoding/json does, so the errors
// column, built in SQL, decodes into []store.AttemptError.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// nullText stores "" as NULL, keeping optional text columns out of the
// unique index and the file small.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBytes stores a nil slice as NULL.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanJobs appends every row of rows, read as a job, to jobs, and closes
// rows.
func scanJobs(rows *sql.Rows, jobs []*store.Job) ([]*store.Job, error) {
	defer rows.Close()
	return jobrow.All[int64, int64, string](rows, jobs, fromNanos)
}

// scanIDs appends the single text column of every row of rows to ids and
// closes rows.
func scanIDs(rows *sql.Rows, ids []string) ([]string, error) {
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// scanJob reads one row of jobColumns.
func scanJob(sc scanner) (*store.Job, error) {
	return jobrow.Scan[int64, int64, string](sc.Scan, fromNanos)
}
