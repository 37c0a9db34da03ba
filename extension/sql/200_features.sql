-- Learner daily time series (docs/features.md): the C++ feature engine as
-- set-returning functions, the activity status, a refresh procedure that
-- materializes <schema>.learner_daily / learner_activity incrementally, the
-- status and critical-point views, and the weekly leak-free feature sets.
-- Definitions of every column: docs/features.md.

CREATE FUNCTION learnerscore.learner_daily(
    schema text, from_date date, to_date date, step interval DEFAULT '1 day')
RETURNS TABLE (
    user_id int, payment int, time_zone float8, age int, unti_id int, course_id int, flow_num float8,
    tg_bot int, m2_progress int, m2_attestation int, module int, m2_delay float8, sum_auth int,
    sum_schedule_activities int, sum_required_activity int, sum_attestation_activity int,
    view_delay_first float8, view_delay_sum float8, sum_activity_viewed int,
    sum_required_activity_viewed int, sum_attestation_activity_viewed int, w_view_hours float8,
    sum_exercise int, sum_required_exercises int, sum_attestation_exercises int,
    exercise_delay_first float8, exercise_delay_sum float8, result_delay_mean float8,
    result_delay_sum float8, sum_exercise_attempts_mean float8, mean_required_result float8,
    mean_non_req_result float8, mean_attestation_result float8, sum_result bigint, conn int,
    online_rate float8, mean_result float8, progress float8, cur_date date)
AS 'MODULE_PATHNAME', 'ls_learner_daily'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore.learner_daily(text, date, date, interval) IS
  'The 39-column daily time series of the 1T scoring specification for every learner of <schema>.users and every date from_date..to_date by step (whole days): each value is as of the end of cur_date and uses only events before cur_date + 1 day. Computed by the C++ engine learner by learner (memory bounded by one learner). Definitions: docs/features.md.';

CREATE FUNCTION learnerscore.learner_activity(
    schema text, from_date date, to_date date, step interval DEFAULT '1 day',
    falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20)
RETURNS TABLE (
    user_id int, cur_date date, last_activity_at timestamp, days_inactive int, status text,
    module int, theme_id int, task_id int)
AS 'MODULE_PATHNAME', 'ls_learner_activity'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore.learner_activity(text, date, date, interval, int, int) IS
  'Activity status per learner per date: days_inactive = cur_date - the day of the last activity event (log-in, page view, exercise result, webinar connection) before cur_date + 1 day, or since the course start when there is none; status active (< falling_asleep_days), falling_asleep (< asleep_days) or asleep; NULL when neither an event nor a course start is known. module/theme_id/task_id: course position of the most recently opened activity.';

CREATE FUNCTION learnerscore._learner_daily_all(
    schema text, from_date date, to_date date, step interval,
    falling_asleep_days int, asleep_days int)
RETURNS TABLE (
    user_id int, payment int, time_zone float8, age int, unti_id int, course_id int, flow_num float8,
    tg_bot int, m2_progress int, m2_attestation int, module int, m2_delay float8, sum_auth int,
    sum_schedule_activities int, sum_required_activity int, sum_attestation_activity int,
    view_delay_first float8, view_delay_sum float8, sum_activity_viewed int,
    sum_required_activity_viewed int, sum_attestation_activity_viewed int, w_view_hours float8,
    sum_exercise int, sum_required_exercises int, sum_attestation_exercises int,
    exercise_delay_first float8, exercise_delay_sum float8, result_delay_mean float8,
    result_delay_sum float8, sum_exercise_attempts_mean float8, mean_required_result float8,
    mean_non_req_result float8, mean_attestation_result float8, sum_result bigint, conn int,
    online_rate float8, mean_result float8, progress float8, cur_date date,
    last_activity_at timestamp, days_inactive int, status text, theme_id int, task_id int)
