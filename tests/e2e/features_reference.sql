-- Plain-SQL reference of the learner daily series (docs/features.md), written
-- independently of the C++ engine to cross-check it. No learnerscore function
-- is used. psql variables: s (schema), from, to (dates). Result: the table
-- ref_daily in schema features_ref, with the 39 columns plus
-- last_activity_at, days_inactive, theme_id, task_id.
--   psql -v s=onet -v from=2023-12-01 -v to=2024-06-27 -f features_reference.sql
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS features_ref CASCADE;
CREATE SCHEMA features_ref;
SET search_path = features_ref;

CREATE TABLE dates AS
SELECT d::date AS cur_date, (d::date + 1)::timestamp AS t_end
  FROM generate_series(:'from'::date, :'to'::date, interval '1 day') d;
CREATE TABLE cutoff AS SELECT max(t_end) AS t FROM dates;

-- course catalog
CREATE TABLE openings AS
SELECT DISTINCT course_id, date_shown FROM :"s".schedule WHERE course_id IS NOT NULL AND isfinite(date_shown);
CREATE TABLE course AS SELECT course_id, min(date_shown) AS start FROM openings GROUP BY course_id;
CREATE TABLE act AS
SELECT a.course_id, a.activity_id, a.shown, a.att,
       coalesce((SELECT min(o.date_shown) FROM openings o WHERE o.course_id = a.course_id AND o.date_shown > a.shown),
                a.shown + interval '7 days') AS deadline,
       coalesce(g.obyaz_priznak, 0) = 1 AS req,
       coalesce(lower(coalesce(g.activity_type, a.stype)) IN ('exercise', 'codeexercise', 'question', 'interactive'), false) AS rb,
       g.module, g.theme_id, coalesce(g.task_id, a.task_id) AS task_id
  FROM (SELECT course_id, activity_id, min(date_shown) AS shown, bool_or(coalesce(is_attestation, 0) = 1) AS att,
               min(activity_type COLLATE "C") AS stype, min(task_id) AS task_id
          FROM :"s".schedule
         WHERE type = 'активность' AND course_id IS NOT NULL AND activity_id IS NOT NULL AND isfinite(date_shown)
         GROUP BY course_id, activity_id) a
  LEFT JOIN :"s".activities_guide g ON g.activity_id = a.activity_id;
CREATE INDEX ON act (course_id, shown);
CREATE TABLE att_deadline AS SELECT course_id, max(shown) AS deadline FROM act WHERE att GROUP BY course_id;

-- learners
CREATE TABLE learners AS
SELECT u.user_id, u.unti_id, u.course_id, u.flow_num::float8 AS flow_num, u.tg_bot, u.m2_progress, u.m2_attestation,
       CASE WHEN isfinite(u.m2_attestation_date) THEN u.m2_attestation_date END AS m2_attestation_date,
       t.age,
       (SELECT CASE WHEN m IS NULL OR m[2]::int > 14 OR coalesce(m[3], '0')::int >= 60 THEN NULL
                    ELSE (CASE WHEN m[1] = '-' THEN -1 ELSE 1 END) * (m[2]::int + coalesce(m[3], '0')::int / 60.0) END
          FROM regexp_match(t.time_zone, '^[ \t\n\r\f\v]*([+-]?)([0-9]{1,2})(?::?([0-9]{2}))?[ \t\n\r\f\v]*$') AS m)::float8 AS time_zone
  FROM :"s".users u LEFT JOIN :"s".users_age_timezone t ON t.user_id = u.user_id
 WHERE u.user_id IS NOT NULL;

-- events: exact duplicates dropped, nothing at or after the last cutoff
CREATE TABLE ev_auth AS SELECT DISTINCT user_id, created_at AS t FROM :"s"."authorization"
 WHERE user_id IS NOT NULL AND isfinite(created_at) AND created_at < (SELECT t FROM cutoff);
