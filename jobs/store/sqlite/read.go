package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// execCount runs a prepared write and reports how many rows it changed.
func execCount(ctx context.Context, st *sql.Stmt, args ...any) (int64, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Get returns the job with that ID, or an error wrapping store.ErrNotFound.
// It reads from the read pool, never waiting for writers, and sees every
// transaction committed before it started. ctx cancels the query.
func (s *core) Get(ctx context.Context, id string) (*store.Job, error) {
	var j *store.Job
	err := s.retryBusy(ctx, func() (err error) {
		j, err = scanJob(s.rs.get.QueryRowContext(ctx, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.readErr(ctx, "get "+id, err)
	}
	return j, nil
}

// List returns one page of jobs matching req, in ID order (descending
// with req.Desc), between req.After and req.Before. It reads from the read pool; ctx cancels the query.
func (s *core) List(ctx context.Context, req store.ListRequest) ([]*store.Job, error) {
	limit := req.Limit
	var where []string
	var args []any
	if req.After != "" {
		where, args = append(where, "id > ?"), append(args, req.After)
	}
	if req.Before != "" {
		where, args = append(where, "id < ?"), append(args, req.Before)
	}
	if req.Queue != "" {
		where, args = append(where, "queue = ?"), append(args, req.Queue)
	}
	if req.State != "" {
		where, args = append(where, "state = ?"), append(args, string(req.State))
	}
	if req.Name != "" {
		where, args = append(where, "name = ?"), append(args, req.Name)
	}
	q := "SELECT " + jobColumns + " FROM jobs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if req.Desc {
		q += " ORDER BY id DESC LIMIT ?"
	} else {
		q += " ORDER BY id LIMIT ?"
	}
	args = append(args, limit)
	var jobs []*store.Job
	err := s.retryBusy(ctx, func() error {
		jobs = jobs[:0]
		rows, err := s.rdb.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		jobs, err = scanJobs(rows, jobs)
		return err
	})
	if err != nil {
		return nil, s.readErr(ctx, "list", err)
	}
	return jobs, nil
}
