package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs/store"
)

// TestPlansUseIndexes guards the queries workers run periodically against
// scanning the jobs table: Recover's expiry and RevokeRequests must each
// read only a partial index's rows, and claims by name and ReadyNames the
// ready index in claim order (no sort).
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
		ordered            bool // read in the index's order, no sort
	}{
		{"expire", sqlExpire, "jobs_expires", []any{int64(1)}, false},
		{"revoke requests", sqlRevokes, "jobs_lease", []any{"w"}, false},
		{"prune leases", "DELETE FROM leases WHERE until < ?", "leases_until", []any{int64(1)}, false},
		{"prune counters", "DELETE FROM counters WHERE until < ?", "counters_until", []any{int64(1)}, false},
		// A claim that names the jobs it runs steps over the others in
		// the same range scan of the ready index, as does ReadyNames.
		{"claim by name", readyQuery(true), "jobs_ready", []any{"q", int64(1), `["x"]`, "q", 10}, true},
		{"claim by name, two queues", claimSQL(claimShape{queues: 2, named: true}), "jobs_ready",
			claimArgs(store.ClaimRequest{Owner: "w", Limit: 10}, []string{"a", "b"}, []string{"x"}), false},
		{"ready names", sqlReadyNames, "jobs_ready", []any{"q", int64(1), "q"}, true},
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
		if c.ordered && strings.Contains(strings.Join(plan, "; "), "FOR ORDER BY") {
			t.Errorf("%s: plan %q sorts; want the index's order, stopping at the limit", c.name, plan)
		}
	}
}
