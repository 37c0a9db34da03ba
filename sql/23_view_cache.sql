-- The dataset_h cache (extension/sql/122_view_cache.sql): dataset_h shows the
-- cache only while it is fresh; any write to a source table makes it stale in
-- the writing transaction and the view shows the live query; refresh restores
-- it; the gating is visible in the plan; privileges and errors.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS v23 CASCADE;
DROP ROLE IF EXISTS ls_v23_writer;
DROP ROLE IF EXISTS ls_v23_reader;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
CALL learnerscore.create_learning_schema('v23');

-- the fixture of sql/21_views.sql
INSERT INTO v23.schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown) VALUES
 (3,  'занятие',    81, NULL, NULL,           0, '{}', 1, '2023-12-01 12:00'),
 (3,  'активность', 81, 1001, 'exercise',     0, '{}', 1, '2023-12-01 12:00'),
 (3,  'активность', 81, 1002, 'slide',        0, '{}', 1, '2023-12-01 12:00'),
 (3,  'занятие',    82, NULL, NULL,           0, '{}', 1, '2023-12-03 00:00'),
 (3,  'активность', 82, 1003, 'CodeExercise', 1, '{}', 1, '2023-12-03 00:00'),
 (3,  'активность', 82, 1004, '',             0, '{}', 1, '2023-12-03 00:00'),
 (77, 'занятие',    90, NULL, NULL,           0, '{}', 1, '2023-12-02 12:00'),
 (77, 'активность', 90, 2001, 'question',     1, '{}', 1, '2023-12-02 12:00');
INSERT INTO v23.activities_guide (course_id, course, provider, module, theme_id, theme, task_id, exercise, task_position,
                                  att_priznak, activity_id, activity_type, activity, obyaz_priznak, visibility) VALUES
 (3,  'Нейро.PY',     '1T', 2, 13, 'Функции', 81, 'Функции', 1, 0, 1001, 'exercise',     'Задача 1',   1, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 13, 'Функции', 81, 'Функции', 1, 0, 1002, 'slide',        'Слайд',      0, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 14, 'Классы',  82, 'Классы',  2, 1, 1003, 'CodeExercise', 'Тренажер 1', 1, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 14, 'Классы',  82, 'Классы',  2, 0, 1004, '',             'Пусто',      0, '{}'),
 (77, 'Python Start', '1T', 1, 20, 'Старт',   90, 'Старт',   1, 1, 2001, 'question',     'Вопрос',     0, '{}');
INSERT INTO v23.users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date) VALUES
 (9101, 101, 3,  1, 1, 80,   70,   '2023-12-06 12:00'),
 (9102, 102, 3,  1, 0, 10,   NULL, NULL),
 (9103, 103, 3,  1, 2, NULL, NULL, NULL),
 (9104, 104, 77, 1, 0, 55,   60,   NULL),
 (9105, 105, 3,  1, 0, 0,    NULL, NULL);
INSERT INTO v23.users_age_timezone VALUES (101, '+03:00', 16), (102, '+03:00', 40), (103, '+05:00', 19), (104, '+03:00', 30);
INSERT INTO v23.users_logs (user_id, created_at, event, comment) VALUES
 (101, '2023-11-14 15:07', 'tags-changed', 'Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн'),
 (101, '2023-12-01 09:30', 'login',        'Пользователь вошёл'),
 (102, '2023-11-20 10:00', 'tags-changed', 'Были хештеги: , стали: #офлайн'),
 (102, '2023-11-20 10:00', 'tags-changed', 'Были хештеги: #офлайн, стали: #офлайн #мотив'),
 (103, '2023-12-02 09:00', 'tags-changed', 'Были хештеги: #оулайн, стали: #оглайн #M1-оплачен'),
 (104, '2023-12-05 10:00', 'tags-changed', 'Установлен хештег "#онлайн" --'),
 (104, '2023-12-10 10:00', 'tags-changed', 'Удален хештег "#онлайн" -- Установлен хештег "#офлайн"');
INSERT INTO v23.activity_history_viewed (user_id, created_at, page_type, page_id, module, attestation, activity_type) VALUES
 (101, '2023-12-01 13:00', 'занятие',    81,   2, 0, NULL),
 (101, '2023-12-01 13:30', 'активность', 1001, 2, 0, 'exercise'),
 (101, '2023-12-02 08:00', 'активность', 1001, 2, 0, 'exercise'),
 (101, '2023-12-02 09:00', 'активность', 82,   2, 0, NULL),   -- an activity page whose id equals a lesson id: not a view of lesson 82
 (103, '2023-12-03 06:00', 'активность', 1003, 2, 1, 'CodeExercise'),
 (104, '2023-12-02 13:00', 'занятие',    90,   1, 0, NULL);
INSERT INTO v23.exercise_results (module, activity_id, user_id, created_at, result, success) VALUES
 (2, 1001, 101, '2023-12-01 12:00', NULL, 0),   -- Пропуск
 (2, 1001, 101, '2023-12-01 18:00', 100,  1),
 (2, 1003, 101, '2023-12-04 00:00', 60,   1),
 (2, 1001, 103, '2023-12-02 12:00', 40,   0),
 (1, 2001, 104, '2023-12-02 18:00', 100,  1);
