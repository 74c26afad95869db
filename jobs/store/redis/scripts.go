package redis

import (
	"context"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Every change to the store is one Lua script, so it is atomic: no other
// client sees a job half-claimed or half-finished, and two claimers never
// take one job. Scripts run by SHA (EVALSHA); after a server restart or a
// SCRIPT FLUSH the first call falls back to EVAL, which caches the script
// again. KEYS[1] is always the namespace's "all" key, which routes the
// call to the namespace's hash slot; ARGV[1] is the key prefix "{ns}:".
// Times are Unix milliseconds, "" for the zero time.

// Every script starts with base: the key prefix and key names (see
// keys.go). The helpers a script uses follow, and nothing else: Redis
// runs the whole chunk on every call, so each helper a script carries
// costs it a closure per call.
const base = `
local P = ARGV[1]
local function jk(id) return P .. 'j:' .. id end
local function qk(q, s) return P .. 'q:' .. q .. ':' .. s end
`

// luaHelper is a Lua function some scripts share; deps are the helpers
// its body calls.
type luaHelper struct {
	name, src string
	deps      []string
}

// luaHelpers are the shared transitions, each after the helpers it uses.
var luaHelpers = []luaHelper{
	{name: "rmember", src: `
local MAXRA = 281474976710655
-- the ready member: RunAt as 12 hex digits (so equal priorities sort by
-- RunAt, then ID), then the ID
local function rmember(ra, id)
	ra = tonumber(ra) or 0
	if ra < 0 then ra = 0 elseif ra > MAXRA then ra = MAXRA end
	return string.format('%012x', ra) .. id
end
`},
	{name: "isfinal", src: `
local function isfinal(s) return s == 'succeeded' or s == 'dead' or s == 'canceled' or s == 'expired' end
`},
	{name: "count", deps: []string{"isfinal"}, src: `
-- count keeps the per-queue count of a final state; the other states are
-- counted by the cardinality of their sets (ready, sched, run)
local function count(q, st, d) if d ~= 0 and isfinal(st) then redis.call('HINCRBY', qk(q, 'n'), st, d) end end
`},
	{name: "toready", deps: []string{"rmember"}, src: `
local function toready(q, id, p, ra) return redis.call('ZADD', qk(q, 'ready'), -(tonumber(p) or 0), rmember(ra, id)) end
`},
	{name: "unready", deps: []string{"rmember"}, src: `
local function unready(q, id, p, ra) return redis.call('ZREM', qk(q, 'ready'), rmember(ra, id)) end
`},
	{name: "release", src: `
-- release frees the unique key of a job that is now final or gone
local function release(id, uk)
	if uk and uk ~= '' and redis.call('HGET', P .. 'unique', uk) == id then redis.call('HDEL', P .. 'unique', uk) end
end
`},
	{name: "holds", deps: []string{"isfinal"}, src: `
-- holds reports whether an unfinished job other than id holds unique key uk
local function holds(uk, id)
	local h = redis.call('HGET', P .. 'unique', uk)
	if not h or h == id then return false end
	local hs = redis.call('HGET', jk(h), 's')
	return hs and not isfinal(hs)
end
`},
	{name: "holder", deps: []string{"isfinal"}, src: `
-- holder returns the unfinished job holding unique key uk for a job
-- enqueued at ea (ms), or nil when the key is free. A holder whose
-- UniqueUntil ('uu') is not after ea yields the key: its 'uk' and 'uu'
-- are removed, and the caller takes the key over.
local function holder(uk, ea)
	local h = redis.call('HGET', P .. 'unique', uk)
	if not h then return nil end
	local f = redis.call('HMGET', jk(h), 's', 'uu')
	if not f[1] or isfinal(f[1]) then return nil end
	if f[2] and tonumber(f[2]) <= (tonumber(ea) or 0) then
		redis.call('HDEL', jk(h), 'uk', 'uu')
		return nil
	end
	return h
end
`},
	{name: "adderr", src: `
-- adderr appends one AttemptError (ej is the error as a JSON string) to
-- the JSON array er
local function adderr(er, t, at, ej)
	local e = '{"attempt":' .. (tonumber(t) or 0) .. ',"at":"' .. at .. '","error":' .. ej .. '}'
	if not er or er == '' or er == '[]' then return '[' .. e .. ']' end
	return string.sub(er, 1, -2) .. ',' .. e .. ']'
end
`},
	{name: "keep", src: `
-- keep sets RetainUntil from the job's Retention when the store itself
-- finalizes a job
local function keep(key, id, fa, rt)
	rt = tonumber(rt)
	if rt and rt > 0 then
		local ru = fa + rt
		redis.call('HSET', key, 'ru', ru)
		redis.call('ZADD', P .. 'final', ru, id)
	end
end
`},
	{name: "publish_finished", src: `
-- the finished event: "f" then length:id for each ID
local function publish_finished(ids)
	if #ids == 0 then return end
	local parts = {'f'}
	for _, id in ipairs(ids) do parts[#parts + 1] = #id .. ':' .. id end
	redis.call('PUBLISH', P .. 'ev:f', table.concat(parts))
end
`},
	{name: "publish_ready", src: `
local function publish_ready(qs) for q in pairs(qs) do redis.call('PUBLISH', P .. 'ev:r', 'r' .. q) end end
`},
	{name: "publish_sched", src: `
-- publish_sched announces, for each queue q of mins (queue -> the least
-- RunAt just added to its sched set), the sched set's new earliest RunAt
-- when the added jobs became it, so that waiting workers set a timer
-- for it: "s<ms>:<queue>" on the ready channel
local function publish_sched(mins)
	for q, m in pairs(mins) do
		local h = redis.call('ZRANGE', qk(q, 'sched'), '0', '0', 'WITHSCORES')
		if h[2] and tonumber(h[2]) >= m then redis.call('PUBLISH', P .. 'ev:r', 's' .. h[2] .. ':' .. q) end
	end
end
`},
}

// lua assembles a script: base, the helpers body uses (with theirs), in
// the order of luaHelpers, then body. An unknown helper name panics at
// package initialization.
func lua(body string, uses ...string) string {
	need := map[string]bool{}
	var add func(name string)
	add = func(name string) {
		if need[name] {
			return
		}
		i := slices.IndexFunc(luaHelpers, func(h luaHelper) bool { return h.name == name })
		if i < 0 {
			panic("redis: unknown Lua helper " + name)
		}
		need[name] = true
		for _, d := range luaHelpers[i].deps {
			add(d)
		}
	}
	for _, u := range uses {
		add(u)
	}
	var b strings.Builder
	b.WriteString(base)
	for _, h := range luaHelpers {
		if need[h.name] {
			b.WriteString(h.src)
		}
	}
	b.WriteString(body)
	return b.String()
}

// scriptInsert: ARGV[2] is the number of queues to add to the queue set,
// then those queues, then the job count; each job is id, queue, state,
// score and member of its ready or sched set (computed by the caller, so
// the script formats no numbers), uniqueKey, enqueuedAt (with a unique
// key, else ""), expiresAt, n, then n hash field/value strings besides
// queue and state, which the script writes. Returns {dups as pairs of
// the skipped job's ID and the ID of the job it duplicates, signaled
// queues}. A scheduled job that becomes the earliest of its queue's sched
// set is announced (see publish_sched).
//
// A job costs two calls (ZADD NX, HSET); the ready and sched sets get
// one ZADD (and the ready set a ZCARD) per queue for the whole batch.
// Every stored job's ID is in "all" for as long as its hash exists (the
// scripts add and remove both together), so adding the ID is the
// duplicate check. A
// job with a unique key first checks its ID without adding it, so that a
// job whose ID exists takes no key over from a holder whose time is up.
var scriptInsert = lua(`
local dups, signal, sigl, smin, adds, addk = {}, {}, {}, {}, {}, {}
local all = P .. 'all'
local nreg = tonumber(ARGV[2])
if nreg > 0 then redis.call('SADD', P .. 'queues', unpack(ARGV, 3, 2 + nreg)) end
local i = 4 + nreg
for _ = 1, tonumber(ARGV[3 + nreg]) do
	local id, q, st, score, member, uk, ea, xa, nf = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7], tonumber(ARGV[i+8])
	local f0 = i + 9
	i = f0 + nf
	local ex
	if uk ~= '' then
		if redis.call('ZSCORE', all, id) then ex = id else ex = holder(uk, ea) end
		if not ex then redis.call('ZADD', all, '0', id) end
	elseif redis.call('ZADD', all, 'NX', '0', id) == 0 then
		ex = id
	end
	if ex then
		dups[#dups + 1] = id
		dups[#dups + 1] = ex
	else
		redis.call('HSET', jk(id), 'q', q, 's', st, unpack(ARGV, f0, i - 1))
		if uk ~= '' then redis.call('HSET', P .. 'unique', uk, id) end
		if xa ~= '' then redis.call('ZADD', P .. 'exp', xa, id) end
		local set = 'sched'
		if st == 'queued' then
			set = 'ready'
		else
			local m = tonumber(score)
			if not smin[q] or m < smin[q] then smin[q] = m end
		end
		local k = qk(q, set)
		local za = adds[k]
		if not za then
			za = {}
			adds[k] = za
			addk[#addk + 1] = {k, q, set}
		end
		za[#za + 1] = score
		za[#za + 1] = member
	end
end
-- One ZADD per set (in chunks that unpack takes) instead of one per job.
-- Only jobs into an empty ready set wake workers: a worker waits only
-- after a claim found the set empty.
for _, a in ipairs(addk) do
	local k, q, set = a[1], a[2], a[3]
	if set == 'ready' and not signal[q] and redis.call('ZCARD', k) == 0 then
		signal[q] = true
		sigl[#sigl + 1] = q
	end
	local za = adds[k]
	for c = 1, #za, 4000 do redis.call('ZADD', k, unpack(za, c, math.min(c + 3999, #za))) end
end
publish_ready(signal)
publish_sched(smin)
return {dups, sigl}
`, "holder", "publish_ready", "publish_sched")

// scriptInsertReady is scriptInsert for the commonest call, one Queued
// job without a unique key or a deadline, with what that job needs and
// nothing else: no helpers, tables or loop, which cost the general
// script a fifth of its time for one job. ARGV[2] is "1" to add the
// queue to the queue set, then queue, id, score and member of the ready
// set, then the hash fields besides queue and state. Returns what
// scriptInsert does.
const scriptInsertReady = `
local P, q, id = ARGV[1], ARGV[3], ARGV[4]
if ARGV[2] == '1' then redis.call('SADD', P .. 'queues', q) end
if redis.call('ZADD', P .. 'all', 'NX', '0', id) == 0 then return {{id, id}, {}} end
redis.call('HSET', P .. 'j:' .. id, 'q', q, 's', 'queued', unpack(ARGV, 7))
local rk = P .. 'q:' .. q .. ':ready'
local woke = redis.call('ZCARD', rk) == 0
redis.call('ZADD', rk, ARGV[5], ARGV[6])
if not woke then return {{}, {}} end
redis.call('PUBLISH', P .. 'ev:r', 'r' .. q)
return {{}, {q}}
`

// scriptClaim: ARGV is prefix, now, leaseUntil, owner, limit, queue
// count, queues, then skip (the most jobs of other names to step over
// per queue), name count and names (none: any name). Due Scheduled jobs
// of each queue are promoted to its ready set first. Returns {id,
// HGETALL pairs as they were before the lease, for each job claimed;
// queue, earliest RunAt still scheduled, for each queue with Scheduled
// jobs left}, so that a worker about to wait knows when to claim again.
// Each job costs two calls (HGETALL, HSET); the sets are updated once per
// queue. With names, each ready job examined costs an HGET of its name,
// and a job of another name is stepped over, left as it is: at most skip
// of them per queue, past which the claim stops looking in that queue.
var scriptClaim = lua(`
local now, lu, owner, limit, nq = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local skip, nn = tonumber(ARGV[7 + nq]), tonumber(ARGV[8 + nq])
local known = nil -- name -> true, when the claim names the jobs it runs
if nn > 0 then
	known = {}
	for k = 1, nn do known[ARGV[8 + nq + k]] = true end
end
local nextdue = {} -- queue, earliest RunAt left in its sched set, ...
local function promote(q)
	local sk = qk(q, 'sched')
	-- Arguments are strings: Redis formats a Lua number with snprintf.
	local h = redis.call('ZRANGE', sk, '0', '0', 'WITHSCORES')
	if #h == 0 then return end
	if tonumber(h[2]) > tonumber(now) then
		nextdue[#nextdue + 1] = q
		nextdue[#nextdue + 1] = h[2]
		return
	end
	local due = redis.call('ZRANGEBYSCORE', sk, '-inf', now, 'LIMIT', 0, 1000)
	if #due == 0 then return end
	local za = {}
	for _, id in ipairs(due) do
		local f = redis.call('HMGET', jk(id), 'p', 'ra')
		za[#za + 1] = -(tonumber(f[1]) or 0)
		za[#za + 1] = rmember(f[2], id)
		redis.call('HSET', jk(id), 's', 'queued')
	end
	redis.call('ZADD', qk(q, 'ready'), unpack(za))
	redis.call('ZREM', sk, unpack(due))
	h = redis.call('ZRANGE', sk, '0', '0', 'WITHSCORES')
	if #h > 0 then
		nextdue[#nextdue + 1] = q
		nextdue[#nextdue + 1] = h[2]
	end
end
-- candidates appends to cands, in claim order, up to limit ready jobs of
-- queue q ({score, member, q}) whose name is known, stepping over at
-- most skip others
local function candidates(q, cands)
	local rk, from, found, skipped = qk(q, 'ready'), 0, 0, 0
	local page = limit
	if known then page = math.max(limit, 64) end
	while true do
		local top = redis.call('ZRANGE', rk, from, from + page - 1, 'WITHSCORES')
		for j = 1, #top, 2 do
			local m = top[j]
			if known == nil or known[redis.call('HGET', jk(string.sub(m, 13)), 'n')] then
				cands[#cands + 1] = {tonumber(top[j + 1]), m, q}
				found = found + 1
				if found == limit then return end
			else
				skipped = skipped + 1
				if skipped >= skip then return end
			end
		end
		if #top < 2 * page then return end
		from = from + page
	end
end
-- bytewise string order (Lua's < follows the server's locale)
local function lt(a, b)
	local n = math.min(#a, #b)
	for i = 1, n do
		local x, y = string.byte(a, i), string.byte(b, i)
		if x ~= y then return x < y end
	end
	return #a < #b
end
local picked = {} -- {member, queue}
if nq == 1 and known == nil then
	local q = ARGV[7]
	if redis.call('SISMEMBER', P .. 'paused', q) == 0 then
		promote(q)
		local pop = redis.call('ZPOPMIN', qk(q, 'ready'), ARGV[5])
		for j = 1, #pop, 2 do picked[#picked + 1] = {pop[j], q} end
	end
else
	local cands = {}
	for k = 1, nq do
		local q = ARGV[6 + k]
		if redis.call('SISMEMBER', P .. 'paused', q) == 0 then
			promote(q)
			candidates(q, cands)
		end
	end
	if nq > 1 then
		table.sort(cands, function(a, b)
			if a[1] ~= b[1] then return a[1] < b[1] end
			return lt(a[2], b[2])
		end)
	end
	local rem = {}
	for k = 1, math.min(limit, #cands) do
		local c = cands[k]
		picked[#picked + 1] = {c[2], c[3]}
		rem[c[3]] = rem[c[3]] or {}
		table.insert(rem[c[3]], c[2])
	end
	for q, ms in pairs(rem) do redis.call('ZREM', qk(q, 'ready'), unpack(ms)) end
end
local out, run = {}, {}
for _, pk in ipairs(picked) do
	local q, id = pk[2], string.sub(pk[1], 13)
	local key = jk(id)
	local all = redis.call('HGETALL', key)
	-- A member with no job behind it cannot happen (every removal takes
	-- the member too); if it did, it must not lease a phantom.
	if #all > 0 then
		local t = 0
		for j = 1, #all, 2 do
			local f = all[j]
			if f == 't' then
				t = tonumber(all[j + 1]) or 0
			elseif f == 'xa' then
				redis.call('ZREM', P .. 'exp', id)
			elseif f == 'rv' then
				-- a revoke requested earlier still stands: the new owner cancels it
				redis.call('SADD', P .. 'rv:' .. owner, id)
			end
		end
		redis.call('HSET', key, 's', 'running', 't', t + 1, 'sa', now, 'lo', owner, 'lu', lu)
		-- The fields as read; the caller applies the lease it asked for
		-- (state, attempt + 1, start, owner, expiry) on top.
		out[#out + 1] = id
		out[#out + 1] = all
		local r = run[q]
		if not r then
			r = {}
			run[q] = r
		end
		r[#r + 1] = lu
		r[#r + 1] = id
	end
end
for q, r in pairs(run) do
	redis.call('ZADD', qk(q, 'run'), unpack(r))
	-- Recover finds running jobs through the queue set
	redis.call('SADD', P .. 'queues', q)
end
return {out, nextdue}
`, "rmember")

// scriptFinish: ARGV[2] is the outcome count; each outcome is id, owner,
// state, result, error as JSON, error text, at (RFC 3339), runAt,
// finishedAt, retainUntil. Returns {lost, finished IDs, signaled queues}.
// A success costs two calls (HMGET, HSET), other outcomes three; the
// sets and counts are updated once per queue.
var scriptFinish = lua(`
local lost, fin, signal, sigl = {}, {}, {}, {}
local run, sched, ready, final, counts = {}, {}, {}, {}, {}
local function push(t, k, a, b)
	local l = t[k]
	if not l then
		l = {}
		t[k] = l
	end
	l[#l + 1] = a
	if b then l[#l + 1] = b end
end
local function wake(q) if not signal[q] then signal[q] = true; sigl[#sigl + 1] = q end end
local i = 3
for _ = 1, tonumber(ARGV[2]) do
	local id, owner, st, res, ej, et, at, ra, fa, ru = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7], ARGV[i+8], ARGV[i+9]
	i = i + 10
	local key = jk(id)
	-- The fields a success needs, then those of the other outcomes: every
	-- field read costs the reply's conversion into Lua.
	local f = redis.call('HMGET', key, 's', 'lo', 'q', 'uk', 'rv')
	if f[1] ~= 'running' or f[2] ~= owner then
		lost[#lost + 1] = id
	else
		local q = f[3]
		push(run, q, id)
		local uk, rv = f[4], f[5]
		if rv then redis.call('SREM', P .. 'rv:' .. owner, id) end
		if st == 'succeeded' then
			f[5] = uk
		else
			-- f as s, lo, q, t, uk, er, ra, xa, rv, p
			local g = redis.call('HMGET', key, 't', 'er', 'ra', 'xa', 'p')
			f = {f[1], f[2], q, g[1], uk, g[2], g[3], g[4], rv, g[5]}
		end
		if st == 'queued' then
			local t = math.max((tonumber(f[4]) or 1) - 1, 0)
			if ra ~= '' and (fa == '' or tonumber(ra) > tonumber(fa)) then
				redis.call('HSET', key, 's', 'scheduled', 'ra', ra, 't', t, 'lo', '', 'lu', '')
				push(sched, q, ra, id)
			else
				redis.call('HSET', key, 's', 'queued', 't', t, 'lo', '', 'lu', '')
				push(ready, q, -(tonumber(f[10]) or 0), rmember(f[7], id))
			end
			if f[8] then redis.call('ZADD', P .. 'exp', f[8], id) end
			wake(q)
		elseif st == 'scheduled' then
			redis.call('HSET', key, 's', 'scheduled', 'ra', ra, 'le', et, 'er', adderr(f[6], f[4], at, ej), 'lo', '', 'lu', '')
			push(sched, q, ra, id)
			if f[8] then redis.call('ZADD', P .. 'exp', f[8], id) end
			wake(q)
		else
			local h = {'s', st, 'fa', fa, 'lo', '', 'lu', ''}
			if st ~= 'succeeded' then
				h[9], h[10], h[11], h[12] = 'le', et, 'er', adderr(f[6], f[4], at, ej)
			elseif res ~= '' then
				h[9], h[10] = 'r', res
			end
			if ru ~= '' then
				h[#h + 1] = 'ru'
				h[#h + 1] = ru
				final[#final + 1] = ru
				final[#final + 1] = id
			end
			redis.call('HSET', key, unpack(h))
			release(id, f[5])
			local c = counts[q]
			if not c then
				c = {}
				counts[q] = c
			end
			c[st] = (c[st] or 0) + 1
			fin[#fin + 1] = id
		end
	end
end
for q, ids in pairs(run) do redis.call('ZREM', qk(q, 'run'), unpack(ids)) end
for q, za in pairs(sched) do redis.call('ZADD', qk(q, 'sched'), unpack(za)) end
for q, za in pairs(ready) do redis.call('ZADD', qk(q, 'ready'), unpack(za)) end
if #final > 0 then redis.call('ZADD', P .. 'final', unpack(final)) end
for q, c in pairs(counts) do
	for st, n in pairs(c) do redis.call('HINCRBY', qk(q, 'n'), st, n == 1 and '1' or n) end
end
publish_finished(fin)
publish_ready(signal)
return {lost, fin, sigl}
`, "rmember", "release", "adderr", "publish_finished", "publish_ready")

// scriptExtend: ARGV is prefix, owner, until, ids. Returns the IDs owner
// no longer holds.
var scriptExtend = lua(`
local owner, lu = ARGV[2], ARGV[3]
local lost = {}
for i = 4, #ARGV do
	local id = ARGV[i]
	local f = redis.call('HMGET', jk(id), 's', 'lo', 'q')
	if f[1] ~= 'running' or f[2] ~= owner then
		lost[#lost + 1] = id
	else
		redis.call('HSET', jk(id), 'lu', lu)
		redis.call('ZADD', qk(f[3], 'run'), lu, id)
	end
end
return lost
`)

// scriptRecover: ARGV is prefix, now, at (RFC 3339 of now), batch size.
// Moves at most batch expired leases and batch expired jobs. Returns
// {moved, finished IDs, signaled queues, more, records}, records being
// id, name, queue, attempt, state, last error for each job moved, flat.
var scriptRecover = lua(`
local now, at, batch = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local moved, fin, signal, sigl, more, recs = 0, {}, {}, {}, 0, {}
local function rec(id, name, q, attempt, state, msg)
	local n = #recs
	recs[n + 1], recs[n + 2], recs[n + 3], recs[n + 4], recs[n + 5], recs[n + 6] = id, name or '', q or '', attempt or '0', state, msg
end
-- Waiting jobs past their deadline first, so a job whose lease is
-- recovered below is not also expired by the same call.
local ids = redis.call('ZRANGEBYSCORE', P .. 'exp', '-inf', '(' .. now, 'LIMIT', 0, batch)
if #ids == batch then more = 1 end
for _, id in ipairs(ids) do
	local key = jk(id)
	local f = redis.call('HMGET', key, 's', 'q', 'p', 'ra', 'uk', 'rt', 'n', 't')
	redis.call('ZREM', P .. 'exp', id)
	local s, q = f[1], f[2]
	if s == 'queued' or s == 'scheduled' then
		if s == 'queued' then unready(q, id, f[3], f[4]) else redis.call('ZREM', qk(q, 'sched'), id) end
		local msg = 'expired: not started before its deadline'
		redis.call('HSET', key, 's', 'expired', 'fa', now, 'le', msg)
		keep(key, id, now, f[6])
		release(id, f[5])
		count(q, s, -1)
		count(q, 'expired', 1)
		moved = moved + 1
		fin[#fin + 1] = id
		rec(id, f[7], q, f[8], 'expired', msg)
	end
end
for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do
	local rk = qk(q, 'run')
	local ids = redis.call('ZRANGEBYSCORE', rk, '-inf', '(' .. now, 'LIMIT', 0, batch)
	if #ids == batch then more = 1 end
	for _, id in ipairs(ids) do
		local key = jk(id)
		local f = redis.call('HMGET', key, 's', 'lo', 't', 'm', 'er', 'p', 'ra', 'xa', 'uk', 'rt', 'rv', 'n')
		redis.call('ZREM', rk, id)
		if f[1] == 'running' then
			local lo = f[2] or '?'
			local msg = 'lease held by ' .. lo .. ' expired (the worker stopped or lost contact)'
			redis.call('HSET', key, 'le', msg, 'er', adderr(f[5], f[3], at, cjson.encode(msg)))
			redis.call('HDEL', key, 'lo', 'lu')
			if f[11] then redis.call('SREM', P .. 'rv:' .. lo, id) end
			count(q, 'running', -1)
			moved = moved + 1
			if (tonumber(f[3]) or 0) < (tonumber(f[4]) or 1) then
				redis.call('HSET', key, 's', 'queued')
				toready(q, id, f[6], f[7])
				if f[8] then redis.call('ZADD', P .. 'exp', f[8], id) end
				count(q, 'queued', 1)
				if not signal[q] then signal[q] = true; sigl[#sigl + 1] = q end
				rec(id, f[12], q, f[3], 'queued', msg)
			else
				redis.call('HSET', key, 's', 'dead', 'fa', now)
				keep(key, id, now, f[10])
				release(id, f[9])
				count(q, 'dead', 1)
				fin[#fin + 1] = id
				rec(id, f[12], q, f[3], 'dead', msg)
			end
		end
	end
end
publish_finished(fin)
publish_ready(signal)
return {moved, fin, sigl, more, recs}
`, "unready", "toready", "adderr", "keep", "release", "count", "publish_finished", "publish_ready")

// scriptRevoke: ARGV is prefix, id, reason, now. Returns {state, "ok" |
// "final" | "notfound", name, queue, attempt}.
var scriptRevoke = lua(`
local id, reason, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = jk(id)
local f = redis.call('HMGET', key, 's', 'q', 'p', 'ra', 'lo', 'uk', 'rt', 'n', 't')
local s, q = f[1], f[2]
if not s then return {'', 'notfound', '', '', '0'} end
local name, attempt = f[8] or '', f[9] or '0'
if isfinal(s) then return {s, 'final', name, q, attempt} end
if s == 'running' then
	redis.call('HSET', key, 'rv', reason)
	redis.call('SADD', P .. 'rv:' .. (f[5] or ''), id)
	redis.call('PUBLISH', P .. 'ev:v', 'v')
	return {'running', 'ok', name, q, attempt}
end
if s == 'queued' then unready(q, id, f[3], f[4]) else redis.call('ZREM', qk(q, 'sched'), id) end
redis.call('ZREM', P .. 'exp', id)
redis.call('HSET', key, 's', 'canceled', 'fa', now, 'le', reason, 'rv', reason)
keep(key, id, now, f[7])
release(id, f[6])
count(q, s, -1)
count(q, 'canceled', 1)
publish_finished({id})
return {'canceled', 'ok', name, q, attempt}
`, "isfinal", "unready", "keep", "release", "count", "publish_finished")

// scriptRevokeRequests: ARGV is prefix, owner. Returns id, reason pairs.
var scriptRevokeRequests = lua(`
local owner = ARGV[2]
local sk = P .. 'rv:' .. owner
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', sk)) do
	local f = redis.call('HMGET', jk(id), 's', 'lo', 'rv')
	if f[1] == 'running' and f[2] == owner and f[3] then
		out[#out + 1] = id
		out[#out + 1] = f[3]
	else
		redis.call('SREM', sk, id)
	end
end
return out
`)

// scriptWake: ARGV is prefix, now, ids. Returns the signaled queues.
var scriptWake = lua(`
local now = ARGV[2]
local signal, sigl = {}, {}
for i = 3, #ARGV do
	local id = ARGV[i]
	local f = redis.call('HMGET', jk(id), 's', 'q', 'p')
	if f[1] == 'scheduled' then
		local q = f[2]
		redis.call('ZREM', qk(q, 'sched'), id)
		redis.call('HSET', jk(id), 's', 'queued', 'ra', now)
		toready(q, id, f[3], now)
		count(q, 'scheduled', -1)
		count(q, 'queued', 1)
		if not signal[q] then signal[q] = true; sigl[#sigl + 1] = q end
	end
end
publish_ready(signal)
return sigl
`, "toready", "count", "publish_ready")

// scriptRetry: ARGV is prefix, id, now, only ("" for Retry: any final
// job; "canceled" for Restore: only a job in that state). Returns "ok",
// "notfound", "not:<state>" (a job not in state only), "running",
// "unique" or "notfinal:<state>".
var scriptRetry = lua(`
local id, now, only = ARGV[2], ARGV[3], ARGV[4]
local key = jk(id)
local f = redis.call('HMGET', key, 's', 'q', 'p', 'uk')
local s, q = f[1], f[2]
if not s then return 'notfound' end
if only ~= '' and s ~= only then return 'not:' .. s end
if s == 'running' then return 'running' end
if not isfinal(s) then return 'notfinal:' .. s end
if f[4] and f[4] ~= '' then
	if holds(f[4], id) then return 'unique' end
	redis.call('HSET', P .. 'unique', f[4], id)
end
redis.call('ZREM', P .. 'final', id)
-- Retrying asks for the job to run: an old revoke or a passed deadline
-- would undo that at once, so both go.
redis.call('HDEL', key, 'sa', 'fa', 'lo', 'lu', 'r', 'ru', 'rv', 'xa')
redis.call('ZREM', P .. 'exp', id)
redis.call('HSET', key, 's', 'queued', 't', 0, 'ra', now)
toready(q, id, f[3], now)
count(q, s, -1)
count(q, 'queued', 1)
redis.call('PUBLISH', P .. 'ev:r', 'r' .. q)
return 'ok'
`, "holds", "toready", "count")

// remove deletes a job that is not running, with its index entries.
//
// f is the job's s, q, p, ra, uk, xa and ru. A job is in the exp set only
// while it has an ExpiresAt and in the final set only while it has a
// RetainUntil (every script that adds one sets the other), so a job
// without them skips those calls.
const removeJob = `
local function remove(id, f)
	local s, q = f[1], f[2]
	if s == 'queued' then unready(q, id, f[3], f[4]) elseif s == 'scheduled' then redis.call('ZREM', qk(q, 'sched'), id) end
	if f[7] then redis.call('ZREM', P .. 'final', id) end
	if f[6] then redis.call('ZREM', P .. 'exp', id) end
	redis.call('ZREM', P .. 'all', id)
	if not isfinal(s) then release(id, f[5]) end
	redis.call('DEL', jk(id))
	count(q, s, -1)
end
`

// scriptDelete: ARGV is prefix, id. Returns "ok", "notfound" or
// "running".
var scriptDelete = lua(removeJob+`
local id = ARGV[2]
local f = redis.call('HMGET', jk(id), 's', 'q', 'p', 'ra', 'uk', 'xa', 'ru')
if not f[1] then return 'notfound' end
if f[1] == 'running' then return 'running' end
remove(id, f)
-- Watchers of a final job were woken when it became final, and a later
-- one finds it final at its first check: only an unfinished job's
-- deletion is news.
if not isfinal(f[1]) then publish_finished({id}) end
return 'ok'
`, "unready", "release", "count", "publish_finished")

// scriptPurge: ARGV is prefix, queue ("" for all), state ("" for all but
// running), cursor (the last ID examined, "" to start), batch. It
// examines at most batch jobs. Returns {deleted, cursor, done}.
var scriptPurge = lua(removeJob+`
local queue, state, cursor, batch = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local n = 0
local ids, scan
if queue ~= '' and (state == 'queued' or state == 'scheduled') then
	-- the state's own set: everything in it matches
	if state == 'queued' then
		ids = {}
		for _, m in ipairs(redis.call('ZRANGE', qk(queue, 'ready'), 0, batch - 1)) do ids[#ids + 1] = string.sub(m, 13) end
	else
		ids = redis.call('ZRANGE', qk(queue, 'sched'), 0, batch - 1)
	end
else
	scan = true
	ids = redis.call('ZRANGEBYLEX', P .. 'all', cursor == '' and '-' or '(' .. cursor, '+', 'LIMIT', 0, batch)
end
for _, id in ipairs(ids) do
	local f = redis.call('HMGET', jk(id), 's', 'q', 'p', 'ra', 'uk', 'xa', 'ru')
	if f[1] and f[1] ~= 'running' and (queue == '' or f[2] == queue) and (state == '' or f[1] == state) then
		remove(id, f)
		n = n + 1
	end
	cursor = id
end
if n > 0 then redis.call('PUBLISH', P .. 'ev:f', 'F') end
return {n, cursor, #ids < batch and 1 or 0}
`, "unready", "release", "count")

// scriptPrune: ARGV is prefix, now, batch, and "1" to also delete expired
// leases and counters. Returns {deleted, more}.
var scriptPrune = lua(`
local now, batch = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', P .. 'final', '-inf', '(' .. now, 'LIMIT', 0, batch)
local n = 0
for _, id in ipairs(ids) do
	local key = jk(id)
	local f = redis.call('HMGET', key, 's', 'q', 'ru')
	redis.call('ZREM', P .. 'final', id)
	if f[1] and isfinal(f[1]) and tonumber(f[3]) and tonumber(f[3]) < now then
		redis.call('DEL', key)
		redis.call('ZREM', P .. 'all', id)
		count(f[2], f[1], -1)
		n = n + 1
	end
end
if ARGV[4] == '1' then
	local lu = redis.call('HGETALL', P .. 'lease:u')
	for j = 1, #lu, 2 do
		if tonumber(lu[j + 1]) < now then
			local k = lu[j]
			redis.call('HDEL', P .. 'lease', k)
			redis.call('HDEL', P .. 'lease:u', k)
			redis.call('HDEL', P .. 'lease:d', k)
			redis.call('ZREM', P .. 'leasek', k)
		end
	end
	local cu = redis.call('HGETALL', P .. 'cnt:u')
	for j = 1, #cu, 2 do
		if tonumber(cu[j + 1]) < now then
			redis.call('HDEL', P .. 'cnt', cu[j])
			redis.call('HDEL', P .. 'cnt:u', cu[j])
		end
	end
end
return {n, #ids == batch and 1 or 0}
`, "count")

// scriptList: ARGV is prefix, cursor, queue, state, name, limit, scan
// budget, bound, desc ('1' or '0'). Returns {id, HGETALL pairs, ...,
// cursor, done}: the matching jobs past the cursor in ID order (the
// cursor is the lower bound ascending, the upper one descending; bound
// is the other, empty for none), examining at most the budget.
var scriptList = lua(`
local queue, state, name, limit, budget = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local bound, desc = ARGV[8], ARGV[9] == '1'
local filter = queue ~= '' or state ~= '' or name ~= ''
local out, found, scanned = {}, 0, 0
local cursor = ARGV[2]
while found < limit and scanned < budget do
	local step = limit - found
	if filter then step = 500 end
	local ids
	if desc then
		ids = redis.call('ZREVRANGEBYLEX', P .. 'all', cursor == '' and '+' or '(' .. cursor, bound == '' and '-' or '(' .. bound, 'LIMIT', 0, step)
	else
		ids = redis.call('ZRANGEBYLEX', P .. 'all', cursor == '' and '-' or '(' .. cursor, bound == '' and '+' or '(' .. bound, 'LIMIT', 0, step)
	end
	if #ids == 0 then return {out, cursor, 1} end
	for _, id in ipairs(ids) do
		scanned = scanned + 1
		cursor = id
		local ok = true
		if filter then
			local f = redis.call('HMGET', jk(id), 'q', 's', 'n')
			ok = f[1] and (queue == '' or f[1] == queue) and (state == '' or f[2] == state) and (name == '' or f[3] == name)
		end
		if ok then
			local all = redis.call('HGETALL', jk(id))
			if #all > 0 then
				out[#out + 1] = id
				out[#out + 1] = all
				found = found + 1
				if found >= limit then break end
			end
		end
	end
end
return {out, cursor, 0}
`)

// scriptQueues: ARGV is prefix. Returns name, paused (0/1), state/count
// pairs, for every known or paused queue: final states from the queue's
// counters, the others from the size of their sets.
var scriptQueues = lua(`
local paused = {}
for _, q in ipairs(redis.call('SMEMBERS', P .. 'paused')) do paused[q] = true end
local out, seen = {}, {}
local function add(q)
	if seen[q] then return end
	seen[q] = true
	local c = redis.call('HGETALL', qk(q, 'n'))
	c[#c + 1] = 'queued'
	c[#c + 1] = tostring(redis.call('ZCARD', qk(q, 'ready')))
	c[#c + 1] = 'scheduled'
	c[#c + 1] = tostring(redis.call('ZCARD', qk(q, 'sched')))
	c[#c + 1] = 'running'
	c[#c + 1] = tostring(redis.call('ZCARD', qk(q, 'run')))
	out[#out + 1] = q
	out[#out + 1] = paused[q] and 1 or 0
	out[#out + 1] = c
end
for _, q in ipairs(redis.call('SMEMBERS', P .. 'queues')) do add(q) end
for q in pairs(paused) do add(q) end
return out
`)

// scriptOldest: ARGV is prefix, queue, offset, batch. Returns {the least
// EnqueuedAt among batch ready jobs from offset ("" if none), examined}.
var scriptOldest = lua(`
local ms = redis.call('ZRANGE', qk(ARGV[2], 'ready'), tonumber(ARGV[3]), tonumber(ARGV[3]) + tonumber(ARGV[4]) - 1)
local best
for _, m in ipairs(ms) do
	local ea = tonumber(redis.call('HGET', jk(string.sub(m, 13)), 'ea'))
	if ea and (not best or ea < best) then best = ea end
end
return {best and tostring(best) or '', #ms}
`)

// scriptAcquire: ARGV is prefix, key, owner, data, until, now. Returns
// {ok (0/1), owner, data, until} of the holder after the call.
var scriptAcquire = lua(`
local k, owner, data, u, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local cur = redis.call('HGET', P .. 'lease', k)
local cu = tonumber(redis.call('HGET', P .. 'lease:u', k))
if not cur or not cu or cu <= now or cur == owner then
	redis.call('HSET', P .. 'lease', k, owner)
	redis.call('HSET', P .. 'lease:u', k, u)
	redis.call('HSET', P .. 'lease:d', k, data)
	redis.call('ZADD', P .. 'leasek', 0, k)
	return {1, owner, data, u}
end
return {0, cur, redis.call('HGET', P .. 'lease:d', k) or '', redis.call('HGET', P .. 'lease:u', k)}
`)

// scriptRelease: ARGV is prefix, key, owner ("" for any). Returns 1 if
// it deleted the lease.
var scriptRelease = lua(`
local k, owner = ARGV[2], ARGV[3]
local cur = redis.call('HGET', P .. 'lease', k)
if not cur or (owner ~= '' and cur ~= owner) then return 0 end
redis.call('HDEL', P .. 'lease', k)
redis.call('HDEL', P .. 'lease:u', k)
redis.call('HDEL', P .. 'lease:d', k)
redis.call('ZREM', P .. 'leasek', k)
return 1
`)

// scriptLeases: ARGV is prefix, lex min, lex max, now. Returns key,
// owner, data, until for each live lease in key order.
var scriptLeases = lua(`
local now = tonumber(ARGV[4])
local out = {}
for _, k in ipairs(redis.call('ZRANGEBYLEX', P .. 'leasek', ARGV[2], ARGV[3])) do
	local u = redis.call('HGET', P .. 'lease:u', k)
	if u and tonumber(u) > now then
		out[#out + 1] = k
		out[#out + 1] = redis.call('HGET', P .. 'lease', k) or ''
		out[#out + 1] = redis.call('HGET', P .. 'lease:d', k) or ''
		out[#out + 1] = u
	end
end
return out
`)

// scriptCount: ARGV is prefix, key, until, now. Returns the new value.
var scriptCount = lua(`
local k, u, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local cu = tonumber(redis.call('HGET', P .. 'cnt:u', k))
if not cu or cu <= now then
	redis.call('HSET', P .. 'cnt', k, 1)
	redis.call('HSET', P .. 'cnt:u', k, u)
	return 1
end
return redis.call('HINCRBY', P .. 'cnt', k, 1)
`)

// script is one Lua script, run by SHA with a fallback to its source.
type script struct{ sha, src string }

func newScript(src string) script { return script{goredis.NewScript(src).Hash(), src} }

// run calls the script with the namespace's routing key and prefix.
func (sc script) run(ctx context.Context, s *core, args ...any) *goredis.Cmd {
	return sc.do(ctx, s, append(sc.args(s, len(args)), args...))
}

// evalHeader is how many arguments of a call built by args precede the
// script's own: command, SHA, key count, routing key and prefix.
const evalHeader = 5

// args returns the start of a call of the script, with room for n more
// arguments that the caller appends before passing it to do. A call built
// this way is one slice from the caller to the connection, which matters
// for a bulk insert's hundreds of thousands of arguments; run copies its
// arguments into one.
func (sc script) args(s *core, n int) []any {
	a := make([]any, evalHeader, evalHeader+n)
	a[0], a[1], a[2], a[3], a[4] = "evalsha", sc.sha, 1, s.k.all, s.k.prefix
	return a
}

// do runs a call built on args, by SHA and then, if the server does not
// have the script, by its source.
func (sc script) do(ctx context.Context, s *core, a []any) *goredis.Cmd {
	cmd := sc.process(ctx, s, a)
	if goredis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		a[0], a[1] = "eval", sc.src
		cmd = sc.process(ctx, s, a)
	}
	return cmd
}

