package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strconv"

	"github.com/spindlehq/spindle/jobs/internal/migrate"
)

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations lists the embedded steps in version order. File names are
// NNNN_description.sql; versions start at 1 and have no gaps, so a missing
// or misnumbered file fails every test rather than a user's upgrade.
var migrations = migrate.MustLoad(migrationFS, "sqlite")

// applicationID marks the file as Spindle's ("SPND") in the SQLite header,
// so Open can refuse another application's database instead of adding
// tables to it.
const applicationID = 0x53504e44

// migrate brings the database at conn to the latest schema. Each pending step
// runs in its own BEGIN IMMEDIATE transaction that re-reads the current
// version first, so processes opening a new file at the same moment apply
// every step exactly once: the loser of the write lock waits (busy
// timeout), then sees the step done and skips it.
func (s *core) migrate(ctx context.Context) error {
	var appID int64
	err := s.retryBusy(ctx, func() error {
		return s.wconn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID)
	})
	if err != nil {
		return s.openErr("read the application id", err)
	}
	if appID != 0 && appID != applicationID {
		return fmt.Errorf("sqlite: %s belongs to another application (application_id %#x); want a Spindle database or a new file", s.path, appID)
	}
	cur, err := s.appliedVersion(ctx)
	if err != nil {
		return err
	}
	pending, newer := migrations.After(cur)
	if newer {
		return s.newerSchemaErr(cur)
	}
	for _, m := range pending {
		err := s.writeTx(ctx, func(ctx context.Context) error {
			if _, err := s.wconn.ExecContext(ctx, createMigrationsTable); err != nil {
				return err
			}
			var v int
			if err := s.wconn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
				return err
			}
			if v > migrations.Latest() {
				return s.newerSchemaErr(v)
			}
			if v >= m.Version {
				return nil // another process got here first
			}
			if _, err := s.wconn.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("sqlite: %s: migration %d (%s): %w", s.path, m.Version, m.Name, err)
			}
			if _, err := s.wconn.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name); err != nil {
				return err
			}
			_, err := s.wconn.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(applicationID))
			return err
		})
		if err != nil {
			return s.openErr(fmt.Sprintf("apply migration %d (%s)", m.Version, m.Name), err)
		}
	}
	return nil
}

// appliedVersion reads the applied version without taking the write lock,
// so opening an up-to-date database writes nothing.
func (s *core) appliedVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.retryBusy(ctx, func() error {
		var n int
		err := s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n)
		if err != nil || n == 0 {
			return err
		}
		return s.wconn.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	})
	if err != nil {
		return 0, s.openErr("read the schema version", err)
	}
	return int(v.Int64), nil
}

func (s *core) newerSchemaErr(v int) error {
	return fmt.Errorf("sqlite: %s has schema version %d, newer than version %d that this build of Spindle knows; upgrade Spindle to use this database", s.path, v, migrations.Latest())
}
