-- Analyst views and the online-status filter on a tiny hand-written fixture:
-- two courses, three online learners (one through a typo tag, one set by an
-- "Установлен хештег" delta after the course start), one offline, one with
-- no tag log and no events; a skipped result, repeated views and attempts.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS v21 CASCADE;
RESET client_min_messages;
SET datestyle = 'ISO, YMD';
SET extra_float_digits = 0;
CALL learnerscore.create_learning_schema('v21');

\set fx v21
\i tests/regress/fixtures/views_fixture.sql

-- columns of every view (name, type, in order)
SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
  FROM information_schema.columns WHERE table_schema = 'v21' AND table_name IN (
       SELECT table_name FROM information_schema.views WHERE table_schema = 'v21')
 GROUP BY table_name ORDER BY table_name;
-- every view and every view column that needs one has a comment
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
  FROM pg_class c WHERE c.relnamespace = 'v21'::regnamespace AND c.relkind = 'v' ORDER BY 1;

SELECT c.relname, count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NOT NULL) AS commented_columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'v21'::regnamespace AND c.relkind = 'v' GROUP BY 1 ORDER BY 1;

-- online-status filter
SELECT user_id, from_datetime, to_datetime, last_tag, tag, from_users_logs, comment, learning_format
  FROM v21.m_user_tags_history ORDER BY user_id, from_datetime NULLS FIRST;
SELECT * FROM v21.m_online_students ORDER BY user_id;
SELECT * FROM v21.students_v3 ORDER BY user_id;
SELECT u, t, learnerscore.learning_format_at('v21', u, t) AS format, learnerscore.is_online('v21', u, t) AS online
  FROM (VALUES (101, '2023-11-01'::timestamp), (101, '2023-11-14 15:07'), (103, '2023-11-01'), (103, '2023-12-03'),
               (104, '2023-12-01'), (104, '2023-12-06'), (104, '2023-12-10 10:00'), (105, '2023-12-01'), (999, '2023-12-01')) v(u, t)
 ORDER BY u, t;

-- analyst views
SELECT * FROM v21.dataset_h ORDER BY user_id, date_shown, type DESC, activity_id, created_at, result_time;
SELECT count(*) AS dataset_h_rows FROM v21.dataset_h;
-- the cache (tests/regress/sql/views/23_view_cache.sql tests it in depth): the same rows before and
-- after a refresh, the second time read from dataset_h_cache
CREATE TEMP TABLE h_live AS SELECT * FROM v21.dataset_h;
SELECT view_name, fresh, stale_cause FROM v21.analyst_view_cache ORDER BY view_name;
SELECT view_name, row_count FROM learnerscore.refresh_analyst_views('v21');
SELECT view_name, fresh, row_count, stale_cause FROM v21.analyst_view_cache ORDER BY view_name;
SELECT (SELECT count(*) FROM (SELECT * FROM v21.dataset_h EXCEPT ALL SELECT * FROM h_live) a) AS only_cached,
       (SELECT count(*) FROM (SELECT * FROM h_live EXCEPT ALL SELECT * FROM v21.dataset_h) a) AS only_live,
       (SELECT count(*) FROM v21.dataset_h_cache) AS cache_rows;
SELECT * FROM v21.dataset_v ORDER BY user_id, time, event;
SELECT * FROM v21.m_course_params ORDER BY course_id;
SELECT * FROM v21.m_online_users_exercise ORDER BY user_id, task_id;
SELECT * FROM v21.m_date_interval ORDER BY day_num;
SELECT user_id, course_id, day_num, date_column, sum_lag, m2_progress, m2_attestation, m2_attestation_date
  FROM v21.m_exercise_lag_time_series ORDER BY user_id, day_num;

-- idempotent: a second call replaces the views without error, nothing changes
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('v21');
RESET client_min_messages;
SELECT count(*) AS views FROM information_schema.views WHERE table_schema = 'v21';
SELECT count(*) AS dataset_h_rows FROM v21.dataset_h;
SELECT view_name, fresh FROM v21.analyst_view_cache ORDER BY view_name;   -- unchanged definitions: the caches stay valid

-- empty schema: every view answers, with no rows (m_user_tags_history: none)
CALL learnerscore.create_learning_schema('v21_empty');
SELECT (SELECT count(*) FROM v21_empty.dataset_h) AS h, (SELECT count(*) FROM v21_empty.dataset_v) AS v,
       (SELECT count(*) FROM v21_empty.m_course_params) AS cp, (SELECT count(*) FROM v21_empty.m_date_interval) AS di,
       (SELECT count(*) FROM v21_empty.m_exercise_lag_time_series) AS lag,
       (SELECT count(*) FROM v21_empty.m_user_tags_history) AS hist;
\set VERBOSITY terse
SELECT learnerscore.is_online('no_such_schema', 1, now()::timestamp);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT learnerscore.is_online(NULL, 1, now()::timestamp) IS NULL AS null_is_null;

SET client_min_messages = warning;
DROP SCHEMA v21 CASCADE;
DROP SCHEMA v21_empty CASCADE;
-- learner_flows: each learner gets its own flow's start; a flow_num no flow can have (NaN, huge,
-- negative) gives NULL dates instead of failing the view for every reader; empty = flow 1
CALL learnerscore.create_learning_schema('v21f');
INSERT INTO v21f.schedule (course_id, type, flows, date_shown) VALUES (1, 'занятие', 1, '2024-01-01'), (1, 'занятие', 2, '2024-06-01');
INSERT INTO v21f.users (user_id, course_id, flow_num) VALUES (1, 1, 'NaN'), (2, 1, 1e20), (3, 1, NULL), (4, 1, 2), (5, 1, -1);
SELECT user_id, flow_num, flow_start, flow_end - flow_start AS flow_days FROM v21f.learner_flows ORDER BY user_id;
SELECT course_id, flow_num, flow_start, last_shown FROM v21f.course_flows ORDER BY 1, 2;
SET client_min_messages = warning;
DROP SCHEMA v21f CASCADE;
RESET client_min_messages;
