-- A role granted USAGE on a learning schema and SELECT on its tables and views
-- can read every view, and the learnerscore functions the views use work for it.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS v22 CASCADE;
DROP ROLE IF EXISTS ls_v22_reader;
DROP ROLE IF EXISTS ls_v22_nobody;
CALL learnerscore.create_learning_schema('v22');
RESET client_min_messages;
INSERT INTO v22.schedule VALUES (3, 'активность', 81, 1001, 'exercise', 0, '{}', 1, '2023-12-01 12:00');
INSERT INTO v22.activities_guide (course_id, course, task_id, activity_id, activity_type, obyaz_priznak) VALUES (3, 'Курс', 81, 1001, 'exercise', 1);
INSERT INTO v22.users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress) VALUES (1, 101, 3, 1, 1, 50);
INSERT INTO v22.users_logs VALUES (101, '2023-11-01 10:00', 'tags-changed', 'Были хештеги: #офлайн, стали: #оулайн');
INSERT INTO v22.exercise_results VALUES (2, 1001, 101, '2023-12-02 10:00', 90, 1);

CREATE ROLE ls_v22_reader;
CREATE ROLE ls_v22_nobody;
GRANT USAGE ON SCHEMA v22 TO ls_v22_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA v22 TO ls_v22_reader;

SET ROLE ls_v22_reader;
SELECT 'm_user_tags_history' AS v, count(*) FROM v22.m_user_tags_history
UNION ALL SELECT 'm_online_students', count(*) FROM v22.m_online_students
UNION ALL SELECT 'students_v3', count(*) FROM v22.students_v3
UNION ALL SELECT 'dataset_h', count(*) FROM v22.dataset_h
UNION ALL SELECT 'dataset_v', count(*) FROM v22.dataset_v
UNION ALL SELECT 'm_course_params', count(*) FROM v22.m_course_params
UNION ALL SELECT 'm_online_users_exercise', count(*) FROM v22.m_online_users_exercise
UNION ALL SELECT 'm_exercise_lag_time_series', count(*) FROM v22.m_exercise_lag_time_series
UNION ALL SELECT 'm_date_interval', count(*) FROM v22.m_date_interval;
SELECT learnerscore.is_online('v22', 101, '2023-12-01') AS online,
       (learnerscore.parse_tag_change('Установлен хештег "#онлайн"')).tags_after;
-- the reader cannot change anything
INSERT INTO v22.users (user_id) VALUES (1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a role without the grants is refused with 42501, not a crash
SET ROLE ls_v22_nobody;
SELECT count(*) FROM v22.dataset_h;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.is_online('v22', 101, '2023-12-01');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA v22 CASCADE;
DROP ROLE ls_v22_reader;
DROP ROLE ls_v22_nobody;
