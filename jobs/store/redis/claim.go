package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
)

// maxClaimQueues bounds how many queues one Claim may name.
const maxClaimQueues = 64

// claimSkip is how many ready jobs of names a claim does not know it
// steps over per queue, at most: store.ClaimSkipMin. Each costs the
// script one HGET, so a claim's work stays bounded however many such jobs
// wait; jobs of known names further back wait until those ahead leave.
var claimSkip = strconv.Itoa(store.ClaimSkipMin)

// Claim leases up to req.Limit ready jobs in one script: it promotes the
// due Scheduled jobs of each queue, merges the queues' ready sets in claim
// order (priority, then RunAt, then ID) and leases the first req.Limit, so
// a claim costs one round trip whatever the batch. Claimers anywhere
// never receive the same job. Jobs of paused queues are not claimed.
//
// With req.Names the script reads the name of each ready job it examines
// (one HGET) and steps over those of other names, leaving them in place:
// at most store.ClaimSkipMin of them per queue and claim. Jobs of known
// names behind more than that many wait until the ones ahead are claimed
// by a worker that knows them (or deleted); the claim returns what it
// found before the bound.
//
// ctx bounds the call. A call that ends with ctx after the script ran
// leases jobs nobody runs; Recover returns them when the lease expires.
func (s *core) Claim(ctx context.Context, req store.ClaimRequest) ([]*store.Job, error) {
	queues, names := req.Queues, req.Names
	args := make([]any, 0, 7+len(queues)+len(names))
	args = append(args, msAlways(req.Now), msAlways(req.LeaseUntil), req.Owner, strconv.Itoa(req.Limit), strconv.Itoa(len(queues)))
	for _, q := range queues {
		args = append(args, q)
	}
	args = append(args, claimSkip, strconv.Itoa(len(names)))
	for _, n := range names {
		args = append(args, n)
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
