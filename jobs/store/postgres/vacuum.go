package postgres

import (
	"context"
	"fmt"
)

// The jobs table churns more than any other: every job is inserted,
// updated two or three times and deleted, and each step leaves a dead
// row. PostgreSQL's autovacuum reclaims them where it is on (its
// default). Where it is off, for the server or for the table, dead rows
// pile up in the indexes that claims and waits walk, and round trips
// slow several-fold within minutes of steady load. So the store does what
// autovacuum would there, and nothing where autovacuum runs: Prune,
// every worker's periodic tidy-up, ends by vacuuming a table of the
// store once its dead rows pass autovacuum's default threshold. Purge
// does not: it is a call someone waits for, and a vacuum's time grows
// with the table.

// vacuumTables are the store's tables that churn: jobs and leases by
// insert, update and delete, counters by an update per increment.
var vacuumTables = []string{"jobs", "leases", "counters"}

// vacuumCheck reads, for the table $1, whether the store must vacuum it
// itself (autovacuum off for it, with the statistics that tell dead rows
// collected), its dead and live rows, and whether VACUUM takes
// SKIP_LOCKED (PostgreSQL 12 and later).
const vacuumCheck = `SELECT
	NOT (current_setting('autovacuum')::bool AND coalesce((SELECT option_value::bool
		FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_enabled'), true))
		AND current_setting('track_counts')::bool,
	coalesce(pg_stat_get_dead_tuples(c.oid), 0), coalesce(pg_stat_get_live_tuples(c.oid), 0),
	current_setting('server_version_num')::int >= 120000
	FROM pg_class c WHERE c.oid = to_regclass($1)`

// overVacuumThreshold reports whether dead rows call for a vacuum, by
// autovacuum's default rule: more than 50 plus a fifth of the live rows.
func overVacuumThreshold(dead, live int64) bool { return dead > 50+live/5 }

// tidy vacuums (and analyzes) each table of the store whose autovacuum
// is off and whose dead rows pass the threshold. A vacuum another
// session holds a lock against is skipped, not waited for. ctx cancels
// it; a canceled VACUUM leaves the table as it was.
func (s *core) tidy(ctx context.Context) error {
	for _, t := range vacuumTables {
		name := quoteIdent(s.schema) + "." + t
		var self, skipLocked bool
		var dead, live int64
		err := s.run(ctx, "vacuum check", retryRead, func(q querier) error {
			return q.QueryRow(ctx, vacuumCheck, name).Scan(&self, &dead, &live, &skipLocked)
		})
		if err != nil {
			return err
		}
		if !self || !overVacuumThreshold(dead, live) {
			continue
		}
		opts := "ANALYZE"
		if skipLocked {
			opts += ", SKIP_LOCKED"
		}
		err = s.run(ctx, fmt.Sprintf("vacuum %s (autovacuum is off for it)", name), retryRead, func(q querier) error {
			_, err := q.Exec(ctx, "VACUUM ("+opts+") "+name)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