CREATE TABLE ev_view AS SELECT DISTINCT user_id, created_at AS t, (page_type = 'активность' AND page_id IS NOT NULL) IS TRUE AS act_page,
       coalesce(page_id, 0) AS page_id FROM :"s".activity_history_viewed
 WHERE user_id IS NOT NULL AND isfinite(created_at) AND created_at < (SELECT t FROM cutoff);
CREATE TABLE ev_res AS SELECT DISTINCT user_id, created_at AS t, activity_id, result, coalesce(success, 0) AS success
  FROM :"s".exercise_results WHERE user_id IS NOT NULL AND isfinite(created_at) AND created_at < (SELECT t FROM cutoff);
CREATE TABLE ev_web AS SELECT DISTINCT user_id, datetime AS t,
       CASE btrim(event_name) WHEN 'Подключение' THEN 0 WHEN 'Отключение' THEN 1 ELSE 2 END AS kind,
       coalesce(webinar_id, -1) AS webinar_id, coalesce(btrim(conn_format) = 'онлайн', false) AS online
  FROM :"s".webinars_logs WHERE user_id IS NOT NULL AND isfinite(datetime) AND datetime < (SELECT t FROM cutoff);
CREATE TABLE ev_tag AS SELECT DISTINCT user_id, created_at AS t, comment FROM :"s".users_logs
 WHERE user_id IS NOT NULL AND comment IS NOT NULL AND isfinite(created_at) AND created_at < (SELECT t FROM cutoff);
CREATE INDEX ON ev_auth (user_id, t);
CREATE INDEX ON ev_view (user_id, t);
CREATE INDEX ON ev_res (user_id, t);
CREATE INDEX ON ev_web (user_id, t);
CREATE INDEX ON ev_tag (user_id, t);

-- per learner x course activity: first view, first result, first success
CREATE TABLE la AS
SELECT l.user_id, a.*, fv.fv, fr.fr, fr.fs
  FROM learners l JOIN act a ON a.course_id = l.course_id
  LEFT JOIN (SELECT user_id, page_id, min(t) AS fv FROM ev_view WHERE act_page GROUP BY user_id, page_id) fv
         ON fv.user_id = l.user_id AND fv.page_id = a.activity_id
  LEFT JOIN (SELECT user_id, activity_id, min(t) AS fr, min(t) FILTER (WHERE success = 1) AS fs
               FROM ev_res GROUP BY user_id, activity_id) fr
         ON fr.user_id = l.user_id AND fr.activity_id = a.activity_id;
CREATE INDEX ON la (user_id);
-- results of course activities with the activity's flags
CREATE TABLE lr AS
SELECT r.user_id, r.t, r.activity_id, r.result, a.req, a.att
  FROM ev_res r JOIN learners l ON l.user_id = r.user_id JOIN act a ON a.course_id = l.course_id AND a.activity_id = r.activity_id;
CREATE INDEX ON lr (user_id, t);
-- each webinar connection with the next disconnection from the same webinar
CREATE TABLE conn AS
SELECT c.user_id, c.t, c.online,
       (SELECT min(d.t) FROM ev_web d WHERE d.user_id = c.user_id AND d.kind = 1 AND d.webinar_id = c.webinar_id AND d.t >= c.t) AS next_disc
  FROM ev_web c WHERE c.kind = 0;
CREATE INDEX ON conn (user_id, t);

