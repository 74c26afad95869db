package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/sqlite"
)

// A job's life through the store: enqueue, claim with a lease, report
// the outcome. Package jobs does this for users; store authors and tools
// see the same calls.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "spindle-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "jobs.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	now := time.Now()
	if _, err := s.Insert(ctx, []*store.Job{{
		ID: "job-1", Name: "email", Queue: "default", Args: []byte(`{"to":"ada@example.com"}`),
		MaxAttempts: 3, RunAt: now, EnqueuedAt: now,
	}}); err != nil {
		log.Fatal(err)
	}
	claimed, err := s.Claim(ctx, store.ClaimRequest{
		Queues: []string{"default"}, Limit: 10, Owner: "worker-1", Now: now, LeaseUntil: now.Add(30 * time.Second),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, j := range claimed {
		fmt.Println(j.ID, j.State, "attempt", j.Attempt, string(j.Args))
	}
	if _, err := s.Finish(ctx, []store.Outcome{{
		ID: "job-1", Owner: "worker-1", State: store.Succeeded, Result: []byte(`"sent"`), FinishedAt: time.Now(),
	}}); err != nil {
		log.Fatal(err)
	}
	j, err := s.Get(ctx, "job-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(j.ID, j.State, string(j.Result))
	// Output:
	// job-1 running attempt 1 {"to":"ada@example.com"}
	// job-1 succeeded "sent"
}

// Waiting for a job that another goroutine or process finishes: watch
// first, then check, then wait, so a finish in between is never missed.
func ExampleStore_Finished() {
	dir, err := os.MkdirTemp("", "spindle-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "jobs.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if _, err := s.Insert(ctx, []*store.Job{{ID: "job-2", Name: "double", Queue: "default", Args: []byte(`21`), MaxAttempts: 1}}); err != nil {
		log.Fatal(err)
	}

	go func() { // a worker
		jobs, err := s.Claim(ctx, store.ClaimRequest{Queues: []string{"default"}, Limit: 1, Owner: "w", Now: now, LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(jobs) == 0 {
			log.Fatal("claim: ", err)
		}
		s.Finish(ctx, []store.Outcome{{ID: "job-2", Owner: "w", State: store.Succeeded, Result: []byte(`42`), FinishedAt: now}})
	}()

	for {
		done, stop := s.Finished("job-2")
		j, err := s.Get(ctx, "job-2")
		if err != nil {
			log.Fatal(err)
		}
		if j.State.Final() {
			stop()
			fmt.Println(j.State, string(j.Result))
			return
		}
		<-done // may be spurious: check again
		stop()
	}
	// Output:
	// succeeded 42
}
