-- Synthetic seed-scale 1T data for the views benchmark when the generator and
-- loader are not available: psql -v schema=NAME -v learners=N -f views_synth.sql
-- Four courses × 40 tasks × (1 lesson + 6 activities), learners with tag
-- changes in every seed variant, views, attempts (with skips), log-ins, webinars.
\set ON_ERROR_STOP on
SELECT setseed(0.42);
SET search_path = :"schema";
TRUNCATE users, users_age_timezone, "authorization", schedule, activity_history_viewed, webinars_logs,
         exercise_results, users_logs, activities_guide;

INSERT INTO schedule
SELECT c, 'занятие', c * 1000 + t, NULL, NULL, 0, '{}', 1, timestamp '2023-12-01 11:00' + (t - 1) * interval '3 days'
  FROM unnest(ARRAY[3, 49, 71, 77]) c, generate_series(1, 40) t;
INSERT INTO schedule
SELECT c, 'активность', c * 1000 + t, c * 100000 + t * 10 + a,
       (ARRAY['slide', 'exercise', 'question', 'CodeExercise', 'interactive', ''])[a],
       CASE WHEN t > 36 AND a IN (2, 4) THEN 1 ELSE 0 END, '{}', 1,
       timestamp '2023-12-01 11:00' + (t - 1) * interval '3 days'
  FROM unnest(ARRAY[3, 49, 71, 77]) c, generate_series(1, 40) t, generate_series(1, 6) a;
INSERT INTO activities_guide
SELECT course_id, 'Курс ' || course_id, '1T', CASE WHEN task_id % 1000 <= 20 THEN 1 ELSE 2 END, task_id / 5,
       'Тема', task_id, 'Занятие ' || task_id, task_id % 1000, is_attestation, activity_id, activity_type,
       'Активность ' || activity_id, CASE WHEN activity_id % 10 IN (2, 4) THEN 1 ELSE 0 END, '{}'
  FROM schedule WHERE type = 'активность';

INSERT INTO users
SELECT 1000000 + i, 10000 + i, (ARRAY[3, 49, 71, 77])[1 + i % 4], 1, (random() * 2)::int,
       CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 100)::int END,
       CASE WHEN random() < 0.5 THEN NULL ELSE (50 + random() * 50)::int END,
       CASE WHEN random() < 0.5 THEN NULL ELSE timestamp '2024-02-01' + random() * interval '30 days' END
  FROM generate_series(1, :learners) i;
INSERT INTO users_age_timezone SELECT user_id, (ARRAY['+03:00', '+05:00', '+07:00'])[1 + user_id % 3], 15 + user_id % 40 FROM users;

-- tag changes: most learners get one full-form change in one of the seed's variants
INSERT INTO users_logs
SELECT user_id, timestamp '2023-11-10' + random() * interval '15 days', 'tags-changed',
       (ARRAY['Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн',
              'Были хештеги: , стали: #онлайн',
              'Были хештеги: #оулайн, стали: #онлайн #мотив',
              'Были хештеги: #оглайн, стали: #онлайн',
              'Установлен хештег "#онлайн" --',
              'Были хештеги: , стали: #офлайн',
              'Были хештеги: #онлайн, стали: #офлайн'])[1 + (random() * 6.99)::int]
  FROM users WHERE random() < 0.95;
INSERT INTO users_logs
SELECT user_id, timestamp '2024-02-19' + random() * interval '5 days', 'tags-changed',
       'Были хештеги: #мотив #онлайн #M1-завершил #сверка-дат #M1-оплачен #M2-завершил, стали: #мотив #онлайн #M1-завершил #M1-оплачен #M2-завершил'
  FROM users WHERE random() < 0.3;

INSERT INTO activity_history_viewed
SELECT u.user_id, s.date_shown + random() * interval '5 days', s.type,
       CASE WHEN s.type = 'занятие' THEN s.task_id ELSE s.activity_id END, 1, s.is_attestation, s.activity_type
  FROM users u JOIN schedule s ON s.course_id = u.course_id, generate_series(1, 2) k
 WHERE random() < CASE k WHEN 1 THEN 0.6 ELSE 0.25 END;
INSERT INTO exercise_results
SELECT 1, s.activity_id, u.user_id, s.date_shown + random() * interval '7 days',
       CASE WHEN random() < 0.05 THEN NULL ELSE (random() * 100)::int END, (random() < 0.6)::int
  FROM users u JOIN schedule s ON s.course_id = u.course_id AND s.activity_type IN ('exercise', 'question', 'CodeExercise', 'interactive'),
       generate_series(1, 3) k
 WHERE random() < CASE k WHEN 1 THEN 0.55 WHEN 2 THEN 0.25 ELSE 0.1 END;
INSERT INTO "authorization"
SELECT u.user_id, timestamp '2023-12-01' + random() * interval '120 days', 'Mozilla/5.0', '1872x932'
  FROM users u, generate_series(1, 30) k WHERE random() < 0.8;
INSERT INTO webinars_logs
SELECT u.user_id, timestamp '2023-12-01 19:00' + w * interval '7 days' + e * interval '1 hour',
       (ARRAY['Подключение', 'Отключение'])[e + 1], 13000 + u.course_id * 100 + w,
       (ARRAY['онлайн', 'офлайн'])[1 + (u.user_id % 2)], (w = 0)::int, 2
  FROM users u, generate_series(0, 15) w, generate_series(0, 1) e WHERE (u.user_id * 31 + w) % 3 <> 0;
ANALYZE;
