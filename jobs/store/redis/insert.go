package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Insert adds jobs in one script: all of them or, on error, none. A job
// whose ID already exists (in any state), or whose UniqueKey is held by an
// unfinished job (one already stored, or an earlier one in the same
// batch), is skipped and returned in dups with the job it duplicates, so
// inserting the same pre-assigned IDs or unique keys from several
// processes at once stores each job once. A holder whose UniqueUntil is
// not after the new job's EnqueuedAt yields the key to it in the script.
// A job with an empty State is stored as Queued; only Queued and
// Scheduled are accepted. The store keeps its own copy of every slice.
//
// One call costs one round trip whatever the batch size, so batching
// many jobs is far cheaper per job. ctx bounds the call; a call that ends
// with ctx may or may not have inserted the batch (the reply was lost),
// and inserting it again reports the jobs that made it as dups.
func (s *core) Insert(ctx context.Context, jobs []*store.Job) (dups []store.Dup, err error) {
	for i, j := range jobs {
		if err := validateNew(i, j); err != nil {
			return nil, err
		}
	}
	if len(jobs) == 1 && plainReady(jobs[0]) {
		return s.insertReady(ctx, jobs[0])
	}
	var reg []string
	for _, j := range jobs {
		if !slices.Contains(reg, j.Queue) && s.registerQueue(j.Queue) {
			reg = append(reg, j.Queue)
		}
	}
	args := insertScript.args(s, 2+len(reg)+len(jobs)*20)
	args = append(args, strconv.Itoa(len(reg)))
	for _, q := range reg {
		args = append(args, q)
	}
	args = append(args, strconv.Itoa(len(jobs)))
	for _, j := range jobs {
		st := j.State
		if st == "" {
			st = store.Queued
		}
		// The score and member of the job's ready or sched set.
		score, member := msAlwaysOrZero(j), j.ID
		if st == store.Queued {
			score, member = strconv.Itoa(-j.Priority), readyMember(j.RunAt, j.ID)
		}
		ea := ""
		if j.UniqueKey != "" {
			ea = msAlways(j.EnqueuedAt)
		}
		args = append(args, j.ID, j.Queue, string(st), score, member, j.UniqueKey, ea, ms(j.ExpiresAt), "")
		n := len(args)
		args, err = appendJobFields(args, j)
		if err != nil {
			s.forgetQueues(jobs)
			return nil, fmt.Errorf("redis: insert job %s: %w", j.ID, err)
		}
		args[n-1] = strconv.Itoa(len(args) - n)
	}
	return s.insertReply(ctx, jobs, insertScript.do(ctx, s, args))
}

// plainReady reports whether j is what insertReady takes: Queued, with
// no unique key and no deadline.
func plainReady(j *store.Job) bool {
	return (j.State == "" || j.State == store.Queued) && j.UniqueKey == "" && j.ExpiresAt.IsZero()
}

// insertReady inserts one Queued job without a unique key or deadline
// through the script made for it; see Insert.
func (s *core) insertReady(ctx context.Context, j *store.Job) ([]store.Dup, error) {
	reg := "0"
	if s.registerQueue(j.Queue) {
		reg = "1"
	}
	args := insertReadyScript.args(s, 24)
	args = append(args, reg, j.Queue, j.ID, strconv.Itoa(-j.Priority), readyMember(j.RunAt, j.ID))
	args, err := appendJobFields(args, j)
	if err != nil {
		s.forgetQueues([]*store.Job{j})
		return nil, fmt.Errorf("redis: insert job %s: %w", j.ID, err)
	}
	return s.insertReply(ctx, []*store.Job{j}, insertReadyScript.do(ctx, s, args))
}

// insertReply decodes an insert script's reply and announces the queues
// it signaled; a failed call forgets the queues it was to register.
func (s *core) insertReply(ctx context.Context, jobs []*store.Job, cmd *goredis.Cmd) (dups []store.Dup, err error) {
	res, err := cmd.Slice()
	if err != nil {
		s.forgetQueues(jobs)
		return nil, opErr(ctx, "insert", err)
	}
	if len(res) >= 2 {
		pairs := stringsOf(res[0])
		for i := 0; i+1 < len(pairs); i += 2 {
			dups = append(dups, store.Dup{ID: pairs[i], Existing: pairs[i+1]})
		}
		s.notify.ready(stringsOf(res[1]))
	}
	return dups, nil
}

// maxReadyRunAt is the largest RunAt, in milliseconds, that the ready
// member's 12 hex digits hold (the year 10889); later ones are clamped.
const maxReadyRunAt = 1<<48 - 1

// readyMember is the member of a job in its queue's ready set: RunAt in
// milliseconds as 12 hex digits, so that equal priorities sort by RunAt
// and then ID, then the ID. The scripts' rmember builds the same.
func readyMember(runAt time.Time, id string) string {
	var ms int64
	if !runAt.IsZero() {
		ms = min(max(runAt.UnixMilli(), 0), maxReadyRunAt)
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 12, 12+len(id))
	for i := 11; i >= 0; i-- {
		b[i] = hex[ms&15]
		ms >>= 4
	}
	return string(append(b, id...))
}

// msAlwaysOrZero is the RunAt score of j: its milliseconds, 0 when zero.
func msAlwaysOrZero(j *store.Job) string {
	if j.RunAt.IsZero() {
		return "0"
	}
	return msAlways(j.RunAt)
}

// validateNew rejects jobs no store could run, naming the job and field.
func validateNew(i int, j *store.Job) error { return storecheck.NewJob("redis", i, j) }

// queueRecheck is how long Insert trusts that it registered a queue in
// the namespace's queue set, which Recover, Queues and Stats walk. The set
// only grows, so the cache saves a command per insert; it expires so that
// a namespace wiped under a running process heals.
const queueRecheck = 30 * time.Second

// registerQueue reports whether the insert script should add q to the
// queue set, and notes that it will have.
func (s *core) registerQueue(q string) bool {
	now := time.Now().UnixNano()
	if t, ok := s.queuesSeen.Load(q); ok && now-t.(int64) < int64(queueRecheck) {
		return false
	}
	s.queuesSeen.Store(q, now)
	return true
}

// forgetQueues undoes registerQueue after a failed insert.
func (s *core) forgetQueues(jobs []*store.Job) {
	for _, j := range jobs {
		s.queuesSeen.Delete(j.Queue)
	}
}