AS 'MODULE_PATHNAME', 'ls_learner_daily_all'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 500000;
COMMENT ON FUNCTION learnerscore._learner_daily_all(text, date, date, interval, int, int) IS
  'Internal: learner_daily and learner_activity in one pass (used by refresh_learner_daily).';

CREATE FUNCTION learnerscore.activity_status(
    days_inactive int, falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20)
-- A SQL-standard body: bound when the extension is created (no search_path
-- lookup at call time) and still inlined into the queries that call it per row.
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN days_inactive IS NULL THEN NULL
            WHEN days_inactive < falling_asleep_days THEN 'active'
            WHEN days_inactive < asleep_days THEN 'falling_asleep'
            ELSE 'asleep' END;
COMMENT ON FUNCTION learnerscore.activity_status(int, int, int) IS
  'Activity status (the 1T scoring specification) from whole days without activity: active under falling_asleep_days (7), falling_asleep under asleep_days (20), asleep from then on; NULL for NULL.';

-- The relations _create_feature_objects makes in a learning schema.
CREATE FUNCTION learnerscore._feature_relations() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['learner_daily', 'learner_activity', 'learner_daily_refresh',
             'learner_status', 'learner_critical_points', 'critical_points'];
COMMENT ON FUNCTION learnerscore._feature_relations() IS
  'Internal: names of the tables and views learnerscore._create_feature_objects creates in a learning schema.';

