package postgres

import (
	"strconv"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
)

// jobColumns is the select list every Job is scanned from (see scanJob),
// for a table aliased j. Nullable text comes back as "".
const jobColumns = `j.id, j.name, j.queue, j.priority, j.args, j.state, j.attempt, j.max_attempts,
	j.run_at, j.enqueued_at, j.started_at, j.finished_at, coalesce(j.lease_owner, ''), j.lease_until,
	j.result, coalesce(j.last_error, ''), j.errors, j.retain_until, coalesce(j.unique_key, ''), j.meta,
	j.expires_at, j.retention_ns, coalesce(j.revoke, ''), j.unique_until`

// jobJSON is the JSON object of a job, for a table aliased j: the
// columns of jobColumns, bytea in base64 (whatever bytea_output says),
// read back by jobDoc.
const jobJSON = `json_build_object('id', j.id, 'name', j.name, 'queue', j.queue, 'priority', j.priority,
	'args', encode(j.args, 'base64'), 'state', j.state, 'attempt', j.attempt, 'max_attempts', j.max_attempts,
	'run_at', j.run_at, 'enqueued_at', j.enqueued_at, 'started_at', j.started_at, 'finished_at', j.finished_at,
	'lease_owner', j.lease_owner, 'lease_until', j.lease_until, 'result', encode(j.result, 'base64'),
	'last_error', j.last_error, 'errors', j.errors, 'retain_until', j.retain_until, 'unique_key', j.unique_key,
	'meta', encode(j.meta, 'base64'), 'expires_at', j.expires_at, 'retention_ns', j.retention_ns, 'revoke', j.revoke,
	'unique_until', j.unique_until)::text`

// maxPayload is the longest NOTIFY payload PostgreSQL accepts, in bytes.
const maxPayload = "7999"

// finalStates is the SQL list of store.State.Final states.
const finalStates = `('succeeded', 'dead', 'canceled', 'expired')`

// retainFrom is the RetainUntil of a job the store finalizes itself at
// instant t: t + Retention, or NULL (kept) without one.
func retainFrom(t string) string {
	return `CASE WHEN j.retention_ns > 0 THEN ` + t + ` + make_interval(secs => j.retention_ns / 1e9) END`
}

// Notifications. Every statement that may wake someone sends its NOTIFY
// itself, from an uncorrelated subquery in its select list: PostgreSQL
// runs it once, after the statement's changes, and only when the
// statement changed at least one row; the notifications are delivered
// when, and only if, the transaction commits (the store's own, or the
// caller's under EnqueueTx). Payloads: 'r' || queue (jobs of queue may have
// become claimable), '*' (jobs of some queue whose name is too long to
// send), 'f' || a JSON array of IDs (those jobs became final
// or were deleted before finishing), 'j' || the JSON of an ID || the
// JSON of that job (jobJSON), final (a Finish of one outcome sends it,
// so that waiters need not read the job back), 'a' (re-check every
// awaited job: an ID too long for a payload), 'v' (a revoke was requested
// for a running job). ID lists are cut into payloads well under
// PostgreSQL's 8000-byte limit.

// notifyOf wraps payload-producing SELECTs (each with one text column p)
// into the select-list expression that sends them.
// recoveredCols aggregates the moved rows of Recover's CTE upd into
// parallel arrays (id, name, queue, attempt, state, last_error), which
// Recover zips into store.Recovered values: one row per statement keeps
// the notes and the list in a single round trip.
const recoveredCols = `coalesce(array_agg(id ORDER BY id), '{}'), coalesce(array_agg(name ORDER BY id), '{}'),
	coalesce(array_agg(queue ORDER BY id), '{}'), coalesce(array_agg(attempt ORDER BY id), '{}'),
	coalesce(array_agg(state ORDER BY id), '{}'), coalesce(array_agg(last_error ORDER BY id), '{}')`

func notifyOf(parts ...string) string {
	return `(SELECT count(pg_notify('{channel}', p)) FROM (` + strings.Join(parts, " UNION ALL ") + `) notes)`
}

// readyOf yields one 'r' payload per queue of the rows of cte matching
// cond ('*', every queue, for a name too long to send).
func readyOf(cte, cond string) string {
	return `SELECT CASE WHEN octet_length(queue) <= 7000 THEN 'r' || queue ELSE '*' END AS p
		FROM ` + cte + ` WHERE ` + cond + ` GROUP BY queue`
}

