package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// maxClaimQueues bounds how many queues one Claim may name.
const maxClaimQueues = 64

// Claim leases up to req.Limit ready jobs in one script: it promotes the
// due Scheduled jobs of each queue, merges the queues' ready sets in claim
// order (priority, then RunAt, then ID) and leases the first req.Limit, so
// a claim costs one round trip whatever the batch. Claimers anywhere
// never receive the same job. Jobs of paused queues are not claimed.
//
// ctx bounds the call. A call that ends with ctx after the script ran
// leases jobs nobody runs; Recover returns them when the lease expires.
func (s *Store) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	queues, err := validateClaim(req)
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, 5+len(queues))
	args = append(args, msAlways(req.Now), msAlways(req.LeaseUntil), req.Owner, strconv.Itoa(req.Limit), strconv.Itoa(len(queues)))
	for _, q := range queues {
		args = append(args, q)
	}
	res, err := claimScript.run(ctx, s, args...).Slice()
	if err != nil {
		return nil, opErr(ctx, "claim", err)
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("redis: claim: unexpected reply %v", res)
	}
	jobs, err := jobsFromReply(res[0])
	if err != nil {
		return nil, fmt.Errorf("redis: claim: %w", err)
	}
	// Wake this process's waiting workers when the earliest Scheduled job
	// of a queue falls due.
	due := stringsOf(res[1])
	for i := 0; i+1 < len(due); i += 2 {
		s.notify.scheduled(due[i], due[i+1])
	}
	// The script returns the fields as they were; apply the lease it
	// wrote, so Redis does not copy every field into a new reply.
	now, until := time.UnixMilli(req.Now.UnixMilli()).UTC(), time.UnixMilli(req.LeaseUntil.UnixMilli()).UTC()
	for _, j := range jobs {
		j.State, j.Attempt, j.StartedAt, j.LeaseOwner, j.LeaseUntil = store.Running, j.Attempt+1, now, req.Owner, until
	}
	return jobs, nil
}

func validateClaim(req store.ClaimRequest) ([]string, error) {
	switch {
	case len(req.Queues) == 0:
		return nil, fmt.Errorf("redis: claim: no Queues; want at least one queue name")
	case req.Limit < 1:
		return nil, fmt.Errorf("redis: claim: Limit %d; want at least 1", req.Limit)
	case req.Owner == "":
		return nil, fmt.Errorf("redis: claim: empty Owner; want the claiming worker's ID")
	}
	queues := req.Queues
	if len(queues) > 1 {
		queues = slices.Clone(queues)
		slices.Sort(queues)
		queues = slices.Compact(queues)
	}
	if len(queues) > maxClaimQueues {
		return nil, fmt.Errorf("redis: claim: %d queues; want at most %d", len(queues), maxClaimQueues)
	}
	for _, q := range queues {
		if q == "" {
			return nil, fmt.Errorf("redis: claim: empty queue name in Queues %q", req.Queues)
		}
	}
	return queues, nil
}
