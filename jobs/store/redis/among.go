package redis

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// amongChunk is how many IDs one SADD of scriptAmong takes: Lua's unpack
// fails past about 8,000 values.
const amongChunk = 5000

// scriptAmong: ARGV is prefix, ids. Returns {id, pairs, id, pairs, ...}
// for the final jobs and {id, ...} for the missing ones.
//
// Each job's state is a field of its own hash, which no single command
// reads across many keys except SORT with a GET pattern: the IDs go into
// a scratch set, and SORT ... GET {ns}:j:*->s returns every state at
// once. The cost is a handful of commands per call, whatever the number
// of IDs, where an HGET per job would cost Redis one command per waiting
// job per check. The scratch set lives inside the script only (scripts
// are atomic), also when SORT fails.
var scriptAmong = lua(`
local tmp = P .. 'among'
for i = 2, #ARGV, `+fmt.Sprint(amongChunk)+` do
	redis.call('SADD', tmp, unpack(ARGV, i, math.min(i + `+fmt.Sprint(amongChunk-1)+`, #ARGV)))
end
local r = redis.pcall('SORT', tmp, 'BY', 'nosort', 'GET', '#', 'GET', P .. 'j:*->s')
redis.call('DEL', tmp)
if r.err then return r end
`+amongReply, "isfinal")

// scriptAmongEach is scriptAmong for Redis Cluster, which refuses SORT's
// GET patterns: one HGET per job.
var scriptAmongEach = lua(`
local r, seen = {}, {}
for i = 2, #ARGV do
	local id = ARGV[i]
	if not seen[id] then
		seen[id] = true
		r[#r + 1] = id
		r[#r + 1] = redis.call('HGET', jk(id), 's')
	end
end
`+amongReply, "isfinal")

// amongReply ends both scripts: r holds id, state pairs (state false for
// a missing job).
const amongReply = `
local final, missing = {}, {}
for i = 1, #r, 2 do
	local id, s = r[i], r[i + 1]
	if not s then
		missing[#missing + 1] = id
	elseif isfinal(s) then
		final[#final + 1] = id
		final[#final + 1] = redis.call('HGETALL', jk(id))
	end
end
return {final, missing}
`

var (
	amongScript     = newScript(scriptAmong)
	amongEachScript = newScript(scriptAmongEach)
)

// FinishedAmong does the work of [store.Among]: one script, so one
// round trip and a handful of Redis commands however many IDs it checks,
// plus one HGETALL per final job. On a Redis Cluster, which refuses the
// SORT the script relies on, it falls back, for the Store's life, to one
// HGET per job inside the script. Like Get, it rides out a lost
// connection for up to the read-retry time. ctx bounds it.
func (s *core) FinishedAmong(ctx context.Context, ids []string) ([]*store.Job, []string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var v any
	err := s.retryReads(ctx, func() (err error) {
		if !s.amongEach.Load() {
			v, err = amongScript.run(ctx, s, args...).Result()
			if err == nil || !strings.Contains(err.Error(), "denied in Cluster mode") {
				return err
			}
			s.amongEach.Store(true)
		}
		v, err = amongEachScript.run(ctx, s, args...).Result()
		return err
	})
	if err != nil {
		return nil, nil, opErr(ctx, "finished among", err)
	}
	parts, _ := v.([]any)
	if len(parts) != 2 {
		return nil, nil, fmt.Errorf("redis: finished among: unexpected reply %v", v)
	}
	final, err := jobsFromReply(parts[0])
	if err != nil {
		return nil, nil, fmt.Errorf("redis: finished among: %w", err)
	}
	return final, stringsOf(parts[1]), nil
}
