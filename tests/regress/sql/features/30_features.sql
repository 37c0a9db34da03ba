-- learner_daily / learner_activity / refresh / weekly features on a tiny
-- hand-written fixture (values checked by hand in docs/features.md terms),
-- plus every bad-input error.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS ft CASCADE;
CALL learnerscore.create_learning_schema('ft');
RESET client_min_messages;

-- Course 1: task 10 opens 12-01 10:00 (activities 101 slide, 102 exercise required),
-- task 20 opens 12-08 10:00 (201 CodeExercise), task 30 opens 12-15 10:00 (301 exercise, attestation).
INSERT INTO ft.schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown) VALUES
 (1, 'занятие', 10, NULL, NULL, 0, '{}', 1, '2023-12-01 10:00'),
 (1, 'активность', 10, 101, 'slide', 0, '{}', 1, '2023-12-01 10:00'),
 (1, 'активность', 10, 102, 'exercise', 0, '{}', 1, '2023-12-01 10:00'),
 (1, 'активность', 20, 201, 'CodeExercise', 0, '{}', 1, '2023-12-08 10:00'),
 (1, 'активность', 30, 301, 'exercise', 1, '{}', 1, '2023-12-15 10:00');
INSERT INTO ft.activities_guide (course_id, course, provider, module, theme_id, theme, task_id, exercise, task_position, att_priznak, activity_id, activity_type, activity, obyaz_priznak, visibility) VALUES
 (1, 'Py', '1T', 1, 1, 'Basics', 10, 'Variables', 1, 0, 101, 'slide', 'Slide', 0, '{}'),
 (1, 'Py', '1T', 1, 1, 'Basics', 10, 'Variables', 1, 0, 102, 'exercise', 'Ex', 1, '{}'),
 (1, 'Py', '1T', 2, 2, 'Functions', 20, 'Defs', 1, 0, 201, 'CodeExercise', 'Code', 0, '{}'),
 (1, 'Py', '1T', 2, 3, 'Exam', 30, 'Exam', 1, 1, 301, 'exercise', 'Exam', 1, '{}');
INSERT INTO ft.users VALUES
 (1000, 7, 1, 1.0, 1, 55, 70, '2023-12-18 10:00'),
 (1001, 8, 1, 1.0, 0, NULL, NULL, NULL),   -- no events at all
 (1002, 9, 99, 2.0, 2, 10, NULL, NULL);    -- a course without schedule
INSERT INTO ft.users_age_timezone VALUES (7, '+05:30', 30), (8, 'garbage', 20);
INSERT INTO ft."authorization" (user_id, created_at) VALUES
 (7, '2023-11-25 09:00'), (7, '2023-12-01 08:00'), (7, '2023-12-01 08:00'), (7, '2023-12-10 12:00'),
 (9, '2023-12-02 12:00'), (12345, '2023-12-02 12:00');   -- a user not in users: ignored
INSERT INTO ft.activity_history_viewed (user_id, created_at, page_type, page_id) VALUES
 (7, '2023-12-01 12:00', 'активность', 101), (7, '2023-12-01 13:00', 'активность', 101),
 (7, '2023-12-05 10:00', 'активность', 201), (7, '2023-12-02 09:00', 'занятие', 10);
INSERT INTO ft.exercise_results (module, activity_id, user_id, created_at, result, success) VALUES
 (1, 102, 7, '2023-12-03 09:00', 40, 0), (1, 102, 7, '2023-12-03 09:00', 40, 0),
 (1, 102, 7, '2023-12-09 10:00', 80, 1), (1, 102, 7, '2023-12-09 11:00', NULL, 0),
 (2, 301, 7, '2023-12-16 10:00', 90, 1);
INSERT INTO ft.webinars_logs (user_id, datetime, event_name, webinar_id, conn_format, webinar_vvod, module) VALUES
 (7, '2023-12-02 19:00', 'Подключение', 1, 'онлайн', 1, 1), (7, '2023-12-02 20:30', 'Отключение', 1, 'онлайн', 1, 1),
 (7, '2023-12-03 19:00', 'Подключение', 2, 'офлайн', 0, 1),
 (7, '2023-12-04 10:00', 'Подключение', 1, 'онлайн', 1, 1), (7, '2023-12-04 16:00', 'Отключение', 1, 'онлайн', 1, 1);
INSERT INTO ft.users_logs (user_id, created_at, event, comment) VALUES
 (7, '2023-12-02 08:00', 'tags-changed', 'Были хештеги: #a, стали: #a #M1-оплачен'),
 (7, '2023-12-10 08:00', 'tags-changed', 'Были хештеги: #a #M1-оплачен, стали: #a'),
 (7, '2023-12-11 08:00', 'tags-changed', 'Установлен хештег "#M2-оплачен"');

-- One learner, selected days (hand-computed: see tests/unit/test_features_engine.cpp)
SELECT cur_date, payment, module, sum_auth, sum_schedule_activities AS opened,
       round(view_delay_first::numeric, 6) AS vdf, round(view_delay_sum::numeric, 6) AS vds,
       sum_activity_viewed AS viewed, w_view_hours, conn, round(online_rate::numeric, 4) AS online_rate
  FROM learnerscore.learner_daily('ft', '2023-11-30', '2023-12-16', '1 day')
 WHERE user_id = 7 AND cur_date IN ('2023-11-30', '2023-12-01', '2023-12-02', '2023-12-05', '2023-12-08', '2023-12-10', '2023-12-11', '2023-12-15')
 ORDER BY cur_date;
