-- The seed's table layout (the 1T scoring specification: *_v2 tables with varchar results and
-- markers) filled from a clean learning schema, so the seed's own SQL runs
-- unchanged on the same data: psql -v src=SCHEMA -f spec1t_tables.sql
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS seed001 CASCADE;
CREATE SCHEMA seed001;
SET search_path = seed001;
CREATE TABLE users AS
SELECT unti_id, user_id, user_id AS "userID", course_id, flow_num,
       CASE tg_bot WHEN 0 THEN '—' ELSE tg_bot::varchar(50) END AS tg_bot,
       coalesce(m2_progress::varchar(50), 'Нет данных') AS m2_progress,
       coalesce(m2_attestation::varchar(50), 'Не сдана') AS m2_attestation, m2_attestation_date
  FROM :"src".users;
CREATE TABLE users_logs AS SELECT user_id, created_at, event::varchar(50), comment::varchar(256) AS comment FROM :"src".users_logs;
CREATE TABLE schedule_v2 AS SELECT course_id, type::varchar(50), task_id, activity_id, activity_type::varchar(50), is_attestation, visibility::varchar(50), flows, date_shown FROM :"src".schedule;
CREATE TABLE activity_history_viewed_v2 AS SELECT user_id, created_at, page_type::varchar(50), page_id, module, attestation, activity_type::varchar(50) FROM :"src".activity_history_viewed;
CREATE TABLE exercise_results_v2 AS SELECT module, activity_id, user_id, created_at, coalesce(result::varchar(50), 'Пропуск') AS result, success FROM :"src".exercise_results;
CREATE TABLE users_age_timezone_v2 AS SELECT user_id, time_zone::varchar(50), age FROM :"src".users_age_timezone;
CREATE TABLE activities_guide_v2 AS
SELECT course_id, course, provider, module AS modul, theme_id, theme, task_id, exercise, task_position, att_priznak,
       activity_id, activity_type, activity, obyaz_priznak AS obyzar_priznak, visibility
  FROM :"src".activities_guide;
CREATE TABLE webinars_logs_v2 AS SELECT * FROM :"src".webinars_logs;
-- The same indexes our clean tables have, so the comparison is about the SQL.
CREATE INDEX ON users (user_id);
CREATE INDEX ON users_logs (user_id, created_at);
CREATE INDEX ON schedule_v2 (course_id, date_shown);
CREATE INDEX ON schedule_v2 (activity_id);
CREATE INDEX ON activity_history_viewed_v2 (user_id, page_id);
CREATE INDEX ON exercise_results_v2 (user_id, activity_id);
CREATE INDEX ON users_age_timezone_v2 (user_id);
CREATE INDEX ON activities_guide_v2 (activity_id);
-- students_v3: the seed's online filter, live over users_logs like ours (its
-- second LIKE pattern has broken quoting in the document; split into the two
-- patterns it evidently meant).
CREATE VIEW students_v3 AS
with
t1 as(
select distinct user_id, created_at, comment
from users_logs logs
where comment like 'Были хештеги:%онлайн%стали:%онлайн%'
or comment like 'Установлен хештег "#онлайн" --%' or comment like '%Установлен%онлайн%'
or comment like 'Были хештеги: , стали:%онлайн%'
or comment like 'Были хештеги%оулайн%стали:%онлайн%'
or comment like 'Были хештеги%оглайн%стали:%онлайн%')
select unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date
from users
where "userID" in(select distinct user_id from t1);
ANALYZE;