func (sc script) process(ctx context.Context, s *core, a []any) *goredis.Cmd {
	cmd := goredis.NewCmd(ctx, a...)
	cmd.SetFirstKeyPos(3) // the routing key, for a cluster
	_ = s.rdb.Process(ctx, cmd)
	return cmd
}

var (
	insertScript         = newScript(scriptInsert)
	insertReadyScript    = newScript(scriptInsertReady)
	claimScript          = newScript(scriptClaim)
	finishScript         = newScript(scriptFinish)
	extendScript         = newScript(scriptExtend)
	recoverScript        = newScript(scriptRecover)
	revokeScript         = newScript(scriptRevoke)
	revokeRequestsScript = newScript(scriptRevokeRequests)
	wakeScript           = newScript(scriptWake)
	retryScript          = newScript(scriptRetry)
	deleteScript         = newScript(scriptDelete)
	purgeScript          = newScript(scriptPurge)
	pruneScript          = newScript(scriptPrune)
	listScript           = newScript(scriptList)
	queuesScript         = newScript(scriptQueues)
	oldestScript         = newScript(scriptOldest)
	acquireScript        = newScript(scriptAcquire)
	releaseScript        = newScript(scriptRelease)
	leasesScript         = newScript(scriptLeases)
	countScript          = newScript(scriptCount)
)