INSERT INTO v23."authorization" VALUES (101, '2023-12-01 09:00', 'Mozilla/5.0', '1872x932'), (104, '2023-12-02 12:30', 'Mozilla/5.0', '800x600');
INSERT INTO v23.webinars_logs VALUES
 (101, '2023-12-01 19:00', 'Подключение', 500, 'онлайн', 1, 2),
 (101, '2023-12-01 20:00', 'Отключение',  500, 'онлайн', 1, 2),
 (103, '2023-12-02 19:00', 'Подключение', 501, 'офлайн', 0, 2);

-- the objects: cache table, state, live view, one trigger per source table
-- (always enabled, so logical replication apply fires it too)
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'v23'::regnamespace AND c.relname IN ('dataset_h', 'dataset_h_live', 'dataset_h_cache', 'analyst_view_cache', 'dataset_h_cache_user_date_idx')
 ORDER BY 1;
SELECT tgrelid::regclass AS source_table, tgenabled, tgtype FROM pg_trigger
 WHERE tgname = 'dataset_h_cache_stale' AND tgrelid::regclass::text LIKE 'v23.%' ORDER BY source_table::text;
SELECT learnerscore._view_base_tables('v23.dataset_h_live')::text AS base_table ORDER BY 1;

-- differences between the view and the live query, and between the view and the cache
CREATE FUNCTION pg_temp.v23_state(OUT fresh boolean, OUT stale_cause text, OUT view_vs_live bigint, OUT view_vs_cache bigint)
LANGUAGE sql AS $$
    SELECT (SELECT fresh FROM v23.analyst_view_cache), (SELECT stale_cause FROM v23.analyst_view_cache),
           (SELECT count(*) FROM (SELECT * FROM v23.dataset_h EXCEPT ALL SELECT * FROM v23.dataset_h_live) a)
         + (SELECT count(*) FROM (SELECT * FROM v23.dataset_h_live EXCEPT ALL SELECT * FROM v23.dataset_h) a),
           (SELECT count(*) FROM (SELECT * FROM v23.dataset_h EXCEPT ALL SELECT * FROM v23.dataset_h_cache) a)
         + (SELECT count(*) FROM (SELECT * FROM v23.dataset_h_cache EXCEPT ALL SELECT * FROM v23.dataset_h) a)
$$;
-- which branch ran: was any scan of the cache / of the live query's tables executed
CREATE FUNCTION pg_temp.v23_branches(q text, OUT cache_branch text, OUT live_branch text) LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
    cache_branch := 'never executed'; live_branch := 'never executed';
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF l ~ 'Scan.* on dataset_h_cache ' AND l !~ 'never executed' THEN cache_branch := 'executed'; END IF;
        IF l ~ 'Scan.* on (users|schedule|exercise_results) ' AND l !~ 'never executed' THEN live_branch := 'executed'; END IF;
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
SELECT * FROM pg_temp.v23_gating('SELECT * FROM v23.dataset_h') ORDER BY 1;
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
CREATE TEMP TABLE h_before AS SELECT * FROM v23.dataset_h;

-- refresh: same rows, now read from the cache, stored in (user_id, date_shown) order
SELECT view_name, row_count, seconds >= 0 AS timed FROM learnerscore.refresh_analyst_views('v23');
SELECT fresh, row_count, refreshed_at IS NOT NULL AS refreshed, refresh_seconds >= 0 AS timed, stale_since, stale_cause
  FROM v23.analyst_view_cache;
SELECT * FROM pg_temp.v23_state();
SELECT (SELECT count(*) FROM (SELECT * FROM v23.dataset_h EXCEPT ALL SELECT * FROM h_before) a) AS only_after,
       (SELECT count(*) FROM (SELECT * FROM h_before EXCEPT ALL SELECT * FROM v23.dataset_h) a) AS only_before;
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h');
SELECT * FROM pg_temp.v23_branches('SELECT * FROM v23.dataset_h ORDER BY user_id, date_shown');
SELECT bool_and(ok) AS heap_in_seed_order FROM (
    SELECT (user_id, date_shown) >= (lag(user_id) OVER w, lag(date_shown) OVER w) IS NOT FALSE AS ok
      FROM (SELECT ctid, user_id, date_shown FROM v23.dataset_h_cache) c WINDOW w AS (ORDER BY ctid)) o;
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
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
DELETE FROM v23.users_logs WHERE user_id = 104;   -- 104 is no longer online
SELECT * FROM pg_temp.v23_state();
SELECT count(*) FILTER (WHERE user_id = 104) AS rows_104_view,
       (SELECT count(*) FROM v23.dataset_h_cache WHERE user_id = 104) AS rows_104_cache FROM v23.dataset_h;
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
INSERT INTO v23.schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, date_shown)
VALUES (3, 'активность', 82, 1005, 'exercise', 0, '2023-12-05 00:00');
SELECT * FROM pg_temp.v23_state();
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v23');
UPDATE v23.activities_guide SET obyaz_priznak = 0 WHERE activity_id = 1001;
SELECT * FROM pg_temp.v23_state();
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
