-- The view caches (extension/sql/115_view_cache.sql) of dataset_h,
-- m_online_students and m_user_tags_history: a view shows its cache only while it is fresh; any write
-- to one of its source tables makes it stale in the writing transaction and
-- the view shows the live query; refresh restores both; the gating is visible
-- in the plan; privileges and errors. Most checks are on dataset_h; the others
-- are checked where their sources differ.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS v23 CASCADE;
DROP ROLE IF EXISTS ls_v23_writer;
DROP ROLE IF EXISTS ls_v23_reader;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
CALL learnerscore.create_learning_schema('v23');

\set fx v23
\i tests/regress/fixtures/views_fixture.sql

-- the objects: cache table, state, live view, one trigger per source table
-- (always enabled, so logical replication apply fires it too)
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'v23'::regnamespace AND c.relname ~ '^(dataset_h|m_online_students|m_user_tags_history|analyst_view_cache)'
 ORDER BY 1;
SELECT tgname, tgrelid::regclass AS source_table, tgenabled, tgtype FROM pg_trigger
 WHERE tgname LIKE '%_cache_stale' AND tgrelid::regclass::text LIKE 'v23.%' ORDER BY tgname, tgrelid::regclass::text;
-- dataset_h_live reads m_online_students (through students_v3): its sources
-- are the online filter's tables, not that view's cache and state
SELECT learnerscore._view_base_tables('v23.dataset_h_live')::text AS base_table ORDER BY 1;
SELECT learnerscore._view_base_tables('v23.m_online_students_live')::text AS base_table ORDER BY 1;
SELECT learnerscore._view_base_tables('v23.m_user_tags_history_live')::text AS base_table ORDER BY 1;

-- per cached view: differences between the view and its live query, and
-- between the view and its cache
CREATE FUNCTION pg_temp.v23_state(v text DEFAULT 'dataset_h', OUT fresh boolean, OUT stale_cause text,
                                  OUT view_vs_live bigint, OUT view_vs_cache bigint)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.fresh, a.stale_cause INTO fresh, stale_cause FROM v23.analyst_view_cache a WHERE a.view_name = v;
    EXECUTE format('SELECT (SELECT count(*) FROM (SELECT * FROM v23.%1$I EXCEPT ALL SELECT * FROM v23.%2$I) a)
                         + (SELECT count(*) FROM (SELECT * FROM v23.%2$I EXCEPT ALL SELECT * FROM v23.%1$I) a),
                           (SELECT count(*) FROM (SELECT * FROM v23.%1$I EXCEPT ALL SELECT * FROM v23.%3$I) a)
                         + (SELECT count(*) FROM (SELECT * FROM v23.%3$I EXCEPT ALL SELECT * FROM v23.%1$I) a)',
                   v, v || '_live', v || '_cache') INTO view_vs_live, view_vs_cache;
END $$;
-- which branch ran: was any scan of the view's cache / of its live query's tables executed
CREATE FUNCTION pg_temp.v23_branches(q text, cache text DEFAULT 'dataset_h_cache', OUT cache_branch text, OUT live_branch text)
LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
    cache_branch := 'never executed'; live_branch := 'never executed';
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF l ~ ('Scan.* on ' || cache || ' ') AND l !~ 'never executed' THEN cache_branch := 'executed'; END IF;
        IF l ~ 'Scan.* on (users|users_logs|schedule|exercise_results) ' AND l !~ 'never executed' THEN live_branch := 'executed'; END IF;
    END LOOP;
END $$;

