package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

// startWorker runs an in-process worker until the test ends.
func startWorker(t *testing.T, c *jobs.Client, defs ...jobs.Registrable) {
	t.Helper()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: quietLog}, defs...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Worker.Run: %v", err)
		}
	})
}

func TestOpenThroughJobs(t *testing.T) {
	u := schemaURL(t)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		c, err := jobs.Open(bg, scheme+strings.TrimPrefix(u, "postgres://"))
		if err != nil {
			t.Fatalf("jobs.Open(%s...): %v", scheme, err)
		}
		if _, ok := c.Store().(*postgres.Store); !ok {
			t.Fatalf("store %T", c.Store())
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	for bad, want := range map[string]string{
		"postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2&sslmode=disable": "127.0.0.1",
		"postgres://u:hunter2@h/db?schema=no-dashes":                            `schema "no-dashes"`,
		"postgresql://u:hunter2@h:port/db":                                      "cannot parse",
	} {
		_, err := jobs.Open(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("jobs.Open(%q) = %v; want an error naming %q, without the password", bad, err, want)
		}
	}
}

// EnqueueTx: the job runs only once the caller's transaction commits, and
// never after a rollback.
func TestEnqueueInCallerTransaction(t *testing.T) {
	c, err := jobs.Open(bg, schemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() }) // after the worker stops
	startWorker(t, c, sendReceipt)
	s := c.Store().(*postgres.Store)
	if _, err := s.Pool().Exec(bg, `CREATE TABLE "`+s.Schema()+`".orders (id int PRIMARY KEY, paid bool)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()

	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg) // on failure: Close waits for the connection
	if _, err := tx.Exec(ctx, `INSERT INTO "`+s.Schema()+`".orders VALUES (42, true)`); err != nil {
		t.Fatal(err)
	}
	h, err := postgres.EnqueueTx(ctx, tx, c, sendReceipt, receipt{Order: 42})
	if err != nil {
		t.Fatal(err)
	}
	// Before the commit the job exists for nobody else (so await its
	// handle after the commit: before, it reports the job not found).
	time.Sleep(100 * time.Millisecond)
	if _, err := c.Inspect().Job(ctx, h.ID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the job is visible before the commit: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	msg, err := h.Await(ctx)
	if err != nil || msg != "receipt for order 42 sent" {
		t.Fatalf("Await after the commit = %q, %v", msg, err)
	}

	tx, err = s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	if _, err := tx.Exec(ctx, `INSERT INTO "`+s.Schema()+`".orders VALUES (43, true)`); err != nil {
		t.Fatal(err)
	}
	h, err = postgres.EnqueueTx(ctx, tx, c, sendReceipt, receipt{Order: 43})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Await(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Await after a rollback = %v; want not found", err)
	}
	st, err := c.Inspect().Stats(ctx)
	if err != nil || st.Counts[store.Succeeded] != 1 || st.Counts[store.Queued]+st.Counts[store.Running] != 0 {
		// The committed job succeeded (reading it kept it); the rolled
		// back one never existed.
		t.Fatalf("Stats %v, %v; want the one committed job, succeeded", st.Counts, err)
	}
}

// TestWorkerRunsReleaseWatches: each Worker.Run watches for ready jobs
// and revokes while it runs and releases both when it returns, so a
// process that starts and stops workers on one store holds nothing for
// the runs that ended.
func TestWorkerRunsReleaseWatches(t *testing.T) {
	s := openStore(t)
	c, err := jobs.New(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	def := jobs.Define("pg.watch", func(ctx context.Context, n int) (int, error) { return n, nil })
	for run := range 3 {
		w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: quietLog}, def)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(bg)
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		h, err := def.Enqueue(bg, c, run)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := h.Await(bg); err != nil || v != run {
			t.Fatalf("run %d: job = %d, %v", run, v, err)
		}
		if ready, _, revoked := postgres.Watching(s); ready != 1 || revoked != 1 {
			t.Fatalf("run %d: %d ready and %d revoke watches while a worker runs; want 1 each", run, ready, revoked)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if ready, finished, revoked := postgres.Watching(s); ready+finished+revoked != 0 {
			t.Fatalf("run %d: %d ready, %d finished and %d revoke watches after Run returned; want none", run, ready, finished, revoked)
		}
	}
}