SELECT cur_date, sum_exercise, sum_required_exercises AS req, sum_attestation_exercises AS att,
       round(exercise_delay_first::numeric, 6) AS edf, round(result_delay_mean::numeric, 6) AS rdm,
       sum_exercise_attempts_mean AS attempts, mean_required_result AS req_res, mean_attestation_result AS att_res,
       sum_result, mean_result, round(progress::numeric, 4) AS progress, round(m2_delay::numeric, 6) AS m2_delay
  FROM learnerscore.learner_daily('ft', '2023-12-03', '2023-12-24', '3 days')
 WHERE user_id = 7 ORDER BY cur_date;
-- every learner gets every date; static columns
SELECT user_id, count(*), min(time_zone) AS tz, min(age) AS age, min(course_id) AS course, min(flow_num) AS flow,
       max(sum_auth) AS auth, max(sum_schedule_activities) AS opened
  FROM learnerscore.learner_daily('ft', '2023-12-01', '2023-12-31') GROUP BY user_id ORDER BY user_id;
-- activity status with default and custom thresholds
SELECT user_id, cur_date, last_activity_at, days_inactive, status, module, theme_id, task_id
  FROM learnerscore.learner_activity('ft', '2023-12-16', '2024-01-09', '7 days') ORDER BY user_id, cur_date;
SELECT cur_date, days_inactive, status
  FROM learnerscore.learner_activity('ft', '2023-12-20', '2023-12-22', '1 day', 2, 5) WHERE user_id = 7 ORDER BY cur_date;
SELECT learnerscore.activity_status(6), learnerscore.activity_status(7), learnerscore.activity_status(20),
       learnerscore.activity_status(NULL), learnerscore.activity_status(3, 2, 5);

-- refresh: full, then incremental (only the new days are computed)
CALL learnerscore.refresh_learner_daily('ft', '2023-12-20', '2023-12-01');
SELECT count(*), min(cur_date), max(cur_date) FROM ft.learner_daily;
CALL learnerscore.refresh_learner_daily('ft', '2024-01-10');
SELECT count(*), min(cur_date), max(cur_date) FROM ft.learner_daily;
SELECT from_date, to_date, days_computed, rows_added, full_refresh FROM ft.learner_daily_refresh ORDER BY refreshed_at;
-- the incremental result equals a one-shot computation
SELECT count(*) AS differing_rows FROM (
  (SELECT * FROM ft.learner_daily EXCEPT SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2024-01-10'))
  UNION ALL
  (SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2024-01-10') EXCEPT SELECT * FROM ft.learner_daily)) d;
CALL learnerscore.refresh_learner_daily('ft', '2024-01-10');   -- nothing new
SELECT days_computed, rows_added FROM ft.learner_daily_refresh ORDER BY refreshed_at DESC LIMIT 1;
SELECT user_id, course_id, as_of, status, days_inactive, module, theme_id, task_id FROM ft.learner_status ORDER BY user_id;
SELECT user_id, moved_on, status, module, theme_id, task_id FROM ft.learner_critical_points ORDER BY user_id, moved_on;
SELECT * FROM ft.critical_points ORDER BY course_id, task_id;
-- new thresholds re-label stored days
CALL learnerscore.refresh_learner_daily('ft', '2024-01-10', NULL, 3, 10);
SELECT status, count(*) FROM ft.learner_activity GROUP BY status ORDER BY status;

-- weekly leak-free features
SELECT user_id, up_to_week, features->>'sum_exercise_1_week' AS ex1, features->>'sum_exercise_2_week' AS ex2,
       features->>'sum_exercise_3_week' AS ex3, features ? 'sum_exercise_4_week' AS has_w4,
       features->>'time_zone' AS tz, m2_progress
  FROM learnerscore.weekly_features('ft', 3) ORDER BY user_id;
SELECT count(*) AS keys FROM learnerscore.weekly_features('ft', 2) w, jsonb_object_keys(w.features) WHERE user_id = 7;
CALL learnerscore.create_weekly_features_view('ft', 2);
SELECT user_id, sum_exercise_1_week, sum_exercise_2_week, view_delay_sum_2_week, m2_progress FROM ft.weekly_features_w2 ORDER BY user_id;
SELECT obj_description('ft.weekly_features_w2'::regclass) IS NOT NULL AS commented;

-- bad input
SELECT * FROM learnerscore.learner_daily('nope', '2023-12-01', '2023-12-02');
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA ft_empty;
CREATE TABLE ft_empty.users (user_id int);
SELECT * FROM learnerscore.learner_daily('ft_empty', '2023-12-01', '2023-12-02');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-02', '2023-12-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2023-12-02', '0 days');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2023-12-02', '-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2023-12-02', '1 month');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', '2023-12-02', '12 hours');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily(NULL, '2023-12-01', '2023-12-02');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', NULL, '2023-12-02');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_daily('ft', '2023-12-01', 'infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_activity('ft', '2023-12-01', '2023-12-02', '1 day', 7, 7);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.learner_activity('ft', '2023-12-01', '2023-12-02', '1 day', NULL, 20);
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.refresh_learner_daily('nope');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.refresh_learner_daily('ft_empty');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.refresh_learner_daily('ft', NULL, NULL, 20, 7);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.weekly_features('ft', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.weekly_features('ft_empty', 1);
\echo :LAST_ERROR_SQLSTATE
-- cancel: statement_timeout stops a long computation (many dates x learners)
INSERT INTO ft.users (unti_id, user_id, course_id) SELECT g, g, 1 FROM generate_series(100, 3099) g;
SET statement_timeout = '300ms';
SELECT count(*) FROM learnerscore.learner_daily('ft', '1900-01-01', '2100-01-01');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT 'backend alive' AS ok;

SET client_min_messages = warning;
DROP SCHEMA ft CASCADE;
DROP SCHEMA ft_empty CASCADE;
