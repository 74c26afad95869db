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
	result, coalesce(last_error, ''), coalesce(errors, ''), retain_until, coalesce(unique_key, ''), meta`

// finalStates is the SQL list of store.State.Final states.
const finalStates = `('succeeded', 'dead', 'canceled', 'expired')`

const (
	sqlInsert = `INSERT INTO jobs (id, name, queue, priority, args, state, attempt, max_attempts,
		run_at, enqueued_at, started_at, finished_at, lease_owner, lease_until,
		result, last_error, errors, retain_until, unique_key, meta)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running') DO NOTHING`

	// sqlFinishOK and sqlFinishFail apply one Outcome; zero rows changed
	// means the caller lost the lease.
	sqlFinishOK = `UPDATE jobs SET state = 'succeeded', result = ?1, finished_at = ?2, retain_until = ?3,
		lease_owner = NULL, lease_until = 0
	WHERE id = ?4 AND state = 'running' AND lease_owner = ?5`

	sqlFinishFail = `UPDATE jobs SET state = ?1,
		last_error = ?2,
		errors = json_insert(coalesce(errors, '[]'), '$[#]', json_object('attempt', attempt, 'at', ?3, 'error', ?2)),
		run_at = CASE WHEN ?1 = 'scheduled' THEN ?4 ELSE run_at END,
		finished_at = CASE WHEN ?1 = 'scheduled' THEN 0 ELSE ?5 END,
		retain_until = CASE WHEN ?1 = 'scheduled' THEN 0 ELSE ?6 END,
		lease_owner = NULL, lease_until = 0
	WHERE id = ?7 AND state = 'running' AND lease_owner = ?8`

	// sqlGiveBack returns a claimed job untouched (graceful shutdown): the
	// attempt does not count and nothing joins the error history.
	sqlGiveBack = `UPDATE jobs SET state = 'queued', attempt = max(attempt - 1, 0),
		lease_owner = NULL, lease_until = 0
	WHERE id = ?1 AND state = 'running' AND lease_owner = ?2`

	sqlExtend = `UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND state = 'running' AND lease_owner = ?3`

	sqlRecover = `UPDATE jobs SET
		state = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'dead' END,
		last_error = 'lease held by ' || coalesce(lease_owner, '?') || ' expired (the worker stopped or lost contact)',
		errors = json_insert(coalesce(errors, '[]'), '$[#]', json_object('attempt', attempt, 'at', ?2,
			'error', 'lease held by ' || coalesce(lease_owner, '?') || ' expired (the worker stopped or lost contact)')),
		finished_at = CASE WHEN attempt < max_attempts THEN 0 ELSE ?1 END,
		lease_owner = NULL, lease_until = 0
	WHERE state = 'running' AND lease_until < ?1
	RETURNING id, queue, state`

	sqlGet = `SELECT ` + jobColumns + ` FROM jobs WHERE id = ?`
)

// writeStmts are prepared once on the write connection. Everything but
// the transaction control statements needs the schema, so those are
// prepared first (migrations use them) and the rest after migrating.
type writeStmts struct {
	begin, commit, rollback *sql.Stmt

	insert, finishOK, finishFail, giveBack, extend, recover *sql.Stmt

	// claim holds one statement per number of queues claimed from.
	// Guarded by the write semaphore like the connection itself.
	claim map[int]*sql.Stmt
}

// readStmts are prepared on the read pool (database/sql re-prepares them
// per connection as needed).
type readStmts struct {
	get *sql.Stmt
}

func prepareTxStmts(ctx context.Context, c *sql.Conn) (*writeStmts, error) {
	ws := &writeStmts{claim: make(map[int]*sql.Stmt)}
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
		{&ws.finishOK, sqlFinishOK},
		{&ws.finishFail, sqlFinishFail},
		{&ws.giveBack, sqlGiveBack},
		{&ws.extend, sqlExtend},
		{&ws.recover, sqlRecover},
	} {
		if *p.dst, err = c.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("prepare %q: %w", firstLine(p.sql), err)
		}
	}
	return nil
}

// claimStmt returns the claim statement for n queues, preparing it on
// first use. The caller holds the write connection.
func (ws *writeStmts) claimStmt(ctx context.Context, c *sql.Conn, n int) (*sql.Stmt, error) {
	if st := ws.claim[n]; st != nil {
		return st, nil
	}
	st, err := c.PrepareContext(ctx, claimSQL(n))
	if err != nil {
		return nil, err
	}
	ws.claim[n] = st
	return st, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{ws.begin, ws.commit, ws.rollback, ws.insert, ws.finishOK, ws.finishFail, ws.giveBack, ws.extend, ws.recover} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range ws.claim {
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
	return rs, nil
}

func (rs *readStmts) close() error {
	if rs.get != nil {
		return rs.get.Close()
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
