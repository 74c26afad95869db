package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// An insert through WithTx joins the caller's transaction: nobody sees
// the job, or hears of it, before the commit; a rollback leaves nothing.
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
	if _, err := s.Insert(postgres.WithTx(bg, tx), []*store.Job{newJob("t1")}); err != nil {
		t.Fatal(err)
	}
	// Inside the transaction the job is there.
	if _, err := s.Get(postgres.WithTx(bg, tx), "t1"); err != nil {
		t.Fatalf("Get inside the transaction: %v", err)
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
	if _, err := s.Insert(postgres.WithTx(bg, tx), []*store.Job{newJob("t2")}); err != nil {
		t.Fatal(err)
	}
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
	if _, err := s.Insert(postgres.WithTx(bg, tx), []*store.Job{newJob("e2")}); err == nil {
		t.Fatal("Insert in an aborted transaction succeeded")
	}
	if _, err := s.Get(bg, "e1"); err != nil {
		t.Fatalf("the pool is affected: %v", err)
	}
}
