package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Insert adds jobs in one statement, so atomically: all of them or, on
// error, none. A job whose ID exists already (in any state, or earlier in
// the batch) or whose UniqueKey is held by an unfinished job (stored, or
// earlier in the batch) is skipped and returned in dups, in input order,
// with the job it duplicates; concurrent inserts of the same ID or key,
// from any process, store one job. A batch with unique keys sends three
// statements in one round trip and one implicit transaction: the first
// takes keys from holders whose UniqueUntil is not after the new job's
// EnqueuedAt, the last reads the holders of the keys of jobs not
// inserted (a holder that finished in the instant between the two
// statements leaves Existing empty). A batch of at least copyMin (128)
// jobs without unique keys goes through COPY instead, in a transaction
// of its own that also sends the ready notifications (about three times
// the statement's rate for large batches); when an ID of it exists, it is
// inserted by the statement after all. A job with an empty State is
// stored as Queued; only Queued and Scheduled are accepted. The store
// keeps its own copy of every slice.
//
// Workers of the jobs' queues are woken by a NOTIFY sent when the insert
// commits. Called by [EnqueueTx], [MapTx] or [EnqueueGroupTx], the insert
// joins the caller's transaction: the jobs exist, and workers hear of
// them, only once it commits. Otherwise a connection lost before the server could commit is
// replaced and the insert repeated; one lost mid-commit is repeated too,
// and jobs the first attempt did store then come back in dups.
//
// ctx cancels the statement; a canceled Insert stores nothing and returns
// context.Cause(ctx).
func (s *core) Insert(ctx context.Context, jobs []*store.Job) (dups []store.Dup, err error) {
	if copyable(jobs) {
		for i, j := range jobs {
			if err := validateNew(i, j); err != nil {
				return nil, err
			}
		}
		if err := s.insertCopy(ctx, jobs); !errors.Is(err, errCopyConflict) {
			return nil, err
		}
	}
	// One job, the usual enqueue, binds plain values; a batch binds one
	// array per column.
	sql := s.q.insert
	var args []any
	if len(jobs) == 1 {
		sql = s.q.insertOne
		if err := validateNew(0, jobs[0]); err != nil {
			return nil, err
		}
		args, err = insertOneArgs(jobs[0])
	} else {
		args, err = insertArgs(jobs)
	}
	if err != nil {
		return nil, err
	}
	var uids, ukeys []string
	var uats []time.Time
	for _, j := range jobs {
		if j.UniqueKey != "" {
			uids, ukeys, uats = append(uids, j.ID), append(ukeys, j.UniqueKey), append(uats, j.EnqueuedAt)
		}
	}
	var inserted map[string]bool
	var held map[string]dupOf
	// Repeating after a connection loss is safe even when the first
	// attempt committed: every ID is then a duplicate.
	err = s.runEnqueue(ctx, "insert", retryRead, func(q querier) error {
		inserted = make(map[string]bool, len(jobs))
		if len(uids) == 0 {
			rows, err := q.Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			return scanInserted(rows, inserted)
		}
		b := &pgx.Batch{}
		b.Queue(s.q.yieldUnique, uids, ukeys, uats)
		b.Queue(sql, args...)
		b.Queue(s.q.dupsOf, uids, ukeys)
		res := q.SendBatch(ctx, b)
		defer res.Close()
		if _, err := res.Exec(); err != nil {
			return err
		}
		rows, err := res.Query()
		if err != nil {
			return err
		}
		if err := scanInserted(rows, inserted); err != nil {
			return err
		}
		if rows, err = res.Query(); err != nil {
			return err
		}
		held, err = scanDupsOf(rows)
		if err != nil {
			return err
		}
		return res.Close()
	})
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if inserted[j.ID] {
			delete(inserted, j.ID) // a second job with this ID is a duplicate
			continue
		}
		d := store.Dup{ID: j.ID, Existing: j.ID}
		if h, ok := held[j.ID]; ok && !h.stored {
			d.Existing = h.holder
		}
		dups = append(dups, d)
	}
	return dups, nil
}

// scanInserted reads the insert statements' rows (id, notifications
// sent) into inserted, and closes rows.
func scanInserted(rows pgx.Rows, inserted map[string]bool) error {
	defer rows.Close()
	var id string
	for rows.Next() {
		if err := rows.Scan(&id, nil); err != nil {
			return err
		}
		inserted[id] = true
	}
	return rows.Err()
}

