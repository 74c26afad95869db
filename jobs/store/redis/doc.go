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
// script per batch), ExtendLeases, Recover, Revoke and the rest. Claim and
// Finish cost two commands per job (HGETALL and HSET, HMGET and HSET); the
// sets are updated once per queue per batch. Get is a plain HGETALL.
//
// Why scripts and not Streams with consumer groups: BenchmarkCost (CPU time
// on a private redis-server, so it holds on a busy machine) measured, per
// job, in Redis (medians of -count 5):
//
//	                       insert (one by one)  claim (batch of 32)  finish (batch of 32)
//	this store's scripts   31 µs                10 µs                12 µs
//	bare Streams flow      12 µs                1.9 µs               3.8 µs
//
// The Streams flow (XADD; XREADGROUP COUNT 32; XACK, XDEL and a result
// hash) is cheaper, but it is only a FIFO: the contract also needs claims
// in priority order across queues, delays and retries promoted by the
// caller's clock, leases that expire by the caller's clock and that only
// their owner may settle, duplicate IDs and unique keys refused on insert,
// revokes, and a job record Get, List and the inspector read. A stream
// delivers none of that, so a Streams design would keep the job hash and
// the scripts around its XREADGROUP and pay both. (A bare request, such as
// Get's HGETALL, costs this machine's Redis about 13 µs, mostly system
// calls, so the scripts' own work is a fraction of each figure.) About
// 22 µs of Redis CPU per job processed puts one Redis core's ceiling near
// 45,000 jobs/s.
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
// Q1 and Q2 of BENCHMARKS.md through package jobs, default settings, the
// shared Redis 7.0 on loopback, on a 2-core machine shared with other
// work (load average 6 to 10 during the runs). Medians of -count 5, from
// two such runs:
//
//	SPINDLE_REDIS_URL=redis://127.0.0.1:6379/0 \
//	go test -run '^$' -bench 'Q1|Q2|Cost' -benchtime 1x -count 5 ./jobs/store/redis/
//
//	Q1 enqueue one by one      13,600 and 13,700 jobs/s
//	Q1 bulk enqueue (Map)      53,400 and 59,900 jobs/s
//	Q1 process, 8 slots        28,100 and 26,300 jobs/s
//	Q2 in-process              p50 0.81 and 0.49 ms, p99 3.3 and 1.0 ms
//	Q2 from another process    p50 0.71 and 0.66 ms, p99 3.0 and 4.9 ms
//
// Single runs spread widely (enqueue 1,200 to 16,900 jobs/s, Q2 p99 from
// another process 1.2 to 9.7 ms): the machine's other work decides.
// Enqueueing one by one is one round trip per job, so it is bound by the
// loopback round trip and the two processes' scheduling, not by Redis (a
// job costs Redis about 30 µs of CPU to insert). Latency tails on a busy
// shared machine come from scheduling: a Q2 round trip is five Redis round
// trips and two pub/sub deliveries across three processes.
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
