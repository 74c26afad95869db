package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// Revoke cancels job id with reason in one script, which also reads the
// result. A Scheduled or Queued job becomes Canceled at once (its
// watchers woken everywhere); a Running job keeps its lease with Revoke =
// reason and every process's Revoked channel is signalled, so the owner
// calls RevokeRequests and reports Canceled. A final job is left alone:
// it is described with an error wrapping store.ErrFinal. An unknown id
// gives store.ErrNotFound and an empty reason an error (the reason is how
// the owner tells a revoked job from another). ctx bounds the call.
func (s *core) Revoke(ctx context.Context, id, reason string, now time.Time) (store.RevokeResult, error) {
	res, err := revokeScript.run(ctx, s, id, reason, msAlways(now)).StringSlice()
	if err != nil {
		return store.RevokeResult{}, opErr(ctx, "revoke "+id, err)
	}
	if len(res) != 5 {
		return store.RevokeResult{}, fmt.Errorf("redis: revoke %s: unexpected reply %q", id, res)
	}
	attempt, err := strconv.Atoi(res[4])
	if err != nil {
		return store.RevokeResult{}, fmt.Errorf("redis: revoke %s: unexpected reply %q", id, res)
	}
	r := store.RevokeResult{State: store.State(res[0]), Name: res[2], Queue: res[3], Attempt: attempt}
	switch res[1] {
	case "notfound":
		return store.RevokeResult{}, fmt.Errorf("redis: revoke %s: %w", id, store.ErrNotFound)
	case "final":
		return r, fmt.Errorf("redis: revoke %s: job is %s: %w", id, r.State, store.ErrFinal)
	}
	if r.State == store.Canceled {
		s.notify.finished([]string{id})
	} else {
		s.notify.revoked()
	}
	return r, nil
}

// RevokeRequests returns the Running jobs leased by owner whose revoke was
// requested, as ID to reason. It reads one set per owner, so a worker may
// call it on every heartbeat. ctx bounds the call.
func (s *core) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	res, err := revokeRequestsScript.run(ctx, s, owner).StringSlice()
	if err != nil {
		return nil, opErr(ctx, "revoke requests", err)
	}
	out := make(map[string]string, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		out[res[i]] = res[i+1]
	}
	return out, nil
}

// Wake makes the Scheduled jobs among ids claimable now (Queued, RunAt =
// now) in one script and signals Ready for their queues in every process;
// jobs in other states and unknown IDs are left alone. ctx bounds the
// call.
func (s *core) Wake(ctx context.Context, ids []string, now time.Time) error {
	args := make([]any, 0, 1+len(ids))
	args = append(args, msAlways(now))
	for _, id := range ids {
		args = append(args, id)
	}
	v, err := wakeScript.run(ctx, s, args...).Result()
	if err != nil {
		return opErr(ctx, "wake", err)
	}
	s.notify.ready(stringsOf(v))
	return nil
}