// dupOf is a row of the dupsOf statement: whether the job's ID is stored,
// and the unfinished holder of its unique key.
type dupOf struct {
	stored bool
	holder string
}

// scanDupsOf reads the dupsOf statement's rows by job ID, and closes
// rows.
func scanDupsOf(rows pgx.Rows) (map[string]dupOf, error) {
	defer rows.Close()
	out := make(map[string]dupOf)
	var id string
	var d dupOf
	for rows.Next() {
		if err := rows.Scan(&id, &d.stored, &d.holder); err != nil {
			return nil, err
		}
		if _, seen := out[id]; !seen {
			out[id] = d
		}
	}
	return out, rows.Err()
}

// insertOneArgs encodes one job as the parameters of insertOne.
func insertOneArgs(j *store.Job) ([]any, error) {
	var errs pgtype.Text
	if len(j.Errors) > 0 {
		b, err := json.Marshal(j.Errors)
		if err != nil {
			return nil, fmt.Errorf("postgres: insert job %s: encode Errors: %w", j.ID, err)
		}
		errs = pgtype.Text{String: string(b), Valid: true}
	}
	return []any{j.ID, j.Name, j.Queue, int32(j.Priority), j.Args, string(stateOrQueued(j.State)), int32(j.Attempt), int32(j.MaxAttempts),
		j.RunAt, j.EnqueuedAt, nullText(j.LastError), errs, nullText(j.UniqueKey), j.Meta, ts(j.ExpiresAt), int64(j.Retention),
		uniqueUntil(j)}, nil
}

// insertArgs validates jobs and encodes them as the insert statement's
// column arrays.
func insertArgs(jobs []*store.Job) ([]any, error) {
	n := len(jobs)
	var (
		ids, names, queues, states = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		priorities, attempts, maxs = make([]int32, n), make([]int32, n), make([]int32, n)
		args, metas                = make([][]byte, n), make([][]byte, n)
		runAts, enqAts, expires    = make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
		uniqueUntils               = make([]pgtype.Timestamptz, n)
		lastErrs, errs, uniques    = make([]pgtype.Text, n), make([]pgtype.Text, n), make([]pgtype.Text, n)
		retentions                 = make([]int64, n)
	)
	for i, j := range jobs {
		if err := validateNew(i, j); err != nil {
			return nil, err
		}
		ids[i], names[i], queues[i], states[i] = j.ID, j.Name, j.Queue, string(stateOrQueued(j.State))
		priorities[i], attempts[i], maxs[i] = int32(j.Priority), int32(j.Attempt), int32(j.MaxAttempts)
		args[i], metas[i] = j.Args, j.Meta
		runAts[i] = pgtype.Timestamptz{Time: j.RunAt, Valid: true}
		enqAts[i] = pgtype.Timestamptz{Time: j.EnqueuedAt, Valid: true}
		expires[i], uniqueUntils[i] = ts(j.ExpiresAt), uniqueUntil(j)
		lastErrs[i], uniques[i] = nullText(j.LastError), nullText(j.UniqueKey)
		if len(j.Errors) > 0 {
			b, err := json.Marshal(j.Errors)
			if err != nil {
				return nil, fmt.Errorf("postgres: insert job %s: encode Errors: %w", j.ID, err)
			}
			errs[i] = pgtype.Text{String: string(b), Valid: true}
		}
		retentions[i] = int64(j.Retention)
	}
	return []any{ids, names, queues, priorities, args, states, attempts, maxs,
		runAts, enqAts, lastErrs, errs, uniques, metas, expires, retentions, uniqueUntils}, nil
}

// uniqueUntil is the unique_until of j: NULL without a key or a bound.
func uniqueUntil(j *store.Job) pgtype.Timestamptz {
	if j.UniqueKey == "" {
		return pgtype.Timestamptz{}
	}
	return ts(j.UniqueUntil)
}

func stateOrQueued(s store.State) store.State {
	if s == "" {
		return store.Queued
	}
	return s
}

// validateNew rejects jobs no store could run, naming the job and field.
func validateNew(i int, j *store.Job) error { return storecheck.NewJob("postgres", i, j) }
