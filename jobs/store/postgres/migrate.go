package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/internal/migrate"
)

// expand fills a migration's placeholders for one schema.
func expand(sql, schema, channel string) string {
	return strings.NewReplacer("{{schema}}", quoteIdent(schema), "{{channel}}", channel).Replace(sql)
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations lists the embedded steps in version order. File names are
// NNNN_description.sql; versions start at 1 and have no gaps, so a missing
// or misnumbered file fails every test rather than a user's upgrade.
var migrations = migrate.MustLoad(migrationFS, "postgres")

// migrationLockKey is the pg_advisory_xact_lock key that serializes
// migrations of one schema across every process and machine.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("spindle migrate " + schema))
	return int64(h.Sum64())
}

// migrate brings the schema to the latest version. Opening an up-to-date schema
// reads one row and writes nothing. Otherwise one transaction takes the
// schema's advisory lock, creates the schema and schema_migrations if
// needed, re-reads the version and applies every missing step, so
// processes opening a new schema at the same moment apply each step once:
// the others wait for the lock, then find nothing left to do. A failed
// step rolls back every step of that transaction.
func (s *core) migrate(ctx context.Context) error {
	v, err := s.appliedVersion(ctx)
	if err != nil {
		return s.openErr("read the schema version", err)
	}
	if v > migrations.Latest() {
		return s.newerSchemaErr(v)
	}
	if v == migrations.Latest() {
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
		pending, newer := migrations.After(cur)
		if newer {
			return s.newerSchemaErr(cur)
		}
		for _, m := range pending {
			if _, err := tx.Exec(ctx, expand(m.SQL, s.schema, s.channel)); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+".schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
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
func (s *core) appliedVersion(ctx context.Context) (int, error) {
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

func (s *core) openErr(what string, err error) error {
	var ne *newerSchemaError
	if errors.As(err, &ne) {
		return err
	}
	return fmt.Errorf("postgres: open %s schema %q: %s: %w", s.where, s.schema, what, err)
}

type newerSchemaError struct{ msg string }

func (e *newerSchemaError) Error() string { return e.msg }

func (s *core) newerSchemaErr(v int) error {
	return &newerSchemaError{fmt.Sprintf("postgres: %s schema %q has version %d, newer than version %d that this build of Spindle knows; upgrade Spindle to use it", s.where, s.schema, v, migrations.Latest())}
}
