package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// inTx reports whether tx sees the job with the given ID.
func inTx(t *testing.T, s *postgres.Store, tx pgx.Tx, id string) bool {
	t.Helper()
	var n int
	if err := tx.QueryRow(bg, `SELECT count(*) FROM "`+s.Schema()+`".jobs WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// An insert bound to the caller's transaction joins it: nobody sees the
// job, or hears of it, before the commit; a rollback leaves nothing.
func TestInsertInCallerTransaction(t *testing.T) {
	u := schemaURL(t)
	s, other := openAt(t, u), openAt(t, u)
	ready := storetest.Ready(t, other, nil)
	waitListening(t, other, 1)
	drain(ready)

	tx, err := s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, unbind := postgres.BindTx(bg, s, tx)
	if _, err := s.Insert(ctx, []*store.Job{newJob("t1")}); err != nil {
		t.Fatal(err)
	}
	unbind()
	if !inTx(t, s, tx, "t1") {
		t.Fatal("the job is not in the caller's transaction")
	}
	if _, err := other.Get(bg, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the job is visible before the commit: %v", err)
	}
	if got := claim(t, other, "w", 1, at(time.Second)); len(got) != 0 {
		t.Fatalf("claimed %v before the commit", ids(got))
	}
	if !silent(ready) {
		t.Fatal("workers were woken before the commit")
	}
	if err := tx.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if !recv(ready) {
		t.Fatal("no Ready signal after the commit")
	}
	get(t, other, "t1")

	tx, err = s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, unbind = postgres.BindTx(bg, s, tx)
	if _, err := s.Insert(ctx, []*store.Job{newJob("t2")}); err != nil {
		t.Fatal(err)
	}
	unbind()
	if err := tx.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	if !silent(ready) {
		t.Fatal("workers were woken by a rolled-back insert")
	}
	if _, err := other.Get(bg, "t2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a rolled-back job exists: %v", err)
	}
	if got := claim(t, other, "w", 5, at(time.Second)); len(got) != 1 || got[0].ID != "t1" {
		t.Fatalf("claimed %v; want only t1", ids(got))
	}
}

// Only an enqueue's statements use the bound transaction, only on the
// store it was bound for, and only until the binding ends: every other
// call, and any call after the EnqueueTx-style call returned, runs on the
// pool, so a context that travels further never sends statements into
// the caller's transaction.
func TestBoundTransactionReachesOnlyTheEnqueue(t *testing.T) {
	u := schemaURL(t)
	s, other := openAt(t, u), openAt(t, u)
	insert(t, s, newJob("committed"))
	tx, err := s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	ctx, unbind := postgres.BindTx(bg, s, tx)
	if _, err := s.Insert(ctx, []*store.Job{newJob("pending")}); err != nil {
		t.Fatal(err)
	}
	// Reads and claims on the bound ctx run on the pool: the job inserted
	// in tx is not there yet, and the committed one is claimed outside tx.
	if _, err := s.Get(ctx, "pending"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get on the bound ctx = %v; want not found: it must not read in tx", err)
	}
	got, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 5, Owner: "w", Now: at(time.Second), LeaseUntil: at(time.Minute)})
	if err != nil || len(got) != 1 || got[0].ID != "committed" {
		t.Fatalf("Claim on the bound ctx = %v, %v; want only the committed job", ids(got), err)
	}
	if j := get(t, other, "committed"); j.State != store.Running {
		t.Fatalf("the claim is not visible to others (%s): it ran in tx", j.State)
	}
	// A binding for another store is ignored by this one.
	ctxOther, unbindOther := postgres.BindTx(bg, other, tx)
	if _, err := s.Insert(ctxOther, []*store.Job{newJob("not-in-tx")}); err != nil {
		t.Fatal(err)
	}
	unbindOther()
	if !committedFor(t, other, "not-in-tx") {
		t.Fatal("another store's binding routed the insert into tx")
	}
	// Once the binding ended, the same ctx inserts on the pool.
	unbind()
	if _, err := s.Insert(ctx, []*store.Job{newJob("after")}); err != nil {
		t.Fatal(err)
	}
	get(t, other, "after")
	if !inTx(t, s, tx, "pending") {
		t.Fatal("the bound insert is not in tx")
	}
}

// committedFor reports whether s, outside any transaction, sees the job.
func committedFor(t *testing.T, s *postgres.Store, id string) bool {
	t.Helper()
	_, err := s.Get(bg, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// A failed statement in the caller's transaction is returned, not
// retried elsewhere: the transaction is the caller's to roll back.
func TestCallerTransactionErrors(t *testing.T) {
	s := openStore(t)
	insert(t, s, newJob("e1"))
	tx, err := s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	if _, err := tx.Exec(bg, "SELECT 1/0"); err == nil {
		t.Fatal("division by zero succeeded")
	}
	ctx, unbind := postgres.BindTx(bg, s, tx)
	defer unbind()
	if _, err := s.Insert(ctx, []*store.Job{newJob("e2")}); err == nil {
		t.Fatal("Insert in an aborted transaction succeeded")
	}
	if _, err := s.Get(bg, "e2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed insert was retried on the pool: %v", err)
	}
	if _, err := s.Get(bg, "e1"); err != nil {
		t.Fatalf("the pool is affected: %v", err)
	}
}
