package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
)

// copyMin is the smallest batch Insert sends through COPY. COPY parses
// rows far more cheaply than a statement unnesting one array per column,
// but costs round trips of its own (begin, copy, notify, commit), so it
// pays only for batches this large.
var copyMin = 128

// copyable reports whether jobs may go through insertCopy: enough of
// them, and none that the conflict rules of ON CONFLICT DO NOTHING could
// skip but an existing ID (a unique key, or error history from a
// caller's own job).
func copyable(jobs []*store.Job) bool {
	if len(jobs) < copyMin {
		return false
	}
	for _, j := range jobs {
		if j.UniqueKey != "" || len(j.Errors) > 0 {
			return false
		}
	}
	return true
}

// errCopyConflict ends insertCopy when an ID of the batch exists: the
// batch is then inserted by the statement, which tells duplicates apart.
var errCopyConflict = errors.New("postgres: insert: an ID of the batch exists")

// copyColumns are the columns insertCopy writes, in insertColumns' order
// without those no copyable job sets; copyRows encodes them.
const copyColumns = "id, name, queue, priority, args, state, attempt, max_attempts, " +
	"run_at, enqueued_at, meta, expires_at, retention_ns"

// copySQL is insertCopy's statement: copyRows' rows into the schema's
// jobs table.
func (s *core) copySQL() string {
	return "COPY " + pgx.Identifier{s.schema, "jobs"}.Sanitize() + " (" + copyColumns + ") FROM STDIN (FORMAT binary)"
}

// insertCopy inserts jobs with COPY in a transaction of its own (a
// subtransaction of the caller's under EnqueueTx) that also sends the
// queues' ready notifications, so that workers hear of the jobs when they
// commit. It returns errCopyConflict, having stored nothing, when an ID
// exists.
func (s *core) insertCopy(ctx context.Context, jobs []*store.Job) error {
	var queues []string
	for _, j := range jobs {
		if !slices.Contains(queues, j.Queue) {
			queues = append(queues, j.Queue)
		}
	}
	return s.runEnqueue(ctx, "insert", retryRead, func(q querier) error {
		b, ok := q.(interface {
			Begin(context.Context) (pgx.Tx, error)
		})
		if !ok {
			return errors.New("postgres: insert: cannot begin a transaction")
		}
		tx, err := b.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		_, err = tx.Conn().PgConn().CopyFrom(ctx, &copyRows{jobs: jobs}, s.copySQL())
		if pgCode(err) == codeUniqueViolation {
			return errCopyConflict
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.q.notifyReady, queues); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
