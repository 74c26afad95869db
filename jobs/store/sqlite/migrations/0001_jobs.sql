-- 0001: the jobs table, paused queues, and the indexes the hot paths need.
--
-- Times are INTEGER Unix nanoseconds, 0 meaning "not set", so ordering and
-- comparisons are plain integer work. State names are stored as text so the
-- file stays readable with the sqlite3 shell.

CREATE TABLE jobs (
	id           TEXT    NOT NULL PRIMARY KEY,
	name         TEXT    NOT NULL,
	queue        TEXT    NOT NULL,
	priority     INTEGER NOT NULL DEFAULT 0,
	args         BLOB,
	state        TEXT    NOT NULL,
	attempt      INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 1,
	run_at       INTEGER NOT NULL DEFAULT 0,
	enqueued_at  INTEGER NOT NULL DEFAULT 0,
	started_at   INTEGER NOT NULL DEFAULT 0,
	finished_at  INTEGER NOT NULL DEFAULT 0,
	lease_owner  TEXT,
	lease_until  INTEGER NOT NULL DEFAULT 0,
	result       BLOB,
	last_error   TEXT,
	errors       TEXT,    -- JSON array of {"attempt","at","error"}
	retain_until INTEGER NOT NULL DEFAULT 0,
	unique_key   TEXT,
	meta         BLOB
) WITHOUT ROWID;

-- Claim: an index range scan per queue in claim order. Only claimable
-- states are indexed, so finished jobs cost nothing here.
CREATE INDEX jobs_ready ON jobs (queue, priority DESC, run_at, id)
	WHERE state IN ('queued', 'scheduled');

-- Recover: running jobs by lease expiry.
CREATE INDEX jobs_lease ON jobs (lease_until)
	WHERE state = 'running';

-- Unique enqueue: at most one unfinished job per key.
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key)
	WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'queued', 'running');

-- Prune: final jobs with a retention deadline.
CREATE INDEX jobs_retain ON jobs (retain_until)
	WHERE retain_until > 0;

-- Queues that workers must not claim from. A row means paused.
CREATE TABLE paused_queues (
	name TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
