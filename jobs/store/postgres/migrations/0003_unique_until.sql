-- 0003: how long a job holds its unique key (store.Job.UniqueUntil).
--
-- A job inserted with a key that an unfinished job holds past its
-- unique_until takes the key over: the old holder's unique_key is set to
-- NULL in the same transaction, so jobs_unique still allows one holder per
-- key. NULL holds the key until the job is final, as before this step.

ALTER TABLE {{schema}}.jobs ADD COLUMN unique_until timestamptz;
