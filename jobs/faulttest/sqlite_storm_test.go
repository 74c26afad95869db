//go:build fault

package faulttest

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"

	_ "modernc.org/sqlite" // the driver the store uses, for PRAGMA integrity_check
)

// SQLite write storm: a process enqueues batches from four goroutines,
// runs them with eight worker slots and awaits their results, all on one
// file, and is killed with SIGKILL at a random moment, 20 times over the
// same file. After each kill the file must pass PRAGMA integrity_check,
// every acknowledged enqueue must be there, and every job whose success
// the process had seen must still be succeeded.
const stormKills = 20

func TestSQLiteWriteStormSIGKILL(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	path := filepath.Join(t.TempDir(), "storm.db")
	url := "sqlite:" + path
	queue := uniqueQueue("storm")
	ackPath := filepath.Join(t.TempDir(), "acks")
	var enq, fin int
	for round := range stormKills {
		p := startChild(t, "storm", []string{envURL + "=" + url, envQueue + "=" + queue, envAck + "=" + ackPath}, nil)
		p.waitReady(t)
		// Kill at a random point of progress: some more enqueues and some
		// more successes acknowledged (timing would depend on the
		// machine's speed and the race detector).
		wantE, wantF := enq+20+rand.IntN(200), fin+1+rand.IntN(20)
		for {
			acks, _ := readAcks(t, ackPath)
			if len(acks["E"]) >= wantE && len(acks["F"]) >= wantF {
				break
			}
			select {
			case <-p.done:
				t.Fatalf("round %d: the storm ended: %v\n%s", round, p.err, p.stderrText())
			case <-ctx.Done():
				t.Fatalf("round %d: no progress: %d/%d enqueues, %d/%d successes acknowledged", round, len(acks["E"]), wantE, len(acks["F"]), wantF)
			case <-time.After(time.Duration(1+rand.IntN(10)) * time.Millisecond):
			}
		}
		p.kill(t)
		if res := integrityCheck(ctx, t, path); res != "ok" {
			t.Fatalf("round %d: integrity_check: %s", round, res)
		}
		acks, _ := readAcks(t, ackPath)
		c := openClient(t, url)
		states := queueStates(ctx, t, c, queue)
		for _, id := range acks["E"] {
			if _, ok := states[id]; !ok {
				t.Fatalf("round %d: acknowledged job %s is not in the file", round, id)
			}
		}
		for _, id := range acks["F"] {
			if st := states[id]; st != store.Succeeded {
				t.Fatalf("round %d: job %s, seen succeeded, is %q", round, id, st)
			}
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		enq, fin = len(acks["E"]), len(acks["F"])
	}
	report(t, "sqlite-storm-sigkill", "sqlite", "kills", stormKills, "integrity_ok", stormKills,
		"enqueues_acknowledged", enq, "successes_acknowledged", fin, "missing", 0)
}

// queueStates lists every job of queue with its state, a page at a time.
func queueStates(ctx context.Context, t *testing.T, c *jobs.Client, queue string) map[string]store.State {
	t.Helper()
	out := map[string]store.State{}
	opts := jobs.ListOptions{Queue: queue, Limit: 1000}
	for {
		page, err := c.Inspect().Jobs(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page.Jobs {
			out[j.ID] = j.State
		}
		if page.Next == "" {
			return out
		}
		opts.After = page.Next
	}
}

// integrityCheck opens the file as the next process would (replaying the
// WAL) and returns what PRAGMA integrity_check says: "ok" or the problems.
func integrityCheck(ctx context.Context, t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "; ")
}

// SQLite unavailable: another connection (a backup, a sqlite3 shell)
// holds the file's write lock, three times, while 64 producers and a
// worker use the store: for 1.5s, then for 7s (beyond the store's 5s busy
// timeout), then 1.5s. Writes wait for the lock or fail; nothing
// acknowledged may be lost and every enqueue must return. This runs the
// same scenario as the Redis and PostgreSQL outage tests.
func TestSQLiteWriteLockHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.db")
	throughOutages(t, "sqlite-write-lock-held", "sqlite", "sqlite:"+path, func(round int) {
		ctx := testCtx(t, time.Minute)
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatalf("round %d: take the write lock: %v", round, err)
		}
		hold := 1500 * time.Millisecond
		if round == 1 {
			hold = 7 * time.Second
		}
		time.Sleep(hold)
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	})
}
