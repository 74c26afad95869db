-- 0002: revoke requests, expiry and retention of jobs the store finalizes
-- itself, and the leases and counters of locks, unique TTLs, worker
-- presence and rate limits.
--
-- New columns have defaults, so rows written before this migration (or by
-- a process still running the previous version) read as "no deadline, keep
-- forever, not revoked".

ALTER TABLE jobs ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0; -- Unix ns; 0 never expires
ALTER TABLE jobs ADD COLUMN retention  INTEGER NOT NULL DEFAULT 0; -- ns; 0 keeps forever
ALTER TABLE jobs ADD COLUMN revoke     TEXT;                       -- revoke reason; NULL when none

-- Recover: waiting jobs by deadline. Only jobs with a deadline are
-- indexed, and the condition does not name the state, so claims and
-- finishes of jobs without one never evaluate or touch this index.
CREATE INDEX jobs_expires ON jobs (state, expires_at)
	WHERE expires_at > 0;

-- RevokeRequests has no index of its own: it reads the running jobs
-- through jobs_lease, as many as workers run at once, which keeps every
-- claim and finish free of another index to maintain.

-- Named, expiring claims. A row past its until is free to take and is
-- deleted by Prune.
CREATE TABLE leases (
	name  TEXT    NOT NULL PRIMARY KEY,
	owner TEXT    NOT NULL,
	data  BLOB,
	until INTEGER NOT NULL -- Unix ns; the lease is free from this instant
) WITHOUT ROWID;

CREATE INDEX leases_until ON leases (until);

-- Fixed-window counters, a namespace apart from leases.
CREATE TABLE counters (
	name  TEXT    NOT NULL PRIMARY KEY,
	n     INTEGER NOT NULL,
	until INTEGER NOT NULL -- Unix ns; the window ends at this instant
) WITHOUT ROWID;

CREATE INDEX counters_until ON counters (until);
