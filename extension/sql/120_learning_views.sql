-- Analyst views of docs/views.md and the online-status filter (docs/loading.md), created
-- per learning schema by create_learning_schema() through
-- learnerscore._create_learning_views(schema). Plain views (CREATE OR REPLACE,
-- idempotent), so they always show the data as loaded — no refresh step to
-- forget. m_user_tags_history, m_online_students and dataset_h have a cache
-- (115_view_cache.sql): their live queries are <view>_live, and the view reads
-- the cache only while no source table has changed since the last refresh,
-- else the live query — a forgotten refresh
-- costs speed, never correctness. Every identifier goes through format('%I').
-- See docs/views.md.
--
-- Values: the clean tables hold NULL where the 1T scoring specification's SQL showed -1
-- ("Пропуск" result, "Нет данных" m2_progress, "Не сдана" m2_attestation);
-- the views show those NULLs unchanged.
--
-- One function per view (_create_view_<name>), each CREATE OR REPLACE VIEW
-- of one view; _create_learning_views at the end of this file runs them
-- bottom up, with the cache steps of 115_view_cache.sql in between.

-- students_v3 filters with this instead of learning_format = 'online': the
-- planner estimates equality on a computed column at 0.5 % of the rows (so a
-- few learners, and plans built for a few), a boolean function at 1/3 — much
-- closer to the real online share. plpgsql so that it is not inlined. Public
-- (no leading underscore): every role that reads students_v3 calls it.
CREATE FUNCTION learnerscore.is_online_format(learning_format text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    RETURN learning_format IS NOT DISTINCT FROM 'online';
END
$fn$;
COMMENT ON FUNCTION learnerscore.is_online_format(text) IS
  'Whether a learning_format value means online (NULL → false); students_v3 filters with it (a boolean function, so the planner estimates the online share sensibly). Executable by every role: the analyst views call it.';

-- The tag intervals of the learners with a tag change, for a distributed
-- schema: the rows of m_user_tags_history_live's first two branches, as one
-- chain of subqueries each read once and with windows partitioned by user_id,
-- so Citus pushes it down whole (a CTE read twice is materialized on the
-- coordinator, and a UNION cannot be the inner side of a LEFT JOIN pushed
-- down, which m_online_students needs). Changes at the same instant are
-- ordered by their comment, not by load order: Citus fails on a ctid in a
-- pushed-down window ("invalid attnum -1"). The first change's before-set travels
-- as first_value over the window; the opening interval is the first instant's
-- row emitted a second time (changed = false).
CREATE FUNCTION learnerscore._tag_intervals_sql(schema_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT format($q$
        SELECT o.user_id,
               CASE WHEN x.changed THEN o.from_datetime END AS from_datetime,
               CASE WHEN x.changed THEN o.to_datetime ELSE o.from_datetime END AS to_datetime,
               CASE WHEN x.changed THEN array_to_string(coalesce(o.prev_tags, o.first_before), ' ') END AS last_tag,
               array_to_string(CASE WHEN x.changed THEN o.tags ELSE o.first_before END, ' ') AS tag,
               x.changed AS from_users_logs,
               CASE WHEN x.changed THEN o.comment END AS comment,
               CASE WHEN x.changed THEN o.tags ELSE o.first_before END AS tags,
               learnerscore.learning_format(CASE WHEN x.changed THEN o.tags ELSE o.first_before END) AS learning_format
          FROM (SELECT i.user_id, i.created_at AS from_datetime,
                       lead(i.created_at) OVER u AS to_datetime, lag(i.tags) OVER u AS prev_tags,
                       row_number() OVER u AS k, i.tags, i.comment, i.first_before
                  FROM (SELECT DISTINCT ON (c.user_id, c.created_at) c.user_id, c.created_at, c.comment, c.tags, c.first_before
                          FROM (SELECT l.user_id, l.created_at, l.comment,
                                       row_number() OVER w AS n,
                                       learnerscore.tag_fold(l.comment) OVER w AS tags,
                                       first_value(p.tags_before) OVER w AS first_before
                                  FROM %1$s.users_logs l
                                 CROSS JOIN LATERAL learnerscore.parse_tag_change(l.comment) p
                                 WHERE p.full_set IS NOT NULL
                                WINDOW w AS (PARTITION BY l.user_id ORDER BY l.created_at, l.comment ROWS UNBOUNDED PRECEDING)) c
                         ORDER BY c.user_id, c.created_at, c.n DESC) i
                WINDOW u AS (PARTITION BY i.user_id ORDER BY i.created_at)) o
         CROSS JOIN LATERAL (VALUES (true), (false)) x(changed)
         WHERE x.changed OR (o.k = 1 AND o.first_before IS NOT NULL)$q$, quote_ident(schema_name))
$fn$;
COMMENT ON FUNCTION learnerscore._tag_intervals_sql(text) IS
  'Internal: the SELECT of the tag intervals of the learners with a tag change in a distributed learning schema (m_user_tags_history_live without its learners-without-change branch), written so that Citus pushes it down to the shards.';

-- m_user_tags_history: per learner, intervals [from_datetime, to_datetime)
-- with the tag set in force. Each users_logs row whose comment parses as a
-- tag change opens an interval; several changes at the same instant
-- collapse into one (the last in load order wins). The first change's
-- stated before-set gives an opening interval (from_datetime NULL);
-- learners of `users` with no tag change get one row with tag NULL.
-- This is m_user_tags_history_live; m_user_tags_history (created by
-- _create_view_cache in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_m_user_tags_history_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): the intervals of _tag_intervals_sql (pushed down
    -- whole to the shards), then the learners without a tag change.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.m_user_tags_history_live AS
        %2$s
        UNION ALL
        SELECT u.user_id, NULL::timestamp, NULL::timestamp, NULL::text, NULL::text, false, NULL::text,
               NULL::text[], NULL::text
          FROM %1$s.users u
         WHERE NOT EXISTS (SELECT 1 FROM %1$s.users_logs l
                            CROSS JOIN LATERAL learnerscore.parse_tag_change(l.comment) p
                            WHERE l.user_id = u.user_id AND p.full_set IS NOT NULL)
        $v$, quote_ident(schema_name), learnerscore._tag_intervals_sql(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_user_tags_history_live AS
    WITH changes AS (
        SELECT l.user_id, l.created_at, l.comment, p.tags_before,
               row_number() OVER w AS n,
               learnerscore.tag_fold(l.comment) OVER w AS tags
          FROM %1$s.users_logs l
          CROSS JOIN LATERAL learnerscore.parse_tag_change(l.comment) p
         WHERE p.full_set IS NOT NULL
        WINDOW w AS (PARTITION BY l.user_id ORDER BY l.created_at, l.ctid ROWS UNBOUNDED PRECEDING)
    ), per_instant AS (
        SELECT DISTINCT ON (user_id, created_at) user_id, created_at, comment, tags
          FROM changes
         ORDER BY user_id, created_at, n DESC
    ), opened AS (
        SELECT user_id, created_at AS from_datetime,
               lead(created_at) OVER u AS to_datetime,
               lag(tags) OVER u AS prev_tags,
               tags, comment
          FROM per_instant
        WINDOW u AS (PARTITION BY user_id ORDER BY created_at)
    ), firsts AS (
        SELECT user_id, created_at, tags_before FROM changes WHERE n = 1
    )
    SELECT o.user_id, o.from_datetime, o.to_datetime,
           array_to_string(coalesce(o.prev_tags, f.tags_before), ' ') AS last_tag,
           array_to_string(o.tags, ' ') AS tag,
           true AS from_users_logs, o.comment,
           o.tags, learnerscore.learning_format(o.tags) AS learning_format
      FROM opened o
      JOIN firsts f USING (user_id)
    UNION ALL
    SELECT f.user_id, NULL::timestamp, f.created_at, NULL::text,
           array_to_string(f.tags_before, ' '), false, NULL::text,
           f.tags_before, learnerscore.learning_format(f.tags_before)
      FROM firsts f
     WHERE f.tags_before IS NOT NULL
    UNION ALL
    SELECT u.user_id, NULL::timestamp, NULL::timestamp, NULL::text, NULL::text, false, NULL::text,
           NULL::text[], NULL::text
      FROM %1$s.users u
     WHERE NOT EXISTS (SELECT 1 FROM firsts f WHERE f.user_id = u.user_id)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_user_tags_history_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_user_tags_history_live in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_online_students: every learner of `users` with the learning format in
-- force at the course's reference date (the course start: the earliest
-- date_shown of the course's schedule). When the log says nothing about
-- that instant, the earliest format stated after it, else the latest
-- before it; for a course with no schedule, the latest stated format.
-- This is m_online_students_live; m_online_students (created by
-- _create_view_cache in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_m_online_students_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): the pick reads the tag intervals straight from
    -- _tag_intervals_sql (only rows with a format count, and the learners
    -- without a change have none), and the course start from a subquery on the
    -- reference table, so the whole view is pushed down. Same rows.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.m_online_students_live AS
        SELECT u.unti_id, u.user_id, u.course_id, u.flow_num, u.tg_bot, u.m2_progress, u.m2_attestation,
               u.m2_attestation_date, p.learning_format, r.reference_date
          FROM %1$s.users u
          LEFT JOIN (
            SELECT DISTINCT ON (h.user_id) h.user_id, h.learning_format
              FROM (%2$s) h
              JOIN %1$s.users hu ON hu.user_id = h.user_id
              LEFT JOIN (SELECT course_id, min(date_shown) AS reference_date FROM %1$s.schedule GROUP BY course_id) hr
                     ON hr.course_id = hu.course_id
             WHERE h.learning_format IS NOT NULL
             ORDER BY h.user_id,
                      CASE WHEN hr.reference_date IS NULL THEN 0
                           WHEN (h.from_datetime IS NULL OR h.from_datetime <= hr.reference_date)
                            AND (h.to_datetime IS NULL OR hr.reference_date < h.to_datetime) THEN 0
                           WHEN h.from_datetime > hr.reference_date THEN 1
                           ELSE 2 END,
                      CASE WHEN h.from_datetime > hr.reference_date THEN h.from_datetime END ASC,
                      h.from_datetime DESC NULLS LAST) p ON p.user_id = u.user_id
          LEFT JOIN (SELECT course_id, min(date_shown) AS reference_date FROM %1$s.schedule GROUP BY course_id) r
                 ON r.course_id = u.course_id
        $v$, quote_ident(schema_name), learnerscore._tag_intervals_sql(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_online_students_live AS
    WITH course_ref AS (
        SELECT course_id, min(date_shown) AS reference_date
          FROM %1$s.schedule GROUP BY course_id
    ), pick AS (
        SELECT DISTINCT ON (h.user_id) h.user_id, h.learning_format
          FROM %1$s.m_user_tags_history h
          JOIN %1$s.users u ON u.user_id = h.user_id
          LEFT JOIN course_ref r ON r.course_id = u.course_id
         WHERE h.learning_format IS NOT NULL
         ORDER BY h.user_id,
                  CASE WHEN r.reference_date IS NULL THEN 0
                       WHEN (h.from_datetime IS NULL OR h.from_datetime <= r.reference_date)
                        AND (h.to_datetime IS NULL OR r.reference_date < h.to_datetime) THEN 0
                       WHEN h.from_datetime > r.reference_date THEN 1
                       ELSE 2 END,
                  CASE WHEN h.from_datetime > r.reference_date THEN h.from_datetime END ASC,
                  h.from_datetime DESC NULLS LAST
    )
    SELECT u.unti_id, u.user_id, u.course_id, u.flow_num, u.tg_bot, u.m2_progress, u.m2_attestation,
           u.m2_attestation_date, p.learning_format, r.reference_date
      FROM %1$s.users u
      LEFT JOIN pick p ON p.user_id = u.user_id
      LEFT JOIN course_ref r ON r.course_id = u.course_id
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_online_students_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_online_students_live in the given learning schema; one step of learnerscore._create_learning_views.';

CREATE FUNCTION learnerscore._create_view_students_v3(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.students_v3 AS
    SELECT unti_id, user_id, course_id, flow_num, tg_bot, m2_progress, m2_attestation, m2_attestation_date
      FROM %1$s.m_online_students
     WHERE learnerscore.is_online_format(learning_format)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_students_v3(text) IS
  'Internal: creates (CREATE OR REPLACE) the view students_v3 in the given learning schema; one step of learnerscore._create_learning_views.';

-- dataset_h: online learner × schedule row of the learner's course ×
-- matching views × results (the specification's shape: every view of a row is
-- paired with every result). Lessons (занятие) match views of lesson pages
-- (page_id = task_id), activities (активность) views of activity pages
-- (page_id = activity_id). Built per learner (LATERAL): one index range
-- scan of the learner's views and results, joined in memory with the
-- course's schedule, so the plan stays linear whatever the planner thinks
-- of the online filter's size and never needs work_mem-sized hash tables
-- or sorts. No ORDER BY: add ORDER BY user_id, date_shown when needed.
-- This is dataset_h_live; dataset_h (created by _create_view_cache
-- in _create_learning_views) shows the cache of it when fresh, else it.
CREATE FUNCTION learnerscore._create_view_dataset_h_live(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): one co-located join on user_id, with the schedule
    -- and the guide as reference tables (the per-learner LATERAL form, with its
    -- OFFSET 0 fence, cannot be pushed down to the shards). Same rows.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.dataset_h_live AS
        SELECT st.user_id, sc.course_id, sc.type, sc.activity_type, sc.task_id, sc.activity_id, sc.date_shown,
               sc.is_attestation, v.created_at, v.module, v.attestation, r.created_at AS result_time, r.result, r.success,
               ag.obyaz_priznak, st.tg_bot, st.m2_progress, st.m2_attestation_date, st.m2_attestation,
               ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s.schedule sc ON sc.course_id = st.course_id
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
          LEFT JOIN %1$s.activity_history_viewed v
                 ON v.user_id = st.user_id AND v.page_type = sc.type
                AND v.page_id = CASE sc.type WHEN 'занятие' THEN sc.task_id ELSE sc.activity_id END
          LEFT JOIN %1$s.exercise_results r ON r.user_id = st.user_id AND r.activity_id = sc.activity_id
        $v$, quote_ident(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.dataset_h_live AS
    WITH course_rows AS MATERIALIZED (   -- schedule rows with their required flag, read once
        SELECT sc.course_id, sc.type, sc.activity_type, sc.task_id, sc.activity_id, sc.date_shown,
               sc.is_attestation, ag.obyaz_priznak
          FROM %1$s.schedule sc
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
    )
    SELECT st.user_id, x.course_id, x.type, x.activity_type, x.task_id, x.activity_id, x.date_shown,
           x.is_attestation, x.created_at, x.module, x.attestation, x.result_time, x.result, x.success,
           x.obyaz_priznak, st.tg_bot, st.m2_progress, st.m2_attestation_date, st.m2_attestation,
           ua.age, ua.time_zone
      FROM (SELECT * FROM %1$s.students_v3 ORDER BY user_id) st   -- learner order: ORDER BY user_id, date_shown
      LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id   -- then only sorts within a learner
     CROSS JOIN LATERAL (
        SELECT sc.course_id, sc.type, sc.activity_type, sc.task_id, sc.activity_id, sc.date_shown, sc.is_attestation,
               v.created_at, v.module, v.attestation, r.created_at AS result_time, r.result, r.success,
               sc.obyaz_priznak
          FROM course_rows sc
          LEFT JOIN (SELECT * FROM %1$s.activity_history_viewed v0 WHERE v0.user_id = st.user_id) v
                 ON v.page_type = sc.type
                AND v.page_id = CASE sc.type WHEN 'занятие' THEN sc.task_id ELSE sc.activity_id END
          LEFT JOIN (SELECT * FROM %1$s.exercise_results r0 WHERE r0.user_id = st.user_id) r
                 ON r.activity_id = sc.activity_id
         WHERE sc.course_id = st.course_id
        OFFSET 0) x   -- keeps the per-learner plan (no pull-up into one big join)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_dataset_h_live(text) IS
  'Internal: creates (CREATE OR REPLACE) the view dataset_h_live in the given learning schema; one step of learnerscore._create_learning_views.';

-- dataset_v: every event of the online learners, one per row. Per
-- learner (LATERAL): one index range scan per event table.
CREATE FUNCTION learnerscore._create_view_dataset_v(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): a UNION ALL of one co-located join per event table
    -- (online learner, age, events, and the guide where it applies): Citus
    -- pushes a union down only when each branch is a plain join on user_id,
    -- not when it is joined with students_v3 or outer-joined with a reference
    -- table after the union. Same rows.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.dataset_v AS
        SELECT st.user_id, st.course_id, a.created_at AS time, 'authorization'::text AS event, NULL::text AS type,
               NULL::text AS activity_type, NULL::int AS task_id, NULL::int AS activity_id,
               NULL::int AS result, NULL::int AS success, NULL::int AS m2_progress, NULL::int AS m2_attestation,
               ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s."authorization" a ON a.user_id = st.user_id
        UNION ALL
        SELECT st.user_id, st.course_id, l.created_at, coalesce(l.event, 'users_logs'), NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s.users_logs l ON l.user_id = st.user_id
        UNION ALL
        SELECT st.user_id, st.course_id, st.m2_attestation_date, 'attestation', NULL, NULL, NULL, NULL, NULL, NULL,
               st.m2_progress, st.m2_attestation, ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
         WHERE st.m2_attestation_date IS NOT NULL
        UNION ALL
        SELECT st.user_id, st.course_id, v.created_at, 'history', v.page_type, coalesce(v.activity_type, ag.activity_type),
               coalesce(CASE WHEN v.page_type = 'занятие' THEN v.page_id END, ag.task_id),
               CASE WHEN v.page_type = 'занятие' THEN NULL ELSE v.page_id END,
               NULL, NULL, NULL, NULL, ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s.activity_history_viewed v ON v.user_id = st.user_id
          LEFT JOIN %1$s.activities_guide ag
                 ON v.page_type = 'активность' AND ag.activity_id = CASE WHEN v.page_type = 'занятие' THEN NULL ELSE v.page_id END
        UNION ALL
        SELECT st.user_id, st.course_id, r.created_at, 'results', 'активность', ag.activity_type, ag.task_id, r.activity_id,
               r.result, r.success, NULL, NULL, ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s.exercise_results r ON r.user_id = st.user_id
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = r.activity_id
        UNION ALL
        SELECT st.user_id, st.course_id, w.datetime, w.event_name, 'Вебинар', NULL, NULL, w.webinar_id, NULL, NULL,
               NULL, NULL, ua.age, ua.time_zone
          FROM %1$s.students_v3 st
          LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
          JOIN %1$s.webinars_logs w ON w.user_id = st.user_id
        $v$, quote_ident(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.dataset_v AS
    SELECT st.user_id, st.course_id, e.time, e.event, e.type,
           coalesce(e.activity_type, ag.activity_type) AS activity_type,
           coalesce(e.task_id, ag.task_id) AS task_id, e.activity_id,
           e.result, e.success, e.m2_progress, e.m2_attestation, ua.age, ua.time_zone
      FROM %1$s.students_v3 st
      LEFT JOIN %1$s.users_age_timezone ua ON ua.user_id = st.user_id
     CROSS JOIN LATERAL (
        SELECT a.created_at AS time, 'authorization'::text AS event, NULL::text AS type,
               NULL::text AS activity_type, NULL::int AS task_id, NULL::int AS activity_id,
               NULL::int AS result, NULL::int AS success, NULL::int AS m2_progress, NULL::int AS m2_attestation
          FROM %1$s."authorization" a WHERE a.user_id = st.user_id
        UNION ALL
        SELECT l.created_at, coalesce(l.event, 'users_logs'), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
          FROM %1$s.users_logs l WHERE l.user_id = st.user_id
        UNION ALL
        SELECT st.m2_attestation_date, 'attestation', NULL, NULL, NULL, NULL, NULL, NULL, st.m2_progress, st.m2_attestation
         WHERE st.m2_attestation_date IS NOT NULL
        UNION ALL
        SELECT v.created_at, 'history', v.page_type, v.activity_type,
               CASE WHEN v.page_type = 'занятие' THEN v.page_id END,
               CASE WHEN v.page_type = 'занятие' THEN NULL ELSE v.page_id END,
               NULL, NULL, NULL, NULL
          FROM %1$s.activity_history_viewed v WHERE v.user_id = st.user_id
        UNION ALL
        SELECT r.created_at, 'results', 'активность', NULL, NULL, r.activity_id, r.result, r.success, NULL, NULL
          FROM %1$s.exercise_results r WHERE r.user_id = st.user_id
        UNION ALL
        SELECT w.datetime, w.event_name, 'Вебинар', NULL, NULL, w.webinar_id, NULL, NULL, NULL, NULL
          FROM %1$s.webinars_logs w WHERE w.user_id = st.user_id
     ) e
      LEFT JOIN %1$s.activities_guide ag
             ON e.type = 'активность' AND e.event IN ('history', 'results') AND ag.activity_id = e.activity_id
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_dataset_v(text) IS
  'Internal: creates (CREATE OR REPLACE) the view dataset_v in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_course_params: one row per course of the schedule (or of the guide).
CREATE FUNCTION learnerscore._create_view_m_course_params(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_course_params AS
    WITH sched AS (
        SELECT course_id,
               min(date_shown) AS min_date_shown,
               max(date_shown) AS max_date_shown,
               count(DISTINCT task_id) AS num_tasks,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность') AS num_activity,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND is_attestation = 1) AS num_attestation_activity,
               string_agg(DISTINCT activity_type, ', ' ORDER BY activity_type)
                   FILTER (WHERE type = 'активность' AND is_attestation = 1) AS attestation_activity_types,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'question') AS num_questions,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'exercise') AS num_exercise,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'interactive') AS num_interactive,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'codeexercise') AS num_codeexercise,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND lower(activity_type) = 'slide') AS num_slide,
               count(DISTINCT activity_id) FILTER (WHERE type = 'активность' AND coalesce(btrim(activity_type), '') = '') AS num_empty_activity
          FROM %1$s.schedule
         GROUP BY course_id
    ), names AS (
        SELECT course_id, min(course) AS name FROM %1$s.activities_guide WHERE course_id IS NOT NULL GROUP BY course_id
    ), web AS (
        -- Distinct (course, webinar) pairs first: a hash aggregate over few
        -- pairs, instead of count(DISTINCT) sorting every log row (3x faster).
        SELECT course_id, count(webinar_id) AS num_webinar
          FROM (SELECT DISTINCT u.course_id, w.webinar_id
                  FROM %1$s.webinars_logs w JOIN %1$s.users u ON u.user_id = w.user_id) d
         GROUP BY course_id
    )
    SELECT coalesce(s.course_id, n.course_id) AS course_id, n.name, s.min_date_shown, s.max_date_shown,
           coalesce(s.num_tasks, 0) AS num_tasks, coalesce(s.num_activity, 0) AS num_activity,
           coalesce(s.num_attestation_activity, 0) AS num_attestation_activity, s.attestation_activity_types,
           coalesce(w.num_webinar, 0) AS num_webinar, coalesce(s.num_questions, 0) AS num_questions,
           coalesce(s.num_exercise, 0) AS num_exercise, coalesce(s.num_interactive, 0) AS num_interactive,
           coalesce(s.num_codeexercise, 0) AS num_codeexercise, coalesce(s.num_slide, 0) AS num_slide,
           coalesce(s.num_empty_activity, 0) AS num_empty_activity
      FROM sched s
      FULL JOIN names n ON n.course_id = s.course_id
      LEFT JOIN web w ON w.course_id = coalesce(s.course_id, n.course_id)
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_course_params(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_course_params in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_online_users_exercise: online learner × task (with activities) of the
-- learner's course, with the learner's results on them (read per learner
-- through the (user_id, activity_id) index).
CREATE FUNCTION learnerscore._create_view_m_online_users_exercise(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): the learners' results grouped by (user_id, course,
    -- task) and joined on user_id, instead of a LATERAL per learner. Same rows.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.m_online_users_exercise AS
        WITH task_acts AS (
            SELECT sc.course_id, sc.task_id, sc.activity_id, min(sc.date_shown) AS date_shown,
                   max(sc.is_attestation) AS is_attestation, min(ag.module) AS module
              FROM %1$s.schedule sc
              LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
             WHERE sc.type = 'активность' AND sc.activity_id IS NOT NULL
             GROUP BY sc.course_id, sc.task_id, sc.activity_id
        ), tasks AS (
            SELECT course_id, task_id, min(module) AS m, min(date_shown) AS activity_datetime_shown,
                   count(*) AS num_activities_all, max(is_attestation) AS is_attestation
              FROM task_acts GROUP BY course_id, task_id
        )
        SELECT st.user_id, st.course_id, t.task_id, t.m, t.activity_datetime_shown, pt.result_datetime_upd,
               pt.success, coalesce(pt.num_success, 0) AS num_success, t.num_activities_all,
               coalesce(pt.max_num_repeat, 0) AS max_num_repeat, t.is_attestation,
               st.m2_progress, st.m2_attestation, st.m2_attestation_date
          FROM %1$s.students_v3 st
          JOIN tasks t ON t.course_id = st.course_id
          LEFT JOIN (
                SELECT pa.user_id, ta.course_id, ta.task_id, max(pa.last_result) AS result_datetime_upd,
                       max(pa.success) AS success, count(*) FILTER (WHERE pa.success = 1) AS num_success,
                       max(pa.attempts) AS max_num_repeat
                  FROM (SELECT r.user_id, r.activity_id, count(*) AS attempts, max(r.success) AS success,
                               max(r.created_at) AS last_result
                          FROM %1$s.exercise_results r
                         GROUP BY r.user_id, r.activity_id) pa
                  JOIN task_acts ta ON ta.activity_id = pa.activity_id
                 GROUP BY pa.user_id, ta.course_id, ta.task_id) pt
                 ON pt.user_id = st.user_id AND pt.course_id = st.course_id AND pt.task_id = t.task_id
        $v$, quote_ident(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_online_users_exercise AS
    WITH task_acts AS MATERIALIZED (
        SELECT sc.course_id, sc.task_id, sc.activity_id, min(sc.date_shown) AS date_shown,
               max(sc.is_attestation) AS is_attestation, min(ag.module) AS module
          FROM %1$s.schedule sc
          LEFT JOIN %1$s.activities_guide ag ON ag.activity_id = sc.activity_id
         WHERE sc.type = 'активность' AND sc.activity_id IS NOT NULL
         GROUP BY sc.course_id, sc.task_id, sc.activity_id
    ), tasks AS MATERIALIZED (
        SELECT course_id, task_id, min(module) AS m, min(date_shown) AS activity_datetime_shown,
               count(*) AS num_activities_all, max(is_attestation) AS is_attestation
          FROM task_acts GROUP BY course_id, task_id
    )
    SELECT st.user_id, st.course_id, x.task_id, x.m, x.activity_datetime_shown, x.result_datetime_upd,
           x.success, x.num_success, x.num_activities_all, x.max_num_repeat, x.is_attestation,
           st.m2_progress, st.m2_attestation, st.m2_attestation_date
      FROM %1$s.students_v3 st
     CROSS JOIN LATERAL (
        SELECT t.task_id, t.m, t.activity_datetime_shown, pt.result_datetime_upd, pt.success,
               coalesce(pt.num_success, 0) AS num_success, t.num_activities_all,
               coalesce(pt.max_num_repeat, 0) AS max_num_repeat, t.is_attestation
          FROM tasks t
          LEFT JOIN (   -- this learner's results, per task
                SELECT ta.task_id, max(pa.last_result) AS result_datetime_upd, max(pa.success) AS success,
                       count(*) FILTER (WHERE pa.success = 1) AS num_success, max(pa.attempts) AS max_num_repeat
                  FROM (SELECT r.activity_id, count(*) AS attempts, max(r.success) AS success,
                               max(r.created_at) AS last_result
                          FROM %1$s.exercise_results r
                         WHERE r.user_id = st.user_id
                         GROUP BY r.activity_id) pa
                  JOIN task_acts ta ON ta.activity_id = pa.activity_id AND ta.course_id = st.course_id
                 GROUP BY ta.task_id) pt ON pt.task_id = t.task_id
         WHERE t.course_id = st.course_id
        OFFSET 0) x
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_online_users_exercise(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_online_users_exercise in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_date_interval: the calendar of the cohort, from the first day any
-- schedule row opens to the last day of the schedule or of an attestation.
CREATE FUNCTION learnerscore._create_view_m_date_interval(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_date_interval AS
    WITH b AS (
        SELECT min(date_shown)::date AS first_day,
               greatest(max(date_shown)::date, (SELECT max(m2_attestation_date)::date FROM %1$s.users)) AS last_day
          FROM %1$s.schedule
    )
    SELECT (d::date - b.first_day) + 1 AS day_num, d::date AS date_column
      FROM b, generate_series(b.first_day::timestamp, b.last_day::timestamp, interval '1 day') d
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_date_interval(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_date_interval in the given learning schema; one step of learnerscore._create_learning_views.';

-- m_exercise_lag_time_series: online learner × day of m_date_interval;
-- sum_lag = Σ over result-bearing activities of the course (exercise,
-- CodeExercise, question, interactive) opened by the end of the day and not
-- yet passed (success = 1) by then, of (end of day − date_shown) in days.
-- Computed as running sums: opened(course) − passed(learner), each as a
-- count and a sum of opening times (days since the first day), so it is
-- linear in learners × days; the learner's passes are read per learner.
CREATE FUNCTION learnerscore._create_view_m_exercise_lag_time_series(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    -- Distributed (Citus): learners x days as one join on user_id, the
    -- running sums as a window partitioned by user_id (the shards compute
    -- them), instead of a LATERAL per learner. Same rows, same sums (same order).
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.m_exercise_lag_time_series AS
        WITH b AS (
            SELECT min(date_shown)::date AS first_day FROM %1$s.schedule
        ), days AS (
            SELECT day_num, date_column FROM %1$s.m_date_interval
        ), acts AS (
            SELECT course_id, activity_id, min(date_shown) AS shown,
                   date_part('epoch', min(date_shown) - (SELECT first_day FROM b)::timestamp) / 86400.0 AS t
              FROM %1$s.schedule
             WHERE type = 'активность' AND activity_id IS NOT NULL AND date_shown IS NOT NULL
               AND lower(activity_type) IN ('exercise', 'codeexercise', 'question', 'interactive')
             GROUP BY course_id, activity_id
        ), opened AS (
            SELECT a.course_id, (a.shown::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(a.t) AS t
              FROM acts a, b GROUP BY 1, 2
        )
        SELECT st.user_id, st.course_id, d.day_num, d.date_column,
               sum(coalesce(o.n, 0) - coalesce(p.n, 0)) OVER w * d.day_num
             - sum(coalesce(o.t, 0) - coalesce(p.t, 0)) OVER w AS sum_lag,
               st.m2_progress, st.m2_attestation, st.m2_attestation_date
          FROM %1$s.students_v3 st
         CROSS JOIN days d
          LEFT JOIN opened o ON o.course_id = st.course_id AND o.day_num = d.day_num
          LEFT JOIN (
                SELECT q.user_id, q.course_id, (q.leaves::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(q.t) AS t
                  FROM (SELECT r.user_id, a.course_id, a.t, greatest(a.shown, min(r.created_at)) AS leaves
                          FROM %1$s.exercise_results r
                          JOIN acts a ON a.activity_id = r.activity_id
                         WHERE r.success = 1
                         GROUP BY r.user_id, a.course_id, a.activity_id, a.shown, a.t) q, b
                 GROUP BY 1, 2, 3) p
                 ON p.user_id = st.user_id AND p.course_id = st.course_id AND p.day_num = d.day_num
        WINDOW w AS (PARTITION BY st.user_id ORDER BY d.day_num)
        $v$, quote_ident(schema_name));
        RETURN;
    END IF;
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.m_exercise_lag_time_series AS
    WITH b AS MATERIALIZED (
        SELECT min(date_shown)::date AS first_day FROM %1$s.schedule
    ), days AS MATERIALIZED (
        SELECT day_num, date_column FROM %1$s.m_date_interval
    ), acts AS MATERIALIZED (
        SELECT course_id, activity_id, min(date_shown) AS shown,
               date_part('epoch', min(date_shown) - (SELECT first_day FROM b)::timestamp) / 86400.0 AS t
          FROM %1$s.schedule
         WHERE type = 'активность' AND activity_id IS NOT NULL AND date_shown IS NOT NULL
           AND lower(activity_type) IN ('exercise', 'codeexercise', 'question', 'interactive')
         GROUP BY course_id, activity_id
    ), opened AS MATERIALIZED (   -- per course and day: activities opening that day
        SELECT a.course_id, (a.shown::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(a.t) AS t
          FROM acts a, b GROUP BY 1, 2
    )
    SELECT st.user_id, st.course_id, x.day_num, x.date_column, x.sum_lag,
           st.m2_progress, st.m2_attestation, st.m2_attestation_date
      FROM %1$s.students_v3 st
     CROSS JOIN LATERAL (
        SELECT d.day_num, d.date_column,
               sum(coalesce(o.n, 0) - coalesce(p.n, 0)) OVER w * d.day_num
             - sum(coalesce(o.t, 0) - coalesce(p.t, 0)) OVER w AS sum_lag
          FROM days d
          LEFT JOIN opened o ON o.course_id = st.course_id AND o.day_num = d.day_num
          LEFT JOIN (   -- this learner's passes, by the day the activity leaves the lag
                SELECT (q.leaves::date - b.first_day) + 1 AS day_num, count(*) AS n, sum(q.t) AS t
                  FROM (SELECT a.t, greatest(a.shown, min(r.created_at)) AS leaves
                          FROM %1$s.exercise_results r
                          JOIN acts a ON a.activity_id = r.activity_id AND a.course_id = st.course_id
                         WHERE r.user_id = st.user_id AND r.success = 1
                         GROUP BY a.activity_id, a.shown, a.t) q, b
                 GROUP BY 1) p ON p.day_num = d.day_num
        WINDOW w AS (ORDER BY d.day_num)
     ) x
    $v$, quote_ident(schema_name));
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_m_exercise_lag_time_series(text) IS
  'Internal: creates (CREATE OR REPLACE) the view m_exercise_lag_time_series in the given learning schema; one step of learnerscore._create_learning_views.';

-- The COMMENTs of the analyst views and of their columns (a cached view's
-- column comments also go on its <view>_live and <view>_cache).
CREATE FUNCTION learnerscore._comment_learning_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c record;
BEGIN
    FOR c IN SELECT * FROM (VALUES
        ('m_user_tags_history', 'Per learner, intervals [from_datetime, to_datetime) with the hashtag set in force, from users_logs comments parsed by learnerscore.parse_tag_change. from_datetime NULL = since the beginning, to_datetime NULL = still in force. Never stale: the rows of m_user_tags_history_cache while analyst_view_cache says fresh (cleared by any write to users or users_logs), else the live query m_user_tags_history_live.'),
        ('m_user_tags_history_live', 'The live query behind m_user_tags_history, always computed from the clean tables (same columns and rows). m_user_tags_history reads it whenever its cache is stale.'),
        ('m_online_students', 'Every learner of users with learning_format (online / offline / NULL unknown) at reference_date = the course start (earliest date_shown of the course); if the tag log says nothing about that instant, the earliest format stated later, else the latest stated earlier. Never stale: the rows of m_online_students_cache while analyst_view_cache says fresh (set by learnerscore.refresh_analyst_views, which learnerscore load calls; cleared by any write to users, users_logs or schedule), else the live query m_online_students_live.'),
        ('m_online_students_live', 'The live query behind m_online_students, always computed from the clean tables (same columns and rows). m_online_students reads it whenever its cache is stale.'),
        ('students_v3', 'The learners the customer analyses: rows of m_online_students whose learning_format is online (columns of users).'),
        ('dataset_h', 'Online learner × schedule row of the learner''s course × matching page views × results, horizontally (the 1T scoring specification dataset_h_v3). Skipped results (Пропуск), m2_progress "Нет данных" and m2_attestation "Не сдана" are NULL (the specification''s SQL showed -1). Never stale: the rows of dataset_h_cache while analyst_view_cache says fresh (set by learnerscore.refresh_analyst_views, which learnerscore load calls; cleared by any write to a source table), else the live query dataset_h_live. No ORDER BY: add ORDER BY user_id, date_shown for the specification''s order (an index scan on the cache).'),
        ('dataset_h_live', 'The live query behind dataset_h, always computed from the clean tables (same columns and rows as dataset_h). dataset_h reads it whenever its cache is stale.'),
        ('dataset_v', 'All events of the online learners vertically: authorization, users_logs events, attestation, history (page views), results, webinar events. Columns that do not apply to an event are NULL (the 1T scoring specification''s SQL used 0 / empty strings).'),
        ('m_course_params', 'One row per course: name, schedule span, counts of tasks and activities by kind, attestation activities and their types, and webinars attended by the course''s learners.'),
        ('m_online_users_exercise', 'Online learner × task (with activities) of the learner''s course: when the task opened, the learner''s latest result, successes, attempts, and the module-2 outcome.'),
        ('m_exercise_lag_time_series', 'Online learner × day of m_date_interval: sum_lag, the accumulated lag in days of the result-bearing activities opened and not yet passed.'),
        ('m_date_interval', 'The cohort calendar: one row per day from the first schedule day to the last schedule or attestation day; day_num 1 is the first day.')
    ) v(name, txt) LOOP
        EXECUTE format('COMMENT ON VIEW %s.%I IS %L', s, c.name, c.txt);
    END LOOP;

    FOR c IN SELECT * FROM (VALUES
        ('m_user_tags_history', 'last_tag', 'Tag set in force before this interval, space separated (for the opening interval of a learner: NULL).'),
        ('m_user_tags_history', 'tag', 'Tag set in force during the interval, space separated (format typos normalised to #онлайн / #офлайн).'),
        ('m_user_tags_history', 'from_users_logs', 'true when a users_logs tag change opened this interval; false for the opening interval inferred from the first change''s before-set and for learners without any tag change (tag NULL).'),
        ('m_user_tags_history', 'comment', 'The users_logs comment that opened the interval (NULL when from_users_logs is false).'),
        ('m_user_tags_history', 'tags', 'The tag set as an array.'),
        ('m_user_tags_history', 'learning_format', 'learnerscore.learning_format(tags): online, offline or NULL (neither or both).'),
        ('m_online_students', 'learning_format', 'online / offline at reference_date (see the view comment); NULL when the tag log never states a format.'),
        ('m_online_students', 'reference_date', 'The course start: earliest date_shown of the learner''s course (NULL when the course has no schedule).'),
        ('dataset_h', 'created_at', 'Time of a view of the row''s page (lesson page for занятие, activity page for активность); NULL when never viewed.'),
        ('dataset_h', 'result_time', 'Time of a result (attempt) on the activity; NULL when never attempted.'),
        ('dataset_h', 'result', 'Score of that attempt; NULL for a skipped attempt (Пропуск, the specification''s SQL showed -1) or no attempt.'),
        ('dataset_h', 'obyaz_priznak', 'Required flag of the activity (activities_guide.obyaz_priznak).'),
        ('dataset_h', 'm2_progress', 'Final module-2 progress; NULL for "Нет данных" (the specification''s SQL showed -1).'),
        ('dataset_h', 'm2_attestation', 'Module-2 attestation score; NULL for "Не сдана" (the specification''s SQL showed -1).'),
        ('dataset_v', 'event', 'authorization, the users_logs event name, attestation, history (page view), results, or the webinar event name.'),
        ('dataset_v', 'task_id', 'Lesson of a lesson view, task of an activity view or result (from activities_guide).'),
        ('dataset_v', 'activity_id', 'Activity of a view or result; the webinar_id for webinar events.'),
        ('m_course_params', 'name', 'Course name from activities_guide.course.'),
        ('m_course_params', 'num_tasks', 'Distinct task_id in the course''s schedule.'),
        ('m_course_params', 'num_activity', 'Distinct activities (type активность) in the schedule.'),
        ('m_course_params', 'attestation_activity_types', 'Distinct activity types of the attestation activities, comma separated.'),
        ('m_course_params', 'num_webinar', 'Distinct webinars attended by learners of the course (webinars_logs, the 1T scoring specification''s num_webinar_v2).'),
        ('m_course_params', 'num_empty_activity', 'Activities with an empty activity_type.'),
        ('m_online_users_exercise', 'm', 'Module of the task (activities_guide.module).'),
        ('m_online_users_exercise', 'activity_datetime_shown', 'When the task''s first activity opens (earliest date_shown).'),
        ('m_online_users_exercise', 'result_datetime_upd', 'The learner''s latest result on the task''s activities.'),
        ('m_online_users_exercise', 'success', '1 when some activity of the task was passed, 0 when attempted but none passed, NULL when never attempted.'),
        ('m_online_users_exercise', 'num_success', 'Distinct activities of the task passed (success = 1).'),
        ('m_online_users_exercise', 'num_activities_all', 'Activities of the task in the schedule.'),
        ('m_online_users_exercise', 'max_num_repeat', 'Most attempts on a single activity of the task.'),
        ('m_exercise_lag_time_series', 'sum_lag', 'Σ (end of date_column − date_shown) in days over exercise/CodeExercise/question/interactive activities of the course opened by then and not yet passed (success = 1) by then.'),
        ('m_date_interval', 'day_num', 'Day number, 1 = the first schedule day.')
    ) v(view_name, col, txt) LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name, c.col, c.txt);
        IF c.view_name IN (SELECT v.view_name FROM learnerscore._cached_views() v) THEN   -- same columns in the live view and the cache
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name || '_live', c.col, c.txt);
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c.view_name || '_cache', c.col, c.txt);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._comment_learning_views(text) IS
  'Internal: sets the COMMENTs of the analyst views of the given learning schema and of their columns (also on the live views and caches of the cached ones); one step of learnerscore._create_learning_views.';

-- Flows (cohorts) of a course: each runs the course's catalogue from its own start
-- (schedule.flows, users.flow_num). course_flows is what every flow-aware view,
-- feature and score reads for "the start of this learner's course"; learner_flows
-- gives every learner its flow's dates. A flow has ended (its learners' outcomes are
-- final, they may be trained on) from flow_end = flow_start + learnerscore.flow_days.
CREATE FUNCTION learnerscore._create_view_course_flows(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.course_flows AS
    SELECT f.course_id, f.flow_num, f.flow_start,
           f.flow_start + coalesce(nullif(current_setting('learnerscore.flow_days', true), ''), '210')::int AS flow_end,
           f.last_shown
      FROM (SELECT sc.course_id, coalesce(sc.flows, 1) AS flow_num, min(sc.date_shown)::date AS flow_start,
                   max(sc.date_shown)::date AS last_shown
              FROM %1$s.schedule sc WHERE isfinite(sc.date_shown)
             GROUP BY sc.course_id, coalesce(sc.flows, 1)) f$v$, quote_ident(schema_name));
    -- A learner's flow: its own (course, flow_num) row; when the schedule of its course has a
    -- single flow, that one (exports that list the catalogue once); else none (NULL dates).
    -- Distributed (Citus): the same as a plain join (a correlated subquery over a
    -- reference table cannot be pushed down); (course, flow) is unique, so at most one row.
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format($v$
        CREATE OR REPLACE VIEW %1$s.learner_flows AS
        SELECT u.user_id, u.course_id, u.flow_num, cf.flow_start, cf.flow_end
          FROM (SELECT user_id, course_id,
                       CASE WHEN flow_num IS NULL THEN 1
                            WHEN flow_num >= 0 AND flow_num < 1000000 THEN round(flow_num)::int END AS flow_num
                  FROM %1$s.users) u
          LEFT JOIN (SELECT c.course_id, c.flow_num, c.flow_start, c.flow_end,
                            count(*) OVER (PARTITION BY c.course_id) AS flows
                       FROM %1$s.course_flows c) cf
                 ON cf.course_id = u.course_id AND (cf.flow_num = u.flow_num OR cf.flows = 1)$v$, quote_ident(schema_name));
    ELSE
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.learner_flows AS
    SELECT u.user_id, u.course_id, u.flow_num, cf.flow_start, cf.flow_end
      FROM (SELECT user_id, course_id,
                   -- empty = flow 1; a value no flow can have (NaN, out of range) = no flow, never an error
                   CASE WHEN flow_num IS NULL THEN 1
                        WHEN flow_num >= 0 AND flow_num < 1000000 THEN round(flow_num)::int END AS flow_num
              FROM %1$s.users) u
      LEFT JOIN LATERAL (
            SELECT c.flow_start, c.flow_end FROM %1$s.course_flows c
             WHERE c.course_id = u.course_id
               AND (c.flow_num = u.flow_num
                    OR (SELECT count(*) FROM %1$s.course_flows c2 WHERE c2.course_id = u.course_id) = 1)
             ORDER BY c.flow_num = u.flow_num DESC NULLS LAST LIMIT 1) cf ON true$v$, quote_ident(schema_name));
    END IF;
    EXECUTE format('COMMENT ON VIEW %s.course_flows IS %L', quote_ident(schema_name),
        'Flows (cohorts) of each course: the first day its schedule shows anything (flow_start, the day course week 1 begins), '
        'the last day it shows something new, and flow_end = flow_start + learnerscore.flow_days (default 210): from flow_end '
        'the outcomes of the flow''s learners are final. Schedule rows without flows count as flow 1.');
    EXECUTE format('COMMENT ON COLUMN %s.course_flows.course_id IS %L', quote_ident(schema_name), 'Course (schedule.course_id).');
    EXECUTE format('COMMENT ON COLUMN %s.course_flows.flow_num IS %L', quote_ident(schema_name), 'Flow number (schedule.flows; 1 when empty).');
    EXECUTE format('COMMENT ON COLUMN %s.course_flows.flow_start IS %L', quote_ident(schema_name), 'First day of the flow: the earliest date_shown of its schedule rows.');
    EXECUTE format('COMMENT ON COLUMN %s.course_flows.flow_end IS %L', quote_ident(schema_name), 'flow_start + learnerscore.flow_days: the day from which the flow''s outcomes are final (learners of flows with flow_end > as_of are running).');
    EXECUTE format('COMMENT ON COLUMN %s.course_flows.last_shown IS %L', quote_ident(schema_name), 'Latest date_shown of the flow''s schedule rows.');
    EXECUTE format('COMMENT ON VIEW %s.learner_flows IS %L', quote_ident(schema_name),
        'Every learner with the start and end of its flow (course_flows of its course_id and flow_num; when the course''s schedule '
        'lists one flow only, that flow for every learner of the course); NULL dates when the schedule has no row for it.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_flows.user_id IS %L', quote_ident(schema_name), 'Learner (users.user_id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_flows.course_id IS %L', quote_ident(schema_name), 'Course of the learner.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_flows.flow_num IS %L', quote_ident(schema_name), 'Flow of the learner (users.flow_num rounded; 1 when empty).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_flows.flow_start IS %L', quote_ident(schema_name), 'First day of the learner''s flow (course week 1 begins); NULL when unknown.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_flows.flow_end IS %L', quote_ident(schema_name), 'Day from which the learner''s outcome is final; NULL when unknown.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_course_flows(text) IS
  'Internal: creates <schema>.course_flows and <schema>.learner_flows (flow starts and ends); one step of learnerscore._create_learning_views.';

-- Bottom up: a view after those it reads; a cached view (its cache, state,
-- staleness triggers and gated view, _create_view_cache) right after its
-- live query, before the views that read it. Then the comments, and the
-- caches are marked stale when a definition changed.
CREATE FUNCTION learnerscore._create_learning_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    -- Every view definition of the schema, to tell whether re-creating them
    -- changed what a cached view computes (its live query or one it reads).
    defs_before text := learnerscore._view_definitions(schema_name);
BEGIN
    PERFORM learnerscore._create_view_course_flows(schema_name);
    PERFORM learnerscore._create_view_m_user_tags_history_live(schema_name);
    -- learning_format_at / is_online read one learner of it: an index lookup in the cache.
    PERFORM learnerscore._create_view_cache(schema_name, 'm_user_tags_history');
    PERFORM learnerscore._create_view_m_online_students_live(schema_name);
    -- Every view reading the online filter reads this cache when it is fresh.
    PERFORM learnerscore._create_view_cache(schema_name, 'm_online_students');
    PERFORM learnerscore._create_view_students_v3(schema_name);
    PERFORM learnerscore._create_view_dataset_h_live(schema_name);
    PERFORM learnerscore._create_view_cache(schema_name, 'dataset_h');
    PERFORM learnerscore._create_view_dataset_v(schema_name);
    PERFORM learnerscore._create_view_m_course_params(schema_name);
    PERFORM learnerscore._create_view_m_online_users_exercise(schema_name);
    PERFORM learnerscore._create_view_m_date_interval(schema_name);
    PERFORM learnerscore._create_view_m_exercise_lag_time_series(schema_name);
    PERFORM learnerscore._comment_learning_views(schema_name);
    PERFORM learnerscore._invalidate_view_caches(schema_name, defs_before);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learning_views(text) IS
  'Internal: creates (CREATE OR REPLACE, idempotent) the analyst views and the online-status filter views in the given schema.';

-- "Was this learner online at time t?" over m_user_tags_history of a schema.
CREATE FUNCTION learnerscore.learning_format_at(schema_name text, user_id int, at timestamp) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    fmt text;
BEGIN
    EXECUTE format('SELECT learning_format FROM %I.m_user_tags_history
                     WHERE user_id = $1 AND (from_datetime IS NULL OR from_datetime <= $2)
                       AND (to_datetime IS NULL OR $2 < to_datetime)', schema_name)
       INTO fmt USING user_id, at;
    RETURN fmt;
END
$fn$;
COMMENT ON FUNCTION learnerscore.learning_format_at(text, int, timestamp) IS
  'Learning format (online / offline / NULL unknown) of a learner at time t: the tag set in force at t in <schema>.m_user_tags_history.';

CREATE FUNCTION learnerscore.is_online(schema_name text, user_id int, at timestamp) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED
RETURN learnerscore.learning_format_at(schema_name, user_id, at) = 'online';
COMMENT ON FUNCTION learnerscore.is_online(text, int, timestamp) IS
  'Whether a learner was online at time t (true / false; NULL when the tag log does not tell).';