// finalOf yields the 'f' payloads for the IDs of the rows of cte
// matching cond, in chunks of at most about 6000 bytes of JSON, and 'a'
// when one of them is too long to send.
func finalOf(cte, cond string) string {
	return `SELECT 'f' || json_agg(id)::text AS p FROM (
			SELECT id, sum(octet_length(to_json(id)::text) + 1) OVER (ORDER BY id) / 6000 AS chunk
			FROM ` + cte + ` WHERE ` + cond + ` AND octet_length(to_json(id)::text) <= ` + maxNotifiedID + `) c
		GROUP BY chunk
		UNION ALL (SELECT 'a' FROM ` + cte + ` WHERE ` + cond + ` AND octet_length(to_json(id)::text) > ` + maxNotifiedID + ` LIMIT 1)`
}

// maxNotifiedID is the longest ID, in bytes of JSON, that a 'f' payload
// names (maxNotifiedIDLen in Go).
const (
	maxNotifiedID    = "1000"
	maxNotifiedIDLen = 1000
)

// stillRunning checks that a job looked up by ID is Running. It is
// written so that it does not match jobs_lease's predicate: the planner,
// whose statistics may have seen few running jobs, would otherwise walk
// every running job's lease entry instead of looking the IDs up by
// primary key.
const stillRunning = `(j.state = 'running') IS TRUE`

// promoteLimit bounds how many due Scheduled jobs one claim promotes, so
// a claim after a long pause stays a short statement; the rest follow with
// the next claims.
const promoteLimit = "1000"

// readyNamesScan is store.ReadyNamesScan as SQL text.
var readyNamesScan = strconv.Itoa(store.ReadyNamesScan)

// namedIn is the claim's name filter on parameter p, a text array: true
// for every job when the array is empty (a claim of any name). Rows of
// other names are stepped over in the claim's index scan, so they never
// stop it; a claim reads the ones that sort ahead of what it takes.
func namedIn(p string) string {
	return `(cardinality(` + p + `::text[]) = 0 OR name = ANY(` + p + `::text[]))`
}

// queries holds the statements with the schema and channel filled in.
// pgx prepares and caches them per connection on first use.
type queries struct {
	insertOne, insert, yieldUnique, dupsOf, notifyReady, get, promote, claimOne, claimMany, finish, extend string
	recoverLeases, recoverExpired, revoke, revokeState                                                     string
	revokeRequests, wake, readyNames                                                                       string
	acquire, release, leases, count                                                                        string
	pruneJobs, pruneLeases, pruneCounters                                                                  string
	queueCounts, oldest, retry, stateOf, deleteJob, pause, resume                                          string
	purge, list, listDesc, restore                                                                         string
}

// requeue moves jobs back to Queued, ready at $2, with a fresh attempt
// budget and their lease, result, retention, revoke and ExpiresAt cleared
// (Retry and Restore); the caller adds the WHERE clause.
const requeue = `UPDATE {s}.jobs SET state = 'queued', attempt = 0, run_at = $2,
	started_at = NULL, finished_at = NULL, lease_owner = NULL, lease_until = NULL,
	result = NULL, retain_until = NULL, revoke = NULL, expires_at = NULL`

// insertColumns are the columns a new job sets.
const insertColumns = `id, name, queue, priority, args, state, attempt, max_attempts,
	run_at, enqueued_at, last_error, errors, unique_key, meta, expires_at, retention_ns, unique_until`

