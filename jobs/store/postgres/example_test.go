package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store/postgres"
)

type receipt struct {
	Order int `json:"order"`
}

var sendReceipt = jobs.Define("orders.receipt", func(ctx context.Context, r receipt) (string, error) {
	return fmt.Sprintf("receipt for order %d sent", r.Order), nil
})

// Enqueue a job in the same transaction as the application's own write:
// the job exists, and workers hear of it, only if the transaction
// commits. (It needs a server, so go test compiles it without running
// it; TestEnqueueInCallerTransaction runs the same steps.)
func Example_transactionalEnqueue() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, os.Getenv("SPINDLE_POSTGRES_URL")) // postgres://...?schema=app
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	pool := c.Store().(*postgres.Store).Pool() // or the application's own pgxpool

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) // a no-op after Commit
	if _, err := tx.Exec(ctx, "UPDATE orders SET paid = true WHERE id = $1", 42); err != nil {
		log.Fatal(err)
	}
	h, err := postgres.EnqueueTx(ctx, tx, c, sendReceipt, receipt{Order: 42})
	if err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err) // neither the order update nor the job happened
	}
	msg, err := h.Await(ctx) // a worker, anywhere, runs it
	fmt.Println(msg, err)
}

// Open a store on PostgreSQL through package jobs: the schema (default
// "spindle") is created on first use, and pool_max_conns sizes the pool.
func Example_open() {
	ctx := context.Background()
	c, err := jobs.Open(ctx, "postgres://app:secret@db.internal:5432/app?sslmode=require&schema=jobs&pool_max_conns=16")
	if err != nil {
		log.Fatal(err) // the message never shows the password
	}
	defer c.Close()
	w, err := jobs.NewWorker(c, jobs.WorkerOptions{Concurrency: 8}, sendReceipt)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(w.Run(ctx)) // on as many machines as needed
}
