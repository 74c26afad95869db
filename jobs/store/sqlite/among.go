package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/spindlehq/spindle/jobs/store"
)

// sqlFinalOrGone lists, of a JSON array of IDs, those of final jobs and of
// missing ones (gone is 1). It reads the state through the primary key
// only, so checking thousands of waiting jobs reads no job's payload.
const sqlFinalOrGone = `SELECT w.value, jobs.id IS NULL FROM json_each(?) AS w
	LEFT JOIN jobs ON jobs.id = w.value
	WHERE jobs.id IS NULL OR jobs.state IN ` + finalStates

// sqlFinalJobs reads the final jobs of a JSON array of IDs whole.
const sqlFinalJobs = `SELECT ` + jobColumns + ` FROM jobs
	WHERE id IN (SELECT value FROM json_each(?)) AND state IN ` + finalStates

// FinishedAmong does the work of [store.Among.FinishedAmong]. It reads
// from the read pool: one query while none of the jobs is final, a second
// that reads the final ones whole otherwise. A job found final and then
// deleted before the second query is reported missing, as it is by then.
// ctx cancels the queries.
func (s *core) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	var (
		final   []*store.Job
		missing []string
	)
	err := s.retryBusy(ctx, func() (err error) {
		final, missing, err = s.finishedAmong(ctx, ids)
		return err
	})
	if err != nil {
		return nil, nil, s.readErr(ctx, "finished among", err)
	}
	return final, missing, nil
}

func (s *core) finishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	done, missing, err := finalOrGone(ctx, s.rdb, jsonIDs(ids))
	if err != nil || len(done) == 0 {
		return nil, missing, err
	}
	rows, err := s.rdb.QueryContext(ctx, sqlFinalJobs, jsonIDs(done))
	if err != nil {
		return nil, nil, err
	}
	final, err := scanJobs(rows, nil)
	if err != nil {
		return nil, nil, err
	}
	read := make(map[string]bool, len(final))
	for _, j := range final {
		read[j.ID] = true
	}
	for _, id := range done {
		if !read[id] {
			missing = append(missing, id)
		}
	}
	return final, missing, nil
}

// jsonIDs is the JSON array of ids, for json_each.
func jsonIDs(ids []string) string {
	b, _ := json.Marshal(ids) // strings always encode
	return string(b)
}

// querier runs a query on a pool or one connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// finalOrGone runs sqlFinalOrGone over the JSON array ids: the IDs of
// final jobs, and of missing ones, each once.
func finalOrGone(ctx context.Context, q querier, ids string) (final, gone []string, err error) {
	rows, err := q.QueryContext(ctx, sqlFinalOrGone, ids)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var (
			id      string
			missing bool
		)
		if err := rows.Scan(&id, &missing); err != nil {
			return nil, nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if missing {
			gone = append(gone, id)
		} else {
			final = append(final, id)
		}
	}
	return final, gone, rows.Err()
}
