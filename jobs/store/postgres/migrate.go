package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string // with {{schema}} and {{channel}} placeholders
}

// migrations lists the embedded steps in version order. File names are
// NNNN_description.sql; versions start at 1 and have no gaps, so a missing
// or misnumbered file fails every test rather than a user's upgrade.
var migrations = mustLoadMigrations(migrationFS)

// latestSchema is the newest schema version this code knows. Open refuses
// a schema whose schema_migrations records a newer one.
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
			return nil, fmt.Errorf("postgres: migration file %s: want NNNN_description.sql", n)
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
			return nil, fmt.Errorf("postgres: migrations must be numbered 1, 2, 3...; found version %d at position %d", m.version, i+1)
		}
	}
	if len(ms) == 0 {
		return nil, errors.New("postgres: no migrations embedded")
	}
	return ms, nil
}

// expand fills a migration's placeholders for one schema.
func expand(sql, schema, channel string) string {
	return strings.NewReplacer("{{schema}}", quoteIdent(schema), "{{channel}}", channel).Replace(sql)
}

// migrationLockKey is the pg_advisory_xact_lock key that serializes
// migrations of one schema across every process and machine.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("spindle migrate " + schema))
	return int64(h.Sum64())
}

// migrate brings the schema to latestSchema. Opening an up-to-date schema
// reads one row and writes nothing. Otherwise one transaction takes the
// schema's advisory lock, creates the schema and schema_migrations if
// needed, re-reads the version and applies every missing step, so
// processes opening a new schema at the same moment apply each step once:
// the others wait for the lock, then find nothing left to do. A failed
// step rolls back every step of that transaction.
func (s *Store) migrate(ctx context.Context) error {
	v, err := s.appliedVersion(ctx)
	if err != nil {
		return s.openErr("read the schema version", err)
	}
	if v > latestSchema {
		return s.newerSchemaErr(v)
	}
	if v == latestSchema {
		return nil
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey(s.schema)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(s.schema)); err != nil {
			return fmt.Errorf("create the schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+quoteIdent(s.schema)+`.schema_migrations (
			version    integer NOT NULL PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var cur int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+quoteIdent(s.schema)+".schema_migrations").Scan(&cur); err != nil {
			return err
		}
		if cur > latestSchema {
			return s.newerSchemaErr(cur)
		}
		for _, m := range migrations {
			if m.version <= cur {
				continue
			}
			if _, err := tx.Exec(ctx, expand(m.sql, s.schema, s.channel)); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+".schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.openErr("migrate", err)
	}
	return nil
}

// appliedVersion reads the applied version, 0 for a schema (or database)
// without the store's tables.
func (s *Store) appliedVersion(ctx context.Context) (int, error) {
	var exists bool
	table := quoteIdent(s.schema) + ".schema_migrations"
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+table).Scan(&v)
	if pgCode(err) == codeUndefinedTable {
		return 0, nil // dropped since the check
	}
	return v, err
}

func (s *Store) openErr(what string, err error) error {
	var ne *newerSchemaError
	if errors.As(err, &ne) {
		return err
	}
	return fmt.Errorf("postgres: open %s schema %q: %s: %w", s.where, s.schema, what, err)
}

type newerSchemaError struct{ msg string }

func (e *newerSchemaError) Error() string { return e.msg }

func (s *Store) newerSchemaErr(v int) error {
	return &newerSchemaError{fmt.Sprintf("postgres: %s schema %q has version %d, newer than version %d that this build of Spindle knows; upgrade Spindle to use it", s.where, s.schema, v, latestSchema)}
}