-- Tables and views of the materialized series in a learning schema.
-- refresh_learner_daily calls it every time: when the extension and these
-- relations are unchanged since it last ran (fingerprints in the row
-- 'features' of <schema>.learning_schema_ddl) it does nothing, so a refresh
-- takes no lock on the views readers read (re-creating learner_critical_points
-- and then critical_points while readers of critical_points lock them the
-- other way round would deadlock). Otherwise it first locks them all at once
-- or none (_lock_learning_schema: NOWAIT, retried), then re-creates them.
CREATE FUNCTION learnerscore._create_feature_objects(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c record;
    state regclass := to_regclass(quote_ident(schema_name) || '.learning_schema_ddl');
    done boolean;
    created boolean;
BEGIN
    IF state IS NOT NULL AND has_table_privilege(state, 'SELECT') THEN
        EXECUTE format('SELECT code_fingerprint = $1 AND catalog_fingerprint = $2 FROM %s WHERE part = ''features''', state)
           INTO done USING learnerscore._extension_fingerprint(),
                           learnerscore._relations_fingerprint(schema_name, learnerscore._feature_relations());
        IF done THEN
            RETURN;
        END IF;
    END IF;
    PERFORM learnerscore._lock_learning_schema(schema_name, learnerscore._feature_relations());
    -- The columns of learnerscore.learner_daily (their one list above); WITH NO
    -- DATA takes them from the query without running it.
    created := to_regclass(s || '.learner_daily') IS NULL;
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s.learner_daily AS
        SELECT * FROM learnerscore.learner_daily(%L, NULL::date, NULL::date) WITH NO DATA', s, schema_name);
    IF created THEN
        EXECUTE format('ALTER TABLE %s.learner_daily ADD PRIMARY KEY (user_id, cur_date)', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_daily IS %L', s,
        'Daily learner time series (the 1T scoring specification, 39 columns), materialized by CALL learnerscore.refresh_learner_daily; one row per learner per cur_date, every value as of the end of cur_date (no later event is used). Definitions: docs/features.md.');
    FOR c IN SELECT * FROM (VALUES
        ('payment', '1 when the tag set in force contains a tag ending in -оплачен (paid), else 0'),
        ('time_zone', 'offset from UTC in hours (+05:30 -> 5.5); NULL when absent or malformed'),
        ('m2_progress', 'target: final module-2 progress (NULL = Нет данных)'),
        ('m2_attestation', 'target: final attestation score (NULL = Не сдана)'),
        ('module', 'module of the most recently opened activity (date_shown before the end of cur_date); NULL before the first opening'),
        ('m2_delay', 'days: attested by cur_date -> attestation date - attestation deadline (latest opening of an attestation activity); not attested and past the deadline -> end of cur_date - deadline; else 0'),
        ('sum_auth', 'log-ins from the first day of the course'),
        ('sum_schedule_activities', 'opened activities of the learner''s course'),
        ('sum_required_activity', 'opened required activities (activities_guide.obyaz_priznak = 1)'),
        ('sum_attestation_activity', 'opened attestation activities (schedule.is_attestation = 1)'),
        ('view_delay_first', 'mean over viewed opened activities of (first view - opening) in days; 0 if none'),
        ('view_delay_sum', 'sum over opened, not yet viewed activities of (end of cur_date - opening) in days'),
        ('sum_activity_viewed', 'distinct activities of the course viewed'),
        ('sum_required_activity_viewed', 'distinct required activities viewed'),
        ('sum_attestation_activity_viewed', 'distinct attestation activities viewed'),
        ('w_view_hours', 'hours from each webinar connection to the next disconnection from the same webinar before the end of cur_date, each pair capped at 4 h; unmatched connections count 0'),
        ('sum_exercise', 'distinct course activities with a successful result (success = 1)'),
        ('sum_required_exercises', 'of those, required'),
        ('sum_attestation_exercises', 'of those, attestation'),
        ('exercise_delay_first', 'mean over attempted activities of (first result - deadline) in days; deadline = next opening in the course, or own opening + 7 days for the last; 0 if none'),
        ('exercise_delay_sum', 'sum of (first result - deadline) in days over attempted activities'),
        ('result_delay_mean', 'mean over passed activities of (first successful result - deadline) in days; 0 if none'),
        ('result_delay_sum', 'sum of (first successful result - deadline) in days over passed activities'),
        ('sum_exercise_attempts_mean', 'mean number of results (attempts, skips included) per attempted activity; 0 if none'),
        ('mean_required_result', 'mean best (highest non-NULL) result over required activities with a result; 0 if none'),
        ('mean_non_req_result', 'mean best result over non-required activities with a result; 0 if none'),
        ('mean_attestation_result', 'mean best result over attestation activities with a result; 0 if none'),
        ('sum_result', 'sum of best results over activities with a result'),
        ('conn', 'webinar connections'),
        ('online_rate', 'share of webinar connections in format онлайн; 0 if none'),
        ('mean_result', 'mean best result over activities with a result; 0 if none'),
        ('progress', '100 x passed opened result-bearing activities / opened result-bearing activities (types exercise, CodeExercise, question, interactive); 0 if none'),
        ('cur_date', 'the date the row describes (as of its end)')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.learner_daily.%I IS %L', s, c.col, c.txt);
    END LOOP;

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.learner_activity (
        user_id int NOT NULL, cur_date date NOT NULL, last_activity_at timestamp, days_inactive int,
        status text, module int, theme_id int, task_id int,
        PRIMARY KEY (user_id, cur_date))$$, s);
    -- A distributed schema: the series co-located with their learners, so that
    -- weekly_features and the status views join them on the shards.
    IF learnerscore._schema_distributed(schema_name) THEN
        PERFORM learnerscore._place_learning_tables(schema_name, NULL);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_activity IS %L', s,
        'Activity status per learner per day, materialized with learner_daily: days_inactive = cur_date - day of the last activity event (log-in, page view, result, webinar connection), or since the course start when none; status from learnerscore.activity_status with the thresholds of the last refresh; module/theme_id/task_id = position of the most recently opened activity.');

    FOR c IN SELECT * FROM (VALUES
        ('last_activity_at', 'time of the last activity event (log-in, page view, exercise result, webinar connection) before the end of cur_date; NULL if none yet'),
        ('days_inactive', 'cur_date - day of last_activity_at, or - day of the course start when there is no event yet; NULL when neither is known'),
        ('status', 'active (days_inactive < falling_asleep_days), falling_asleep (< asleep_days) or asleep; thresholds of the last refresh (default 7 and 20)'),
        ('module', 'module of the most recently opened activity'),
        ('theme_id', 'theme of the most recently opened activity'),
        ('task_id', 'task of the most recently opened activity')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.learner_activity.%I IS %L', s, c.col, c.txt);
    END LOOP;

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.learner_daily_refresh (
        refreshed_at timestamptz NOT NULL DEFAULT now(), from_date date NOT NULL, to_date date NOT NULL,
        days_computed int NOT NULL, rows_added bigint NOT NULL, falling_asleep_days int NOT NULL,
        asleep_days int NOT NULL, full_refresh boolean NOT NULL, seconds float8 NOT NULL)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_daily_refresh IS %L', s,
        'Log of CALL learnerscore.refresh_learner_daily: the days computed by each run and the status thresholds in force.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.learner_status AS
        SELECT a.user_id, u.course_id, a.cur_date AS as_of, a.status::varchar(16) AS status, a.days_inactive, a.last_activity_at,
               a.module, a.theme_id, a.task_id
          FROM %1$s.learner_activity a JOIN %1$s.users u ON u.user_id = a.user_id
         WHERE a.cur_date = (SELECT max(cur_date) FROM %1$s.learner_activity)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_status IS %L', s,
        'Each learner''s activity status (active / falling_asleep / asleep) on the latest materialized date, with the days without activity and the course position.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.learner_critical_points AS
        SELECT x.user_id, u.course_id, x.cur_date AS moved_on, x.status, x.days_inactive,
               x.module, x.theme_id, x.task_id
          FROM (SELECT a.*, lag(a.status) OVER (PARTITION BY a.user_id ORDER BY a.cur_date) AS prev_status
                  FROM %1$s.learner_activity a) x
          JOIN %1$s.users u ON u.user_id = x.user_id
         WHERE x.status IN ('falling_asleep', 'asleep')
           AND x.status IS DISTINCT FROM x.prev_status$$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_critical_points IS %L', s,
        'Critical points: every move of a learner into falling_asleep or asleep (status differs from the previous day''s), with the date and the course position (module, theme, task of the most recently opened activity) at that moment.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.critical_points AS
        WITH cohort AS (SELECT course_id, count(*) AS learners FROM %1$s.users GROUP BY course_id),
             names AS (SELECT DISTINCT ON (course_id, task_id) course_id, task_id, theme, exercise
                         FROM %1$s.activities_guide ORDER BY course_id, task_id, activity_id)
        SELECT p.course_id, p.module, p.theme_id, n.theme, p.task_id, n.exercise AS task,
               count(DISTINCT p.user_id) FILTER (WHERE p.status = 'falling_asleep') AS learners_falling_asleep,
               count(DISTINCT p.user_id) FILTER (WHERE p.status = 'asleep') AS learners_asleep,
               c.learners AS cohort_learners,
               round(count(DISTINCT p.user_id) FILTER (WHERE p.status = 'falling_asleep')::numeric / c.learners, 4) AS share_falling_asleep,
               round(count(DISTINCT p.user_id) FILTER (WHERE p.status = 'asleep')::numeric / c.learners, 4) AS share_asleep
          FROM %1$s.learner_critical_points p
          JOIN cohort c ON c.course_id IS NOT DISTINCT FROM p.course_id
          LEFT JOIN names n ON n.course_id = p.course_id AND n.task_id = p.task_id
         GROUP BY p.course_id, p.module, p.theme_id, n.theme, p.task_id, n.exercise, c.learners$$, s);
    FOR c IN SELECT * FROM (VALUES
        ('learners_falling_asleep', 'distinct learners of the course who moved into falling_asleep while this task was the most recently opened one'),
        ('learners_asleep', 'distinct learners who moved into asleep at this task'),
        ('cohort_learners', 'learners of the course in users'),
        ('share_falling_asleep', 'learners_falling_asleep / cohort_learners'),
        ('share_asleep', 'learners_asleep / cohort_learners')) AS t(col, txt)
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.critical_points.%I IS %L', s, c.col, c.txt);
    END LOOP;
    EXECUTE format('COMMENT ON VIEW %s.critical_points IS %L', s,
        'Where learners drift away: per course task (module, theme, task of the most recently opened activity when the move happened), the number of distinct learners who moved into falling_asleep and into asleep there, and their share of the course''s learners.');
    PERFORM learnerscore.create_bi_views(schema_name);  -- the dashboards' objects (190_bi_views.sql)
    IF state IS NOT NULL AND has_table_privilege(state, 'INSERT') AND has_table_privilege(state, 'UPDATE') THEN
        EXECUTE format('INSERT INTO %s AS d (part, code_fingerprint, catalog_fingerprint) VALUES (''features'', $1, $2)
                        ON CONFLICT (part) DO UPDATE
                        SET code_fingerprint = EXCLUDED.code_fingerprint, catalog_fingerprint = EXCLUDED.catalog_fingerprint,
                            created_at = now()', state)
            USING learnerscore._extension_fingerprint(),
                  learnerscore._relations_fingerprint(schema_name, learnerscore._feature_relations());
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_feature_objects(text) IS
  'Internal: creates learner_daily, learner_activity, learner_daily_refresh and the views learner_status, learner_critical_points, critical_points in a learning schema (idempotent); no DDL and no lock when neither they nor the extension changed since its last run (row features of <schema>.learning_schema_ddl).';

CREATE PROCEDURE learnerscore.refresh_learner_daily(
    schema_name text, to_date date DEFAULT NULL, from_date date DEFAULT NULL,
    falling_asleep_days int DEFAULT 7, asleep_days int DEFAULT 20, full_refresh boolean DEFAULT false)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    s text;
    have_from date;
    have_to date;
    first_day date;
    last_day date;
    start_day date;
    n bigint := 0;
    t0 timestamptz := clock_timestamp();
    prev record;
    is_full boolean := coalesce(full_refresh, false);
    has_rows boolean;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF falling_asleep_days IS NULL OR asleep_days IS NULL OR falling_asleep_days <= 0
       OR asleep_days <= falling_asleep_days THEN
        RAISE EXCEPTION 'invalid activity thresholds: falling_asleep_days = %, asleep_days = %',
            falling_asleep_days, asleep_days
            USING ERRCODE = '22023', HINT = 'Use 0 < falling_asleep_days < asleep_days (defaults 7 and 20).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000',
            HINT = format('Create it with CALL learnerscore.create_learning_schema(%L).', schema_name);
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.users') IS NULL OR to_regclass(s || '.schedule') IS NULL THEN
        -- learner_daily names every missing table; reach it with an empty range
        PERFORM * FROM learnerscore.learner_daily(schema_name, current_date, current_date);
    END IF;
    PERFORM learnerscore._create_feature_objects(schema_name);

    -- What is materialized, from the refresh log (learner_daily is written only by this procedure,
    -- each run logged in the same transaction): the first day of the latest full (or first) refresh
    -- and the last day computed since. A scan only when the log cannot tell (rows without a log).
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s.learner_daily)', s) INTO has_rows;
    IF has_rows THEN
        EXECUTE format($q$SELECT min(r.from_date), max(r.to_date) FROM %1$s.learner_daily_refresh r
                           WHERE r.days_computed > 0
                             AND r.refreshed_at >= coalesce((SELECT max(f.refreshed_at) FROM %1$s.learner_daily_refresh f
                                                              WHERE f.full_refresh AND f.days_computed > 0), '-infinity')$q$, s)
            INTO have_from, have_to;
        IF have_from IS NULL OR have_to IS NULL THEN
            EXECUTE format('SELECT min(cur_date), max(cur_date) FROM %s.learner_daily', s) INTO have_from, have_to;
        END IF;
    END IF;
    first_day := coalesce(from_date, have_from);
    IF first_day IS NULL THEN
        EXECUTE format('SELECT min(date_shown)::date FROM %s.schedule WHERE isfinite(date_shown)', s) INTO first_day;
    END IF;
    last_day := to_date;
    IF last_day IS NULL THEN
        EXECUTE format($q$SELECT greatest(
            (SELECT max(created_at) FROM %1$s."authorization" WHERE isfinite(created_at)),
            (SELECT max(created_at) FROM %1$s.activity_history_viewed WHERE isfinite(created_at)),
            (SELECT max(created_at) FROM %1$s.exercise_results WHERE isfinite(created_at)),
            (SELECT max(datetime) FROM %1$s.webinars_logs WHERE isfinite(datetime)),
            (SELECT max(created_at) FROM %1$s.users_logs WHERE isfinite(created_at)))::date$q$, s) INTO last_day;
    END IF;
    IF first_day IS NULL OR last_day IS NULL THEN
        RAISE EXCEPTION 'cannot tell the date range of schema "%": no schedule or no events', schema_name
            USING ERRCODE = '22023', HINT = 'Pass from_date and to_date explicitly.';
    END IF;
    IF first_day > last_day THEN
        RAISE EXCEPTION 'from_date % is after to_date %', first_day, last_day USING ERRCODE = '22023';
    END IF;

    -- Incremental unless asked otherwise or the range starts elsewhere.
    IF have_to IS NOT NULL AND NOT is_full AND first_day <> have_from THEN
        is_full := true;
    END IF;
    IF is_full THEN
        EXECUTE format('TRUNCATE %1$s.learner_daily, %1$s.learner_activity', s);
        start_day := first_day;
    ELSE
        start_day := coalesce(have_to + 1, first_day);
    END IF;

    IF start_day <= last_day THEN
        -- Two statements, each streaming its engine's rows straight into its table, instead of one
        -- pass whose two outputs went through a CTE: that tuplestore spilled every row (~350 bytes)
        -- to a temporary file and read it back twice, a cost that grows with the data (about 12 GB at
        -- 100,000 learners over a year). Computing the status separately costs ~0.7 s per million
        -- rows; at 3,000 learners the two ways take about the same (7.0-7.6 s against 7.5-8.0 s).
        EXECUTE format($q$INSERT INTO %4$s.learner_daily
                SELECT user_id, payment, time_zone, age, unti_id, course_id, flow_num, tg_bot, m2_progress,
                       m2_attestation, module, m2_delay, sum_auth, sum_schedule_activities, sum_required_activity,
                       sum_attestation_activity, view_delay_first, view_delay_sum, sum_activity_viewed,
                       sum_required_activity_viewed, sum_attestation_activity_viewed, w_view_hours, sum_exercise,
                       sum_required_exercises, sum_attestation_exercises, exercise_delay_first, exercise_delay_sum,
                       result_delay_mean, result_delay_sum, sum_exercise_attempts_mean, mean_required_result,
                       mean_non_req_result, mean_attestation_result, sum_result, conn, online_rate, mean_result,
                       progress, cur_date
                  FROM learnerscore.learner_daily(%1$L, %2$L::date, %3$L::date, '1 day')$q$,
            schema_name, start_day, last_day, s);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXECUTE format($q$INSERT INTO %6$s.learner_activity (user_id, cur_date, last_activity_at, days_inactive, status, module, theme_id, task_id)
                SELECT user_id, cur_date, last_activity_at, days_inactive, status, module, theme_id, task_id
                  FROM learnerscore.learner_activity(%1$L, %2$L::date, %3$L::date, '1 day', %4$s, %5$s)$q$,
            schema_name, start_day, last_day, falling_asleep_days, asleep_days, s);
    END IF;

    -- New thresholds re-label the days already materialized.
    EXECUTE format('SELECT falling_asleep_days, asleep_days FROM %s.learner_daily_refresh ORDER BY refreshed_at DESC LIMIT 1', s)
        INTO prev;
    IF prev IS NOT NULL AND NOT is_full
       AND (prev.falling_asleep_days, prev.asleep_days) IS DISTINCT FROM (falling_asleep_days, asleep_days) THEN
        EXECUTE format('UPDATE %s.learner_activity SET status = learnerscore.activity_status(days_inactive, %s, %s)
                         WHERE status IS DISTINCT FROM learnerscore.activity_status(days_inactive, %s, %s)',
                       s, falling_asleep_days, asleep_days, falling_asleep_days, asleep_days);
    END IF;

    -- refreshed_at from the clock, not the transaction start: two runs in one transaction stay ordered
    EXECUTE format('INSERT INTO %s.learner_daily_refresh (refreshed_at, from_date, to_date, days_computed, rows_added,
                        falling_asleep_days, asleep_days, full_refresh, seconds)
                    VALUES (clock_timestamp(), $1, $2, $3, $4, $5, $6, $7, $8)', s)
        -- a run into an empty learner_daily is logged as full: the range starts again there
        USING start_day, last_day, greatest(last_day - start_day + 1, 0), n, falling_asleep_days, asleep_days,
              is_full OR NOT has_rows, extract(epoch FROM clock_timestamp() - t0)::float8;
