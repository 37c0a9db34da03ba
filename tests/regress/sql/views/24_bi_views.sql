-- The BI objects (190_bi_views.sql): refresh_learner_daily makes status_daily, learner_score_history,
-- learner_scores_latest and data_dictionary; store_learner_scores stores a snapshot with scalar
-- reasons; create_course_effects_schema makes course_effects_v; every column of the BI views has
-- a comment; bad inputs and roles without grants fail with their SQLSTATEs.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS v24 CASCADE;
DROP SCHEMA IF EXISTS v24c CASCADE;
DROP SCHEMA IF EXISTS v24_empty CASCADE;
DROP ROLE IF EXISTS ls_v24_reader;
DROP ROLE IF EXISTS ls_v24_nobody;
DROP ROLE IF EXISTS ls_v24_owner;
CALL learnerscore.create_learning_schema('v24');
INSERT INTO v24.schedule VALUES (3, 'активность', 81, 1001, 'exercise', 0, '{}', 1, '2023-12-01 12:00');
INSERT INTO v24.activities_guide (course_id, course, task_id, activity_id, activity_type, obyaz_priznak, exercise)
  VALUES (3, 'Курс', 81, 1001, 'exercise', 1, 'Ввод и вывод');
INSERT INTO v24.users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress) VALUES (1, 101, 3, 1, 1, 50), (2, 102, 3, 1, 1, 10);
INSERT INTO v24.exercise_results VALUES (2, 1001, 101, '2023-12-02 10:00', 90, 1);
CALL learnerscore.refresh_learner_daily('v24', to_date => '2023-12-31');
RESET client_min_messages;

-- status_daily: course x day x status, integer counts
SELECT status_date, status, learners, share FROM v24.status_daily
 WHERE status_date IN ('2023-12-05', '2023-12-31') ORDER BY 1, 2;
-- no snapshot yet: the latest view is empty
SELECT count(*) FROM v24.learner_scores_latest;

-- a stand-in for the trained learner_scores view (train_learner_models makes the real one)
CREATE VIEW v24.learner_scores AS
  SELECT * FROM (VALUES
    (101, 3, 'active'::text, 0.2::float8, 0.7::float8, 60::float8, 2, ARRAY['progress by week 1: 5.0 (+0.4)', 'log-ins by week 1: 1 (+0.2)']::text[], 1, 11::bigint, 12::bigint, 13::bigint),
    (102, 3, 'asleep', 0.9, 0.1, 5, 1, ARRAY['progress by week 1: 0.0 (+0.9)', 'log-ins by week 1: 0 (+0.5)', 'results by week 1: 0 (+0.1)'], 1, 11, 12, 13))
  AS t(user_id, course_id, status, dropout_probability, completion_probability, predicted_m2_progress, risk_rank,
       top_reasons, model_week, dropout_model_id, completion_model_id, progress_model_id);
SELECT learnerscore.store_learner_scores('v24') AS stored;
SELECT as_of, scored_at <= now() AS stored_before_now, user_id, status, band, risk_rank, reason_1, reason_2, reason_3
  FROM v24.learner_scores_latest ORDER BY user_id;
SELECT learnerscore.store_learner_scores('v24') AS stored_again;
SELECT count(*) AS history_rows FROM v24.learner_score_history;

-- types a BI driver sizes: categorical text bounded, counts integer, no arrays
SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length
  FROM information_schema.columns c
 WHERE c.table_schema = 'v24' AND c.table_name IN ('status_daily', 'learner_scores_latest', 'data_dictionary')
   AND c.data_type NOT IN ('double precision', 'date', 'bigint', 'timestamp with time zone')
 ORDER BY c.table_name, c.ordinal_position;
-- every column of the BI views has a comment, and the data dictionary lists it
SELECT relation_name, count(*) AS columns, count(description) AS described
  FROM v24.data_dictionary
 WHERE relation_name IN ('learner_scores', 'learner_scores_latest', 'learner_score_history', 'learner_status',
                         'status_daily', 'critical_points', 'data_dictionary')
 GROUP BY 1 ORDER BY 1;
SELECT data_type, description FROM v24.data_dictionary WHERE relation_name = 'status_daily' AND column_name = 'status';

-- idempotent: a second run changes nothing and says nothing
SELECT learnerscore.create_bi_views('v24');

-- a course-effects schema: the plain view beside the materialized course_effects
SET client_min_messages = warning;
CALL learnerscore.create_course_effects_schema('v24c');
RESET client_min_messages;
SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'v24c'::regnamespace
   AND c.relname IN ('course_effects', 'course_effects_v', 'data_dictionary') ORDER BY 1;
SELECT relation_name, count(*) AS columns, count(description) AS described FROM v24c.data_dictionary
 WHERE relation_name IN ('course_effects', 'course_effects_v', 'course_verdicts') GROUP BY 1 ORDER BY 1;
SELECT column_name, data_type FROM v24c.data_dictionary
 WHERE relation_name = 'course_effects_v' AND column_name IN ('kpi', 'method', 'n_treated') ORDER BY 1;

-- bad inputs
SELECT learnerscore.create_bi_views(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.create_bi_views(' ');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.create_bi_views('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.store_learner_scores(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.store_learner_scores('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA v24_empty;
SELECT learnerscore.store_learner_scores('v24_empty');
\echo :LAST_ERROR_SQLSTATE
-- a schema with nothing of ours still gets its data dictionary
SELECT learnerscore.create_bi_views('v24_empty');
SELECT count(*) FROM v24_empty.data_dictionary;

-- roles: a reader reads the BI views; a role without grants gets 42501; an owner-kind role
-- without CREATE on the schema gets 42501 from create_bi_views
CREATE ROLE ls_v24_reader;
CREATE ROLE ls_v24_nobody;
CREATE ROLE ls_v24_owner;
CALL learnerscore.grant_access('ls_v24_reader', 'reader', 'v24');
GRANT learnerscore_owner TO ls_v24_owner;
GRANT USAGE ON SCHEMA v24 TO ls_v24_owner;
SET ROLE ls_v24_reader;
SELECT count(*) AS latest FROM v24.learner_scores_latest;
SELECT count(*) > 0 AS has_days FROM v24.status_daily;
SELECT count(*) > 0 AS dictionary FROM v24.data_dictionary;
SELECT learnerscore.store_learner_scores('v24');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE ls_v24_nobody;
SELECT count(*) FROM v24.learner_scores_latest;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.create_bi_views('v24');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.store_learner_scores('v24');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE ls_v24_owner;
SELECT learnerscore.create_bi_views('v24');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA v24 CASCADE;
DROP SCHEMA v24c CASCADE;
DROP SCHEMA v24_empty CASCADE;
DROP OWNED BY ls_v24_reader, ls_v24_nobody, ls_v24_owner;
DROP ROLE ls_v24_reader;
DROP ROLE ls_v24_nobody;
DROP ROLE ls_v24_owner;
