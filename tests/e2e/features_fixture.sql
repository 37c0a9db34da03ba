-- A synthetic cohort for the engine/reference agreement test, made in SQL so
-- it holds every edge case on purpose: learners with no events, late joiners,
-- learners who stop, offline learners, a course without schedule, duplicate
-- events (exact copies), events of unknown users, skipped results, unmatched
-- and over-long webinar connections, payment tags set and removed, duplicate
-- schedule rows, activities without a guide row, odd time zones.
-- psql variables: s (schema), n (learners), seed (0..1).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(:seed);
DROP SCHEMA IF EXISTS :"s" CASCADE;
CALL learnerscore.create_learning_schema(:'s');
SET search_path = :"s";

-- two courses, 8 tasks each, one task a week at 10:00; the last task is the attestation
CREATE TEMP TABLE fx_act AS
SELECT c.course_id, t AS task_no, c.course_id * 100 + t AS task_id, k,
       c.course_id * 10000 + t * 10 + k AS activity_id,
       (ARRAY['slide', 'exercise', 'CodeExercise', 'question', 'interactive', 'video'])[1 + (t * 7 + k * 3 + c.course_id) % 6] AS atype,
       (t = 8)::int AS att,
       c.start + (t - 1) * interval '7 days' + CASE WHEN k = 4 THEN interval '2 days' ELSE interval '0' END AS shown
  FROM (VALUES (1, timestamp '2023-12-01 10:00'), (2, timestamp '2023-12-10 10:00')) c(course_id, start),
       generate_series(1, 8) t, generate_series(1, 4) k;
INSERT INTO schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown)
SELECT course_id, 'занятие', task_id, NULL, NULL, 0, '{}', 1, min(shown) FROM fx_act GROUP BY course_id, task_id;
INSERT INTO schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown)
SELECT course_id, 'активность', task_id, activity_id, atype, att, '{}', 1, shown FROM fx_act;
-- duplicated schedule rows (one later: the earliest opening counts), a row that never opens; all of flow 1:
-- every learner (flow_num 1 or 2) reads the course's only flow (the per-flow cases: tests/unit FeaturesFlows)
INSERT INTO schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown)
SELECT course_id, 'активность', task_id, activity_id, atype, att, '{}', 1, shown + interval '1 day' FROM fx_act WHERE k = 2 AND task_no IN (2, 5);
INSERT INTO schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown)
VALUES (1, 'активность', 199, 19999, 'exercise', 0, '{}', 1, NULL);
INSERT INTO activities_guide (course_id, course, provider, module, theme_id, theme, task_id, exercise, task_position,
                              att_priznak, activity_id, activity_type, activity, obyaz_priznak, visibility)
SELECT course_id, 'Course ' || course_id, '1T', CASE WHEN task_no <= 4 THEN 1 ELSE 2 END, course_id * 10 + (task_no + 1) / 2,
       'Theme ' || (task_no + 1) / 2, task_id, 'Task ' || task_no, k, att, activity_id,
       CASE WHEN k = 3 AND task_no = 3 THEN NULL ELSE atype END, 'Activity ' || k, ((k + task_no) % 3 = 0 OR att = 1)::int, '{}'
  FROM fx_act WHERE NOT (task_no = 6 AND k = 1);   -- one activity without a guide row

-- learners: profile = engagement, first and last active day, offline/paying flags
CREATE TEMP TABLE fx_learner AS
SELECT i AS user_id,
       CASE WHEN i % 40 = 0 THEN 3 WHEN i % 2 = 0 THEN 1 ELSE 2 END AS course_id,
       CASE WHEN i % 11 = 0 THEN 0.0 ELSE 0.15 + 0.8 * random() END AS engagement,
       CASE WHEN i % 7 = 0 THEN 20 + (random() * 15)::int ELSE (random() * 3)::int END AS first_day,
       (10 + random() * 70)::int AS last_day,
       random() < 0.2 AS offline, random() < 0.5 AS paying
  FROM generate_series(1, :n) i;
INSERT INTO users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date)
SELECT 500000 + user_id, user_id, course_id, 1 + user_id % 2, user_id % 3,
       CASE WHEN random() < 0.9 THEN (random() * 100)::int END,
       CASE WHEN random() < 0.5 THEN (random() * 100)::int END,
       CASE WHEN random() < 0.4 THEN timestamp '2024-01-15' + random() * interval '40 days' END
  FROM fx_learner;
INSERT INTO users_age_timezone (user_id, time_zone, age)
SELECT user_id, (ARRAY['+03:00', '+05:30', '-04:00', '+0300', '+3', 'МСК', '', ' +07:00 ', '+15:00'])[1 + user_id % 9],
       16 + user_id % 40
  FROM fx_learner WHERE user_id % 13 <> 0;

-- active learner-days (day 0 = 2023-12-01)
CREATE TEMP TABLE fx_day AS
SELECT l.user_id, l.course_id, timestamp '2023-12-01' + d * interval '1 day' AS day
  FROM fx_learner l, generate_series(0, 80) d
 WHERE d BETWEEN l.first_day AND l.last_day AND random() + 0 * d < l.engagement;   -- "0 * d": evaluate per day

