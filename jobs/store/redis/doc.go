// Package redis is the Redis job store: workers on any number of machines
// share one Redis (5.0 or newer), standalone, behind Sentinel, or in a
// Cluster. Open it with a URL, directly or through jobs.Open:
//
//	s, err := redis.Open(ctx, "redis://127.0.0.1:6379/0?namespace=app")
//	c, err := jobs.Open(ctx, "rediss://user:secret@redis.internal:6380/0")
//
// or hand [New] a go-redis client you built (Sentinel, Cluster, custom TLS).
//
// # Layout
//
// All keys of a store start with "{namespace}:" (default "spindle"), so
// several applications share one Redis, each in its own namespace. A job
// is one hash, "{ns}:j:<id>", written by the insert script and changed in
// place by the others. Each queue has three sorted sets:
//
//   - ready: the claimable jobs, scored by -priority with members that
//     start with RunAt as 12 hex digits, so one ZPOPMIN takes jobs in
//     claim order (priority, then RunAt, then ID);
//   - sched: Scheduled jobs (delays, ETAs, retry backoff, deferred
//     give-backs) by RunAt; the claim script promotes the due ones into
//     ready before it takes any, so no timer process is needed;
//   - run: Running jobs by lease expiry, which Recover walks.
//
// Counts of Queued, Scheduled and Running jobs are the sizes of those
// sets; final states keep counters, so Queues and Stats cost one script
// however many jobs there are. Further sets hold every ID (for List, in ID
// order), final jobs by retention (for Prune), waiting jobs by deadline
// (for Recover's expiry), unique keys, revoke requests per lease owner,
// and the leases and counters of [store.Leaser].
//
// # Scripts
//
// Every change is one Lua script run by SHA (EVALSHA, falling back to EVAL
// once after a server restart empties the script cache), so it is atomic
// and costs one round trip: Insert of any batch, Claim of up to Limit jobs,
// Finish of a whole batch of outcomes (the worker's finisher sends one
// script per batch), ExtendLeases, Recover, Revoke and the rest; a single
// Enqueue is one EVALSHA, its ready notification published from inside
// the script, and concurrent Enqueue calls share one (group commit in
// package jobs). Insert costs two commands per job (ZADD NX of the ID
// into the ID set, which is also the duplicate check, and HSET; a job
// with a unique key checks the key's holder and its TTL first); Claim and
// Finish cost two per job (HGETALL and HSET, HMGET and HSET); the sets
// are updated once per queue per batch (Insert's with one ZCARD and one
// ZADD per ready or sched set). Get is
// a plain HGETALL. Redis runs a script's whole chunk on every call, and
// converts every argument, reply and Lua number, so the scripts carry only
// the helpers they call, take their scores and members precomputed from
// Go, pass strings rather than numbers, and read only the fields they
// need.
//
// Why scripts and not Streams with consumer groups: a bare Streams flow
// (XADD; XREADGROUP COUNT 32; XACK, XDEL and a result hash) costs Redis
// less per job (BenchmarkCost measures both; docs/benchmarks.md has the
// figures), but it is only a FIFO: the contract also needs claims
// in priority order across queues, delays and retries promoted by the
// caller's clock, leases that expire by the caller's clock and that only
// their owner may settle, duplicate IDs and unique keys refused on insert,
// revokes, and a job record Get, List and the inspector read. A stream
// delivers none of that, so a Streams design would keep the job hash and
// the scripts around its XREADGROUP and pay both.
//
// # Push, not poll
//
// The scripts publish events on three channels per namespace: ready
// ("{ns}:ev:r": a queue's ready set going from empty to not empty, since a
// worker waits only after a claim found it empty; a job retried, given
// back, recovered, woken or retried by the inspector; a queue resumed),
// finished ("{ns}:ev:f": the IDs of jobs that reached a final state or
// were deleted, many per event when Finish settles a batch) and revoked
// ("{ns}:ev:v"). Each Store holds at most one subscription connection and
// subscribes to a channel only once it has a watcher of that kind, so a
// producer holds none, a worker does not hear finished events, and a
// process that only awaits results does not hear ready ones. Events are
// handed to the Ready, Finished and Revoked watchers in process, so idle
// workers and waiting handles wake at once, in every process, with no
// polling. Whenever a channel's subscription is confirmed (the first time,
// and after a lost connection: a Redis restart, a failover, a dead
// connection found by a PING after a second of silence, re-established
// with backoff), every watcher of that kind is woken once, since events
// published meanwhile are gone: waiters re-check the store and miss
// nothing.
//
// Delayed jobs and retries with backoff wake workers when they fall due,
// also without polling: each process keeps, per queue its Ready watchers
// wait for, the earliest RunAt of the queue's sched set, learnt from the
// reply of every claim (which reports what it left scheduled) and from an
// event Insert publishes on the ready channel when a job becomes its
// queue's earliest; a timer wakes the queue's watchers at that time, and
// their claim promotes the job. The worker's own poll (PollInterval,
// 250 ms) remains only as a safety net.
//
// # Failures
//
// The client opened from a URL does not let go-redis resend a command
// after a lost reply (a claim run twice would lease jobs nobody runs);
// unless the URL sets max_retries, a failed call returns its error and the
// caller decides: workers retry claims and outcomes, Get retries by itself
// for up to [WithReadRetry] (30s), so a handle awaiting a job rides out a
// restart. A claim whose reply was lost leaves its jobs leased until the
// lease expires and Recover returns them: delivery is at least once.
// TestServerRestart kills a private redis-server (appendonly yes,
// appendfsync always) with SIGKILL in the middle of a run and restarts it:
// worker processes and the waiting client carry on by themselves and every
// acknowledged job succeeds.
//
// # Redis Cluster
//
// The namespace is the hash tag, so every key of a store, and so every
// key of each of its queues, is in one slot, and no operation spans
// slots: each script runs whole on the node that owns the slot, and the
// contract's atomic multi-queue claims, all-or-none batch inserts,
// namespace-wide unique keys and duplicate-ID checks hold on a Cluster
// exactly as on one server. Keys are built inside the scripts from the
// prefix, all in the slot of the routing key they declare. The cost is
// that one namespace lives on one shard: a Cluster spreads namespaces
// (applications, or groups of queues given namespaces of their own), not
// the queues of one namespace. Events use plain PUBLISH, which a Cluster
// delivers to subscribers on every node. TestCluster runs the conformance
// suite on a three-node Cluster, the suite's namespaces spread over the
// nodes. Build the client with goredis.NewClusterClient and pass it to
// [New].
//
// # Performance
//
// Enqueueing one by one is one round trip per job, so it is bound by the
// loopback round trip and the scheduling of the two processes more than
// by Redis; a Q2 round trip (enqueue, run, await) is five Redis round
// trips and two pub/sub deliveries across three processes, so its tail
// latency on a busy machine comes from scheduling and from whatever else
// the server is doing. docs/benchmarks.md has the figures and the
// commands (go test -bench 'Q1|Q2|Cost' ./jobs/store/redis/).
//
// # Durability
//
// A job is as durable as Redis makes its writes: with appendonly yes and
// appendfsync always, a write is on disk before Redis answers, so an
// acknowledged enqueue or outcome survives a crash of Redis or its machine;
// with appendfsync everysec (Redis's default when appendonly is on) up to
// about a second of acknowledged writes can be lost with the machine (not
// with the process alone); with no persistence, everything is lost with
// the process. Replication is asynchronous, so a failover can lose the
// last writes the old primary acknowledged.
package redis
