package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
)

// appName returns an application_name unique to the test, so its
// connections can be found in pg_stat_activity.
func appName(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "spindle-test-" + hex.EncodeToString(b[:])
}

// terminate ends every backend with application_name app from adm and
// reports how many it ended.
func terminate(t testing.TB, adm *pgx.Conn, app string) int {
	t.Helper()
	var n int
	err := adm.QueryRow(context.Background(),
		"SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()) t", app).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// After every connection of the store is terminated while idle, the next
// calls of every kind succeed on new connections.
func TestIdleConnectionsTerminated(t *testing.T) {
	app := appName(t)
	s := openStore(t, "application_name", app, "pool_max_conns", "4")
	adm := admin(t)
	insert(t, s, newJob("i1"), newJob("i2"))
	// Fill the pool.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _, _ = s.Get(bg, "i1") })
	}
	wg.Wait()
	for round := range 3 {
		if n := terminate(t, adm, app); n == 0 {
			t.Fatal("no connection to terminate")
		}
		if _, err := s.Get(bg, "i1"); err != nil {
			t.Fatalf("round %d: Get after the kill: %v", round, err)
		}
		if err := s.Wake(bg, []string{"i1"}, T0); err != nil {
			t.Fatalf("round %d: Wake: %v", round, err)
		}
		terminate(t, adm, app)
		insert(t, s, newJob(fmt.Sprint("r", round)))
		terminate(t, adm, app)
		if got := claim(t, s, "w", 1, at(time.Second)); len(got) != 1 {
			t.Fatalf("round %d: claim %v", round, ids(got))
		}
	}
}

// Connections terminated again and again while goroutines insert and
// read: every insert that returned success is stored, and calls recover
// without the caller's help.
func TestConnectionsTerminatedUnderLoad(t *testing.T) {
	app := appName(t)
	s := openStore(t, "application_name", app)
	adm := admin(t)
	var (
		acked   sync.Map
		fails   atomic.Int64
		ok      atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		counter atomic.Int64
	)
	for w := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%06d", w, counter.Add(1))
				if _, err := s.Insert(bg, []*store.Job{newJob(id)}); err != nil {
					fails.Add(1)
					continue
				}
				acked.Store(id, true)
				if _, err := s.Get(bg, id); err != nil {
					fails.Add(1)
					continue
				}
				ok.Add(1)
			}
		})
	}
	for range 10 {
		time.Sleep(20 * time.Millisecond)
		terminate(t, adm, app)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	n := 0
	var missing []string
	acked.Range(func(k, _ any) bool {
		n++
		if _, err := s.Get(bg, k.(string)); err != nil {
			missing = append(missing, fmt.Sprint(k, ": ", err))
		}
		return true
	})
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged inserts missing: %v", len(missing), n, missing)
	}
	t.Logf("%d inserts acknowledged, %d calls succeeded, %d failed", n, ok.Load(), fails.Load())
	if ok.Load() == 0 {
		t.Fatal("nothing succeeded")
	}
}