-- the gating part of the plan: two branches behind one-time filters on InitPlans
-- (the cache branch's scan itself depends on the statistics: index or sort)
CREATE FUNCTION pg_temp.v23_gating(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        IF l ~ '^ *(->  )?(Append|Merge Append)$|One-Time Filter|InitPlan' THEN
            RETURN NEXT regexp_replace(l, '^[ ->]*', '');
        END IF;
    END LOOP;
END $$;

-- a new schema: never refreshed, so the view is the live query
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');
SELECT * FROM pg_temp.v23_state('m_user_tags_history');
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.students_v3', 'm_online_students_cache');
SELECT * FROM pg_temp.v23_gating('SELECT * FROM v23.dataset_h') ORDER BY 1;
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
CREATE TEMP TABLE h_before AS SELECT * FROM v23.dataset_h;

-- refresh: same rows, now read from the cache, stored in (user_id, date_shown) order
SELECT view_name, row_count, seconds >= 0 AS timed FROM learnerscore.refresh_analyst_views('v23');
SELECT view_name, fresh, row_count, refreshed_at IS NOT NULL AS refreshed, refresh_seconds >= 0 AS timed, stale_since, stale_cause
  FROM v23.analyst_view_cache ORDER BY view_name;
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');
SELECT * FROM pg_temp.v23_state('m_user_tags_history');
-- students_v3 (and every view built on it) reads the online filter's cache;
-- one learner's tag history (learning_format_at, is_online) is an index lookup
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.students_v3', 'm_online_students_cache');
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.m_user_tags_history WHERE user_id = 101', 'm_user_tags_history_cache');
SELECT learnerscore.learning_format_at('v23', 101, '2023-11-15') AS format_101, learnerscore.is_online('v23', 104, '2023-12-06') AS online_104;
SELECT * FROM pg_temp.v23_gating('SELECT * FROM v23.m_online_students') ORDER BY 1;
SELECT (SELECT count(*) FROM (SELECT * FROM v23.dataset_h EXCEPT ALL SELECT * FROM h_before) a) AS only_after,
       (SELECT count(*) FROM (SELECT * FROM h_before EXCEPT ALL SELECT * FROM v23.dataset_h) a) AS only_before;
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h ORDER BY user_id, date_shown');
SELECT bool_and(ok) AS heap_in_seed_order FROM (
    SELECT (user_id, date_shown) >= (lag(user_id) OVER w, lag(date_shown) OVER w) IS NOT FALSE AS ok
      FROM (SELECT ctid, user_id, date_shown FROM v23.dataset_h_cache) c WINDOW w AS (ORDER BY ctid)) o;
-- the refresh runs without JIT (a JIT compilation cannot be cancelled: a
-- statement_timeout would stop it late)
SELECT 'jit=off' = ANY (proconfig) AS refresh_without_jit FROM pg_proc
 WHERE oid = 'learnerscore.refresh_analyst_views(text)'::regprocedure;
-- it holds every cache in ACCESS EXCLUSIVE and the state in ROW EXCLUSIVE,
-- all taken before the first TRUNCATE (docs/views.md, "Locks")
BEGIN;
SELECT count(*) AS refreshed FROM learnerscore.refresh_analyst_views('v23');
SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'v23'::regnamespace AND c.relkind = 'r'
   AND ((c.relname LIKE '%\_cache' AND l.mode = 'AccessExclusiveLock')
        OR (c.relname = 'analyst_view_cache' AND l.mode = 'RowExclusiveLock')
        OR (c.relname IN ('users', 'schedule') AND l.mode = 'ShareLock'))
 ORDER BY 1, 2;
COMMIT;
-- a second refresh, and create_learning_schema again, keep it fresh and identical
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('v23');
RESET client_min_messages;
SELECT * FROM pg_temp.v23_state();

-- every source table: a write makes the view stale (in the writer's
-- transaction) and the view shows the new data, which the cache does not have
BEGIN;
UPDATE v23.users SET tg_bot = 2 WHERE user_id = 101;
SELECT * FROM pg_temp.v23_state();
ROLLBACK;
SELECT * FROM pg_temp.v23_state();   -- rolled back: still fresh
UPDATE v23.users SET tg_bot = 2 WHERE user_id = 101;
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');
SELECT * FROM pg_temp.v23_state('m_user_tags_history');   -- users: learners without a tag change
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
DELETE FROM v23.users_logs WHERE user_id = 104;   -- 104 is no longer online
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');
SELECT * FROM pg_temp.v23_state('m_user_tags_history');
SELECT learnerscore.is_online('v23', 104, '2023-12-06') AS online_104;   -- the live history: unknown now
SELECT count(*) FILTER (WHERE user_id = 104) AS online_104_view,
       (SELECT count(*) FROM v23.m_online_students_cache WHERE user_id = 104 AND learning_format = 'online') AS online_104_cache
  FROM v23.students_v3;
SELECT count(*) FILTER (WHERE user_id = 104) AS rows_104_view,
       (SELECT count(*) FROM v23.dataset_h_cache WHERE user_id = 104) AS rows_104_cache FROM v23.dataset_h;
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
INSERT INTO v23.schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, date_shown)
VALUES (3, 'активность', 82, 1005, 'exercise', 0, '2023-12-05 00:00');
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');   -- schedule gives the reference date
SELECT * FROM pg_temp.v23_state('m_user_tags_history');   -- not one of its sources: still fresh
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
UPDATE v23.activities_guide SET obyaz_priznak = 0 WHERE activity_id = 1001;
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');   -- not one of its sources: still fresh
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
INSERT INTO v23.activity_history_viewed (user_id, created_at, page_type, page_id) VALUES (101, '2023-12-05 10:00', 'активность', 1003);
SELECT * FROM pg_temp.v23_state();
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
DELETE FROM v23.exercise_results WHERE user_id = 103;
SELECT * FROM pg_temp.v23_state();
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
TRUNCATE v23.users_age_timezone;
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
-- a table dataset_h does not read leaves the cache fresh
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
INSERT INTO v23.webinars_logs VALUES (101, '2023-12-05 19:00', 'Подключение', 502, 'онлайн', 1, 2);
SELECT * FROM pg_temp.v23_state();
SELECT * FROM pg_temp.v23_state('m_online_students');

-- re-creating the views with a changed definition (a new extension version)
-- makes every cache stale: a live query may read the view that changed
CREATE OR REPLACE VIEW v23.m_date_interval AS SELECT * FROM (SELECT 1::int AS day_num, current_date AS date_column) d WHERE false;
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('v23');
RESET client_min_messages;
SELECT view_name, fresh, stale_cause FROM v23.analyst_view_cache ORDER BY view_name;
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
-- as after DROP EXTENSION ... CASCADE: the views and the triggers are gone, the
-- tables (caches and state included) stay, and a write is not tracked; the
-- next create_learning_schema must not trust the old "fresh"
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'v23'::regnamespace AND c.relkind = 'v' LOOP
        EXECUTE format('DROP VIEW IF EXISTS v23.%I CASCADE', r.relname);
    END LOOP;
    FOR r IN SELECT t.tgname, t.tgrelid::regclass AS tbl FROM pg_trigger t
              WHERE t.tgname LIKE '%_cache_stale' AND t.tgrelid::regclass::text LIKE 'v23.%' LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.tbl);
    END LOOP;
