package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// insertChunk is how many fresh jobs one INSERT statement carries. The
// driver matches each bound parameter to its argument by a linear search,
// so a statement's binding cost grows with the square of its parameters:
// past about a hundred, that outweighs the cost of stepping another
// statement (measured: 8 rows of 10 or 12 parameters beat 16).
const insertChunk = 8

// Insert adds jobs in one transaction: all of them or, on error, none. A
// job whose ID is already stored (in any state), or whose UniqueKey is
// held by an unfinished job (one already stored, or an earlier one in the
// same batch), is skipped and returned in dups with the job it
// duplicates, read in the same transaction; so is a repeat of an ID
// earlier in the batch. A holder whose UniqueUntil is not after the new
// job's EnqueuedAt yields the key to it in that transaction. A job with
// an empty State is stored as Queued; only Queued and Scheduled are
// accepted. The store keeps its own copy of every slice.
//
// Each call is one committed transaction, so batching many jobs into one
// call is far cheaper per job than calling once per job. ctx cancels the
// wait for the write lock and the statements; a canceled Insert inserts
// nothing and returns context.Cause(ctx).
func (s *core) Insert(ctx context.Context, jobs []*store.Job) (dups []store.Dup, err error) {
	// Validate and encode outside the transaction so the write lock is
	// held only for the statements themselves. Fresh jobs (the usual
	// enqueue) go in multi-row statements: those without Meta or an
	// ExpiresAt in the leanest (see insertLeanSQL), the others without an
	// ExpiresAt or a Retention in narrower ones than the rest; jobs
	// carrying a unique key or other state go one by one through the full
	// statement.
	var nnarrow, nwide, nlean int
	for i, j := range jobs {
		if err := validateNew(i, j); err != nil {
			return nil, err
		}
		if isFresh(j) {
			if isLean(j) {
				nlean++
			} else if isWide(j) {
				nwide++
			} else {
				nnarrow++
			}
		}
	}
	narrow := make([]any, 0, nnarrow*freshShape{}.params())
	wide := make([]any, 0, nwide*freshShape{wide: true}.params())
	var full []*store.Job
	var fullErrs []any
	var leans leanBatch
	lean, rest := jobs, jobs[:0] // usually all of them are lean
	if nlean < len(jobs) {
		rest = jobs
		lean = make([]*store.Job, 0, nlean)
		for _, j := range jobs {
			if isFresh(j) && isLean(j) {
				lean = append(lean, j)
			}
		}
	}
	leans.add(lean)
	for _, j := range rest {
		if isFresh(j) {
			if isLean(j) {
				continue
			}
			if isWide(j) {
				wide = appendFresh(wide, j, true)
			} else {
				narrow = appendFresh(narrow, j, false)
			}
			continue
		}
		errs, err := encodeErrors(j)
		if err != nil {
			return nil, err
		}
		full, fullErrs = append(full, j), append(fullErrs, errs)
	}
	err = s.writeTx(ctx, func(ctx context.Context) error {
		dups = dups[:0]
		for i, j := range full {
			if err := s.insertFull(ctx, j, fullErrs[i], &dups); err != nil {
				return err
			}
		}
		if err := s.insertLean(ctx, &leans); err != nil {
			return err
		}
		if err := s.insertFresh(ctx, narrow, false); err != nil {
			return err
		}
		return s.insertFresh(ctx, wide, true)
	})
	if errors.Is(err, errFreshDup) {
		// Rare: an ID of the batch exists. Redo it row by row, which
		// tells the duplicates apart.
		err = s.writeTx(ctx, func(ctx context.Context) error {
			dups = dups[:0]
			for i, j := range full {
				if err := s.insertFull(ctx, j, fullErrs[i], &dups); err != nil {
					return err
				}
			}
			for _, j := range jobs {
				if isFresh(j) {
					if err := s.insertFull(ctx, j, nil, &dups); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, s.writeErr(ctx, "insert", err)
	}
	s.notify.readyJobs(jobs, store.DupIDs(dups))
	if len(dups) == 0 {
		dups = nil
	}
	return dups, nil
}

// insertFresh inserts the fresh jobs whose values args holds, in
// statements of up to insertChunk rows. It fails with errFreshDup when an
// ID exists.
func (s *core) insertFresh(ctx context.Context, args []any, wide bool) error {
	p := freshShape{wide: wide}.params()
	for len(args) > 0 {
		f := freshShape{rows: min(len(args)/p, insertChunk), wide: wide}
		st, err := s.ws.insertFreshStmt(ctx, s.wconn, f)
		if err != nil {
			return err
		}
		added, err := execCount(ctx, st, args[:f.rows*p]...)
		if err != nil {
			return insertErr(err, fmt.Sprintf("jobs %v..%v", args[0], args[(f.rows-1)*p]))
		}
		if added < int64(f.rows) {
			return errFreshDup
		}
		args = args[f.rows*p:]
	}
	return nil
}

// errFreshDup aborts the fast path of Insert: a multi-row statement met an
// existing ID.
var errFreshDup = errors.New("sqlite: insert: an ID of the batch exists")

// insertFull inserts one job through the full statement, appending it to
// dups, with the job it duplicates, when it was skipped. A job with a
// unique key first takes the key from a holder whose time is up.
func (s *core) insertFull(ctx context.Context, j *store.Job, errs any, dups *[]store.Dup) error {
	if j.UniqueKey != "" {
		if _, err := s.ws.yieldUnique.ExecContext(ctx, j.UniqueKey, nanos(j.EnqueuedAt)); err != nil {
			return insertErr(err, "job "+j.ID)
		}
	}
	n, err := execCount(ctx, s.ws.insert,
		j.ID, j.Name, j.Queue, j.Priority, nullBytes(j.Args), string(stateOrQueued(j.State)), j.Attempt, j.MaxAttempts,
		nanos(j.RunAt), nanos(j.EnqueuedAt), nanos(j.StartedAt), nanos(j.FinishedAt), nullText(j.LeaseOwner), nanos(j.LeaseUntil),
		nullBytes(j.Result), nullText(j.LastError), errs, nanos(j.RetainUntil), nullText(j.UniqueKey), nullBytes(j.Meta),
		nanos(j.ExpiresAt), int64(j.Retention), nullText(j.Revoke), nanos(j.UniqueUntil))
	if err != nil {
		return insertErr(err, "job "+j.ID)
	}
	if n == 0 {
		d := store.Dup{ID: j.ID}
		if err := s.ws.dupOf.QueryRowContext(ctx, j.ID, j.UniqueKey).Scan(&d.Existing); err != nil {
			return insertErr(err, "job "+j.ID)
		}
		*dups = append(*dups, d)
	}
	return nil
}

// appendFresh appends the values of freshColumns, and of wideColumns when
// wide, for j to args.
func appendFresh(args []any, j *store.Job, wide bool) []any {
	args = append(args, j.ID, j.Name, j.Queue, j.Priority, nullBytes(j.Args), string(stateOrQueued(j.State)),
		j.MaxAttempts, nanos(j.RunAt), nanos(j.EnqueuedAt), nullBytes(j.Meta))
	if wide {
		args = append(args, nanos(j.ExpiresAt), int64(j.Retention))
	}
	return args
}

// isWide reports whether a fresh job needs wideColumns.
func isWide(j *store.Job) bool { return !j.ExpiresAt.IsZero() || j.Retention != 0 }

// encodeErrors encodes j.Errors for the errors column: NULL when empty.
func encodeErrors(j *store.Job) (any, error) {
	if len(j.Errors) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(j.Errors)
	if err != nil {
		return nil, fmt.Errorf("sqlite: insert job %s: encode Errors: %w", j.ID, err)
	}
	return string(b), nil
}

func insertErr(err error, what string) error {
	return fmt.Errorf("%s: %w", what, err)
}

func stateOrQueued(s store.State) store.State {
	if s == "" {
		return store.Queued
	}
	return s
}

// isFresh reports whether j sets nothing but the columns of a new job, so
// it can go through the multi-row statement.
func isFresh(j *store.Job) bool {
	return j.UniqueKey == "" && j.UniqueUntil.IsZero() && j.Attempt == 0 && j.StartedAt.IsZero() && j.FinishedAt.IsZero() &&
		j.LeaseOwner == "" && j.LeaseUntil.IsZero() && j.Result == nil && j.LastError == "" &&
		len(j.Errors) == 0 && j.RetainUntil.IsZero() && j.Revoke == ""
}

// validateNew rejects jobs no store could run, naming the job and field.
func validateNew(i int, j *store.Job) error { return storecheck.NewJob("sqlite", i, j) }
