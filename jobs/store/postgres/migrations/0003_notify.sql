-- 0003: NOTIFY on the store's channel ({{channel}}) whenever a change may
-- wake someone, from statement-level triggers, so every update and delete
-- notifies, whoever makes it: the store, a caller's own transaction (the
-- NOTIFY is sent when, and only if, it commits), or an administrator's
-- SQL. Inserts notify from the insert statement itself (see the store's
-- insert query): enqueueing one job at a time is the hot path, and a
-- trigger there doubled its cost.
--
-- Payloads: 'r' || queue (jobs of queue may have become claimable),
-- 'f' || a JSON array of IDs (those jobs became final or were deleted
-- before finishing), 'a' (re-check every awaited job: an ID too long for a
-- payload), 'v' (a revoke was requested for a running job). Final IDs are
-- sent in chunks well under the 8000-byte payload limit.

CREATE FUNCTION {{schema}}.notify_finished(ids text[]) RETURNS void
LANGUAGE sql AS $$
	SELECT pg_notify('{{channel}}', 'f' || json_agg(id)::text)
	FROM (SELECT id, sum(octet_length(id) + 8) OVER (ORDER BY id) / 6000 AS chunk
		FROM unnest(ids) AS id WHERE octet_length(id) <= 1000) c
	GROUP BY chunk;
	SELECT pg_notify('{{channel}}', 'a')
	WHERE EXISTS (SELECT 1 FROM unnest(ids) AS id WHERE octet_length(id) > 1000);
$$;

CREATE FUNCTION {{schema}}.jobs_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	final_ids text[];
BEGIN
	-- Claimable now or later: a worker re-claims, or re-arms its timer.
	PERFORM pg_notify('{{channel}}', 'r' || q) FROM (
		SELECT DISTINCT n.queue AS q FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.state IN ('queued', 'scheduled')
			AND (o.state IS DISTINCT FROM n.state OR o.run_at IS DISTINCT FROM n.run_at)
	) x;
	SELECT array_agg(n.id) INTO final_ids FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.state IN ('succeeded', 'dead', 'canceled', 'expired')
			AND o.state NOT IN ('succeeded', 'dead', 'canceled', 'expired');
	IF final_ids IS NOT NULL THEN
		PERFORM {{schema}}.notify_finished(final_ids);
	END IF;
	PERFORM pg_notify('{{channel}}', 'v') WHERE EXISTS (
		SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
		WHERE n.state = 'running' AND n.revoke IS NOT NULL AND o.revoke IS DISTINCT FROM n.revoke);
	RETURN NULL;
END $$;

-- Deleting an unfinished job wakes its waiters (they then find it gone);
-- final jobs were announced when they finished.
CREATE FUNCTION {{schema}}.jobs_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids text[];
BEGIN
	SELECT array_agg(id) INTO ids FROM old_rows
		WHERE state NOT IN ('succeeded', 'dead', 'canceled', 'expired');
	IF ids IS NOT NULL THEN
		PERFORM {{schema}}.notify_finished(ids);
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION {{schema}}.queue_resumed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('{{channel}}', 'r' || name) FROM old_rows;
	RETURN NULL;
END $$;

CREATE TRIGGER jobs_updated AFTER UPDATE ON {{schema}}.jobs
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.jobs_updated();

CREATE TRIGGER jobs_deleted AFTER DELETE ON {{schema}}.jobs
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.jobs_deleted();

CREATE TRIGGER queue_resumed AFTER DELETE ON {{schema}}.paused_queues
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.queue_resumed();