func newQueries(schema, channel string) *queries {
	x := strings.NewReplacer("{s}.", quoteIdent(schema)+".", "{channel}", channel).Replace
	return &queries{
		// ON CONFLICT DO NOTHING skips a job whose ID exists or whose
		// unique key an unfinished job holds (the primary key and the
		// partial unique index alike), also against concurrent inserts.
		// Every row returns (id, notifications sent).
		insertOne: x(`WITH ins AS (
				INSERT INTO {s}.jobs (` + insertColumns + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17)
				ON CONFLICT DO NOTHING
				RETURNING id, queue)
			SELECT id, ` + notifyOf(readyOf("ins", "true")) + ` FROM ins`),

		// Many jobs: unnest keeps the input order, so of two jobs in one
		// batch that collide (same unique key) the first is inserted.
		insert: x(`WITH ins AS (
				INSERT INTO {s}.jobs (` + insertColumns + `)
				SELECT u.id, u.name, u.queue, u.priority, u.args, u.state, u.attempt, u.max_attempts,
					u.run_at, u.enqueued_at, u.last_error, u.errors::jsonb, u.unique_key, u.meta, u.expires_at, u.retention_ns, u.unique_until
				FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::bytea[], $6::text[], $7::int4[], $8::int4[],
					$9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::bytea[], $15::timestamptz[], $16::int8[],
					$17::timestamptz[])
					AS u(` + insertColumns + `)
				ON CONFLICT DO NOTHING
				RETURNING id, queue)
			SELECT id, ` + notifyOf(readyOf("ins", "true")) + ` FROM ins`),

		// The jobs of a batch that carry a unique key (parameters: their
		// IDs, keys and enqueue times) take each key from an unfinished
		// holder whose unique_until is not after their enqueue, unless
		// their own ID exists (they will not be inserted). The key
		// condition repeats jobs_unique's, which finds the holder. It
		// runs before the insert, in the same transaction.
		yieldUnique: x(`UPDATE {s}.jobs j SET unique_key = NULL, unique_until = NULL
			FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(id, key, at)
			WHERE j.unique_key = u.key AND j.state IN ('scheduled', 'queued', 'running')
				AND j.unique_until <= u.at
				AND NOT EXISTS (SELECT 1 FROM {s}.jobs x WHERE x.id = u.id)`),

		// After the insert, in its transaction: for each job of the batch
		// that carries a unique key (IDs and keys), whether its ID is
		// stored, and the unfinished job holding its key.
		dupsOf: x(`SELECT u.id, EXISTS (SELECT 1 FROM {s}.jobs x WHERE x.id = u.id),
				coalesce((SELECT h.id FROM {s}.jobs h WHERE h.unique_key = u.key
					AND h.state IN ('scheduled', 'queued', 'running')), '')
			FROM unnest($1::text[], $2::text[]) AS u(id, key)`),

		// The ready notification of each queue of $1 (insertCopy).
		notifyReady: x(`SELECT ` + notifyOf(readyOf("unnest($1::text[]) AS u(queue)", "true"))),

		get: x(`SELECT ` + jobColumns + ` FROM {s}.jobs j WHERE j.id = $1`),

		// Due Scheduled jobs become Queued, skipping any another claimer
		// is promoting right now. The claimer takes them next; other
		// workers are woken only when it promoted more than it can take.
		// Parameters: queues, now, limit.
		promote: x(`WITH p AS (UPDATE {s}.jobs SET state = 'queued' WHERE id IN (
				SELECT id FROM {s}.jobs WHERE state = 'scheduled' AND queue = ANY($1) AND run_at <= $2
				LIMIT ` + promoteLimit + ` FOR UPDATE SKIP LOCKED)
			RETURNING queue)
			SELECT count(*), CASE WHEN count(*) > $3 THEN ` + notifyOf(readyOf("p", "true")) + ` END FROM p`),

		// One queue: a range scan of jobs_queued in claim order that stops
		// at the limit, skipping rows other claimers hold and, when names
		// are given (a non-empty array), rows of other names. Parameters:
		// queue, now, owner, lease until, limit, names.
		claimOne: x(`UPDATE {s}.jobs j SET state = 'running', attempt = j.attempt + 1, started_at = $2,
				lease_owner = $3, lease_until = $4
			FROM (SELECT id FROM {s}.jobs
				WHERE state = 'queued' AND queue = $1 AND ` + namedIn("$6") + `
					AND NOT EXISTS (SELECT 1 FROM {s}.paused_queues WHERE name = $1)
				ORDER BY priority DESC, run_at, id
				LIMIT $5 FOR UPDATE SKIP LOCKED) p
			WHERE j.id = p.id
			RETURNING ` + jobColumns),

		// Several queues: the same scan per queue, merged and cut to the
		// limit. Parameters: queues, now, owner, lease until, limit, names.
		claimMany: x(`UPDATE {s}.jobs j SET state = 'running', attempt = j.attempt + 1, started_at = $2,
				lease_owner = $3, lease_until = $4
			FROM (SELECT c.id FROM unnest($1::text[]) AS q(name)
				CROSS JOIN LATERAL (SELECT id, priority, run_at FROM {s}.jobs
					WHERE state = 'queued' AND queue = q.name AND ` + namedIn("$6") + `
						AND NOT EXISTS (SELECT 1 FROM {s}.paused_queues WHERE name = q.name)
					ORDER BY priority DESC, run_at, id
					LIMIT $5 FOR UPDATE SKIP LOCKED) c
				ORDER BY c.priority DESC, c.run_at, c.id
				LIMIT $5) p
			WHERE j.id = p.id
			RETURNING ` + jobColumns),

		// ReadyNames: per queue that is not paused, the names of its
		// first store.ReadyNamesScan Queued jobs in claim order (a range
		// scan of jobs_queued) and as many due Scheduled ones (of
		// jobs_scheduled), cut to the bound in claim order and counted.
		// Parameters: queues, now.
		readyNames: x(`SELECT q.qname, r.name, count(*) FROM unnest($1::text[]) AS q(qname)
			CROSS JOIN LATERAL (SELECT u.name FROM (
				(SELECT name, priority, run_at, id FROM {s}.jobs
					WHERE state = 'queued' AND queue = q.qname
					ORDER BY priority DESC, run_at, id LIMIT ` + readyNamesScan + `)
				UNION ALL
				(SELECT name, priority, run_at, id FROM {s}.jobs
					WHERE state = 'scheduled' AND queue = q.qname AND run_at <= $2
					ORDER BY run_at LIMIT ` + readyNamesScan + `)) u
				ORDER BY u.priority DESC, u.run_at, u.id LIMIT ` + readyNamesScan + `) r
			WHERE NOT EXISTS (SELECT 1 FROM {s}.paused_queues WHERE name = q.qname)
			GROUP BY q.qname, r.name`),

		// Every outcome of a batch in one statement, each joined to its
		// job by primary key. Parameters: arrays of id, owner, state, result, error,
		// run_at, finished_at, retain_until, the error's timestamp as JSON
		// text; then the 'f' payloads of the final outcomes, built by the
		// caller, or none and true to send a 'j' payload per final job
		// instead (an 'f' one for a job too large). Rows: the IDs applied.
		finish: x(`WITH upd AS (UPDATE {s}.jobs j SET
				state = CASE WHEN o.state = 'queued' AND o.run_at > o.finished_at THEN 'scheduled' ELSE o.state END,
				attempt = CASE WHEN o.state = 'queued' THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
				result = CASE WHEN o.state = 'succeeded' THEN o.result ELSE j.result END,
				last_error = CASE WHEN o.state IN ('succeeded', 'queued') THEN j.last_error ELSE o.error END,
				errors = CASE WHEN o.state IN ('succeeded', 'queued') THEN j.errors
					ELSE coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
						'attempt', j.attempt, 'at', o.at, 'error', o.error)) END,
				run_at = CASE WHEN o.state = 'scheduled' THEN coalesce(o.run_at, j.run_at)
					WHEN o.state = 'queued' AND o.run_at > o.finished_at THEN o.run_at
					ELSE j.run_at END,
				finished_at = CASE WHEN o.state IN ` + finalStates + ` THEN o.finished_at END,
				retain_until = CASE WHEN o.state IN ` + finalStates + ` THEN o.retain_until END,
				lease_owner = NULL, lease_until = NULL
			FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[],
				$6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::text[])
				AS o(id, owner, state, result, error, run_at, finished_at, retain_until, at)
			WHERE j.id = o.id AND ` + stillRunning + ` AND j.lease_owner = o.owner
			RETURNING j.id, j.state, j.queue, CASE WHEN $11 AND j.state IN ` + finalStates + ` THEN ` + jobJSON + ` END AS doc)
			SELECT id, ` + notifyOf(readyOf("upd", "state IN ('scheduled', 'queued')"), "SELECT unnest($10::text[])", `
				SELECT CASE WHEN octet_length(p) <= `+maxPayload+` THEN p
					WHEN octet_length(to_json(id)::text) <= `+maxNotifiedID+` THEN 'f' || json_build_array(id)::text
					ELSE 'a' END
				FROM (SELECT id, 'j' || to_json(id)::text || doc AS p FROM upd WHERE doc IS NOT NULL) d`) + ` FROM upd`),

		extend: x(`UPDATE {s}.jobs j SET lease_until = $3
			WHERE j.id = ANY($2) AND ` + stillRunning + ` AND j.lease_owner = $1
			RETURNING j.id`),

		// Parameters: now, now as JSON text. Rows another caller holds are
		// skipped: it is recovering them, or finishing them in time. One
		// row: the notes sent, then recoveredCols.
		recoverLeases: x(`WITH upd AS (UPDATE {s}.jobs j SET
				state = CASE WHEN j.attempt < j.max_attempts THEN 'queued' ELSE 'dead' END,
				last_error = 'lease held by ' || coalesce(j.lease_owner, '?') || ' expired (the worker stopped or lost contact)',
				errors = coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
					'attempt', j.attempt, 'at', $2::text,
					'error', 'lease held by ' || coalesce(j.lease_owner, '?') || ' expired (the worker stopped or lost contact)')),
				finished_at = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE $1 END,
				retain_until = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE ` + retainFrom("$1::timestamptz") + ` END,
				lease_owner = NULL, lease_until = NULL
			FROM (SELECT id FROM {s}.jobs WHERE state = 'running' AND lease_until < $1
				FOR UPDATE SKIP LOCKED) r
			WHERE j.id = r.id
			RETURNING j.id, j.name, j.queue, j.attempt, j.state, j.last_error)
			SELECT ` + notifyOf(readyOf("upd", "state = 'queued'"), finalOf("upd", "state = 'dead'")) + `, ` + recoveredCols + ` FROM upd`),

		// Parameter: now. One row: the notes sent, then recoveredCols.
		recoverExpired: x(`WITH upd AS (UPDATE {s}.jobs j SET state = 'expired', finished_at = $1,
				last_error = 'expired: not started before its deadline ' ||
					to_char(j.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
				retain_until = ` + retainFrom("$1::timestamptz") + `
			FROM (SELECT id FROM {s}.jobs WHERE expires_at < $1 AND state IN ('scheduled', 'queued')
				FOR UPDATE SKIP LOCKED) e
			WHERE j.id = e.id
			RETURNING j.id, j.name, j.queue, j.attempt, j.state, j.last_error)
			SELECT ` + notifyOf(finalOf("upd", "true")) + `, ` + recoveredCols + ` FROM upd`),

		// Parameters: id, reason, now. Rows: the state after the call,
		// the job's name, queue and attempt, and the notifications sent.
		revoke: x(`WITH upd AS (UPDATE {s}.jobs j SET revoke = $2,
				state = CASE WHEN j.state = 'running' THEN 'running' ELSE 'canceled' END,
				last_error = CASE WHEN j.state = 'running' THEN j.last_error ELSE $2 END,
				finished_at = CASE WHEN j.state = 'running' THEN j.finished_at ELSE $3 END,
				retain_until = CASE WHEN j.state = 'running' THEN j.retain_until ELSE ` + retainFrom("$3::timestamptz") + ` END
			WHERE j.id = $1 AND j.state IN ('scheduled', 'queued', 'running')
			RETURNING j.id, j.state, j.name, j.queue, j.attempt)
			SELECT state, name, queue, attempt, ` + notifyOf(finalOf("upd", "state = 'canceled'"), "SELECT 'v' FROM upd WHERE state = 'running'") + ` FROM upd`),

		revokeState: x(`SELECT state, name, queue, attempt FROM {s}.jobs WHERE id = $1`),

		revokeRequests: x(`SELECT id, revoke FROM {s}.jobs
			WHERE state = 'running' AND lease_owner = $1 AND revoke IS NOT NULL`),

		wake: x(`WITH upd AS (UPDATE {s}.jobs SET state = 'queued', run_at = $2
				WHERE id = ANY($1) AND state = 'scheduled'
				RETURNING queue)
			SELECT ` + notifyOf(readyOf("upd", "true")) + ` FROM upd LIMIT 1`),

		// Parameters: key, owner, data, until, now. The first branch
		// returns a row when the lease was taken or renewed, the second
		// the holder otherwise; neither when the holder committed after
		// this statement's snapshot (the caller asks again).
		acquire: x(`WITH up AS (
				INSERT INTO {s}.leases AS l (key, owner, data, until) VALUES ($1, $2, $3, $4)
				ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, data = excluded.data, until = excluded.until
					WHERE l.until <= $5 OR l.owner = excluded.owner
				RETURNING 1)
			SELECT true, $2::text, $3::bytea, $4::timestamptz FROM up
			UNION ALL
			SELECT false, owner, data, until FROM {s}.leases WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)`),

		release: x(`DELETE FROM {s}.leases WHERE key = $1 AND ($2 = '' OR owner = $2)`),

		leases: x(`SELECT key, owner, data, until FROM {s}.leases
			WHERE key LIKE $1 AND until > $2 ORDER BY key`),

		// Parameters: key, until, now.
		count: x(`INSERT INTO {s}.counters AS c (key, value, until) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET
				value = CASE WHEN c.until <= $3 THEN 1 ELSE c.value + 1 END,
				until = CASE WHEN c.until <= $3 THEN excluded.until ELSE c.until END
			RETURNING value`),

		// Final jobs were announced when they finished: no notifications.
		pruneJobs: x(`DELETE FROM {s}.jobs WHERE id IN (
				SELECT id FROM {s}.jobs WHERE retain_until < $1 AND state IN ` + finalStates + ` LIMIT $2)`),
		pruneLeases:   x(`DELETE FROM {s}.leases WHERE until < $1`),
		pruneCounters: x(`DELETE FROM {s}.counters WHERE until < $1`),

		queueCounts: x(`SELECT queue, state, count(*) FROM {s}.jobs GROUP BY queue, state
			UNION ALL SELECT name, NULL, 0 FROM {s}.paused_queues`),
		oldest: x(`SELECT min(enqueued_at) FROM {s}.jobs WHERE state = 'queued'`),

		// Parameters: id, now. Only a final job moves; the caller asks why
		// not when no row comes back.
		retry: x(`WITH upd AS (` + requeue + `
			WHERE id = $1 AND state IN ` + finalStates + `
			RETURNING queue)
			SELECT queue, ` + notifyOf(readyOf("upd", "true")) + ` FROM upd`),
		stateOf: x(`SELECT state FROM {s}.jobs WHERE id = $1`),

		// Parameters: id, now. Only a canceled job moves. One row always:
		// whether it moved, and the state the statement's snapshot saw
		// (NULL: no such job), so that a refusal needs no second look.
		restore: x(`WITH upd AS (` + requeue + `
			WHERE id = $1 AND state = 'canceled'
			RETURNING queue)
			SELECT EXISTS (SELECT 1 FROM upd), (SELECT state FROM {s}.jobs WHERE id = $1),
				` + notifyOf(readyOf("upd", "true"))),

		// Deleting an unfinished job wakes its waiters, who then find it
		// gone.
		deleteJob: x(`WITH del AS (DELETE FROM {s}.jobs WHERE id = $1 AND state <> 'running' RETURNING id, state)
			SELECT id, ` + notifyOf(finalOf("del", "state NOT IN "+finalStates)) + ` FROM del`),
		pause: x(`INSERT INTO {s}.paused_queues (name) VALUES ($1) ON CONFLICT DO NOTHING`),
		resume: x(`WITH del AS (DELETE FROM {s}.paused_queues WHERE name = $1 RETURNING name AS queue)
			SELECT ` + notifyOf(readyOf("del", "true")) + ` FROM del`),

		// Parameters: after, queue ('' for all), state ('' for all but
		// running), limit. Keyset pages in ID order.
		purge: x(`WITH del AS (DELETE FROM {s}.jobs WHERE id IN (
				SELECT id FROM {s}.jobs WHERE id > $1 AND state <> 'running'
					AND ($2 = '' OR queue = $2) AND ($3 = '' OR state = $3)
				ORDER BY id LIMIT $4)
			RETURNING id, state)
			SELECT id, ` + notifyOf(finalOf("del", "state NOT IN "+finalStates)) + ` FROM del`),

		// Parameters: after, queue, state, name ('' for all), limit,
		// before ('' for no bound). Keyset pages in ID order, ascending
		// or (listDesc) descending.
		list: x(`SELECT ` + jobColumns + ` FROM {s}.jobs j
			WHERE j.id > $1 AND ($6 = '' OR j.id < $6) AND ($2 = '' OR j.queue = $2) AND ($3 = '' OR j.state = $3) AND ($4 = '' OR j.name = $4)
			ORDER BY j.id LIMIT $5`),
		listDesc: x(`SELECT ` + jobColumns + ` FROM {s}.jobs j
			WHERE j.id > $1 AND ($6 = '' OR j.id < $6) AND ($2 = '' OR j.queue = $2) AND ($3 = '' OR j.state = $3) AND ($4 = '' OR j.name = $4)
			ORDER BY j.id DESC LIMIT $5`),
	}
}
