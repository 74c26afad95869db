package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// jobColumns is the select list every Job is scanned from (see scanJob).
// Nullable text comes back as "" so scanning needs no sql.Null wrappers.
const jobColumns = `id, name, queue, priority, args, state, attempt, max_attempts,
	run_at, enqueued_at, started_at, finished_at, coalesce(lease_owner, ''), lease_until,
	result, coalesce(last_error, ''), coalesce(errors, ''), retain_until, coalesce(unique_key, ''), meta,
	expires_at, retention, coalesce(revoke, ''), unique_until`

// finalStates is the SQL list of store.State.Final states.
const finalStates = `('succeeded', 'dead', 'canceled', 'expired')`

const (
	// sqlInsert skips a job whose ID exists or whose unique key an
	// unfinished job holds: DO NOTHING without a target covers the
	// primary key and the jobs_unique index alike.
	sqlInsert = `INSERT INTO jobs (id, name, queue, priority, args, state, attempt, max_attempts,
		run_at, enqueued_at, started_at, finished_at, lease_owner, lease_until,
		result, last_error, errors, retain_until, unique_key, meta, expires_at, retention, revoke, unique_until)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT DO NOTHING`

	// sqlYieldUnique takes unique key ?1 from the unfinished job holding
	// it when that job's unique_until is set and not after ?2, the
	// enqueue time of the job about to be inserted with the key. The
	// WHERE repeats jobs_unique's so that the index finds the holder.
	sqlYieldUnique = `UPDATE jobs SET unique_key = NULL, unique_until = 0
	WHERE unique_key = ?1 AND state IN ('scheduled', 'queued', 'running')
		AND unique_until > 0 AND unique_until <= ?2`

	// sqlDupOf names the job that job ?1, with unique key ?2, was not
	// inserted for: itself when its ID is stored, else the unfinished
	// holder of its key.
	sqlDupOf = `SELECT coalesce((SELECT id FROM jobs WHERE id = ?1),
		(SELECT id FROM jobs WHERE unique_key = ?2 AND state IN ('scheduled', 'queued', 'running')), '')`

	// freshColumns are the columns a new job sets; the rest start at
	// their defaults. Jobs with an ExpiresAt or a Retention also set
	// wideColumns. See insertFreshSQL.
	freshColumns = `id, name, queue, priority, args, state, max_attempts, run_at, enqueued_at, meta`
	wideColumns  = `, expires_at, retention`

	// sqlFinishOK and sqlFinishFail apply one Outcome; zero rows changed
	// means the caller lost the lease. Hot statements use plain ?
	// placeholders: the driver matches numbered ones (?1) to arguments by
	// formatting and comparing names, a cost paid per parameter per call.
	sqlFinishOK = `UPDATE jobs SET state = 'succeeded', result = ?, finished_at = ?, retain_until = ?,
		lease_owner = NULL, lease_until = 0
	WHERE id = ? AND state = 'running' AND lease_owner = ?`

	// sqlFinishFail: state, last_error, at, error, run_at (NULL keeps it),
	// finished_at, retain_until, id, owner.
	sqlFinishFail = `UPDATE jobs SET state = ?,
		last_error = ?,
		errors = json_insert(coalesce(errors, '[]'), '$[#]', json_object('attempt', attempt, 'at', ?, 'error', ?)),
		run_at = coalesce(?, run_at),
		finished_at = ?,
		retain_until = ?,
		lease_owner = NULL, lease_until = 0
	WHERE id = ? AND state = 'running' AND lease_owner = ?`

	// sqlGiveBack returns a claimed job untouched (graceful shutdown, a
	// lock not available): the attempt does not count and nothing joins
	// the error history. Parameters: state ('queued', or 'scheduled' to
	// defer), run_at (NULL keeps it), id, owner.
	sqlGiveBack = `UPDATE jobs SET state = ?, run_at = coalesce(?, run_at), attempt = max(attempt - 1, 0),
		lease_owner = NULL, lease_until = 0
	WHERE id = ? AND state = 'running' AND lease_owner = ?`

	sqlExtend = `UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'running' AND lease_owner = ?`

	sqlRecover = `UPDATE jobs SET
		state = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'dead' END,
		last_error = 'lease held by ' || coalesce(lease_owner, '?') || ' expired (the worker stopped or lost contact)',
		errors = json_insert(coalesce(errors, '[]'), '$[#]', json_object('attempt', attempt, 'at', ?2,
			'error', 'lease held by ' || coalesce(lease_owner, '?') || ' expired (the worker stopped or lost contact)')),
		finished_at = CASE WHEN attempt < max_attempts THEN 0 ELSE ?1 END,
		retain_until = CASE WHEN attempt < max_attempts THEN retain_until ELSE ` + retainAt + ` END,
		lease_owner = NULL, lease_until = 0
	WHERE state = 'running' AND lease_until < ?1
	RETURNING id, name, queue, attempt, state, last_error`

	// sqlExpire moves waiting jobs whose deadline passed before ?1 to
	// Expired: two range scans of the jobs_expires index, whose WHERE is
	// repeated verbatim so the planner can use it.
	sqlExpire = `UPDATE jobs SET state = 'expired', finished_at = ?1,
		last_error = 'expired: not started before its deadline ' ||
			strftime('%Y-%m-%dT%H:%M:%fZ', expires_at / 1000000000.0, 'unixepoch'),
		retain_until = ` + retainAt + `
	WHERE expires_at > 0 AND state IN ('queued', 'scheduled') AND expires_at < ?1
	RETURNING id, name, queue, attempt, state, last_error`

	// retainAt is RetainUntil for a job the store finalizes at ?1:
	// ?1 + retention, clamped to the largest time, or 0 (keep) without a
	// retention.
	retainAt = `CASE WHEN retention <= 0 THEN 0
		WHEN retention > 9223372036854775807 - ?1 THEN 9223372036854775807
		ELSE ?1 + retention END`

	// sqlAcquire takes a lease that is free (absent or expired) or held
	// by the same owner; no row changes when another owner holds it.
	// Parameters: name, owner, data, until, now.
	sqlAcquire = `INSERT INTO leases (name, owner, data, until) VALUES (?, ?, ?, ?)
	ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, data = excluded.data, until = excluded.until
	WHERE leases.owner = excluded.owner OR leases.until <= ?`

	// sqlCount adds one to a live counter or restarts an expired one.
	// Parameters: name, until, now, now.
	sqlCount = `INSERT INTO counters (name, n, until) VALUES (?, 1, ?)
	ON CONFLICT (name) DO UPDATE SET
		n = CASE WHEN counters.until <= ? THEN 1 ELSE counters.n + 1 END,
		until = CASE WHEN counters.until <= ? THEN excluded.until ELSE counters.until END
	RETURNING n`

	sqlGet = `SELECT ` + jobColumns + ` FROM jobs WHERE id = ?`
)