INSERT INTO "authorization" (user_id, created_at, user_agent, window_size)
SELECT user_id, day + random() * interval '1 day', 'Mozilla/5.0', '1920x1080' FROM fx_day;
INSERT INTO "authorization" (user_id, created_at) VALUES (99999, '2023-12-05 10:00');   -- unknown user
-- views of opened activities, of lessons, and a few of pages outside the course
INSERT INTO activity_history_viewed (user_id, created_at, page_type, page_id, module, attestation, activity_type)
SELECT f.user_id, greatest(f.day, a.shown - interval '1 hour') + random() * interval '20 hours', 'активность', a.activity_id,
       1, a.att, a.atype
  FROM fx_day f JOIN fx_act a ON a.course_id = f.course_id AND a.shown < f.day + interval '1 day'
 WHERE random() < 0.12;
INSERT INTO activity_history_viewed (user_id, created_at, page_type, page_id, module, attestation, activity_type)
SELECT user_id, day + interval '9 hours', 'занятие', course_id * 100 + 1, 1, 0, NULL FROM fx_day WHERE random() < 0.3;
INSERT INTO activity_history_viewed (user_id, created_at, page_type, page_id, module, attestation, activity_type)
SELECT user_id, day + interval '8 hours', 'активность', 777777, 1, 0, 'slide' FROM fx_day WHERE random() < 0.05;
-- results: attempts on viewed result-bearing activities; some skipped; some on foreign activities
INSERT INTO exercise_results (module, activity_id, user_id, created_at, result, success)
SELECT 1, v.page_id, v.user_id, v.created_at + (1 + random() * 200) * interval '1 hour',
       r.res, (r.res >= 60)::int
  FROM activity_history_viewed v
  JOIN fx_act a ON a.activity_id = v.page_id AND a.atype IN ('exercise', 'CodeExercise', 'question', 'interactive')
  CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.07 THEN NULL ELSE (random() * 100)::int END AS res
                        FROM generate_series(1, 1 + (random() * 2.5)::int) g WHERE v.user_id > 0) r
 WHERE v.page_type = 'активность' AND random() < 0.7;
INSERT INTO exercise_results (module, activity_id, user_id, created_at, result, success)
SELECT 1, 888888, user_id, day + interval '12 hours', 50, 1 FROM fx_day WHERE random() < 0.02;
-- webinars: connect 19:00, disconnect after up to 5 h (capped at 4 h), some never disconnect
INSERT INTO webinars_logs (user_id, datetime, event_name, webinar_id, conn_format, webinar_vvod, module)
SELECT user_id, day + interval '19 hours', 'Подключение', 1000 + extract(doy FROM day)::int,
       CASE WHEN random() < 0.7 THEN 'онлайн' ELSE 'офлайн' END, 0, 1
  FROM fx_day WHERE random() < 0.25;
INSERT INTO webinars_logs (user_id, datetime, event_name, webinar_id, conn_format, webinar_vvod, module)
SELECT user_id, datetime + random() * interval '5 hours', 'Отключение', webinar_id, conn_format, 0, 1
  FROM webinars_logs WHERE event_name = 'Подключение' AND random() < 0.85;
-- tags: online/offline sets, payment set and removed, installs
INSERT INTO users_logs (user_id, created_at, event, comment)
SELECT l.user_id, timestamp '2023-11-20' + random() * interval '10 days', 'tags-changed',
       'Были хештеги: , стали: #entry-email ' || CASE WHEN l.offline THEN '#офлайн' ELSE '#онлайн' END
  FROM fx_learner l WHERE l.user_id % 17 <> 0;
INSERT INTO users_logs (user_id, created_at, event, comment)
SELECT l.user_id, timestamp '2023-12-01' + random() * interval '40 days', 'tags-changed',
       'Были хештеги: #онлайн, стали: #онлайн #M1-оплачен'
  FROM fx_learner l WHERE l.paying;
INSERT INTO users_logs (user_id, created_at, event, comment)
SELECT l.user_id, timestamp '2023-12-20' + random() * interval '40 days', 'tags-changed',
       'Были хештеги: #онлайн #M1-оплачен, стали: #онлайн #M1-завершил'
  FROM fx_learner l WHERE l.paying AND random() < 0.3;
INSERT INTO users_logs (user_id, created_at, event, comment)
SELECT l.user_id, timestamp '2024-01-01' + random() * interval '30 days', 'tags-changed',
       'Установлен хештег "#M2-оплачен"'
  FROM fx_learner l WHERE random() < 0.15;
INSERT INTO users_logs (user_id, created_at, event, comment)
SELECT l.user_id, timestamp '2024-01-01' + random() * interval '30 days', 'tags-changed', 'Установлен хештег "#мотив"'
  FROM fx_learner l WHERE random() < 0.15;

-- exact duplicates of some events
INSERT INTO "authorization" SELECT * FROM "authorization" WHERE random() < 0.05;
INSERT INTO activity_history_viewed SELECT * FROM activity_history_viewed WHERE random() < 0.05;
INSERT INTO exercise_results SELECT * FROM exercise_results WHERE random() < 0.05;
INSERT INTO webinars_logs SELECT * FROM webinars_logs WHERE random() < 0.05;
INSERT INTO users_logs SELECT * FROM users_logs WHERE random() < 0.05;
ANALYZE;
RESET search_path;
