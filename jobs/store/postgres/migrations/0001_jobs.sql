-- 0001: the jobs table, paused queues, and one partial index per hot path.
--
-- {{schema}} is replaced by the quoted schema name when the migration runs.
-- Zero times are NULL, except run_at and enqueued_at, which every job has.
-- id and queue use the "C" collation so that ordering and paging match Go's
-- byte-wise string order on every server, whatever its default collation.

CREATE TABLE {{schema}}.jobs (
	id           text COLLATE "C" NOT NULL PRIMARY KEY,
	name         text NOT NULL,
	queue        text COLLATE "C" NOT NULL,
	priority     integer NOT NULL DEFAULT 0,
	args         bytea,
	state        text NOT NULL CHECK (state IN ('scheduled', 'queued', 'running', 'succeeded', 'dead', 'canceled', 'expired')),
	attempt      integer NOT NULL DEFAULT 0,
	max_attempts integer NOT NULL DEFAULT 1,
	run_at       timestamptz NOT NULL,
	enqueued_at  timestamptz NOT NULL,
	started_at   timestamptz,
	finished_at  timestamptz,
	lease_owner  text,
	lease_until  timestamptz,
	result       bytea,
	last_error   text,
	errors       jsonb,           -- [{"attempt","at","error"}], as store.AttemptError encodes
	retain_until timestamptz,
	unique_key   text,
	meta         bytea,
	expires_at   timestamptz,
	retention_ns bigint NOT NULL DEFAULT 0,
	revoke       text
);

-- Claim: an index scan per queue in claim order that stops at the limit.
-- Only Queued jobs are indexed: due Scheduled jobs are first promoted to
-- Queued through jobs_scheduled, so delayed jobs, however many, are never
-- walked by a claim.
CREATE INDEX jobs_queued ON {{schema}}.jobs (queue, priority DESC, run_at, id)
	WHERE state = 'queued';

-- Promotion: the Scheduled jobs of a queue that are due.
CREATE INDEX jobs_scheduled ON {{schema}}.jobs (queue, run_at)
	WHERE state = 'scheduled';

-- Recover: Running jobs by lease expiry.
CREATE INDEX jobs_lease ON {{schema}}.jobs (lease_until)
	WHERE state = 'running';

-- RevokeRequests: the few Running jobs whose revoke was requested.
CREATE INDEX jobs_revoke ON {{schema}}.jobs (lease_owner)
	WHERE state = 'running' AND revoke IS NOT NULL;

-- Recover: unstarted jobs with a deadline.
CREATE INDEX jobs_expires ON {{schema}}.jobs (expires_at)
	WHERE expires_at IS NOT NULL AND state IN ('scheduled', 'queued');

-- Unique enqueue: at most one unfinished job per key. INSERT ... ON
-- CONFLICT DO NOTHING skips a job that would break it.
CREATE UNIQUE INDEX jobs_unique ON {{schema}}.jobs (unique_key)
	WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running');

-- Prune: final jobs with a retention deadline.
CREATE INDEX jobs_retain ON {{schema}}.jobs (retain_until)
	WHERE retain_until IS NOT NULL;

-- Queues that workers must not claim from. A row means paused.
CREATE TABLE {{schema}}.paused_queues (
	name text COLLATE "C" NOT NULL PRIMARY KEY
);