END
$$;
COMMENT ON PROCEDURE learnerscore.refresh_learner_daily(text, date, date, int, int, boolean) IS
  'Materializes <schema>.learner_daily (39 columns) and <schema>.learner_activity (status) for every learner from from_date (default: the earliest course opening) to to_date (default: the day of the latest event). Incremental: a later run computes only the days after the last materialized one; full_refresh => true recomputes everything (needed after late-arriving events or new learners). A run with nothing new reads only metadata: the materialized range from <schema>.learner_daily_refresh (so learner_daily must be written by this procedure only) and the latest event from the event tables'' time indexes. Changing the thresholds re-labels the stored statuses. Creates the views learner_status, learner_critical_points and critical_points.';

-- Weekly leak-free feature sets (the 1T scoring specification): <feature>_<j>_week is the value at
-- the end of week j of the learner's course (course start + 7j - 1 days).
CREATE FUNCTION learnerscore._weekly_feature_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['payment', 'module', 'm2_delay', 'sum_auth', 'sum_schedule_activities', 'sum_required_activity',
                 'sum_attestation_activity', 'view_delay_first', 'view_delay_sum', 'sum_activity_viewed',
                 'sum_required_activity_viewed', 'sum_attestation_activity_viewed', 'w_view_hours', 'sum_exercise',
                 'sum_required_exercises', 'sum_attestation_exercises', 'exercise_delay_first', 'exercise_delay_sum',
                 'result_delay_mean', 'result_delay_sum', 'sum_exercise_attempts_mean', 'mean_required_result',
                 'mean_non_req_result', 'mean_attestation_result', 'sum_result', 'conn', 'online_rate',
                 'mean_result', 'progress']