END $$;
RESET client_min_messages;
DELETE FROM v23.exercise_results WHERE user_id = 101;
SELECT view_name, fresh FROM v23.analyst_view_cache ORDER BY view_name;   -- untracked: still says fresh
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('v23');
RESET client_min_messages;
SELECT view_name, fresh, stale_cause FROM v23.analyst_view_cache ORDER BY view_name;
SELECT * FROM pg_temp.v23_state();
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');

-- ORDER BY on the view gives the seed's order from either branch
SELECT count(*) AS rows_out_of_order FROM (
    SELECT (user_id, date_shown) < (lag(user_id) OVER (), lag(date_shown) OVER ()) AS bad
      FROM (SELECT * FROM v23.dataset_h ORDER BY user_id, date_shown) o) x WHERE bad;

-- privileges: a reader needs SELECT on dataset_h only; a writer of a source
-- table needs SELECT and UPDATE on analyst_view_cache, and is told so
CREATE ROLE ls_v23_reader;
CREATE ROLE ls_v23_writer;
GRANT USAGE ON SCHEMA v23 TO ls_v23_reader, ls_v23_writer;
GRANT SELECT ON v23.dataset_h TO ls_v23_reader;
GRANT SELECT, INSERT, DELETE ON v23.exercise_results TO ls_v23_writer;
SET ROLE ls_v23_reader;
SELECT count(*) AS reader_sees_cached FROM v23.dataset_h;
SELECT count(*) FROM v23.dataset_h_cache;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE ls_v23_writer;
DELETE FROM v23.exercise_results WHERE user_id = 104;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM pg_temp.v23_state();   -- the failed write changed nothing
GRANT SELECT, UPDATE ON v23.analyst_view_cache TO ls_v23_writer;
SET ROLE ls_v23_writer;
DELETE FROM v23.exercise_results WHERE user_id = 104;
RESET ROLE;
SELECT * FROM pg_temp.v23_state();
SET ROLE ls_v23_reader;
SELECT count(*) AS reader_sees_live FROM v23.dataset_h;
RESET ROLE;

-- errors
SELECT * FROM learnerscore.refresh_analyst_views(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.refresh_analyst_views('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.refresh_analyst_views('public');
\echo :LAST_ERROR_SQLSTATE
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM learnerscore.refresh_analyst_views('v23');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- a writer at REPEATABLE READ marks the cache stale too
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE v23.users SET m2_progress = 99 WHERE user_id = 101;
COMMIT;
SELECT * FROM pg_temp.v23_state();

-- no state row (e.g. a dump restored without its data) counts as stale
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
DELETE FROM v23.analyst_view_cache;
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.students_v3', 'm_online_students_cache');
-- dropping the cache (and dataset_h with it) leaves the tables writable
SET client_min_messages = warning;
DROP TABLE v23.analyst_view_cache CASCADE;
RESET client_min_messages;
INSERT INTO v23.users_age_timezone VALUES (105, '+03:00', 20);
SELECT count(*) AS users_age_timezone_rows FROM v23.users_age_timezone;

SET client_min_messages = warning;
DROP SCHEMA v23 CASCADE;
DROP ROLE ls_v23_reader;
DROP ROLE ls_v23_writer;
