package integration_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	spindle "github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// pushingStore is a store that pushes (its own signals pass through)
// and counts the reads made through it.
type pushingStore struct {
	*quietStore
	mem store.Store
}

func (p pushingStore) WatchFinishes() store.FinishWatch { return p.mem.WatchFinishes() }

// readingStore is what the counting tests need of a wrapper.
type readingStore interface {
	store.Store
	readTimes() []time.Time
}

// Many handles waiting make reads in proportion to the sweeps, not to
// the handles: 1,000 jobs that never run, waited for 10s (ten sweep
// periods of 1s), cost a few dozen reads with or without push, where a
// read per handle per period would be 10,000.
func TestWaitingHandlesShareReads(t *testing.T) {
	const handles, wait = 1000, 10 * time.Second
	for _, tc := range []struct {
		name string
		wrap func(store.Store) readingStore
		// max reads: the first one, then one per Polling.Sweep where the
		// store pushes, Huey's backoff from 100ms to 1s where it cannot
		// (about 20 reads in 10s), and a few first reads made while the
		// waits were still being registered.
		max int
	}{
		{"push", func(s store.Store) readingStore { return pushingStore{&quietStore{Store: s}, s} }, 1 + 10 + 10},
		{"no push", func(s store.Store) readingStore { return &quietStore{Store: s} }, 1 + 22 + 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, mem := memClient(t)
				rs := tc.wrap(mem)
				c, err := jobs.New(rs, jobs.WithPolling(jobs.Polling{Sweep: time.Second}))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				args := make([]addArgs, handles)
				g, err := add.Map(context.Background(), c, args) // no worker: they wait
				if err != nil {
					t.Fatal(err)
				}
				aws := make([]spindle.Awaitable[int], g.Len())
				for i, h := range g.Handles() {
					aws[i] = h
				}
				check := func(what string, waitFor func(ctx context.Context) error) {
					t.Helper()
					before := len(rs.readTimes())
					ctx, cancel := context.WithTimeout(context.Background(), wait)
					defer cancel()
					if err := waitFor(ctx); !errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("%s = %v; want the deadline", what, err)
					}
					n := len(rs.readTimes()) - before
					t.Logf("%s: %d handles waiting %v: %d reads", what, handles, wait, n)
					if n > tc.max {
						t.Fatalf("%s: %d handles waiting %v made %d reads; want at most %d", what, handles, wait, n, tc.max)
					}
				}
				check("Gather", func(ctx context.Context) error { _, err := spindle.Gather(ctx, aws...); return err })
				check("Group.Await", func(ctx context.Context) error { _, err := g.Await(ctx); return err })
				check("Done", func(ctx context.Context) error {
					for _, h := range g.Handles() {
						h.Done()
					}
					<-ctx.Done()
					return ctx.Err()
				})
			})
		})
	}
}

// A Group's Await reads its jobs together: one read for all of them
// once they are final, not one each.
func TestGroupAwaitReadsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{Concurrency: 8}, add)
		args := make([]addArgs, 100)
		for i := range args {
			args[i] = addArgs{i, 0}
		}
		g, err := add.Map(context.Background(), c, args)
		if err != nil {
			t.Fatal(err)
		}
		<-g.Done() // every job final; the handles of a new group know nothing
		q := &quietStore{Store: mem}
		other, err := jobs.New(q)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		hs := make([]*jobs.Handle[int], g.Len())
		for i, h := range g.Handles() {
			hs[i] = jobs.HandleOf[int](other, h.ID())
		}
		got, err := jobs.GroupOf(other, hs...).Await(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got[99] != 99 {
			t.Fatalf("results %v", got)
		}
		if n := len(q.readTimes()); n != 1 {
			t.Fatalf("Group.Await of %d final jobs made %d reads; want 1", len(hs), n)
		}
	})
}

// failingSweeps is a store whose pushes are lost and whose reads of many
// jobs fail while fail is set.
type failingSweeps struct {
	quietMem
	fail  atomic.Bool
	fails atomic.Int64
}

func (s *failingSweeps) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	if s.fail.Load() {
		s.fails.Add(1)
		return nil, nil, errors.New("connection reset (the test's)")
	}
	return s.quietMem.FinishedAmong(ctx, ids)
}

// Where the store pushes, a sweep that fails does not end the waits it
// guards: the jobs are read again soon.
func TestFailedSweepKeepsWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, mem := memClient(t)
		fs := &failingSweeps{quietMem: quietMem{mem}}
		other, err := jobs.New(fs, jobs.WithPolling(jobs.Polling{Sweep: time.Second}))
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		h, err := add.Enqueue(context.Background(), c, addArgs{20, 22})
		if err != nil {
			t.Fatal(err)
		}
		watched := jobs.HandleOf[int](other, h.ID())
		done := watched.Done()
		time.Sleep(500 * time.Millisecond) // the first read went through
		fs.fail.Store(true)
		time.Sleep(time.Second) // the sweep fails
		if fs.fails.Load() == 0 {
			t.Fatal("no sweep came while reads failed")
		}
		fs.fail.Store(false)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		<-done
		if got, err := watched.Result(); err != nil || got != 42 {
			t.Fatalf("Result = %d, %v; want 42 despite the failed sweep", got, err)
		}
	})
}

// Round trips one after another are each woken by their job's finish:
// the batching of new waits into one read never delays a lone wait
// whose job the store pushes.
func TestLoneAwaitsAreNotBatched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := memClient(t)
		startWorker(t, c, jobs.WorkerOptions{}, add)
		ctx := context.Background()
		for i := range 5 {
			h, err := add.Enqueue(ctx, c, addArgs{i, 1})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if got, err := h.Await(ctx); err != nil || got != i+1 {
				t.Fatalf("round trip %d: %d, %v", i, got, err)
			}
			if d := time.Since(start); d != 0 {
				t.Fatalf("round trip %d took %v of fake time; want 0 (the worker runs at once)", i, d)
			}
		}
	})
}