$$;
COMMENT ON FUNCTION learnerscore._weekly_feature_names() IS
  'Internal: the time-varying learner_daily columns that get one <feature>_<k>_week column per week.';

CREATE FUNCTION learnerscore._weekly_features_sql(schema_name text, week int) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    cols text := '';
    joins text := '';
    f text;
    j int;
BEGIN
    IF schema_name IS NULL OR week IS NULL THEN
        RAISE EXCEPTION 'schema and week must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF week < 1 OR week > 52 THEN
        RAISE EXCEPTION 'week must be between 1 and 52, got %', week USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    FOR j IN 1..week LOOP
        FOREACH f IN ARRAY learnerscore._weekly_feature_names() LOOP
            cols := cols || format(', w%s.%I AS %I', j, f, f || '_' || j || '_week');
        END LOOP;
        joins := joins || format(' LEFT JOIN %1$s.learner_daily w%2$s ON w%2$s.user_id = u.user_id AND w%2$s.cur_date = st.course_start + %3$s',
                                 s, j, 7 * j - 1);
    END LOOP;
    RETURN format($q$SELECT u.user_id, u.course_id, %2$s AS week, a.age, learnerscore.tz_hours(a.time_zone) AS time_zone,
                    u.tg_bot, u.flow_num::float8 AS flow_num%3$s, u.m2_progress, u.m2_attestation
               FROM %1$s.users u
               LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
               LEFT JOIN (SELECT course_id, min(date_shown)::date AS course_start FROM %1$s.schedule
                           WHERE isfinite(date_shown) GROUP BY course_id) st ON st.course_id = u.course_id%4$s$q$,
                  s, week, cols, joins);
