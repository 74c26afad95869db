package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

var txDouble = jobs.Define("pg.tx-double", func(ctx context.Context, n int) (int, error) { return 2 * n, nil })

// txClient opens a client on a fresh schema, closed when the test ends,
// and returns it with its store.
func txClient(t *testing.T, opts ...jobs.Option) (*jobs.Client, *postgres.Store) {
	t.Helper()
	s := openStore(t)
	c, err := jobs.New(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

func begin(t *testing.T, s *postgres.Store) pgx.Tx {
	t.Helper()
	tx, err := s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(bg) }) // a no-op after Commit or Rollback
	return tx
}

// jobCount is how many jobs the store holds, seen outside any transaction.
func jobCount(t *testing.T, c *jobs.Client) int {
	t.Helper()
	st, err := c.Inspect().Stats(bg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range st.Counts {
		n += k
	}
	return n
}

// MapTx and EnqueueGroupTx write all their jobs in the transaction: none
// exists before the commit, all do after, none after a rollback.
func TestMapTxAndEnqueueGroupTx(t *testing.T) {
	c, s := txClient(t)
	startWorker(t, c, txDouble)
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()

	enqueue := map[string]func(tx pgx.Tx) (*jobs.Group[int], error){
		"MapTx": func(tx pgx.Tx) (*jobs.Group[int], error) {
			return postgres.MapTx(ctx, tx, c, txDouble, []int{1, 2, 3})
		},
		"EnqueueGroupTx": func(tx pgx.Tx) (*jobs.Group[int], error) {
			return postgres.EnqueueGroupTx(ctx, tx, c, txDouble.Step(1), txDouble.Step(2), txDouble.Step(3))
		},
	}
	for name, fn := range enqueue {
		t.Run(name, func(t *testing.T) {
			// Jobs an earlier subtest committed stay: reading them kept them.
			base := jobCount(t, c)
			tx := begin(t, s)
			if _, err := fn(tx); err != nil {
				t.Fatal(err)
			}
			if n := jobCount(t, c) - base; n != 0 {
				t.Fatalf("%d jobs visible before the rollback", n)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if n := jobCount(t, c) - base; n != 0 {
				t.Fatalf("%d jobs left by a rollback", n)
			}

			tx = begin(t, s)
			g, err := fn(tx)
			if err != nil {
				t.Fatal(err)
			}
			if n := jobCount(t, c) - base; n != 0 {
				t.Fatalf("%d jobs visible before the commit", n)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := g.Await(ctx)
			if err != nil || len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 6 {
				t.Fatalf("Await after the commit = %v, %v; want [2 4 6]", got, err)
			}
		})
	}
}

// A unique key taken in the transaction is freed by its rollback: the
// same key can be enqueued again at once.
func TestEnqueueTxRollbackFreesUniqueKey(t *testing.T) {
	c, s := txClient(t)
	tx := begin(t, s)
	if _, err := postgres.EnqueueTx(bg, tx, c, txDouble, 1, jobs.Unique("order-7", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	h, err := txDouble.Enqueue(bg, c, 1, jobs.Unique("order-7", time.Hour))
	if err != nil {
		t.Fatalf("Enqueue after the rollback = %v; want the key free", err)
	}
	// And inside a transaction, a held key is reported as usual.
	tx = begin(t, s)
	dup, err := postgres.EnqueueTx(bg, tx, c, txDouble, 1, jobs.Unique("order-7", time.Hour))
	if !errors.Is(err, jobs.ErrDuplicate) || dup == nil || dup.ID() != h.ID() {
		t.Fatalf("EnqueueTx of a held key = %v, %v; want ErrDuplicate with %s", dup, err, h.ID())
	}
}

// The explicit calls refuse what cannot work, and store nothing.
func TestEnqueueTxRefuses(t *testing.T) {
	c, s := txClient(t)
	mem, err := jobs.Open(bg, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	tx := begin(t, s)
	for name, call := range map[string]func() error{
		"a client on another store": func() error { _, err := postgres.EnqueueTx(bg, tx, mem, txDouble, 1); return err },
		"a nil transaction":         func() error { _, err := postgres.EnqueueTx(bg, nil, c, txDouble, 1); return err },
		"a nil client":              func() error { _, err := postgres.MapTx(bg, tx, nil, txDouble, []int{1}); return err },
		"a nil definition": func() error {
			_, err := postgres.EnqueueTx[int, int](bg, tx, c, nil, 1)
			return err
		},
	} {
		if err := call(); err == nil || !strings.HasPrefix(err.Error(), "postgres: ") {
			t.Errorf("%s: err = %v; want a postgres error", name, err)
		}
	}
	if n := jobCount(t, c); n != 0 {
		t.Fatalf("%d jobs stored", n)
	}
	if n := jobCount(t, mem); n != 0 {
		t.Fatalf("%d jobs stored in the memory store", n)
	}
}

// A failure inside the transaction is returned, not retried on the pool.
func TestEnqueueTxInAnAbortedTransaction(t *testing.T) {
	c, s := txClient(t)
	tx := begin(t, s)
	if _, err := tx.Exec(bg, "SELECT 1/0"); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if _, err := postgres.EnqueueTx(bg, tx, c, txDouble, 1); err == nil {
		t.Fatal("EnqueueTx in an aborted transaction succeeded")
	}
	if n := jobCount(t, c); n != 0 {
		t.Fatalf("%d jobs stored on the pool", n)
	}
}

// A context that escapes EnqueueTx (kept here by an OnEnqueue hook) and
// then runs a worker does not send the worker's statements into the
// transaction, which stays open: the worker claims, finishes and
// announces itself on the pool, where everyone sees it at once.
func TestWorkerRunCtxFromEnqueueTxIgnoresTheTransaction(t *testing.T) {
	kept := make(chan context.Context, 1)
	c, s := txClient(t, jobs.OnEnqueue(func(ctx context.Context, _ map[string]string) {
		select {
		case kept <- ctx:
		default:
		}
	}))
	tx := begin(t, s)
	if _, err := postgres.EnqueueTx(bg, tx, c, txDouble, 1); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(<-kept)
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Logger: quietLog}, txDouble)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Worker.Run: %v", err)
		}
	}()

	ctx, stop := context.WithTimeout(bg, 30*time.Second)
	defer stop()
	h, err := txDouble.Enqueue(ctx, c, 21)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Await(ctx); err != nil || v != 42 {
		t.Fatalf("Await = %d, %v while the transaction is open; want 42", v, err)
	}
	ws, err := c.Inspect().Workers(ctx)
	if err != nil || len(ws) != 1 {
		t.Fatalf("Workers = %v, %v; want the worker's presence outside the transaction", ws, err)
	}
	// The transaction was left alone: it still works.
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM "`+s.Schema()+`".leases WHERE key LIKE 'worker:%'`).Scan(&n); err != nil {
		t.Fatalf("the transaction failed: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}
