package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlansUseIndexes guards the queries workers run periodically against
// scanning the jobs table: Recover's expiry and RevokeRequests must each
// read only a partial index's rows.
func TestPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name, query, index string
		args               []any
	}{
		{"expire", sqlExpire, "jobs_expires", []any{int64(1)}},
		{"revoke requests", sqlRevokes, "jobs_lease", []any{"w"}},
		{"prune leases", "DELETE FROM leases WHERE until < ?", "leases_until", []any{int64(1)}},
		{"prune counters", "DELETE FROM counters WHERE until < ?", "counters_until", []any{int64(1)}},
	} {
		rows, err := s.rdb.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		t.Logf("%s: %s", c.name, strings.Join(plan, "; "))
		if p := strings.Join(plan, "; "); !strings.Contains(p, c.index) {
			t.Errorf("%s: plan %q does not use %s", c.name, p, c.index)
		}
	}
}