END
$fn$;
COMMENT ON FUNCTION learnerscore._weekly_features_sql(text, int) IS
  'Internal: the query behind weekly_features and create_weekly_features_view.';

CREATE FUNCTION learnerscore.tz_hours(tz text) RETURNS float8
-- SQL-standard body (bound at creation, inlinable): called per row of the feature queries.
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE WHEN m IS NULL OR m[2]::int > 14 OR coalesce(m[3], '0')::int >= 60 THEN NULL
                ELSE (CASE WHEN m[1] = '-' THEN -1 ELSE 1 END) * (m[2]::int + coalesce(m[3], '0')::int / 60.0)::float8 END
      FROM (SELECT regexp_match(tz, '^[ \t\n\r\f\v]*([+-]?)([0-9]{1,2})(?::?([0-9]{2}))?[ \t\n\r\f\v]*$') AS m) x;
END;
COMMENT ON FUNCTION learnerscore.tz_hours(text) IS
  'Time zone text (+03:00, -05:30, +3) to hours from UTC; NULL when malformed (the feature engine''s rule). The weekly feature views and learner_scores call it, so every role may.';

CREATE FUNCTION learnerscore.weekly_features(schema text, week int)
RETURNS TABLE (user_id int, course_id int, up_to_week int, features jsonb, m2_progress int, m2_attestation int)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT q.user_id, q.course_id, q.week, to_jsonb(q) - ARRAY[%L, %L, %L, %L, %L], q.m2_progress, q.m2_attestation FROM (%s) q ORDER BY q.user_id',
        'user_id', 'course_id', 'week', 'm2_progress', 'm2_attestation',
        learnerscore._weekly_features_sql(weekly_features.schema, weekly_features.week));
