package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// With autovacuum off for the jobs table, Prune vacuums it once dead rows
// pile up, and leaves it alone while they are few.
func TestPruneVacuumsWhenAutovacuumIsOff(t *testing.T) {
	s := openStore(t)
	db := admin(t)
	table := fmt.Sprintf("%q.jobs", s.Schema())
	if _, err := db.Exec(bg, "ALTER TABLE "+table+" SET (autovacuum_enabled = false)"); err != nil {
		t.Fatal(err)
	}
	vacuums := func() int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(bg, "SELECT pg_stat_get_vacuum_count(to_regclass($1))", table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A few dead rows: under the threshold, no vacuum.
	if _, err := s.Insert(bg, []*store.Job{newJob("few-1"), newJob("few-2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(bg, "default", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(bg, time.Now()); err != nil {
		t.Fatal(err)
	}
	if n := vacuums(); n != 0 {
		t.Fatalf("the table was vacuumed %d times with 2 dead rows; want none", n)
	}

	jobs := make([]*store.Job, 2000)
	for i := range jobs {
		jobs[i] = newJob(fmt.Sprintf("many-%04d", i))
	}
	if _, err := s.Insert(bg, jobs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(bg, "default", ""); err != nil {
		t.Fatal(err)
	}
	// The server counts the dead rows once the deleting sessions report
	// their statistics, within about a second of going idle.
	deadline := time.Now().Add(30 * time.Second)
	for vacuums() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Prune did not vacuum the jobs table after 2,000 jobs were purged with autovacuum off")
		}
		time.Sleep(200 * time.Millisecond)
		if _, err := s.Prune(bg, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var dead int64
	if err := db.QueryRow(bg, "SELECT pg_stat_get_dead_tuples(to_regclass($1))", table).Scan(&dead); err != nil {
		t.Fatal(err)
	}
	if dead > 50 {
		t.Errorf("%d dead rows left after the vacuum", dead)
	}
}
