-- 0002: named leases and counters (locks, unique keys with a TTL, worker
-- presence, rate limits). Keys use the "C" collation so that prefix scans
-- (key LIKE 'prefix%') use the primary key index.

CREATE TABLE {{schema}}.leases (
	key   text COLLATE "C" NOT NULL PRIMARY KEY,
	owner text NOT NULL,
	data  bytea,
	until timestamptz NOT NULL
);

CREATE TABLE {{schema}}.counters (
	key   text COLLATE "C" NOT NULL PRIMARY KEY,
	value bigint NOT NULL,
	until timestamptz NOT NULL
);
