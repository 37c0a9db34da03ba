-- The hand-written fixture of the analyst-view tests (sql/21_views.sql,
-- sql/23_view_cache.sql) in the learning schema named by psql variable fx:
-- two courses, three online learners (one through a typo tag, one set by an
-- "Установлен хештег" delta after the course start), one offline, one with
-- no tag log and no events; a skipped result, repeated views and attempts.
INSERT INTO :"fx".schedule (course_id, type, task_id, activity_id, activity_type, is_attestation, visibility, flows, date_shown) VALUES
 (3,  'занятие',    81, NULL, NULL,           0, '{}', 1, '2023-12-01 12:00'),
 (3,  'активность', 81, 1001, 'exercise',     0, '{}', 1, '2023-12-01 12:00'),
 (3,  'активность', 81, 1002, 'slide',        0, '{}', 1, '2023-12-01 12:00'),
 (3,  'занятие',    82, NULL, NULL,           0, '{}', 1, '2023-12-03 00:00'),
 (3,  'активность', 82, 1003, 'CodeExercise', 1, '{}', 1, '2023-12-03 00:00'),
 (3,  'активность', 82, 1004, '',             0, '{}', 1, '2023-12-03 00:00'),
 (77, 'занятие',    90, NULL, NULL,           0, '{}', 1, '2023-12-02 12:00'),
 (77, 'активность', 90, 2001, 'question',     1, '{}', 1, '2023-12-02 12:00');
INSERT INTO :"fx".activities_guide (course_id, course, provider, module, theme_id, theme, task_id, exercise, task_position,
                                  att_priznak, activity_id, activity_type, activity, obyaz_priznak, visibility) VALUES
 (3,  'Нейро.PY',     '1T', 2, 13, 'Функции', 81, 'Функции', 1, 0, 1001, 'exercise',     'Задача 1',   1, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 13, 'Функции', 81, 'Функции', 1, 0, 1002, 'slide',        'Слайд',      0, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 14, 'Классы',  82, 'Классы',  2, 1, 1003, 'CodeExercise', 'Тренажер 1', 1, '{}'),
 (3,  'Нейро.PY',     '1T', 2, 14, 'Классы',  82, 'Классы',  2, 0, 1004, '',             'Пусто',      0, '{}'),
 (77, 'Python Start', '1T', 1, 20, 'Старт',   90, 'Старт',   1, 1, 2001, 'question',     'Вопрос',     0, '{}');
INSERT INTO :"fx".users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date) VALUES
 (9101, 101, 3,  1, 1, 80,   70,   '2023-12-06 12:00'),
 (9102, 102, 3,  1, 0, 10,   NULL, NULL),
 (9103, 103, 3,  1, 2, NULL, NULL, NULL),
 (9104, 104, 77, 1, 0, 55,   60,   NULL),
 (9105, 105, 3,  1, 0, 0,    NULL, NULL);
INSERT INTO :"fx".users_age_timezone VALUES (101, '+03:00', 16), (102, '+03:00', 40), (103, '+05:00', 19), (104, '+03:00', 30);
INSERT INTO :"fx".users_logs (user_id, created_at, event, comment) VALUES
 (101, '2023-11-14 15:07', 'tags-changed', 'Были хештеги: #entry-email #офлайн, стали: #entry-email #онлайн'),
 (101, '2023-12-01 09:30', 'login',        'Пользователь вошёл'),
 (102, '2023-11-20 10:00', 'tags-changed', 'Были хештеги: , стали: #офлайн'),
 (102, '2023-11-20 10:00', 'tags-changed', 'Были хештеги: #офлайн, стали: #офлайн #мотив'),
 (103, '2023-12-02 09:00', 'tags-changed', 'Были хештеги: #оулайн, стали: #оглайн #M1-оплачен'),
 (104, '2023-12-05 10:00', 'tags-changed', 'Установлен хештег "#онлайн" --'),
 (104, '2023-12-10 10:00', 'tags-changed', 'Удален хештег "#онлайн" -- Установлен хештег "#офлайн"');
INSERT INTO :"fx".activity_history_viewed (user_id, created_at, page_type, page_id, module, attestation, activity_type) VALUES
 (101, '2023-12-01 13:00', 'занятие',    81,   2, 0, NULL),
 (101, '2023-12-01 13:30', 'активность', 1001, 2, 0, 'exercise'),
 (101, '2023-12-02 08:00', 'активность', 1001, 2, 0, 'exercise'),
 (101, '2023-12-02 09:00', 'активность', 82,   2, 0, NULL),   -- an activity page whose id equals a lesson id: not a view of lesson 82
 (103, '2023-12-03 06:00', 'активность', 1003, 2, 1, 'CodeExercise'),
 (104, '2023-12-02 13:00', 'занятие',    90,   1, 0, NULL);
INSERT INTO :"fx".exercise_results (module, activity_id, user_id, created_at, result, success) VALUES
 (2, 1001, 101, '2023-12-01 12:00', NULL, 0),   -- Пропуск
 (2, 1001, 101, '2023-12-01 18:00', 100,  1),
 (2, 1003, 101, '2023-12-04 00:00', 60,   1),
 (2, 1001, 103, '2023-12-02 12:00', 40,   0),
 (1, 2001, 104, '2023-12-02 18:00', 100,  1);
INSERT INTO :"fx"."authorization" VALUES (101, '2023-12-01 09:00', 'Mozilla/5.0', '1872x932'), (104, '2023-12-02 12:30', 'Mozilla/5.0', '800x600');
INSERT INTO :"fx".webinars_logs VALUES
 (101, '2023-12-01 19:00', 'Подключение', 500, 'онлайн', 1, 2),
 (101, '2023-12-01 20:00', 'Отключение',  500, 'онлайн', 1, 2),
 (103, '2023-12-02 19:00', 'Подключение', 501, 'офлайн', 0, 2);
