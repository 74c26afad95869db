package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
)

type (
	idStateJSON struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	revocationJSON struct {
		Name   string     `json:"name"`
		Reason string     `json:"reason"`
		Once   bool       `json:"once"`
		Until  *time.Time `json:"until"`
	}
	restoredJSON struct {
		Name     string `json:"name"`
		Restored bool   `json:"restored"`
	}
	workerJSON struct {
		ID            string         `json:"id"`
		Host          string         `json:"host"`
		PID           int            `json:"pid"`
		Queues        map[string]int `json:"queues"`
		Concurrency   int            `json:"concurrency"`
		InFlight      int            `json:"in_flight"`
		Started       *time.Time     `json:"started"`
		LastHeartbeat *time.Time     `json:"last_heartbeat"`
	}
)

func findRevocation(rs []revocationJSON, name string) *revocationJSON {
	for i := range rs {
		if rs[i].Name == name {
			return &rs[i]
		}
	}
	return nil
}

// TestRevokeCommands: revoke and restore by ID and by name, as a worker
// in another process (this test's) sees them.
func TestRevokeCommands(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		s := seed(t, sc.url)
		ctx := context.Background()
		st := func(args ...string) []string { return append(args, "--store", sc.url) }
		t.Cleanup(func() { _, _ = s.c.Inspect().RestoreAll(ctx, e2eEcho.Name()) })

		// By ID: a waiting job is canceled at once, and restored.
		if r := runSpindle(t, "", "", st("revoke", s.waiting, "--reason", "not needed")...); r.code != 0 || r.out != "revoked "+s.waiting+"\n" {
			t.Errorf("revoke: %v", r)
		}
		if j := decode[jobJSON](t, runSpindle(t, "", "", st("job", s.waiting, "--json")...)); j.State != "canceled" || !strings.Contains(j.LastError, "not needed") {
			t.Errorf("after revoke: %+v", j)
		}
		if got := decode[[]idStateJSON](t, runSpindle(t, "", "", st("restore", s.waiting, "--json")...)); len(got) != 1 || got[0] != (idStateJSON{s.waiting, "queued"}) {
			t.Errorf("restore --json: %+v", got)
		}
		wantFail(t, runSpindle(t, "", "", st("revoke", s.ok)...), 1, "the job has already finished")
		wantFail(t, runSpindle(t, "", "", st("restore", s.dead)...), 1, "only canceled jobs can be restored")

		// By name: a worker started now skips the definition's jobs.
		rv := decode[revocationJSON](t, runSpindle(t, "", "", st("revoke", "--name", e2eEcho.Name(), "--reason", "e2e", "--json")...))
		if rv.Name != e2eEcho.Name() || rv.Reason != "e2e" || rv.Until != nil || rv.Once {
			t.Errorf("revoke --name --json: %+v", rv)
		}
		if got := findRevocation(decode[[]revocationJSON](t, runSpindle(t, "", "", st("revocations", "--json")...)), e2eEcho.Name()); got == nil || got.Reason != "e2e" {
			t.Errorf("revocations --json: %+v", got)
		}
		if r := runSpindle(t, "", "", st("revocations")...); r.code != 0 || !strings.Contains(r.out, e2eEcho.Name()) {
			t.Errorf("revocations: %v", r)
		}
		skipped, err := e2eEcho.Enqueue(ctx, s.c, echoArgs{"skip me"}, jobs.Queue(s.q))
		if err != nil {
			t.Fatal(err)
		}
		stop := startWorker(t, s.c, s.q)
		_, err = skipped.Await(ctx)
		stop()
		if !errors.Is(err, jobs.ErrRevoked) || !strings.Contains(err.Error(), "e2e") {
			t.Errorf("a job of a revoked name: %v", err)
		}
		if got := decode[restoredJSON](t, runSpindle(t, "", "", st("restore", "--name", e2eEcho.Name(), "--json")...)); got != (restoredJSON{e2eEcho.Name(), true}) {
			t.Errorf("restore --name --json: %+v", got)
		}
		wantFail(t, runSpindle(t, "", "", st("restore", "--name", e2eEcho.Name())...), 1, "no revocation of "+e2eEcho.Name())
		if r := runSpindle(t, "", "", st("restore", skipped.ID())...); r.code != 0 || r.out != "restored "+skipped.ID()+"\n" {
			t.Errorf("restore: %v", r)
		}
		stop = startWorker(t, s.c, s.q)
		v, err := jobs.HandleOf[string](s.c, skipped.ID()).Await(ctx) // a handle keeps the outcome it saw
		stop()
		if err != nil || v != "SKIP ME" {
			t.Errorf("the restored job: %q %v", v, err)
		}
		wantFail(t, runSpindle(t, "", "", st("revoke", "--name", "e2e.x", "--until", "yesterday")...), 2, "--until")
	})
}

// TestWorkersCommand lists a worker of this test's process, on every
// store (others may be running on a shared server: find ours by ID).
func TestWorkersCommand(t *testing.T) {
	forEachStore(t, func(t *testing.T, sc storeCase) {
		ctx := context.Background()
		c, err := jobs.Open(ctx, sc.url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		id := "e2e-" + uniqueQueue(t)
		q := uniqueQueue(t)
		w, err := jobs.NewWorker(c, jobs.WorkerOptions{ID: id, Concurrency: 5, Queues: map[string]int{q: 3}, Logger: slog.New(slog.DiscardHandler)}, e2eEcho)
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(wctx) }()
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				if err := <-done; err != nil {
					t.Errorf("worker: %v", err)
				}
			}
		}
		defer stop()

		find := func() *workerJSON {
			ws := decode[[]workerJSON](t, runSpindle(t, "", "", "workers", "--json", "--store", sc.url))
			for i := range ws {
				if ws[i].ID == id {
					return &ws[i]
				}
			}
			return nil
		}
		var got *workerJSON
		for range 100 { // it announces itself as Run starts
			if got = find(); got != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got == nil || got.Concurrency != 5 || got.Queues[q] != 3 || got.PID == 0 || got.Started == nil || got.LastHeartbeat == nil {
			t.Fatalf("workers --json: %+v", got)
		}
		if r := runSpindle(t, "", "", "workers", "--store", sc.url); r.code != 0 || !strings.Contains(r.out, id) || !strings.Contains(r.out, q+"=3") {
			t.Errorf("workers: %v", r)
		}
		stop()
		if got := find(); got != nil {
			t.Errorf("a stopped worker is still listed: %+v", got)
		}
	})
}
