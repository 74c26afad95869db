package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/chunked"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// Get returns the job with that ID (one HGETALL), or an error wrapping
// store.ErrNotFound. Get only reads, so when Redis cannot be reached it
// keeps trying, with backoff, for up to the read-retry time ([WithReadRetry],
// default 30s): a handle awaiting a job rides out a Redis restart. ctx
// bounds the call.
func (s *core) Get(ctx context.Context, id string) (*store.Job, error) {
	var m map[string]string
	err := s.retryReads(ctx, func() (err error) {
		m, err = s.rdb.HGetAll(ctx, s.k.job(id)).Result()
		return err
	})
	if err != nil {
		return nil, opErr(ctx, "get "+id, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("redis: get %s: %w", id, store.ErrNotFound)
	}
	return jobFromMap(id, m)
}

// listScanBudget is how many jobs one List script examines.
const listScanBudget = 5000

// List returns one page of jobs matching req, in ID order (descending
// with req.Desc) between req.After and req.Before. It walks the ID index; with filters, each script examines at
// most a few thousand jobs and List repeats it until the page is full, so
// a filter that matches few of many jobs costs time in proportion to the
// jobs it skips. ctx bounds the call.
func (s *core) List(ctx context.Context, req store.ListRequest) ([]*store.Job, error) {
	limit := req.Limit
	var out []*store.Job
	cursor, bound, desc := req.After, req.Before, "0"
	if req.Desc {
		cursor, bound, desc = req.Before, req.After, "1"
	}
	for len(out) < limit {
		res, err := listScript.run(ctx, s, cursor, req.Queue, string(req.State), req.Name,
			strconv.Itoa(limit-len(out)), strconv.Itoa(listScanBudget), bound, desc).Slice()
		if err != nil {
			return nil, opErr(ctx, "list", err)
		}
		if len(res) != 3 {
			return nil, fmt.Errorf("redis: list: unexpected reply %v", res)
		}
		jobs, err := jobsFromReply(res[0])
		if err != nil {
			return nil, fmt.Errorf("redis: list: %w", err)
		}
		out = append(out, jobs...)
		cursor, _ = res[1].(string)
		if int64Of(res[2]) == 1 {
			break
		}
	}
	return out, nil
}

// Queues lists every queue that has jobs or is paused, by name, with its
// job count for every state (zero included), from counters kept by every
// transition: one script, whatever the number of jobs. ctx bounds it.
func (s *core) Queues(ctx context.Context) ([]store.QueueInfo, error) {
	qs, err := s.queues(ctx)
	if err != nil {
		return nil, opErr(ctx, "queues", err)
	}
	return qs, nil
}

func (s *core) queues(ctx context.Context) ([]store.QueueInfo, error) {
	res, err := queuesScript.run(ctx, s).Slice()
	if err != nil {
		return nil, err
	}
	var out []store.QueueInfo
	for i := 0; i+2 < len(res); i += 3 {
		name, _ := res[i].(string)
		qi := store.QueueInfo{Name: name, Paused: int64Of(res[i+1]) == 1, Counts: storecheck.NewCounts()}
		pairs := stringsOf(res[i+2])
		total := 0
		for j := 0; j+1 < len(pairs); j += 2 {
			n, _ := strconv.Atoi(pairs[j+1])
			qi.Counts[store.State(pairs[j])] += n
			total += n
		}
		if total > 0 || qi.Paused {
			out = append(out, qi)
		}
	}
	storecheck.SortQueues(out)
	return out, nil
}

// oldestBatch is how many ready jobs one script of Stats examines.
const oldestBatch = 2000

// Stats counts jobs by state from the queues' counters, and finds the
// enqueue time of the oldest Queued job by reading every queued job's
// EnqueuedAt, a few thousand per script: meant for admin tools, its cost
// grows with the backlog. ctx bounds it.
func (s *core) Stats(ctx context.Context) (store.Stats, error) {
	qs, err := s.queues(ctx)
	if err != nil {
		return store.Stats{}, opErr(ctx, "stats", err)
	}
	st := storecheck.Stats(qs)
	var oldest int64
	found := false
	for _, q := range qs {
		for off := 0; q.Counts[store.Queued] > 0; off += oldestBatch {
			res, err := oldestScript.run(ctx, s, q.Name, strconv.Itoa(off), strconv.Itoa(oldestBatch)).Slice()
			if err != nil {
				return store.Stats{}, opErr(ctx, "stats", err)
			}
			if len(res) != 2 {
				return store.Stats{}, fmt.Errorf("redis: stats: unexpected reply %v", res)
			}
			if v, _ := res[0].(string); v != "" {
				n, _ := strconv.ParseInt(v, 10, 64)
				if !found || n < oldest {
					oldest, found = n, true
				}
			}
			if int64Of(res[1]) < oldestBatch {
				break
			}
		}
	}
	if found {
		st.Oldest = time.UnixMilli(oldest).UTC()
	}
	return st, nil
}

// Retry moves a final job back to Queued, claimable from now, with
// Attempt reset to 0 (a fresh budget of MaxAttempts) and its lease,
// result, retention, revoke reason and ExpiresAt cleared (retrying is a
// request to run it, which an old revoke or a passed deadline would undo
// at once); LastError and Errors are kept as history. It fails with store.ErrNotFound, store.ErrRunning, or an error
// saying the job is not final yet or its UniqueKey is now held by
// another unfinished job. ctx bounds it.
func (s *core) Retry(ctx context.Context, id string, now time.Time) error {
	res, err := retryScript.run(ctx, s, id, msAlways(now), "").Text()
	if err != nil {
		return opErr(ctx, "retry "+id, err)
	}
	switch {
	case res == "ok":
		return nil
	case res == "notfound":
		return fmt.Errorf("redis: retry %s: %w", id, store.ErrNotFound)
	case res == "running":
		return fmt.Errorf("redis: retry %s: %w", id, store.ErrRunning)
	case res == "unique":
		return fmt.Errorf("redis: retry %s: its unique key is held by another unfinished job", id)
	case strings.HasPrefix(res, "notfinal:"):
		return fmt.Errorf("redis: retry %s: job is %s: %w", id, strings.TrimPrefix(res, "notfinal:"), store.ErrNotFinal)
	}
	return fmt.Errorf("redis: retry %s: unexpected reply %q", id, res)
}

// Delete removes a job that is not Running; it fails with
// store.ErrNotFound or store.ErrRunning. Anyone awaiting the job, in any
// process, is woken (their Get then reports ErrNotFound). ctx bounds it.
func (s *core) Delete(ctx context.Context, id string) error {
	res, err := deleteScript.run(ctx, s, id).Text()
	if err != nil {
		return opErr(ctx, "delete "+id, err)
	}
	switch res {
	case "ok":
		s.notify.finished([]string{id})
		return nil
	case "notfound":
		return fmt.Errorf("redis: delete %s: %w", id, store.ErrNotFound)
	case "running":
		return fmt.Errorf("redis: delete %s: %w", id, store.ErrRunning)
	}
	return fmt.Errorf("redis: delete %s: unexpected reply %q", id, res)
}

// purgeBatch bounds the jobs one Purge or Prune script examines, so a
// large clean-up never blocks Redis for long: other clients get their
// turn between scripts.
const purgeBatch = 1000

// Purge deletes the jobs of queue (every queue when empty) in state
// (every state but Running when empty) and reports how many. Running jobs
// are never purged. Queued and Scheduled jobs of one queue are taken from
// that queue's sets; other filters walk the ID index. If ctx ends
// part-way, the batches already deleted stay deleted and the count so far
// is returned with the error.
func (s *core) Purge(ctx context.Context, queue string, state store.State) (int, error) {
	cursor := ""
	return chunked.Walk(func() (int, bool, error) {
		res, err := purgeScript.run(ctx, s, queue, string(state), cursor, strconv.Itoa(purgeBatch)).Slice()
		if err != nil {
			return 0, false, opErr(ctx, "purge", err)
		}
		if len(res) != 3 {
			return 0, false, fmt.Errorf("redis: purge: unexpected reply %v", res)
		}
		n := int(int64Of(res[0]))
		if n > 0 {
			s.notify.finishedAll()
		}
		cursor, _ = res[1].(string)
		return n, int64Of(res[2]) != 1, nil
	})
}

// Prune deletes final jobs whose RetainUntil is set and before now, and
// the leases and counters that expired before now, and reports how many
// jobs it deleted. It walks the retention index in batches; if ctx ends
// part-way, the batches already deleted stay deleted.
func (s *core) Prune(ctx context.Context, now time.Time) (int, error) {
	leases := "1"
	return chunked.Walk(func() (int, bool, error) {
		res, err := pruneScript.run(ctx, s, msAlways(now), strconv.Itoa(purgeBatch), leases).Slice()
		if err != nil {
			return 0, false, opErr(ctx, "prune", err)
		}
		if len(res) != 2 {
			return 0, false, fmt.Errorf("redis: prune: unexpected reply %v", res)
		}
		leases = "0"
		return int(int64Of(res[0])), int64Of(res[1]) != 0, nil
	})
}

// Pause stops workers everywhere from claiming jobs of queue (running
// jobs are not affected). Pausing a paused queue is a no-op. ctx bounds
// it.
func (s *core) Pause(ctx context.Context, queue string) error {
	if err := s.rdb.SAdd(ctx, s.k.prefix+"paused", queue).Err(); err != nil {
		return opErr(ctx, "pause "+queue, err)
	}
	return nil
}

// Resume lets workers claim jobs of queue again and wakes its Ready
// watchers in every process. Resuming a queue that is not paused is a
// no-op. ctx bounds it.
func (s *core) Resume(ctx context.Context, queue string) error {
	if err := s.rdb.SRem(ctx, s.k.prefix+"paused", queue).Err(); err != nil {
		return opErr(ctx, "resume "+queue, err)
	}
	if err := s.rdb.Publish(ctx, s.k.evReady, "r"+queue).Err(); err != nil {
		return opErr(ctx, "resume "+queue, err)
	}
	s.notify.ready([]string{queue})
	return nil
}

// retryReads runs an idempotent read, repeating it while it fails for
// want of a connection, until it succeeds, fails otherwise, ctx ends, or
// the read-retry time passes.
func (s *core) retryReads(ctx context.Context, read func() error) error {
	var deadline time.Time
	backoff := 10 * time.Millisecond
	for {
		err := read()
		if err == nil || ctx.Err() != nil || !transient(err) || s.readRetry <= 0 {
			return err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(s.readRetry)
		} else if time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, 250*time.Millisecond)
	}
}

// transient reports whether err is a failure to reach Redis (the
// connection, not the command) or a server still loading its data after
// a restart, which a retry may cure.
func transient(err error) bool {
	var re goredis.Error
	if errors.As(err, &re) {
		// Redis answered with an error, which a retry cures only while a
		// restarted server is still loading its data.
		return strings.HasPrefix(re.Error(), "LOADING ")
	}
	return !errors.Is(err, goredis.ErrClosed) && !errors.Is(err, store.ErrClosed)
}
