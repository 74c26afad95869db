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

// driverCommitRate measures SQLite's own limit for one durable write per
// operation on this machine, for q1 to quote enqueue against in the same
// run: n single-row INSERTs, each its own transaction, through the
// SQLite store's driver with its journal pragmas (WAL, synchronous
// NORMAL), into a two-column table in a scratch file that is removed
// afterwards (jobs/store/sqlite's BenchmarkRawInsertCommit does the
// same). It returns 0 when the driver is not registered.
func driverCommitRate(ctx context.Context, n int) (float64, error) {
	if !slices.Contains(sql.Drivers(), "sqlite") {
		return 0, nil
	}
	dir, err := os.MkdirTemp("", "spindle-bench-raw-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file://"+filepath.Join(dir, "raw.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, args BLOB)`); err != nil {
		return 0, err
	}
	st, err := db.PrepareContext(ctx, `INSERT INTO t (id, args) VALUES (?, ?)`)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	start := time.Now()
	for i := range n {
		if _, err := st.ExecContext(ctx, fmt.Sprintf("%020d", i), fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
