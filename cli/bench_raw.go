package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// driverCommits measures SQLite's own limit for one durable write per
// operation on this machine, for q1 to quote enqueue against in the same
// run: single-row INSERTs, each its own transaction, through the SQLite
// store's driver with its journal pragmas (WAL, synchronous NORMAL), into
// a two-column table in a scratch file that close removes
// (jobs/store/sqlite's BenchmarkRawInsertCommit does the same). It is used
// from one goroutine.
type driverCommits struct {
	dir  string
	db   *sql.DB
	st   *sql.Stmt
	n    int           // rows committed so far
	took time.Duration // time their commits took
}

// openDriverCommits prepares the scratch table; nil, without an error,
// when the SQLite driver is not registered.
func openDriverCommits(ctx context.Context) (*driverCommits, error) {
	if !slices.Contains(sql.Drivers(), "sqlite") {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "spindle-bench-raw-")
	if err != nil {
		return nil, err
	}
	d := &driverCommits{dir: dir}
	if d.db, err = sql.Open("sqlite", "file://"+filepath.Join(dir, "raw.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"); err != nil {
		d.close()
		return nil, err
	}
	d.db.SetMaxOpenConns(1)
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, args BLOB)`); err != nil {
		d.close()
		return nil, err
	}
	if d.st, err = d.db.PrepareContext(ctx, `INSERT INTO t (id, args) VALUES (?, ?)`); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// run commits k more rows, one transaction each.
func (d *driverCommits) run(ctx context.Context, k int) error {
	start := time.Now()
	for range k {
		if _, err := d.st.ExecContext(ctx, fmt.Sprintf("%020d", d.n), fmt.Appendf(nil, `{"n":%d}`, d.n)); err != nil {
			return err
		}
		d.n++
	}
	d.took += time.Since(start)
	return nil
}

// close releases the database and removes its file.
func (d *driverCommits) close() {
	if d.st != nil {
		d.st.Close()
	}
	if d.db != nil {
		d.db.Close()
	}
	os.RemoveAll(d.dir)
}