// freshShape is the form of a multi-row insert of fresh jobs: how many
// rows, and whether they carry wideColumns.
type freshShape struct {
	rows int
	wide bool
}

// params is the number of parameters per row.
func (f freshShape) params() int {
	if f.wide {
		return 12
	}
	return 10
}

// insertFreshSQL inserts f.rows new jobs (no unique key, nothing but the
// fresh columns set) in one statement. Binding half the columns and
// stepping one statement per chunk instead of per job roughly halves the
// per-job cost of a bulk Insert. Fresh jobs have no unique key, so only
// an existing ID conflicts; the statement then inserts fewer rows than it
// carries and Insert redoes the batch row by row to learn which.
//
// OR IGNORE rather than ON CONFLICT DO NOTHING: both skip a row whose ID
// exists, but DO NOTHING leaves the NOT NULL checks aborting the
// statement, so SQLite copies every page the statement is first to touch
// into a statement journal to be able to undo it. OR IGNORE would skip a
// row with a NULL in a NOT NULL column instead, and no fresh row has one:
// those columns are bound from strings and integers, never nil.
func insertFreshSQL(f freshShape) string {
	cols := freshColumns
	if f.wide {
		cols += wideColumns
	}
	row := "(" + strings.Repeat("?, ", f.params()-1) + "?)"
	rows := make([]string, f.rows)
	for i := range rows {
		rows[i] = row
	}
	return "INSERT OR IGNORE INTO jobs (" + cols + ") VALUES " + strings.Join(rows, ", ")
}

