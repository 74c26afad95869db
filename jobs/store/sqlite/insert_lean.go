package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// leanChunk is how many lean jobs one INSERT statement carries at most. A
// lean row binds 2 or 4 parameters and its statement 6 or 8 more shared
// by every row, so 16 rows bind at most 70 parameters where 8 rows of the
// fresh statement bind 96: binding (the driver's search and a C copy of
// every text value) was a fifth of the cost of a bulk Insert. Measured on
// a Map of 20,000 jobs: 16 rows cost less CPU per job than 8; 32 showed
// no clear gain over 16.
const leanChunk = 16

// Columns of insertLeanSQL: leanShared are bound once per statement,
// leanTimes once per statement or once per row, leanRow once per row.
const (
	leanShared = `name, queue, priority, state, max_attempts, retention`
	leanTimes  = `run_at, enqueued_at`
	leanRow    = `id, args`
)

// isLean reports whether a fresh job can go through insertLeanSQL: it has
// no Meta and no ExpiresAt, so all it sets beyond its ID, Args and times
// is what the jobs of one Map share.
func isLean(j *store.Job) bool { return j.Meta == nil && j.ExpiresAt.IsZero() }

// leanKey is the values a run of lean jobs shares (see leanShared).
type leanKey struct {
	name, queue        string
	priority, attempts int
	state              store.State
	retention          int64
}

func leanKeyOf(j *store.Job) leanKey {
	return leanKey{name: j.Name, queue: j.Queue, priority: j.Priority, attempts: j.MaxAttempts,
		state: stateOrQueued(j.State), retention: int64(j.Retention)}
}

// leanShape is the form of a lean insert: how many rows, and whether
// they share their times (a Map's jobs are enqueued at one instant), so
// the times are bound once rather than per row.
type leanShape struct {
	rows     int
	sameTime bool
}

// shared is the number of parameters bound once per statement, perRow
// that of each row, which starts with the job's ID.
func (f leanShape) shared() int {
	if f.sameTime {
		return 8
	}
	return 6
}

func (f leanShape) perRow() int {
	if f.sameTime {
		return 2
	}
	return 4
}

func (f leanShape) params() int { return f.shared() + f.rows*f.perRow() }

// leanBatch is the parameters of lean inserts, one chunk after another:
// each chunk's shared values, then those of each row. chunks starts in
// one, so that inserting a single job allocates no slice for it.
type leanBatch struct {
	args   []any
	chunks []leanShape
	one    [1]leanShape
}

// add appends jobs, all lean, in their order: consecutive jobs that share
// a leanKey go in one chunk of up to leanChunk rows.
func (b *leanBatch) add(jobs []*store.Job) {
	if len(jobs) == 0 {
		return
	}
	b.args = make([]any, 0, 4*len(jobs)+8*(len(jobs)/leanChunk+1))
	b.chunks = b.one[:0]
	for i := 0; i < len(jobs); {
		k := leanKeyOf(jobs[i])
		end := i + 1
		for end < len(jobs) && end-i < leanChunk && leanKeyOf(jobs[end]) == k {
			end++
		}
		run, enq := nanos(jobs[i].RunAt), nanos(jobs[i].EnqueuedAt)
		f := leanShape{rows: end - i, sameTime: true}
		for _, j := range jobs[i+1 : end] {
			if nanos(j.RunAt) != run || nanos(j.EnqueuedAt) != enq {
				f.sameTime = false
				break
			}
		}
		b.args = append(b.args, k.name, k.queue, k.priority, string(k.state), k.attempts, k.retention)
		if f.sameTime {
			b.args = append(b.args, run, enq)
		}
		for _, j := range jobs[i:end] {
			b.args = append(b.args, j.ID, nullBytes(j.Args))
			if !f.sameTime {
				b.args = append(b.args, nanos(j.RunAt), nanos(j.EnqueuedAt))
			}
		}
		b.chunks = append(b.chunks, f)
		i = end
	}
}

// insertLean runs the chunks of b. It fails with errFreshDup when an ID
// exists.
func (s *core) insertLean(ctx context.Context, b *leanBatch) error {
	args := b.args
	for _, f := range b.chunks {
		st, err := s.ws.insertLeanStmt(ctx, s.wconn, f)
		if err != nil {
			return err
		}
		p := f.params()
		added, err := execCount(ctx, st, args[:p]...)
		if err != nil {
			return insertErr(err, fmt.Sprintf("jobs %v..%v", args[f.shared()], args[p-f.perRow()]))
		}
		if added < int64(f.rows) {
			return errFreshDup
		}
		args = args[p:]
	}
	return nil
}

// insertLeanSQL inserts f.rows lean jobs in one statement. The shared
// values are numbered parameters ?1 to ?6 (or ?8, with the times) that
// every row repeats; the plain ? of the rows number on from there. A
// single row (one Enqueue) uses plain ? throughout, in the same order:
// the driver copies the name of every numbered parameter into a Go string
// on each call, a cost only repeating rows repay. Only an existing ID
// conflicts, and OR IGNORE skips it, as in insertFreshSQL.
func insertLeanSQL(f leanShape) string {
	cols := leanShared + ", " + leanRow + ", " + leanTimes
	if f.sameTime {
		cols = leanShared + ", " + leanTimes + ", " + leanRow
	}
	shared := make([]string, f.shared())
	for i := range shared {
		shared[i] = "?"
		if f.rows > 1 {
			shared[i] += strconv.Itoa(i + 1)
		}
	}
	row := "(" + strings.Join(shared, ", ") + strings.Repeat(", ?", f.perRow()) + ")"
	return "INSERT OR IGNORE INTO jobs (" + cols + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", f.rows), ", ")
}
