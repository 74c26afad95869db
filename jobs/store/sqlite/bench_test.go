package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// The benchmarks measure the store's job path against SQLite's own limit
// on the same machine in the same run: BenchmarkRaw* are plain INSERT
// loops through the same driver with the same pragmas (WAL,
// synchronous=NORMAL), so the ratio of jobs/s to rows/s says how much the
// store adds. Run:
//
//	go test -run '^$' -bench . -benchtime 2s -count 3 ./jobs/store/sqlite/

var benchT0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func benchJob(i int) *store.Job {
	return &store.Job{
		ID: fmt.Sprintf("%020d", i), Name: "noop", Queue: "default",
		Args: fmt.Appendf(nil, `{"n":%d}`, i), State: store.Queued, MaxAttempts: 3,
		RunAt: benchT0, EnqueuedAt: benchT0,
	}
}

func reportRate(b *testing.B, n int, unit string) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), unit)
}

// rawDB opens a bare table with the store's pragmas and one connection.
func rawDB(b *testing.B) *sql.DB {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", "file://"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id TEXT NOT NULL PRIMARY KEY, args BLOB)`); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkRawInsertCommit is SQLite's limit for one durable write per
// operation: one autocommit single-row INSERT per iteration.
func BenchmarkRawInsertCommit(b *testing.B) {
	db := rawDB(b)
	st, err := db.Prepare(`INSERT INTO t (id, args) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for i := range b.N {
		if _, err := st.Exec(fmt.Sprintf("%020d", i), fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N, "rows/s")
}

// BenchmarkRawInsertBatch is SQLite's limit for bulk inserts: 1,000
// single-row INSERTs per transaction.
func BenchmarkRawInsertBatch(b *testing.B) {
	const batch = 1000
	db := rawDB(b)
	st, err := db.Prepare(`INSERT INTO t (id, args) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	n := 0
	for range b.N {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		txst := tx.Stmt(st)
		for range batch {
			if _, err := txst.Exec(fmt.Sprintf("%020d", n), fmt.Appendf(nil, `{"n":%d}`, n)); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, n, "rows/s")
}

// BenchmarkInsertOne enqueues one job per Insert: one committed
// transaction per job, as a user enqueuing in a loop does.
func BenchmarkInsertOne(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Insert(ctx, []*store.Job{benchJob(i)}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N, "jobs/s")
}

// BenchmarkInsertBatch enqueues 1,000 jobs per Insert.
func BenchmarkInsertBatch(b *testing.B) { benchInsertBatch(b, false) }

// BenchmarkInsertBatchRetained is BenchmarkInsertBatch with a Retention
// set on every job, as package jobs may set from the definition, which
// stores two more columns per job.
func BenchmarkInsertBatchRetained(b *testing.B) { benchInsertBatch(b, true) }

func benchInsertBatch(b *testing.B, retained bool) {
	const batch = 1000
	s := openTemp(b)
	ctx := context.Background()
	jobs := make([]*store.Job, batch)
	b.ResetTimer()
	n := 0
	for range b.N {
		for k := range jobs {
			jobs[k] = benchJob(n)
			if retained {
				jobs[k].Retention = 7 * 24 * time.Hour
			}
			n++
		}
		if _, err := s.Insert(ctx, jobs); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, n, "jobs/s")
}

// BenchmarkClaimFinish processes queued jobs the way a worker does: claim
// up to batch jobs in one call, then report them all succeeded in one
// Finish. One iteration is one job. names=2 claims by name, as workers
// do (the job's name and another).
func BenchmarkClaimFinish(b *testing.B) {
	for _, c := range []struct{ batch, names int }{{8, 0}, {64, 0}, {8, 2}, {64, 2}} {
		batch := c.batch
		b.Run(fmt.Sprintf("batch=%d/names=%d", batch, c.names), func(b *testing.B) {
			s := openTemp(b)
			ctx := context.Background()
			jobs := make([]*store.Job, 0, 1000)
			for i := range b.N {
				jobs = append(jobs, benchJob(i))
				if len(jobs) == cap(jobs) || i == b.N-1 {
					if _, err := s.Insert(ctx, jobs); err != nil {
						b.Fatal(err)
					}
					jobs = jobs[:0]
				}
			}
			now := benchT0.Add(time.Second)
			req := store.ClaimRequest{Queues: []string{"default"}, Limit: batch, Owner: "w1", Now: now, LeaseUntil: now.Add(time.Minute)}
			if c.names > 0 {
				req.Names = []string{benchJob(0).Name, "other"}
			}
			outs := make([]store.Outcome, 0, batch)
			result := []byte(`null`)
			b.ResetTimer()
			done := 0
			for done < b.N {
				got, err := s.Claim(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) == 0 {
					b.Fatalf("queue empty after %d of %d jobs", done, b.N)
				}
				outs = outs[:0]
				for _, j := range got {
					outs = append(outs, store.Outcome{ID: j.ID, Owner: "w1", State: store.Succeeded, Result: result, FinishedAt: now, RetainUntil: now.Add(time.Hour)})
				}
				if lost, err := s.Finish(ctx, outs); err != nil || len(lost) > 0 {
					b.Fatal(lost, err)
				}
				done += len(got)
			}
			reportRate(b, done, "jobs/s")
		})
	}
}
