package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded steps in version order. File names are
// NNNN_description.sql; versions start at 1 and have no gaps, so a missing
// or misnumbered file fails every test rather than a user's upgrade.
var migrations = mustLoadMigrations(migrationFS)

// latestSchema is the newest schema this code knows. Open refuses a
// database whose schema_migrations records a newer version.
var latestSchema = migrations[len(migrations)-1].version

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, desc, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || desc == "" {
			return nil, fmt.Errorf("sqlite: migration file %s: want NNNN_description.sql", n)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: desc, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migrations must be numbered 1, 2, 3...; found version %d at position %d", m.version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("sqlite: no migrations embedded")
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`

// applicationID marks the file as Spindle's ("SPND") in the SQLite header,
// so Open can refuse another application's database instead of adding
// tables to it.
const applicationID = 0x53504e44

// migrate brings the database at conn to latestSchema. Each pending step
// runs in its own BEGIN IMMEDIATE transaction that re-reads the current
// version first, so processes opening a new file at the same moment apply
// every step exactly once: the loser of the write lock waits (busy
// timeout), then sees the step done and skips it.
func (s *Store) migrate(ctx context.Context) error {
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
	if cur > latestSchema {
		return s.newerSchemaErr(cur)
	}
	for _, m := range migrations {
		if m.version <= cur {
			continue
		}
		err := s.writeTx(ctx, func(ctx context.Context) error {
			if _, err := s.wconn.ExecContext(ctx, createMigrationsTable); err != nil {
				return err
			}
			var v int
			if err := s.wconn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
				return err
			}
			if v > latestSchema {
				return s.newerSchemaErr(v)
			}
			if v >= m.version {
				return nil // another process got here first
			}
			if _, err := s.wconn.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("sqlite: %s: migration %d (%s): %w", s.path, m.version, m.name, err)
			}
			if _, err := s.wconn.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
				return err
			}
			_, err := s.wconn.ExecContext(ctx, "PRAGMA application_id = "+strconv.Itoa(applicationID))
			return err
		})
		if err != nil {
			return s.openErr(fmt.Sprintf("apply migration %d (%s)", m.version, m.name), err)
		}
	}
	return nil
}

// appliedVersion reads the applied version without taking the write lock,
// so opening an up-to-date database writes nothing.
func (s *Store) appliedVersion(ctx context.Context) (int, error) {
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

func (s *Store) newerSchemaErr(v int) error {
	return fmt.Errorf("sqlite: %s has schema version %d, newer than version %d that this build of Spindle knows; upgrade Spindle to use this database", s.path, v, latestSchema)
}
