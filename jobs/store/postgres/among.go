package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
)

// sqlAmong lists, of an array of IDs, the final jobs as JSON documents
// (jobJSON, as 'j' notifications carry them) and the missing IDs with a
// NULL document, in one statement: jobs that exist and are not final cost
// an index probe each and send nothing back.
const sqlAmong = `SELECT DISTINCT ON (w.id) w.id, CASE WHEN j.id IS NOT NULL THEN ` + jobJSON + ` END
	FROM unnest($1::text[]) AS w(id)
	LEFT JOIN {s}.jobs j ON j.id = w.id
	WHERE j.id IS NULL OR j.state IN ` + finalStates

// FinishedAmong does store.Among's work in one statement, so one round
// trip and one transaction however many IDs it checks. ctx cancels it.
func (s *core) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	q := strings.ReplaceAll(sqlAmong, "{s}.", quoteIdent(s.schema)+".")
	var (
		final   []*store.Job
		missing []string
	)
	err := s.run(ctx, "finished among", retryRead, func(qr querier) error {
		rows, err := qr.Query(ctx, q, ids)
		if err != nil {
			return err
		}
		final, missing, err = scanAmong(rows)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return final, missing, nil
}

// scanAmong reads the rows of sqlAmong and closes them.
func scanAmong(rows pgx.Rows) (final []*store.Job, missing []string, err error) {
	defer rows.Close()
	for rows.Next() {
		var (
			id  string
			doc *string
		)
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, nil, err
		}
		if doc == nil {
			missing = append(missing, id)
			continue
		}
		var d jobDoc
		if err := json.Unmarshal([]byte(*doc), &d); err != nil {
			return nil, nil, fmt.Errorf("job %s: %w", id, err)
		}
		j, err := d.job()
		if err != nil {
			return nil, nil, fmt.Errorf("job %s: %w", id, err)
		}
		final = append(final, j)
	}
	return final, missing, rows.Err()
}
