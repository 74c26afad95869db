package redis

// keys names the store's Redis keys. Every key starts with "{ns}:", so the
// whole namespace hashes to one Redis Cluster slot (see the package doc
// for why). The Lua scripts receive that prefix and build the same names
// (see scripts.go); the two lists must agree:
//
//	{ns}:j:<id>           hash: one job (fields in codec.go)
//	{ns}:all              sorted set, score 0: every job ID, for List
//	{ns}:queues           set: every queue that ever had a job
//	{ns}:paused           set: paused queues
//	{ns}:q:<q>:ready      sorted set: claimable jobs, score -priority,
//	                      member 12 hex digits of RunAt (ms) then the ID
//	{ns}:q:<q>:sched      sorted set: Scheduled jobs by RunAt (ms)
//	{ns}:q:<q>:run        sorted set: Running jobs by lease expiry (ms)
//	{ns}:q:<q>:n          hash: job count per state
//	{ns}:unique           hash: unique key -> ID of the job holding it
//	{ns}:final            sorted set: final jobs by RetainUntil (ms)
//	{ns}:exp              sorted set: Queued/Scheduled jobs by ExpiresAt
//	{ns}:rv:<owner>       set: Running jobs of owner with a revoke request
//	{ns}:lease            hash: lease key -> owner
//	{ns}:lease:u          hash: lease key -> until (ms)
//	{ns}:lease:d          hash: lease key -> data
//	{ns}:leasek           sorted set, score 0: lease keys, for prefix listing
//	{ns}:cnt, {ns}:cnt:u  hashes: counter key -> value, -> until (ms)
//	{ns}:ev:r, :ev:f, :ev:v  pub/sub channels: ready, finished and revoked
//	                      events (see notify.go)
type keys struct {
	prefix string // "{ns}:"
	all    string // routes every script to the namespace's slot

	evReady, evFinished, evRevoked string // pub/sub channels
}

func newKeys(ns string) keys {
	p := "{" + ns + "}:"
	return keys{prefix: p, all: p + "all", evReady: p + "ev:r", evFinished: p + "ev:f", evRevoked: p + "ev:v"}
}

func (k keys) job(id string) string { return k.prefix + "j:" + id }
