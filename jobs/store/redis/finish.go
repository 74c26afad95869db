package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/internal/storetext"
	"github.com/spindlehq/spindle/jobs/store"
)

// Finish applies outcomes in one script, one round trip for the whole
// batch. An outcome whose job is not Running under Outcome.Owner (the
// lease expired and was recovered, the job was deleted, another worker
// holds it) changes nothing and its ID is returned in lost. Failed
// outcomes append to the job's error history; a Queued outcome gives the
// job back without counting the attempt. Watchers of jobs that reached a
// final state are woken (in every process, by pub/sub), and Ready
// watchers when a job was rescheduled or given back.
//
// Error text is kept as storetext.Clean makes it, results byte for byte.
// An error reply from Redis that a retry cannot cure (the script failed
// on the data, a value over a limit) matches store.ErrRejected; the
// outcomes the script applied before it failed are reported lost by a
// repeat.
//
// ctx bounds the call; a call that ends with ctx may or may not have
// applied the batch, and applying it again reports every job as lost.
func (s *core) Finish(ctx context.Context, outcomes []store.Outcome) (lost []string, err error) {
	args := make([]any, 0, 1+10*len(outcomes))
	args = append(args, strconv.Itoa(len(outcomes)))
	for _, o := range outcomes {
		// Beyond the common checks: a retry's time orders the retry set.
		if o.State == store.Scheduled && o.RunAt.IsZero() {
			return nil, fmt.Errorf("redis: finish job %s: State %q with a zero RunAt; want when to retry", o.ID, o.State)
		}
		args = appendOutcome(args, o)
	}
	res, err := finishScript.run(ctx, s, args...).Slice()
	if err != nil {
		return nil, opErr(ctx, "finish", err)
	}
	if len(res) >= 3 {
		lost = stringsOf(res[0])
		s.notify.finished(stringsOf(res[1]))
		s.notify.ready(stringsOf(res[2]))
	}
	return lost, nil
}

// appendOutcome appends the ten script arguments of o (see
// scriptFinish). The error text is cleaned as every store cleans it; the
// result goes as it is, Redis strings being bytes.
func appendOutcome(args []any, o store.Outcome) []any {
	ej, et, at := "", "", ""
	if o.State != store.Succeeded && o.State != store.Queued {
		et = storetext.Clean(o.Error)
		ej, at = jsonString(et), rfc3339(o.FinishedAt)
	}
	return append(args, o.ID, o.Owner, string(o.State), string(o.Result), ej, et, at,
		ms(o.RunAt), ms(o.FinishedAt), ms(o.RetainUntil))
}

// ExtendLeases moves the lease of each job in ids that owner still holds
// to until, in one script, and returns the IDs it no longer holds. ctx
// bounds the call.
func (s *core) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) (lost []string, err error) {
	args := make([]any, 0, 2+len(ids))
	args = append(args, owner, msAlways(until))
	for _, id := range ids {
		args = append(args, id)
	}
	v, err := extendScript.run(ctx, s, args...).Result()
	if err != nil {
		return nil, opErr(ctx, "extend leases", err)
	}
	return stringsOf(v), nil
}

// recoverBatch bounds the jobs one Recover script moves, so a large
// recovery never blocks Redis for long; Recover repeats until done.
const recoverBatch = 1000

// Recover returns Running jobs whose lease expired before now to Queued
// when attempts remain, or moves them to Dead, recording "lease expired"
// as the attempt's error either way; and moves Queued and Scheduled jobs
// whose ExpiresAt is before now to Expired. It is safe to run from every
// worker at once. ctx bounds it; the batches already applied stay applied.
func (s *core) Recover(ctx context.Context, now time.Time) ([]store.Recovered, error) {
	var moved []store.Recovered
	for {
		res, err := recoverScript.run(ctx, s, msAlways(now), rfc3339(now), strconv.Itoa(recoverBatch)).Slice()
		if err != nil {
			return moved, opErr(ctx, "recover", err)
		}
		if len(res) < 5 {
			return moved, fmt.Errorf("redis: recover: unexpected reply %v", res)
		}
		recs := stringsOf(res[4])
		for i := 0; i+5 < len(recs); i += 6 {
			attempt, _ := strconv.Atoi(recs[i+3])
			moved = append(moved, store.Recovered{ID: recs[i], Name: recs[i+1], Queue: recs[i+2], Attempt: attempt, State: store.State(recs[i+4]), Error: recs[i+5]})
		}
		s.notify.finished(stringsOf(res[1]))
		s.notify.ready(stringsOf(res[2]))
		if int64Of(res[3]) == 0 {
			return moved, nil
		}
	}
}