CREATE TABLE ref_daily AS
SELECT l.user_id,
       pay.payment,
       l.time_zone, l.age, l.unti_id, l.course_id, l.flow_num, l.tg_bot, l.m2_progress, l.m2_attestation,
       pos.module,
       (CASE WHEN ad.deadline IS NULL THEN 0
             WHEN l.m2_attestation_date < d.t_end THEN extract(epoch FROM l.m2_attestation_date - ad.deadline) / 86400
             WHEN d.t_end > ad.deadline THEN extract(epoch FROM d.t_end - ad.deadline) / 86400
             ELSE 0 END)::float8 AS m2_delay,
       (SELECT count(*) FROM ev_auth x WHERE x.user_id = l.user_id AND x.t < d.t_end
           AND (c.start IS NULL OR x.t >= date_trunc('day', c.start)))::int AS sum_auth,
       o.opened AS sum_schedule_activities, o.opened_req AS sum_required_activity, o.opened_att AS sum_attestation_activity,
       coalesce(vw.vdf, 0)::float8 AS view_delay_first, coalesce(vw.vds, 0)::float8 AS view_delay_sum,
       vw.viewed AS sum_activity_viewed, vw.viewed_req AS sum_required_activity_viewed, vw.viewed_att AS sum_attestation_activity_viewed,
       coalesce(wb.hours, 0)::float8 AS w_view_hours,
       ex.passed AS sum_exercise, ex.passed_req AS sum_required_exercises, ex.passed_att AS sum_attestation_exercises,
       coalesce(ex.edf, 0)::float8 AS exercise_delay_first, coalesce(ex.eds, 0)::float8 AS exercise_delay_sum,
       coalesce(ex.rdm, 0)::float8 AS result_delay_mean, coalesce(ex.rds, 0)::float8 AS result_delay_sum,
       (CASE WHEN ex.attempted > 0 THEN att.n::numeric / ex.attempted ELSE 0 END)::float8 AS sum_exercise_attempts_mean,
       coalesce(bst.mean_req, 0)::float8 AS mean_required_result, coalesce(bst.mean_nonreq, 0)::float8 AS mean_non_req_result,
       coalesce(bst.mean_att, 0)::float8 AS mean_attestation_result, coalesce(bst.sum_all, 0)::bigint AS sum_result,
       wb.conn, (CASE WHEN wb.conn > 0 THEN wb.online::numeric / wb.conn ELSE 0 END)::float8 AS online_rate,
       coalesce(bst.mean_all, 0)::float8 AS mean_result,
       (CASE WHEN o.rb_opened > 0 THEN 100.0 * ex.rb_opened_passed / o.rb_opened ELSE 0 END)::float8 AS progress,
       d.cur_date,
       la_.last_at AS last_activity_at,
       (d.cur_date - coalesce(la_.last_at, c.start)::date) AS days_inactive,
       pos.theme_id, pos.task_id
  FROM learners l
 CROSS JOIN dates d
  LEFT JOIN course c ON c.course_id = l.course_id
  LEFT JOIN att_deadline ad ON ad.course_id = l.course_id
  -- payment: latest full-set comment, then any later "Установлен" comment with a paid tag
  CROSS JOIN LATERAL (
        SELECT CASE WHEN EXISTS (
                        SELECT 1 FROM ev_tag i
                         WHERE i.user_id = l.user_id AND i.t < d.t_end AND strpos(i.comment, 'стали:') = 0
                           AND i.comment ~ '^[ \t\n\r\f\v]*Установлен' AND i.comment ~ '(^|[ \t\n\r\f\v,"«»])#[^ \t\n\r\f\v,"«»]*-оплачен([ \t\n\r\f\v,"«»]|$)'
                           AND (f.t IS NULL OR (i.t, i.comment COLLATE "C") > (f.t, f.comment COLLATE "C"))) THEN 1
                    WHEN substr(f.comment, strpos(f.comment, 'стали:') + 6) ~ '(^|[ \t\n\r\f\v,"«»])#[^ \t\n\r\f\v,"«»]*-оплачен([ \t\n\r\f\v,"«»]|$)' THEN 1
                    ELSE 0 END AS payment
          FROM (SELECT 1) z
          LEFT JOIN LATERAL (SELECT x.t, x.comment FROM ev_tag x
                              WHERE x.user_id = l.user_id AND x.t < d.t_end AND strpos(x.comment, 'стали:') > 0
                              ORDER BY x.t DESC, x.comment COLLATE "C" DESC LIMIT 1) f ON true) pay
  -- position: the most recently opened activity
  LEFT JOIN LATERAL (SELECT a.module, a.theme_id, a.task_id FROM act a
                      WHERE a.course_id = l.course_id AND a.shown < d.t_end
                      ORDER BY a.shown DESC, a.activity_id DESC LIMIT 1) pos ON true
  CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.shown < d.t_end)::int AS opened,
               count(*) FILTER (WHERE x.shown < d.t_end AND x.req)::int AS opened_req,
               count(*) FILTER (WHERE x.shown < d.t_end AND x.att)::int AS opened_att,
               count(*) FILTER (WHERE x.shown < d.t_end AND x.rb)::int AS rb_opened
          FROM la x WHERE x.user_id = l.user_id) o
  CROSS JOIN LATERAL (
        SELECT avg(extract(epoch FROM x.fv - x.shown) / 86400) FILTER (WHERE x.shown < d.t_end AND x.fv < d.t_end) AS vdf,
               sum(extract(epoch FROM d.t_end - x.shown) / 86400)
                   FILTER (WHERE x.shown < d.t_end AND (x.fv IS NULL OR x.fv >= d.t_end)) AS vds,
               count(*) FILTER (WHERE x.fv < d.t_end)::int AS viewed,
               count(*) FILTER (WHERE x.fv < d.t_end AND x.req)::int AS viewed_req,
               count(*) FILTER (WHERE x.fv < d.t_end AND x.att)::int AS viewed_att
          FROM la x WHERE x.user_id = l.user_id) vw
  CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.fs < d.t_end)::int AS passed,
               count(*) FILTER (WHERE x.fs < d.t_end AND x.req)::int AS passed_req,
               count(*) FILTER (WHERE x.fs < d.t_end AND x.att)::int AS passed_att,
               count(*) FILTER (WHERE x.fr < d.t_end) AS attempted,
               avg(extract(epoch FROM x.fr - x.deadline) / 86400) FILTER (WHERE x.fr < d.t_end) AS edf,
               sum(extract(epoch FROM x.fr - x.deadline) / 86400) FILTER (WHERE x.fr < d.t_end) AS eds,
               avg(extract(epoch FROM x.fs - x.deadline) / 86400) FILTER (WHERE x.fs < d.t_end) AS rdm,
               sum(extract(epoch FROM x.fs - x.deadline) / 86400) FILTER (WHERE x.fs < d.t_end) AS rds,
               count(*) FILTER (WHERE x.fs < d.t_end AND x.shown < d.t_end AND x.rb) AS rb_opened_passed
          FROM la x WHERE x.user_id = l.user_id) ex
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM lr x WHERE x.user_id = l.user_id AND x.t < d.t_end) att
  CROSS JOIN LATERAL (
        SELECT avg(b.best) FILTER (WHERE b.req) AS mean_req, avg(b.best) FILTER (WHERE NOT b.req) AS mean_nonreq,
               avg(b.best) FILTER (WHERE b.att) AS mean_att, sum(b.best) AS sum_all, avg(b.best) AS mean_all
          FROM (SELECT x.activity_id, bool_or(x.req) AS req, bool_or(x.att) AS att, max(x.result) AS best
                  FROM lr x WHERE x.user_id = l.user_id AND x.t < d.t_end GROUP BY x.activity_id) b
         WHERE b.best IS NOT NULL) bst
  CROSS JOIN LATERAL (
        SELECT count(*)::int AS conn, count(*) FILTER (WHERE x.online) AS online,
               sum(least(extract(epoch FROM x.next_disc - x.t), 14400)) FILTER (WHERE x.next_disc < d.t_end) / 3600 AS hours
          FROM conn x WHERE x.user_id = l.user_id AND x.t < d.t_end) wb
  CROSS JOIN LATERAL (
        SELECT greatest((SELECT max(x.t) FROM ev_auth x WHERE x.user_id = l.user_id AND x.t < d.t_end),
                        (SELECT max(x.t) FROM ev_view x WHERE x.user_id = l.user_id AND x.t < d.t_end),
                        (SELECT max(x.t) FROM ev_res x WHERE x.user_id = l.user_id AND x.t < d.t_end),
                        (SELECT max(x.t) FROM ev_web x WHERE x.user_id = l.user_id AND x.t < d.t_end AND x.kind = 0)) AS last_at) la_;
RESET search_path;