END
$$;
COMMENT ON FUNCTION learnerscore.weekly_features(text, int) IS
  'Leak-free weekly feature set for week k (the 1T scoring specification): per learner, the static features (age, time_zone, tg_bot, flow_num) and <feature>_<j>_week for j = 1..k (value at the end of week j of the learner''s course, from <schema>.learner_daily; NULL when that day is not materialized) as jsonb, plus the targets m2_progress and m2_attestation. For flat columns use CALL learnerscore.create_weekly_features_view(schema, k).';

CREATE PROCEDURE learnerscore.create_weekly_features_view(schema_name text, week int)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    v text;
BEGIN
    v := quote_ident(schema_name) || '.' || quote_ident('weekly_features_w' || week);
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v, learnerscore._weekly_features_sql(schema_name, week));
    EXECUTE format('COMMENT ON VIEW %s IS %L', v, format(
        'Leak-free features for week %s: static features, <feature>_<j>_week for j = 1..%s (value at the end of week j of the course, from learner_daily) and the targets m2_progress, m2_attestation. Made by learnerscore.create_weekly_features_view.', week, week));
END
$$;
COMMENT ON PROCEDURE learnerscore.create_weekly_features_view(text, int) IS
  'Creates (or replaces) the view <schema>.weekly_features_w<k> with one flat column per <feature>_<j>_week, j = 1..k, over <schema>.learner_daily: what models train on for week k.';