// writeStmts are prepared once on the write connection. Everything but
// the transaction control statements needs the schema, so those are
// prepared first (migrations use them) and the rest after migrating.
type writeStmts struct {
	begin, commit, rollback *sql.Stmt

	insert, yieldUnique, dupOf, finishOK, finishFail, giveBack, extend, recover, expire, acquire, count *sql.Stmt

	// claim holds one statement per shape (number of queues claimed
	// from, named or not), and
	// insertFresh one per number of rows. Guarded by the write semaphore
	// like the connection itself.
	claim       map[claimShape]*sql.Stmt
	insertFresh map[freshShape]*sql.Stmt
	insertLean  map[leanShape]*sql.Stmt
}

// readStmts are prepared on the read pool (database/sql re-prepares them
// per connection as needed).
type readStmts struct {
	get, revokes *sql.Stmt
}

func prepareTxStmts(ctx context.Context, c *sql.Conn) (*writeStmts, error) {
	ws := &writeStmts{claim: make(map[claimShape]*sql.Stmt), insertFresh: make(map[freshShape]*sql.Stmt), insertLean: make(map[leanShape]*sql.Stmt)}
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&ws.begin, "BEGIN IMMEDIATE"},
		{&ws.commit, "COMMIT"},
		{&ws.rollback, "ROLLBACK"},
	} {
		if *p.dst, err = c.PrepareContext(ctx, p.sql); err != nil {
			return ws, err
		}
	}
	return ws, nil
}

func (ws *writeStmts) prepare(ctx context.Context, c *sql.Conn) error {
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&ws.insert, sqlInsert},
		{&ws.yieldUnique, sqlYieldUnique},
		{&ws.dupOf, sqlDupOf},
		{&ws.finishOK, sqlFinishOK},
		{&ws.finishFail, sqlFinishFail},
		{&ws.giveBack, sqlGiveBack},
		{&ws.extend, sqlExtend},
		{&ws.recover, sqlRecover},
		{&ws.expire, sqlExpire},
		{&ws.acquire, sqlAcquire},
		{&ws.count, sqlCount},
	} {
		if *p.dst, err = c.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("prepare %q: %w", firstLine(p.sql), err)
		}
	}
	return nil
}

// claimStmt returns the claim statement of shape c, preparing it on
// first use. The caller holds the write connection.
func (ws *writeStmts) claimStmt(ctx context.Context, c *sql.Conn, shape claimShape) (*sql.Stmt, error) {
	return cachedStmt(ctx, c, ws.claim, shape, claimSQL)
}

// insertFreshStmt returns the statement inserting fresh jobs of shape f,
// preparing it on first use. The caller holds the write connection.
func (ws *writeStmts) insertFreshStmt(ctx context.Context, c *sql.Conn, f freshShape) (*sql.Stmt, error) {
	return cachedStmt(ctx, c, ws.insertFresh, f, insertFreshSQL)
}

// insertLeanStmt returns the statement inserting lean jobs of shape f,
// preparing it on first use. The caller holds the write connection.
func (ws *writeStmts) insertLeanStmt(ctx context.Context, c *sql.Conn, f leanShape) (*sql.Stmt, error) {
	return cachedStmt(ctx, c, ws.insertLean, f, insertLeanSQL)
}

// cachedStmt returns m[k], first preparing it from text(k) on c.
func cachedStmt[K comparable](ctx context.Context, c *sql.Conn, m map[K]*sql.Stmt, k K, text func(K) string) (*sql.Stmt, error) {
	if st := m[k]; st != nil {
		return st, nil
	}
	st, err := c.PrepareContext(ctx, text(k))
	if err != nil {
		return nil, err
	}
	m[k] = st
	return st, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{ws.begin, ws.commit, ws.rollback, ws.insert, ws.yieldUnique, ws.dupOf, ws.finishOK, ws.finishFail, ws.giveBack, ws.extend, ws.recover, ws.expire, ws.acquire, ws.count} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range ws.claim {
		errs = append(errs, st.Close())
	}
	for _, st := range ws.insertFresh {
		errs = append(errs, st.Close())
	}
	for _, st := range ws.insertLean {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

func prepareReadStmts(ctx context.Context, db *sql.DB) (*readStmts, error) {
	rs := &readStmts{}
	var err error
	if rs.get, err = db.PrepareContext(ctx, sqlGet); err != nil {
		return rs, err
	}
	if rs.revokes, err = db.PrepareContext(ctx, sqlRevokes); err != nil {
		return rs, err
	}
	return rs, nil
}

func (rs *readStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{rs.get, rs.revokes} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
