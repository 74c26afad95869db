package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// scriptReadyNames: ARGV is prefix, now, scan (the most jobs to examine
// per set), then the queues. For each queue that is not paused it reads
// the names of the first scan members of its ready set (claim order)
// and of the first scan due members of its sched set, one HGET each, and
// returns queue, name, count triples. It writes nothing.
var scriptReadyNames = lua(`
local now, scan = ARGV[2], tonumber(ARGV[3])
local out = {}
for k = 4, #ARGV do
	local q = ARGV[k]
	if redis.call('SISMEMBER', P .. 'paused', q) == 0 then
		local counts, order = {}, {}
		local function add(id)
			local n = redis.call('HGET', jk(id), 'n')
			if n then
				if not counts[n] then
					counts[n] = 0
					order[#order + 1] = n
				end
				counts[n] = counts[n] + 1
			end
		end
		for _, m in ipairs(redis.call('ZRANGE', qk(q, 'ready'), 0, scan - 1)) do add(string.sub(m, 13)) end
		for _, id in ipairs(redis.call('ZRANGEBYSCORE', qk(q, 'sched'), '-inf', now, 'LIMIT', 0, scan)) do add(id) end
		for _, n in ipairs(order) do
			out[#out + 1] = q
			out[#out + 1] = n
			out[#out + 1] = counts[n]
		end
	end
end
return out
`)

var readyNamesScript = newScript(scriptReadyNames)

// ReadyNames does the work of store.Store's ReadyNames: one read-only
// script that examines, per queue, the first [store.ReadyNamesScan] ready
// jobs in claim order and as many due Scheduled ones (one HGET each), so
// its cost is bounded whatever the queues hold: names seen only further
// back are missing until the jobs ahead are claimed. ctx bounds the call.
func (s *core) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	queues = storecheck.Distinct(queues)
	if len(queues) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2+len(queues))
	args = append(args, msAlways(now), strconv.Itoa(store.ReadyNamesScan))
	for _, q := range queues {
		args = append(args, q)
	}
	res, err := readyNamesScript.run(ctx, s, args...).Slice()
	if err != nil {
		return nil, opErr(ctx, "ready names", err)
	}
	out := make([]store.ReadyName, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		q, qok := res[i].(string)
		n, nok := res[i+1].(string)
		c, cok := res[i+2].(int64)
		if !qok || !nok || !cok {
			return nil, fmt.Errorf("redis: ready names: unexpected reply %v", res)
		}
		out = append(out, store.ReadyName{Queue: q, Name: n, Count: int(c)})
	}
	storecheck.SortReadyNames(out)
	return out, nil
}
