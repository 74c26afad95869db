package cli

import (
	"context"
	"fmt"
	"time"
)

// driverBulk is q1's same-run baseline for bulk enqueue: n rows, each a
// job's ID and arguments as Map stores them, inserted in one transaction
// through single-row INSERTs into the scratch table of driverCommits, so
// bulk_enqueue_per_s can be quoted against what the driver itself does
// on this machine at that moment.
func (d *driverCommits) bulk(ctx context.Context, n int) (time.Duration, error) {
	start := time.Now()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	st := tx.StmtContext(ctx, d.st)
	for i := range n {
		// The IDs are as long as job IDs and follow the commits' rows.
		if _, err := st.ExecContext(ctx, fmt.Sprintf("%026d", d.n), fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			return 0, err
		}
		d.n++
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
