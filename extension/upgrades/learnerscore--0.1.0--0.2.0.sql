-- learnerscore 0.1.0 -> 0.2.0 (ALTER EXTENSION learnerscore UPDATE TO '0.2.0').
-- After this script an installation made with 0.1.0 has the same objects as a
-- fresh 0.2.0 install; tests/e2e/upgrade_catalog.sh compares the two catalogs.
-- Data schemas made by create_learning_schema / create_course_effects_schema
-- are not touched here: learnerscore.upgrade_learning_schema(schema) and
-- learnerscore.upgrade_course_effects_schema(schema) bring each one up to date.
\echo Use "ALTER EXTENSION learnerscore UPDATE TO '0.2.0'" to load this file. \quit

-- ===== BI views (issue 15: views for dashboards, extension/sql/190_bi_views.sql) =====
-- New: create_bi_views, store_learner_scores, _comment_bi_views, _bi_column_comments.
-- Changed: _create_feature_objects and create_course_effects_schema call create_bi_views;
-- _routine_access lists the new routines. An existing data schema gets its BI objects from
-- SELECT learnerscore.create_bi_views(schema) (idempotent).
-- (Before 200_features and 410_course_effects_schema, whose creation paths call create_bi_views:
-- no function calls one of a later fragment.)
-- Views for dashboards (docs/bi.md): what BI tools (Metabase, Superset, Power BI, Excel over
-- psqlODBC, pgJDBC, psycopg2/pandas) read. In a learning schema: a stored score snapshot
-- (learner_score_history, filled by store_learner_scores, and learner_scores_latest) so that a
-- dashboard refresh does not re-score every learner; reasons as scalar text; status_daily. In a
-- course-effects schema: course_effects_v, a plain view beside the materialized course_effects
-- (JDBC's getTables(TABLE, VIEW) does not list materialized views). In both: a data_dictionary
-- view (psqlODBC shows no column comments) and a comment on every column of every BI view,
-- saying what a NULL means. Categorical text is varchar(n), counts are integer.
--
-- learnerscore.create_bi_views(schema) makes all of it, idempotently, for whatever the schema
-- holds; refresh_learner_daily (features) and create_course_effects_schema call it, and it
-- brings an existing schema up to date.

-- Column comments of the BI views: (relation, column, comment). A column a relation lacks is skipped.
CREATE FUNCTION learnerscore._bi_column_comments(OUT rel text, OUT col text, OUT txt text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, c, t FROM (VALUES
        ('learner_scores', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_scores', 'course_id', 'course of the learner (users.course_id); NULL when the learner has no course'),
        ('learner_scores', 'status', 'activity status on the latest materialized date: active, falling_asleep or asleep; NULL when the learner has no status row'),
        ('learner_scores', 'dropout_probability', 'probability (0-1) that the learner ends asleep or does not complete module 2, from the week model of the course; NULL when the model cannot score the row'),
        ('learner_scores', 'completion_probability', 'probability (0-1) of completing module 2 (m2_attestation >= 50 and m2_progress >= 50); NULL when the model cannot score the row'),
        ('learner_scores', 'predicted_m2_progress', 'predicted final m2_progress, clamped to 0-100; NULL when the model cannot score the row'),
        ('learner_scores', 'risk_rank', 'rank of dropout_probability within the course, 1 = contact first (ties share a rank); NULL when dropout_probability is NULL'),
        ('learner_scores', 'top_reasons', 'up to three features that raise the dropout risk most, as "feature: value" text (an array; BI tools over ODBC should read learner_scores_latest.reason_1..reason_3); empty when none raises it'),
        ('learner_scores', 'model_week', 'course week whose models scored the learner (the last completed week, at least 1)'),
        ('learner_scores', 'dropout_model_id', 'learnerscore.models.id of the dropout model used'),
        ('learner_scores', 'completion_model_id', 'learnerscore.models.id of the completion model used'),
        ('learner_scores', 'progress_model_id', 'learnerscore.models.id of the m2_progress model used'),
        ('learner_score_history', 'as_of', 'the day the scores describe (latest day of learner_activity when stored); never NULL'),
        ('learner_score_history', 'scored_at', 'when learnerscore.store_learner_scores stored the snapshot (timestamptz, shown in the session time zone); never NULL'),
        ('learner_score_history', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_score_history', 'course_id', 'course of the learner; NULL when the learner has no course'),
        ('learner_score_history', 'status', 'activity status on as_of: active, falling_asleep or asleep; NULL when the learner had no status row'),
        ('learner_score_history', 'band', 'dropout-risk band: high (dropout_probability >= 0.7), medium (>= 0.4) or low; NULL when dropout_probability is NULL'),
        ('learner_score_history', 'dropout_probability', 'probability (0-1) of dropping out; NULL when the model could not score the learner'),
        ('learner_score_history', 'completion_probability', 'probability (0-1) of completing module 2; NULL when the model could not score the learner'),
        ('learner_score_history', 'predicted_m2_progress', 'predicted final m2_progress (0-100); NULL when the model could not score the learner'),
        ('learner_score_history', 'risk_rank', 'rank of dropout_probability within the course in this snapshot, 1 = contact first; NULL when dropout_probability is NULL'),
        ('learner_score_history', 'reason_1', 'the feature that raises the dropout risk most, as "feature: value"; NULL when no feature raises it'),
        ('learner_score_history', 'reason_2', 'the second reason; NULL when there are fewer than two'),
        ('learner_score_history', 'reason_3', 'the third reason; NULL when there are fewer than three'),
        ('learner_score_history', 'model_week', 'course week whose models scored the learner; NULL when unknown'),
        ('learner_score_history', 'dropout_model_id', 'learnerscore.models.id of the dropout model used; NULL when unknown'),
        ('learner_score_history', 'completion_model_id', 'learnerscore.models.id of the completion model used; NULL when unknown'),
        ('learner_score_history', 'progress_model_id', 'learnerscore.models.id of the m2_progress model used; NULL when unknown'),
        ('learner_status', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_status', 'course_id', 'course of the learner; NULL when the learner has no course'),
        ('learner_status', 'as_of', 'the latest materialized day (learner_activity); never NULL'),
        ('learner_status', 'status', 'active, falling_asleep or asleep (thresholds of the last refresh, default 7 and 20 days); NULL when neither an event nor the course start is known'),
        ('learner_status', 'days_inactive', 'days since the last activity event (or since the course start when none); NULL when neither is known'),
        ('learner_status', 'last_activity_at', 'time of the last log-in, page view, result or webinar connection (timestamp without time zone, as the platform logged it); NULL when none yet'),
        ('learner_status', 'module', 'module of the most recently opened activity; NULL before the course start'),
        ('learner_status', 'theme_id', 'theme of the most recently opened activity; NULL before the course start'),
        ('learner_status', 'task_id', 'task of the most recently opened activity; NULL before the course start'),
        ('status_daily', 'course_id', 'course; NULL for learners without a course'),
        ('status_daily', 'status_date', 'the day (as of its end); never NULL'),
        ('status_daily', 'status', 'active, falling_asleep or asleep; NULL counts learners with no known status that day'),
        ('status_daily', 'learners', 'learners of the course with this status that day (integer); never NULL'),
        ('status_daily', 'share', 'learners / all learners of the course that day (0-1); never NULL'),
        ('critical_points', 'course_id', 'course; NULL for learners without a course'),
        ('critical_points', 'module', 'module of the task; NULL when the learner had no opened activity yet'),
        ('critical_points', 'theme_id', 'theme of the task; NULL when the learner had no opened activity yet'),
        ('critical_points', 'theme', 'theme name (activities_guide); NULL when the task is not in activities_guide'),
        ('critical_points', 'task_id', 'the most recently opened task when the learners moved; NULL when none was opened yet'),
        ('critical_points', 'task', 'task name (activities_guide.exercise); NULL when the task is not in activities_guide'),
        ('learner_model_metrics', 'week', 'course week k of the model (features of weeks 1..k); never NULL'),
        ('learner_model_metrics', 'target', 'dropout, completion or m2_progress; never NULL'),
        ('learner_model_metrics', 'algorithm', 'the training algorithm (e.g. xgboost)'),
        ('learner_model_metrics', 'validation', 'leave-one-course-out (two or more courses) or 5-fold'),
        ('learner_model_metrics', 'rows', 'held-out rows the metrics were computed on'),
        ('learner_model_metrics', 'auc', 'ROC AUC on held-out rows (0.5 = guessing, 1 = perfect); NULL for m2_progress and when one class is missing'),
        ('learner_model_metrics', 'brier', 'Brier score (mean squared error of the probability, 0 = perfect); NULL for m2_progress'),
        ('learner_model_metrics', 'calibration_error', 'expected calibration error (ECE): mean |predicted - observed| over probability bins, weighted by bin size; NULL for m2_progress'),
        ('learner_model_metrics', 'log_loss', 'log loss of the probability; NULL for m2_progress'),
        ('learner_model_metrics', 'accuracy', 'share of correct classifications at 0.5; NULL for m2_progress'),
        ('learner_model_metrics', 'mae', 'mean absolute error of the predicted m2_progress (progress points); NULL for the classifiers'),
        ('learner_model_metrics', 'rmse', 'root mean squared error of the predicted m2_progress; NULL for the classifiers'),
        ('learner_model_metrics', 'model_id', 'learnerscore.models.id of the model trained on all courses; NULL when it was dropped'),
        ('learner_model_metrics', 'trained_at', 'when the metrics were computed (timestamptz, shown in the session time zone)'),
        ('course_effects', 'course_id', 'course (courses_info.course_id); never NULL'),
        ('course_effects', 'kpi', 'KPI of the communications: csat, handle_time or resolved_rate (kpi_settings)'),
        ('course_effects', 'department', 'department, or ALL for every department together; never NULL'),
        ('course_effects', 'method', 'naive (difference in means), regression, aipw or iv'),
        ('course_effects', 'estimate', 'effect of the course on the KPI, in the KPI''s units; NULL when the estimator had too few rows or no variation'),
        ('course_effects', 'std_error', 'standard error of the estimate; NULL when estimate is NULL'),
        ('course_effects', 'ci_low', 'lower end of the 95 % confidence interval; NULL when estimate is NULL'),
        ('course_effects', 'ci_high', 'upper end of the 95 % confidence interval; NULL when estimate is NULL'),
        ('course_effects', 'p_value', 'two-sided p-value of "no effect"; NULL when estimate is NULL'),
        ('course_effects', 'n_treated', 'employees who took the course in the cell'),
        ('course_effects', 'n_control', 'employees who did not'),
        ('course_effects', 'outcome_sd', 'standard deviation of the KPI in the cell (sizes the A/B test); NULL with fewer than two rows'),
        ('course_effects', 'n_rows', 'rows (employees) of the cell'),
        ('course_verdicts', 'course_id', 'course; never NULL'),
        ('course_verdicts', 'title', 'course title (courses_info); NULL when the course is not in courses_info'),
        ('course_verdicts', 'kpi', 'KPI: csat, handle_time or resolved_rate'),
        ('course_verdicts', 'department', 'department, or ALL'),
        ('course_verdicts', 'method', 'naive, regression, aipw or iv'),
        ('course_verdicts', 'estimate', 'effect on the KPI in its units; NULL when it could not be estimated (verdict inconclusive)'),
        ('course_verdicts', 'ci_low', 'lower end of the 95 % interval; NULL when estimate is NULL'),
        ('course_verdicts', 'ci_high', 'upper end of the 95 % interval; NULL when estimate is NULL'),
        ('course_verdicts', 'min_useful_effect', 'the smallest benefit worth the course (kpi_settings.min_useful_effect), in the KPI''s units'),
        ('course_verdicts', 'benefit', 'estimate signed so that positive is good (handle_time: -estimate); NULL when estimate is NULL'),
        ('course_verdicts', 'benefit_low', 'lower end of the benefit''s interval; NULL when estimate is NULL'),
        ('course_verdicts', 'benefit_high', 'upper end of the benefit''s interval; NULL when estimate is NULL'),
        ('course_verdicts', 'verdict', 'recommend (interval above 0 and benefit >= min_useful_effect), remove (whole interval below min_useful_effect) or inconclusive; never NULL'),
        ('course_verdicts', 'harmful', 'true when the whole interval of the benefit lies below 0; NULL when estimate is NULL'),
        ('course_verdicts', 'ab_n_per_group', 'employees per group an A/B test needs to detect min_useful_effect (alpha and power of course_effect_settings); NULL when the verdict is not inconclusive or the KPI does not vary'),
        ('course_effects_v', 'course_id', 'course; never NULL'),
        ('course_effects_v', 'kpi', 'KPI: csat, handle_time or resolved_rate'),
        ('course_effects_v', 'department', 'department, or ALL for every department together'),
        ('course_effects_v', 'method', 'naive, regression, aipw or iv'),
        ('course_effects_v', 'estimate', 'effect of the course on the KPI, in the KPI''s units; NULL when it could not be estimated'),
        ('course_effects_v', 'std_error', 'standard error; NULL when estimate is NULL'),
        ('course_effects_v', 'ci_low', 'lower end of the 95 % interval; NULL when estimate is NULL'),
        ('course_effects_v', 'ci_high', 'upper end of the 95 % interval; NULL when estimate is NULL'),
        ('course_effects_v', 'p_value', 'two-sided p-value of "no effect"; NULL when estimate is NULL'),
        ('course_effects_v', 'n_treated', 'employees who took the course (integer)'),
        ('course_effects_v', 'n_control', 'employees who did not (integer)'),
        ('course_effects_v', 'outcome_sd', 'standard deviation of the KPI in the cell; NULL with fewer than two rows'),
        ('course_effects_v', 'n_rows', 'employees of the cell (integer)'),
        ('data_dictionary', 'relation_name', 'name of the table or view'),
        ('data_dictionary', 'relation_type', 'table, view or materialized view'),
        ('data_dictionary', 'column_position', 'position of the column in the relation (1 = first)'),
        ('data_dictionary', 'column_name', 'name of the column'),
        ('data_dictionary', 'data_type', 'PostgreSQL type of the column (varchar(n), integer, double precision, date, timestamp with time zone, ...)'),
        ('data_dictionary', 'description', 'what the column holds and what a NULL in it means (its COMMENT); NULL when it has none'),
        ('data_dictionary', 'relation_description', 'what the relation holds (its COMMENT); NULL when it has none'))
        AS t(r, c, t);
END;
COMMENT ON FUNCTION learnerscore._bi_column_comments() IS
  'Internal: the comment of every column of the BI views (relation, column, text), applied by learnerscore.create_bi_views.';

-- (Re)applies the relation and column comments of the BI views present in a schema.
CREATE OR REPLACE FUNCTION learnerscore._comment_bi_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT b.rel, b.col, b.txt, cl.relkind
               FROM (SELECT * FROM learnerscore._bi_column_comments()
                     UNION ALL  -- the newest snapshot of learner_score_history: the same columns
                     SELECT 'learner_scores_latest', h.col, h.txt FROM learnerscore._bi_column_comments() h
                      WHERE h.rel = 'learner_score_history') b
               JOIN pg_class cl ON cl.relname = b.rel AND cl.relnamespace = to_regnamespace(quote_ident(schema_name))
               JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attname = b.col AND NOT a.attisdropped
              WHERE pg_has_role(cl.relowner, 'USAGE')
    LOOP
        EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', schema_name, c.rel, c.col, c.txt);
    END LOOP;
    -- learner_model_metrics_latest (the latest training run): the table's column comments
    FOR c IN SELECT v.attname AS col, col_description(t.attrelid, t.attnum) AS txt
               FROM pg_attribute v
               JOIN pg_attribute t ON t.attrelid = to_regclass(format('%I.learner_model_metrics', schema_name))
                                  AND t.attname = v.attname AND NOT t.attisdropped
              WHERE v.attrelid = to_regclass(format('%I.learner_model_metrics_latest', schema_name))
                AND v.attnum > 0 AND NOT v.attisdropped AND col_description(t.attrelid, t.attnum) IS NOT NULL
                AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = v.attrelid), 'USAGE')
    LOOP
        EXECUTE format('COMMENT ON COLUMN %I.learner_model_metrics_latest.%I IS %L', schema_name, c.col, c.txt);
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._comment_bi_views(text) IS
  'Internal: comments every column of the BI views of a schema that the caller owns (learner_scores, learner_status, status_daily, learner_score_history, critical_points, learner_model_metrics, course_effects, course_effects_v, course_verdicts, data_dictionary).';

CREATE FUNCTION learnerscore.create_bi_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF NOT has_schema_privilege(quote_ident(schema_name), 'CREATE') THEN
        RAISE EXCEPTION 'permission denied to create the BI views of schema "%"', schema_name USING ERRCODE = '42501',
            HINT = 'Run it as the schema''s owner (CALL learnerscore.grant_access(role, ''owner'', schema)).';
    END IF;
    s := quote_ident(schema_name);

    -- A learning schema with the learner features (refresh_learner_daily made learner_activity).
    IF to_regclass(s || '.learner_activity') IS NOT NULL AND to_regclass(s || '.users') IS NOT NULL THEN
        IF to_regclass(s || '.learner_score_history') IS NULL THEN  -- (no "already exists" notice on later runs)
        EXECUTE format($q$CREATE TABLE %s.learner_score_history (
            as_of                  date NOT NULL,
            scored_at              timestamptz NOT NULL,
            user_id                integer NOT NULL,
            course_id              integer,
            status                 varchar(16),
            band                   varchar(8),
            dropout_probability    double precision,
            completion_probability double precision,
            predicted_m2_progress  double precision,
            risk_rank              integer,
            reason_1               varchar(300),
            reason_2               varchar(300),
            reason_3               varchar(300),
            model_week             integer,
            dropout_model_id       bigint,
            completion_model_id    bigint,
            progress_model_id      bigint,
            PRIMARY KEY (scored_at, user_id))$q$, s);
        EXECUTE format('CREATE INDEX learner_score_history_as_of_idx ON %s.learner_score_history (as_of, scored_at)', s);
        END IF;
        EXECUTE format('COMMENT ON TABLE %s.learner_score_history IS %L', s,
            'Stored snapshots of learner_scores, one per CALL of learnerscore.store_learner_scores(schema): per learner the status, risk band, '
            'probabilities, rank and three reasons as scalar text. Dashboards read learner_scores_latest (or filter on as_of) '
            'instead of the live learner_scores view, which re-scores every learner on each read.');
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores_latest AS
            SELECT h.as_of, h.scored_at, h.user_id, h.course_id, h.status, h.band, h.dropout_probability,
                   h.completion_probability, h.predicted_m2_progress, h.risk_rank, h.reason_1, h.reason_2, h.reason_3,
                   h.model_week, h.dropout_model_id, h.completion_model_id, h.progress_model_id
              FROM %1$s.learner_score_history h
             WHERE h.scored_at = (SELECT max(scored_at) FROM %1$s.learner_score_history)$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.learner_scores_latest IS %L', s,
            'The newest snapshot of learner_score_history (stored by learnerscore.store_learner_scores): one row per learner, '
            'reasons as scalar columns reason_1..reason_3, categorical text as varchar(n). Empty until the first snapshot.');
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.status_daily AS
            SELECT u.course_id, a.cur_date AS status_date, a.status::varchar(16) AS status, count(*)::integer AS learners,
                   round(count(*)::numeric / sum(count(*)) OVER (PARTITION BY u.course_id, a.cur_date), 4)::numeric(5,4) AS share
              FROM %1$s.learner_activity a JOIN %1$s.users u ON u.user_id = a.user_id
             GROUP BY u.course_id, a.cur_date, a.status$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.status_daily IS %L', s,
            'Learners per course x day x activity status (integer counts and their share of the course that day), '
            'from learner_activity: the stacked-area chart of who is active, falling asleep and asleep.');
    END IF;

    -- A course-effects schema: a plain view beside the materialized course_effects.
    IF to_regclass(s || '.course_effects') IS NOT NULL THEN
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.course_effects_v AS
            SELECT e.course_id, e.kpi::varchar(32) AS kpi, e.department::varchar(64) AS department, e.method::varchar(16) AS method,
                   e.estimate, e.std_error, e.ci_low, e.ci_high, e.p_value,
                   e.n_treated::integer AS n_treated, e.n_control::integer AS n_control, e.outcome_sd, e.n_rows::integer AS n_rows
              FROM %1$s.course_effects e$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.course_effects_v IS %L', s,
            'course_effects as a plain view (BI tools list views, not always materialized views), categorical text as varchar(n), counts as integer. '
            'Reads the materialized course_effects: refresh with CALL learnerscore.refresh_course_effects(schema).');
    END IF;

    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.data_dictionary AS
        SELECT c.relname::varchar(63) AS relation_name,
               (CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END)::varchar(20) AS relation_type,
               a.attnum::integer AS column_position, a.attname::varchar(63) AS column_name,
               pg_catalog.format_type(a.atttypid, a.atttypmod)::varchar(128) AS data_type,
               pg_catalog.col_description(c.oid, a.attnum)::varchar(2000) AS description,
               pg_catalog.obj_description(c.oid, 'pg_class')::varchar(2000) AS relation_description
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = %2$L::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')$q$, s, s);
    EXECUTE format('COMMENT ON VIEW %s.data_dictionary IS %L', s,
        'Every column of every table and view of this schema with its type and its description (the COMMENT, which says what a NULL means): '
        'for BI tools that show no column comments (psqlODBC, Excel, Power BI).');
    PERFORM learnerscore._comment_bi_views(schema_name);
END
$fn$;
COMMENT ON FUNCTION learnerscore.create_bi_views(text) IS
  'Creates (idempotently) the BI objects of a schema (docs/bi.md), for what it holds: with learner features, learner_score_history, '
  'learner_scores_latest and status_daily; with course_effects, the plain view course_effects_v; always data_dictionary; and comments '
  'every column of the BI views. refresh_learner_daily and create_course_effects_schema call it; it also brings an existing schema up to date.';

CREATE FUNCTION learnerscore.store_learner_scores(schema_name text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    n bigint;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_scores') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_scores does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.train_learner_models(%L) first.', schema_name);
    END IF;
    IF to_regclass(s || '.learner_score_history') IS NULL THEN
        PERFORM learnerscore.create_bi_views(schema_name);
    ELSE
        PERFORM learnerscore._comment_bi_views(schema_name);
    END IF;
    -- Read the live view once, as jsonb, so that a column the view gains or loses breaks nothing;
    -- into a temporary table first: CREATE TABLE AS may scan in parallel, INSERT ... SELECT may not.
    IF to_regclass('pg_temp._ls_score_snapshot') IS NOT NULL THEN
        DROP TABLE pg_temp._ls_score_snapshot;
    END IF;
    EXECUTE format('CREATE TEMP TABLE _ls_score_snapshot AS SELECT to_jsonb(l) AS j FROM %s.learner_scores l', s);
    EXECUTE format($q$INSERT INTO %1$s.learner_score_history AS h
        SELECT (SELECT max(cur_date) FROM %1$s.learner_activity), now(), (j->>'user_id')::integer, (j->>'course_id')::integer,
               left(j->>'status', 16), CASE WHEN (j->>'dropout_probability')::float8 >= 0.7 THEN 'high'
                                             WHEN (j->>'dropout_probability')::float8 >= 0.4 THEN 'medium'
                                             WHEN (j->>'dropout_probability') IS NOT NULL THEN 'low' END,
               (j->>'dropout_probability')::float8, (j->>'completion_probability')::float8, (j->>'predicted_m2_progress')::float8,
               (j->>'risk_rank')::integer,
               left(coalesce(j->>'reason_1', j->'top_reasons'->>0), 300), left(coalesce(j->>'reason_2', j->'top_reasons'->>1), 300),
               left(coalesce(j->>'reason_3', j->'top_reasons'->>2), 300),
               (j->>'model_week')::integer, (j->>'dropout_model_id')::bigint, (j->>'completion_model_id')::bigint,
               (j->>'progress_model_id')::bigint
          FROM pg_temp._ls_score_snapshot x
        ON CONFLICT (scored_at, user_id) DO UPDATE SET
            as_of = EXCLUDED.as_of, course_id = EXCLUDED.course_id, status = EXCLUDED.status, band = EXCLUDED.band,
            dropout_probability = EXCLUDED.dropout_probability, completion_probability = EXCLUDED.completion_probability,
            predicted_m2_progress = EXCLUDED.predicted_m2_progress, risk_rank = EXCLUDED.risk_rank,
            reason_1 = EXCLUDED.reason_1, reason_2 = EXCLUDED.reason_2, reason_3 = EXCLUDED.reason_3,
            model_week = EXCLUDED.model_week, dropout_model_id = EXCLUDED.dropout_model_id,
            completion_model_id = EXCLUDED.completion_model_id, progress_model_id = EXCLUDED.progress_model_id$q$, s);
    GET DIAGNOSTICS n = ROW_COUNT;
    DROP TABLE pg_temp._ls_score_snapshot;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION learnerscore.store_learner_scores(text) IS
  'Stores a snapshot of <schema>.learner_scores (scored once, now) in <schema>.learner_score_history with as_of (the latest '
  'materialized day) and scored_at (now()), the risk band and the reasons as scalar text; returns the rows stored. '
  'Schedule it after the nightly refresh; dashboards read <schema>.learner_scores_latest.';

CREATE OR REPLACE FUNCTION learnerscore._create_feature_objects(schema_name text) RETURNS void
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

CREATE OR REPLACE PROCEDURE learnerscore.create_course_effects_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
BEGIN
    PERFORM learnerscore._create_course_effects_tables(schema_name);
    PERFORM learnerscore._create_course_effects_panel(schema_name);
    PERFORM learnerscore._create_course_effects_results(schema_name);
    PERFORM learnerscore.create_bi_views(schema_name);  -- the dashboards' objects (190_bi_views.sql)
END
$proc$;

CREATE OR REPLACE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
        -- the model lifecycle (300_models_registry.sql): versions, deployments, pruning
        ('analyst', ARRAY['deploy', 'rollback', 'prune_models', 'drop_model_version']),
        -- uplift models (330_uplift.sql)
        ('analyst', ARRAY['train_uplift']),
        -- contacts: their effect, the uplift model and today's plan (420_contact_plan.sql)
        ('analyst', ARRAY['contact_effect', 'contact_policy_values', '_learner_outcomes_sql', '_contact_features_sql',
                          '_contact_experiment_sql', '_require_contact_schema']),
        ('owner', ARRAY['train_contact_uplift', 'contact_plan', '_ensure_contact_tables']),
        -- per-employee course effects (430_course_cate.sql; the recommendations read with the caller's rights)
        ('owner', ARRAY['course_cate']),
        -- learning schemas (100_learning_schema.sql, 130_create_learning_schema.sql)
        ('owner', ARRAY['create_learning_schema', '_create_load_tables', '_create_learning_tables',
                        '_create_table', '_create_schema_if_missing', '_comment_table',
                        '_learning_schema_relations', '_learning_schema_fingerprint', '_extension_fingerprint',
                        '_relations_fingerprint', '_lock_learning_schema',
                        '_layout_version', '_recorded_layout', '_stamp_layout', '_require_current_layout']),
        -- upgrading data schemas (800_schema_upgrades.sql)
        ('owner', ARRAY['upgrade_learning_schema', 'upgrade_course_effects_schema', '_upgrade_target',
                        '_data_schema_parts']),
        -- the nightly work of a schema (810_nightly.sql)
        ('owner', ARRAY['nightly', '_nightly_log', '_nightly_steps', '_nightly_step']),
        -- the analyst views and their caches (115_view_cache.sql, 120_learning_views.sql)
        ('owner', ARRAY['refresh_analyst_views', '_cached_views', '_view_base_tables', '_view_definitions',
                        '_create_view_cache', '_invalidate_view_caches', '_lock_analyst_view_caches',
                        '_create_learning_views', '_create_view_course_flows',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views', '_tag_intervals_sql']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names',
                        '_ensure_learner_model_tables', '_recreate_learner_scores_view', '_course_norms_sql',
                        'score_learners', '_learner_model_base_features']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- views for dashboards (190_bi_views.sql)
        ('owner', ARRAY['create_bi_views', 'store_learner_scores', '_comment_bi_views', '_bi_column_comments']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale', '_check_contact']),
        -- the intervention log (100_learning_schema.sql)
        ('owner', ARRAY['_create_contacts_table']),
        -- a learning schema on Citus (135_distribute_learning_schema.sql, 100_learning_schema.sql, 115_view_cache.sql)
        ('owner', ARRAY['distribute_learning_schema', '_learning_schema_placement', '_schema_distributed',
                        '_caches_off_cause', '_place_learning_tables']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;
DO $bi_grants$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig, a.kind
               FROM pg_catalog.pg_proc p
               LEFT JOIN learnerscore._routine_access() a ON a.routine = p.proname
              WHERE p.pronamespace = 'learnerscore'::regnamespace
                AND p.proname IN ('create_bi_views', 'store_learner_scores', '_comment_bi_views', '_bi_column_comments')
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.sig);
        IF f.kind IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, 'learnerscore_' || f.kind);
        END IF;
    END LOOP;
END
$bi_grants$;
-- ===== end of BI views =====

-- == lead: begin (layout versions, data-schema upgrades, nightly; 130, 410, 800, 810, 900)
CREATE FUNCTION learnerscore._layout_version(part text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT CASE part WHEN 'learning_schema' THEN 2 WHEN 'course_effects' THEN 2 END
$fn$;
COMMENT ON FUNCTION learnerscore._layout_version(text) IS
  'Internal: the layout version this extension version writes for a part of a data schema (learning_schema, course_effects); 0.1.0 wrote layout 1.';

CREATE FUNCTION learnerscore._recorded_layout(schema_name text, part text) RETURNS int
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    marker text := CASE part WHEN 'learning_schema' THEN 'learning_schema_ddl' WHEN 'course_effects' THEN 'course_effect_settings' END;
    layout regclass := to_regclass(format('%I.learnerscore_layout', schema_name));
    v int;
BEGIN
    IF layout IS NOT NULL THEN
        EXECUTE format('SELECT layout_version FROM %s WHERE part = $1', layout) INTO v USING part;
        IF v IS NOT NULL THEN
            RETURN v;
        END IF;
    END IF;
    RETURN CASE WHEN marker IS NOT NULL AND to_regclass(format('%I.%I', schema_name, marker)) IS NOT NULL THEN 1 END;
END
$fn$;
COMMENT ON FUNCTION learnerscore._recorded_layout(text, text) IS
  'Internal: the layout version recorded for a part (learning_schema, course_effects) of a data schema; 1 for a part made by release 0.1.0 (no learnerscore_layout row), NULL when the schema has no such part.';

CREATE FUNCTION learnerscore._stamp_layout(schema_name text, part text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    EXECUTE format($t$CREATE TABLE IF NOT EXISTS %s.learnerscore_layout (
        part              text PRIMARY KEY,
        layout_version    int NOT NULL CHECK (layout_version > 0),
        extension_version text NOT NULL,
        recorded_at       timestamptz NOT NULL DEFAULT now())$t$, s);
    EXECUTE format('COMMENT ON TABLE %s.learnerscore_layout IS %L', s,
        'The layout version of each part of this schema that learnerscore made (learning_schema, course_effects) and the extension version that wrote it. After ALTER EXTENSION learnerscore UPDATE, learnerscore.data_schemas lists the schemas whose layout is older; CALL learnerscore.upgrade_learning_schema(schema) (or upgrade_course_effects_schema) brings one up to date without losing rows.');
    EXECUTE format('COMMENT ON COLUMN %s.learnerscore_layout.layout_version IS %L', s,
        'Layout of the part: 1 = release 0.1.0 (recorded by upgrades only), 2 = 0.2.0.');
    EXECUTE format('INSERT INTO %s.learnerscore_layout (part, layout_version, extension_version) VALUES ($1, $2, $3)
                    ON CONFLICT (part) DO UPDATE SET layout_version = EXCLUDED.layout_version,
                        extension_version = EXCLUDED.extension_version, recorded_at = EXCLUDED.recorded_at
                    WHERE learnerscore_layout.layout_version IS DISTINCT FROM EXCLUDED.layout_version
                       OR learnerscore_layout.extension_version IS DISTINCT FROM EXCLUDED.extension_version', s)
        USING part, learnerscore._layout_version(part), learnerscore.version();
END
$fn$;
COMMENT ON FUNCTION learnerscore._stamp_layout(text, text) IS
  'Internal: records in <schema>.learnerscore_layout that a part of the schema has the layout of this extension version (creating the table).';

CREATE FUNCTION learnerscore._require_current_layout(schema_name text, part text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    v int := learnerscore._recorded_layout(schema_name, part);
BEGIN
    IF v IS NOT NULL AND v < learnerscore._layout_version(part) THEN
        RAISE EXCEPTION 'schema "%" has the % layout %, this version of learnerscore writes layout %',
                        schema_name, part, v, learnerscore._layout_version(part)
            USING ERRCODE = '55000',
                  HINT = format('CALL learnerscore.%s(%L) brings it up to date without losing rows.',
                                CASE part WHEN 'course_effects' THEN 'upgrade_course_effects_schema' ELSE 'upgrade_learning_schema' END,
                                schema_name);
    ELSIF v > learnerscore._layout_version(part) THEN
        RAISE EXCEPTION 'schema "%" has the % layout %, newer than this version of learnerscore writes (%)',
                        schema_name, part, v, learnerscore._layout_version(part)
            USING ERRCODE = '55000', HINT = 'Update the extension (ALTER EXTENSION learnerscore UPDATE).';
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._require_current_layout(text, text) IS
  'Internal: 55000 when a part of a data schema was made by an earlier (or a later) release, with a hint naming the upgrade procedure.';

CREATE OR REPLACE PROCEDURE learnerscore.create_learning_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    s text;
    state regclass;
    fp record;
    done boolean;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    -- A schema made by another release is upgraded explicitly (55000 with the hint), never re-created over its rows.
    PERFORM learnerscore._require_current_layout(schema_name, 'learning_schema');
    -- Nothing changed since the last run (the loader runs this before every
    -- load): no DDL at all, so no lock that readers, loads or refreshes wait for.
    -- Checked twice: the second time after waiting for a concurrent run.
    FOR attempt IN 1 .. 2 LOOP
        state := to_regclass(s || '.learning_schema_ddl');
        IF state IS NOT NULL AND has_table_privilege(state, 'SELECT') THEN
            fp := learnerscore._learning_schema_fingerprint(schema_name);
            EXECUTE format('SELECT code_fingerprint = $1 AND catalog_fingerprint = $2 FROM %s WHERE part = ''learning_schema''', state)
               INTO done USING fp.code, fp.catalog;
            IF done THEN
                RETURN;
            END IF;
        END IF;
        IF attempt = 1 THEN
            -- One re-creation of a schema at a time (two would collide creating
            -- the same relations); taken before any relation lock.
            PERFORM pg_advisory_xact_lock(hashtext('learnerscore.create_learning_schema'), hashtext(schema_name));
        END IF;
    END LOOP;
    PERFORM learnerscore._lock_learning_schema(schema_name);
    PERFORM learnerscore._create_learning_tables(schema_name);
    PERFORM learnerscore._create_learning_views(schema_name);
    PERFORM learnerscore._stamp_layout(schema_name, 'learning_schema');

    EXECUTE format($t$CREATE TABLE IF NOT EXISTS %s.learning_schema_ddl (
        part                text PRIMARY KEY,
        code_fingerprint    text NOT NULL,
        catalog_fingerprint text NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now())$t$, s);
    EXECUTE format('COMMENT ON TABLE %s.learning_schema_ddl IS %L', s,
        'One row per part of the schema that learnerscore creates (learning_schema: by create_learning_schema; features: the learner-feature tables and views of refresh_learner_daily), written after it was (re)created: fingerprints of the extension''s routines and of those relations'' catalog entries. While both are unchanged, the next run does no DDL (create_learning_schema runs before every learnerscore load). Deleting a row makes the next run re-create that part.');
    fp := learnerscore._learning_schema_fingerprint(schema_name);
    EXECUTE format('INSERT INTO %s.learning_schema_ddl AS d (part, code_fingerprint, catalog_fingerprint)
                    VALUES (''learning_schema'', $1, $2)
                    ON CONFLICT (part) DO UPDATE
                    SET code_fingerprint = EXCLUDED.code_fingerprint, catalog_fingerprint = EXCLUDED.catalog_fingerprint,
                        created_at = EXCLUDED.created_at', s) USING fp.code, fp.catalog;
END
$$;

CREATE OR REPLACE PROCEDURE learnerscore.create_course_effects_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
BEGIN
    PERFORM learnerscore._require_current_layout(schema_name, 'course_effects');
    PERFORM learnerscore._create_course_effects_tables(schema_name);
    PERFORM learnerscore._create_course_effects_panel(schema_name);
    PERFORM learnerscore._create_course_effects_results(schema_name);
    PERFORM learnerscore.create_bi_views(schema_name);  -- the dashboards' objects (190_bi_views.sql)
    PERFORM learnerscore._stamp_layout(schema_name, 'course_effects');
END
$proc$;

-- 310_models_functions.sql: cross_validate's folds follow the rows' content, not their order
COMMENT ON FUNCTION learnerscore.cross_validate(text, text, text[], text, jsonb, int, bigint, text) IS
  'k-fold cross-validation (default 5 folds) with deterministic folds from seed (Fisher-Yates over mt19937_64, drawn over the rows sorted by their values, so the same data and seed give the same folds and metrics whatever order the rows arrive in), or, with '
  'group_column, leave-one-group-out (one fold per distinct value, e.g. per course: never tested on learners it trained on). '
  'One row per fold with held-out metrics (auc, log_loss, brier, calibration_error, accuracy for classifiers; mae, rmse for '
  'regression), then fold = ''mean'' (mean over folds) and fold = ''pooled'' (all held-out predictions together). '
  'params "fold_key": column (e.g. a learner id; not a feature) draws each row''s fold from a hash of its key and the seed instead: '
  'rows of one key share a fold, a row keeps its fold when rows are added, and the folds are the same on one machine and on Citus; a NULL key is an error.';

-- 320_metric_aggregates.sql: the mergeable binned AUC and its error bound
CREATE AGGREGATE learnerscore.auc_binned(score float8, label float8) (SFUNC = learnerscore._metric_accum, STYPE = float8[], INITCOND = '{7,0}', COMBINEFUNC = learnerscore._metric_combine, FINALFUNC = learnerscore._metric_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.auc_binned_error(score float8, label float8) (SFUNC = learnerscore._metric_accum, STYPE = float8[], INITCOND = '{8,0}', COMBINEFUNC = learnerscore._metric_combine, FINALFUNC = learnerscore._metric_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.auc_binned(float8, float8) IS 'Area under the ROC curve from a fixed-size, mergeable state (positives and negatives counted in 4096 bins uniform in log-odds over [-12, 12], 0 and 1 in bins of their own; 64 kB whatever the rows), for tables too large for the exact auc() or distributed ones (states add up across parallel workers and Citus shards). Pairs in one bin count one half, so it differs from auc() by at most auc_binned_error() (a worst case, typically 1e-4 to 1e-3; the actual difference is usually far smaller). Scores must be probabilities in [0, 1] (map other scores monotonically into it; the AUC does not change); NULL when a class is missing.';
COMMENT ON AGGREGATE learnerscore.auc_binned_error(float8, float8) IS 'The largest possible difference between auc_binned() and the exact AUC on the same rows: half the share of positive-negative pairs whose scores fall in one bin.';
-- Upgrading data schemas after ALTER EXTENSION learnerscore UPDATE
-- (docs/upgrading.md). The extension's own objects are upgraded by the
-- extension scripts; a learning or course-effects schema holds the customer's
-- rows, so it is brought up to date by an explicit call, step by step from the
-- layout it records (130_create_learning_schema.sql: _recorded_layout), never
-- by dropping and re-creating what holds rows.

-- Every data schema the caller can see, with the layout of each part and whether it is current.
CREATE FUNCTION learnerscore._data_schema_parts()
RETURNS TABLE (schema_name name, part text, layout_version int, current_layout int, recorded_by text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    r record;
    layout regclass;
BEGIN
    FOR r IN
        SELECT n.nspname, p.part, p.marker
        FROM pg_namespace n
        CROSS JOIN (VALUES ('learning_schema', 'learning_schema_ddl'), ('course_effects', 'course_effect_settings')) p(part, marker)
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.marker AND c.relkind IN ('r', 'p')
        WHERE has_schema_privilege(n.oid, 'USAGE')
        ORDER BY n.nspname, p.part
    LOOP
        schema_name := r.nspname;
        part := r.part;
        current_layout := learnerscore._layout_version(r.part);
        layout := to_regclass(format('%I.learnerscore_layout', r.nspname));
        recorded_by := NULL;
        IF layout IS NULL THEN
            layout_version := 1;          -- made by release 0.1.0
            recorded_by := '0.1.0';
        ELSIF has_table_privilege(layout, 'SELECT') THEN
            layout_version := learnerscore._recorded_layout(r.nspname, r.part);
            EXECUTE format('SELECT extension_version FROM %s WHERE part = $1', layout) INTO recorded_by USING r.part;
            recorded_by := coalesce(recorded_by, '0.1.0');
        ELSE
            layout_version := NULL;       -- not readable by the caller
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._data_schema_parts() IS
  'Internal: the learning and course-effects parts of every schema the caller has USAGE on, with their recorded and current layout versions (the rows of learnerscore.data_schemas).';

CREATE VIEW learnerscore.data_schemas AS
    SELECT schema_name, part, layout_version, current_layout,
           CASE WHEN layout_version IS NULL THEN NULL ELSE layout_version = current_layout END AS up_to_date,
           recorded_by,
           CASE WHEN layout_version < current_layout THEN
               format('CALL learnerscore.%s(%L)',
                      CASE part WHEN 'course_effects' THEN 'upgrade_course_effects_schema' ELSE 'upgrade_learning_schema' END,
                      schema_name) END AS upgrade_with
    FROM learnerscore._data_schema_parts();
COMMENT ON VIEW learnerscore.data_schemas IS
  'The data schemas learnerscore made (learning and course-effects parts) that the current role can see, with their layout versions: after ALTER EXTENSION learnerscore UPDATE, the rows with up_to_date = false name the call that upgrades them.';
COMMENT ON COLUMN learnerscore.data_schemas.schema_name IS 'The schema.';
COMMENT ON COLUMN learnerscore.data_schemas.part IS 'learning_schema (create_learning_schema) or course_effects (create_course_effects_schema).';
COMMENT ON COLUMN learnerscore.data_schemas.layout_version IS 'The layout the schema records (1 = made by release 0.1.0); NULL when the current role may not read <schema>.learnerscore_layout.';
COMMENT ON COLUMN learnerscore.data_schemas.current_layout IS 'The layout this version of the extension writes.';
COMMENT ON COLUMN learnerscore.data_schemas.up_to_date IS 'layout_version = current_layout; NULL when the layout is not readable.';
COMMENT ON COLUMN learnerscore.data_schemas.recorded_by IS 'The extension version that wrote the layout (0.1.0 for schemas from before layouts were recorded).';
COMMENT ON COLUMN learnerscore.data_schemas.upgrade_with IS 'The statement that upgrades the part; NULL when it is current.';

-- Checks shared by both upgrade procedures; returns the recorded layout.
CREATE FUNCTION learnerscore._upgrade_target(schema_name text, part text) RETURNS int
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    v int;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    v := learnerscore._recorded_layout(schema_name, part);
    IF v IS NULL THEN
        RAISE EXCEPTION 'schema "%" has no % part to upgrade', schema_name, part
            USING ERRCODE = '22023',
                  HINT = CASE part WHEN 'course_effects' THEN 'create_course_effects_schema makes one.' ELSE 'create_learning_schema makes one.' END;
    END IF;
    IF v > learnerscore._layout_version(part) THEN
        PERFORM learnerscore._require_current_layout(schema_name, part);   -- raises: newer than this release
    END IF;
    RETURN v;
END
$fn$;
COMMENT ON FUNCTION learnerscore._upgrade_target(text, text) IS
  'Internal: validates the schema given to an upgrade procedure (22023 NULL/empty or no such part, 3F000 no schema, 55000 a newer layout) and returns its recorded layout.';

CREATE PROCEDURE learnerscore.upgrade_learning_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
DECLARE
    v int := learnerscore._upgrade_target(schema_name, 'learning_schema');
    verbosity text := current_setting('client_min_messages');
    scores_dropped boolean := false;
BEGIN
    IF v = learnerscore._layout_version('learning_schema') THEN
        RAISE NOTICE 'schema "%" already has the current layout (%)', schema_name, v;
        RETURN;
    END IF;
    -- the same lock create_learning_schema takes: one (re)creation of a schema at a time
    PERFORM pg_advisory_xact_lock(hashtext('learnerscore.create_learning_schema'), hashtext(schema_name));
    -- 1 -> 2 (release 0.2.0): the layout table itself; the clean tables are unchanged;
    -- learner_status.status becomes varchar(16) (sized for BI tools): a view's column
    -- type cannot change in place, so it is dropped with what reads it (learner_scores)
    -- and both come back below. Each later layout adds its step here, in order, each keeping every row.
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = to_regclass(format('%I.learner_status', schema_name)) AND attname = 'status') = 'text' THEN
        scores_dropped := to_regclass(format('%I.learner_scores', schema_name)) IS NOT NULL;
        EXECUTE format('DROP VIEW %I.learner_status CASCADE', schema_name);
    END IF;
    PERFORM learnerscore._stamp_layout(schema_name, 'learning_schema');
    -- views and caches come from the current code (the fingerprints changed with the extension)
    PERFORM set_config('client_min_messages', 'warning', true);   -- no "already exists, skipping" notices
    CALL learnerscore.create_learning_schema(schema_name);
    IF to_regclass(format('%I.learner_daily', schema_name)) IS NOT NULL THEN
        PERFORM learnerscore._create_feature_objects(schema_name);
    END IF;
    -- the learner models' tables (runs, metrics per run; no row lost) and learner_scores over the deployed versions
    IF to_regclass(format('%I.learner_model_metrics', schema_name)) IS NOT NULL THEN
        PERFORM learnerscore._ensure_learner_model_tables(schema_name);
        -- learner_weekly: week-end rows of each learner's own flow (0.1.0: of the course's first opening)
        IF to_regclass(format('%I.learner_weekly', schema_name)) IS NOT NULL THEN
            -- with the weeks it had ("... < (7 * weeks)" in its definition)
            PERFORM learnerscore._create_learner_weekly_view(schema_name, coalesce(
                (regexp_match(pg_get_viewdef(to_regclass(format('%I.learner_weekly', schema_name))), '< \(7 \* (\d+)\)'))[1]::int, 10));
        END IF;
        IF scores_dropped THEN
            PERFORM learnerscore._recreate_learner_scores_view(schema_name);
        END IF;
        PERFORM learnerscore._comment_bi_views(schema_name);   -- the same column comments as train_learner_models leaves
    END IF;
    PERFORM set_config('client_min_messages', verbosity, true);
    RAISE NOTICE 'schema "%" upgraded from layout % to %', schema_name, v, learnerscore._layout_version('learning_schema');
END
$proc$;
COMMENT ON PROCEDURE learnerscore.upgrade_learning_schema(text) IS
  'Brings a learning schema made by an earlier release up to the layout of this one (see learnerscore.data_schemas), keeping every row: adds what the new layout has, re-creates the views, caches and feature views from the current code, and records the layout. A no-op (NOTICE) when it is already current. Needs the privileges create_learning_schema needs (the schema''s owner). 22023 / 3F000 / 55000 on a bad schema.';

CREATE PROCEDURE learnerscore.upgrade_course_effects_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
DECLARE
    v int := learnerscore._upgrade_target(schema_name, 'course_effects');
    verbosity text := current_setting('client_min_messages');
BEGIN
    IF v = learnerscore._layout_version('course_effects') THEN
        RAISE NOTICE 'schema "%" already has the current layout (%)', schema_name, v;
        RETURN;
    END IF;
    -- 1 -> 2 (release 0.2.0): the layout table; course_verdicts' kpi, method and verdict
    -- become varchar (sized for BI tools): the view is dropped and re-created (a view of
    -- your own over it makes the DROP fail: drop it first). Tables and course_effects are unchanged.
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = to_regclass(format('%I.course_verdicts', schema_name)) AND attname = 'verdict') = 'text' THEN
        EXECUTE format('DROP VIEW %I.course_verdicts', schema_name);
    END IF;
    PERFORM learnerscore._stamp_layout(schema_name, 'course_effects');
    PERFORM set_config('client_min_messages', 'warning', true);
    CALL learnerscore.create_course_effects_schema(schema_name);
    PERFORM set_config('client_min_messages', verbosity, true);
    RAISE NOTICE 'schema "%" upgraded from layout % to %', schema_name, v, learnerscore._layout_version('course_effects');
END
$proc$;
COMMENT ON PROCEDURE learnerscore.upgrade_course_effects_schema(text) IS
  'Brings a course-effects schema made by an earlier release up to the layout of this one, keeping every row (see learnerscore.data_schemas); a no-op (NOTICE) when it is current. 22023 / 3F000 / 55000 on a bad schema.';

-- The nightly work of a data schema in one call, for pg_cron or any scheduler
-- (docs/scheduling.md): refresh the analyst views, the daily learner series,
-- — when asked, on a schedule of its own — retrain the learner models and
-- deploy them only if their held-out metrics did not get worse, store the
-- scores dashboards read, and refresh the course effects. Each step commits on its own, so a step's locks are released as soon
-- as it is done and readers never wait for the whole night; every step is
-- logged in <schema>.nightly_log.
--
-- Transaction control rules out a SET clause on the procedure (PostgreSQL
-- forbids COMMIT in a procedure that has one), so search_path is pinned
-- transaction-locally at the start of every transaction instead (set_config
-- with is_local = true), and every call is schema-qualified.

CREATE FUNCTION learnerscore._nightly_log(schema_name text, run_id bigint, step text, started timestamptz,
                                         status text, detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    IF to_regclass(s || '.nightly_log') IS NULL THEN
        EXECUTE format($t$CREATE TABLE %s.nightly_log (
            run_id      bigint NOT NULL,
            step        text NOT NULL,
            started_at  timestamptz NOT NULL,
            finished_at timestamptz NOT NULL,
            status      text NOT NULL CHECK (status IN ('ok', 'skipped', 'failed')),
            detail      text,
            PRIMARY KEY (run_id, step))$t$, s);
        EXECUTE format('COMMENT ON TABLE %s.nightly_log IS %L', s,
            'One row per step of each learnerscore.nightly run on this schema: when it ran, whether it succeeded (ok), was not needed (skipped) or failed, and what it did or why it failed. run_id orders the runs.');
        EXECUTE format('COMMENT ON COLUMN %s.nightly_log.run_id IS %L', s, 'The run: microseconds since 2000-01-01 of its start, so later runs have larger ids.');
        EXECUTE format('COMMENT ON COLUMN %s.nightly_log.step IS %L', s,
            'refresh_analyst_views, refresh_learner_daily, retrain_learner_models, store_learner_scores or refresh_course_effects.');
        EXECUTE format('COMMENT ON COLUMN %s.nightly_log.detail IS %L', s, 'What the step did (ok, skipped) or the error with its SQLSTATE (failed).');
    END IF;
    EXECUTE format('INSERT INTO %s.nightly_log VALUES ($1, $2, $3, clock_timestamp(), $4, $5)', s)
        USING run_id, step, started, status, detail;
END
$fn$;
COMMENT ON FUNCTION learnerscore._nightly_log(text, bigint, text, timestamptz, text, text) IS
  'Internal: appends a step of a nightly run to <schema>.nightly_log (creating the table the first time).';

-- The steps a schema needs, in order: what it holds decides.
CREATE FUNCTION learnerscore._nightly_steps(schema_name text, retrain boolean) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT array_remove(ARRAY[
        CASE WHEN to_regclass(format('%I.analyst_view_cache', schema_name)) IS NOT NULL THEN 'refresh_analyst_views' END,
        CASE WHEN to_regclass(format('%I.learning_schema_ddl', schema_name)) IS NOT NULL THEN 'refresh_learner_daily' END,
        CASE WHEN retrain AND to_regclass(format('%I.learning_schema_ddl', schema_name)) IS NOT NULL THEN 'retrain_learner_models' END,
        CASE WHEN to_regclass(format('%I.learning_schema_ddl', schema_name)) IS NOT NULL THEN 'store_learner_scores' END,
        CASE WHEN to_regclass(format('%I.course_effects', schema_name)) IS NOT NULL THEN 'refresh_course_effects' END], NULL)
$fn$;
COMMENT ON FUNCTION learnerscore._nightly_steps(text, boolean) IS
  'Internal: the steps learnerscore.nightly runs for a schema, in order, from what the schema holds (analyst view caches, a learning schema, course effects).';

-- One step. Returns what it did, for the log.
CREATE FUNCTION learnerscore._nightly_step(schema_name text, step text, weeks int) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    n bigint;
    w int := weeks;
    what text;
    export_day date;   -- the day after the data: "today" of the export
    flows_running boolean := false;
BEGIN
    -- A cohort with flows that have ended and a flow that runs on the export day is trained as of that
    -- day (finished flows only) and scored as of it (the running learners); otherwise as before 0.2.0.
    IF step IN ('retrain_learner_models', 'store_learner_scores') AND to_regclass(s || '.learner_daily') IS NOT NULL
       AND to_regclass(s || '.learner_flows') IS NOT NULL THEN
        EXECUTE format('SELECT max(cur_date) + 1 FROM %s.learner_daily', s) INTO export_day;
        EXECUTE format('SELECT bool_or(flow_end <= $1) AND bool_or(flow_start <= $1 AND $1 < flow_end) FROM %s.learner_flows', s)
            INTO flows_running USING export_day;
        flows_running := coalesce(flows_running, false);
    END IF;
    CASE step
    WHEN 'refresh_analyst_views' THEN
        SELECT sum(r.row_count) INTO n FROM learnerscore.refresh_analyst_views(schema_name) r;
        RETURN format('%s rows in the analyst view caches', n);
    WHEN 'refresh_learner_daily' THEN
        CALL learnerscore.refresh_learner_daily(schema_name);
        EXECUTE format('SELECT count(*) FROM %s.learner_daily', s) INTO n;
        RETURN format('%s learner-days', n);
    WHEN 'retrain_learner_models' THEN
        IF w IS NULL AND to_regclass(s || '.learner_model_metrics') IS NOT NULL THEN
            EXECUTE format('SELECT max(week) FROM %s.learner_model_metrics', s) INTO w;
        END IF;
        w := coalesce(w, 10);
        CALL learnerscore.train_learner_models(schema_name, w, deploy => 'if_not_worse',
                                               as_of => CASE WHEN flows_running THEN export_day END);
        EXECUTE format('SELECT format(''weeks 1..%%s retrained%%s: %%s of %%s new model versions deployed (not worse held out)'', '
                       '%L, %L, models_deployed, jsonb_array_length(models)) FROM %s.learner_model_runs ORDER BY run_id DESC LIMIT 1',
                       w, CASE WHEN flows_running THEN ' as of ' || export_day || ' (finished flows)' ELSE '' END, s)
           INTO what;
        RETURN what;
    WHEN 'store_learner_scores' THEN
        IF to_regclass(s || '.learner_scores') IS NULL THEN
            RETURN NULL;   -- no learner models yet: nothing to score (logged as skipped)
        END IF;
        IF flows_running THEN
            n := learnerscore.score_learners(schema_name, export_day);
            RETURN format('%s running learners scored as of %s into learner_score_history', n, export_day);
        END IF;
        n := learnerscore.store_learner_scores(schema_name);
        RETURN format('%s learners scored into learner_score_history', n);
    WHEN 'refresh_course_effects' THEN
        CALL learnerscore.refresh_course_effects(schema_name);
        EXECUTE format('SELECT count(*) FROM %s.course_effects', s) INTO n;
        RETURN format('%s course effects', n);
    END CASE;
    RAISE EXCEPTION 'unknown nightly step "%"', step USING ERRCODE = '22023';
END
$fn$;
COMMENT ON FUNCTION learnerscore._nightly_step(text, text, int) IS
  'Internal: runs one step of learnerscore.nightly and says what it did.';

CREATE PROCEDURE learnerscore.nightly(schema_name text, retrain boolean DEFAULT false, weeks int DEFAULT NULL)
LANGUAGE plpgsql AS $proc$
DECLARE
    run bigint;
    steps text[];
    step text;
    started timestamptz;
    what text;
    failed text[] := '{}';
    code text;
    msg text;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, learnerscore, pg_temp', true);
    IF schema_name IS NULL OR pg_catalog.btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF weeks IS NOT NULL AND (weeks < 1 OR weeks > 52) THEN
        RAISE EXCEPTION 'weeks must be between 1 and 52, not %', weeks USING ERRCODE = '22023';
    END IF;
    steps := learnerscore._nightly_steps(schema_name, coalesce(retrain, false));
    IF steps = '{}' THEN
        RAISE EXCEPTION 'schema "%" is neither a learning nor a course-effects schema', schema_name
            USING ERRCODE = '22023', HINT = 'create_learning_schema or create_course_effects_schema makes one (the loader does it).';
    END IF;
    run := (extract(epoch FROM pg_catalog.clock_timestamp() - timestamptz '2000-01-01 00:00:00+00') * 1e6)::bigint;
    FOREACH step IN ARRAY steps LOOP
        started := pg_catalog.clock_timestamp();
        IF step <> 'refresh_course_effects' AND step <> 'refresh_analyst_views' AND failed <> '{}' THEN
            -- the daily series and the models build on the steps before them
            PERFORM learnerscore._nightly_log(schema_name, run, step, started, 'skipped',
                                             'an earlier step failed: ' || pg_catalog.array_to_string(failed, ', '));
        ELSE
            BEGIN
                what := learnerscore._nightly_step(schema_name, step, weeks);
                PERFORM learnerscore._nightly_log(schema_name, run, step, started,
                                                 CASE WHEN what IS NULL THEN 'skipped' ELSE 'ok' END,
                                                 coalesce(what, 'nothing to do'));
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                failed := failed || step;
                PERFORM learnerscore._nightly_log(schema_name, run, step, started, 'failed', code || ': ' || msg);
                RAISE WARNING 'nightly %: % failed: % (%)', schema_name, step, msg, code;
            END;
        END IF;
        COMMIT;   -- this step's locks go, its work stays
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, learnerscore, pg_temp', true);
    END LOOP;
    IF failed <> '{}' THEN
        RAISE EXCEPTION 'nightly run on "%" failed in %', schema_name, pg_catalog.array_to_string(failed, ', ')
            USING ERRCODE = 'P0001',
                  HINT = pg_catalog.format('SELECT * FROM %I.nightly_log WHERE run_id = %s', schema_name, run);
    END IF;
END
$proc$;
COMMENT ON PROCEDURE learnerscore.nightly(text, boolean, int) IS
  'The nightly work of a schema, in order, each step committed on its own and logged in <schema>.nightly_log: refresh the analyst view caches, refresh the daily learner series (learner_daily, statuses), with retrain => true retrain the learner models (weeks: default the weeks trained before, else 10) and deploy them only where the held-out metric did not get worse, score every learner into learner_score_history (store_learner_scores; skipped before any model is trained; a cohort whose flows have ended and one runs on the day after the data is trained as of that day and its running learners scored with score_learners), and refresh course_effects of a course-effects schema. '
  'A failed step is logged (failed, with its SQLSTATE), the steps that build on it are skipped, and the call ends in an error naming the log rows, so a scheduler (pg_cron''s cron.job_run_details) records the failure. Call it outside a transaction block (CALL at top level, as pg_cron does). docs/scheduling.md has pg_cron and systemd examples.';

-- privileges of the new routines and of data_schemas (900_privileges.sql)
DO $grants$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig, p.prokind FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.proname IN ('_layout_version', '_recorded_layout', '_stamp_layout', '_require_current_layout', 'upgrade_learning_schema', 'upgrade_course_effects_schema', '_upgrade_target', '_data_schema_parts', 'nightly', '_nightly_log', '_nightly_steps', '_nightly_step')
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON %s %s FROM PUBLIC',
                                  CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON %s %s TO learnerscore_owner',
                                  CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
    END LOOP;
END
$grants$;
REVOKE ALL ON learnerscore.data_schemas FROM PUBLIC;
GRANT SELECT ON learnerscore.data_schemas TO learnerscore_owner;
-- == lead: end

-- == lifecycle: begin (model versions, deployments, pruning, learner models per run; 300, 310, 350, 900)
-- ---------------------------------------------------------------------------
-- The model lifecycle (issue 13, item 4; docs/models.md "Versions and deployments"):
-- models.version with UNIQUE (name, version) instead of UNIQUE (name), the
-- deployment history learnerscore.model_deployments (every existing model is
-- version 1 of its name and deployed, strategy 'upgrade'), the view
-- learnerscore.deployed_models, deploy(), rollback(), prune_models(),
-- drop_model_version().
-- ---------------------------------------------------------------------------
-- a column added with a default fills existing rows without an UPDATE (the
-- registry's immutability trigger would refuse one); the default goes after
ALTER TABLE learnerscore.models ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version > 0);
ALTER TABLE learnerscore.models ALTER COLUMN version DROP DEFAULT;
ALTER TABLE learnerscore.models DROP CONSTRAINT models_name_key;
ALTER TABLE learnerscore.models ADD CONSTRAINT models_name_version_key UNIQUE (name, version);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train), one row per version of a name. Rows are immutable and written only by '
  'train(), drop_model(), drop_model_version() and prune_models(). Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.id IS 'The model''s id (never reused): predict(id, ...) scores exactly this version.';
COMMENT ON COLUMN learnerscore.models.name IS 'The model''s name; predict(name, ...) scores its deployed version (learnerscore.deployed_models).';
COMMENT ON COLUMN learnerscore.models.version IS
  'Version of the name: train() of a name that exists adds the next version (1, 2, ...; a number is never reused while the name exists).';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), held-out metrics ("validation", when train() cross-validated: params "validate"), coefficients with '
  'standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.owner IS
  'The name''s owner: the role that trained its first version (later versions keep it). Only it, its members and superusers may '
  'train new versions, deploy, roll back, prune or drop the model.';
COMMENT ON FUNCTION learnerscore.drop_model(text, boolean) IS
  'Deletes a model from the registry: every version of the name and its deployment history, so the name is free again; '
  'with if_exists, a missing model returns false instead of an error. '
  'Only the model''s owner, a member of the owning role or a superuser may drop it (42501 otherwise).';

-- Versions and deployments (docs/models.md, "Versions and deployments"): one
-- deployed version per name, which predict(name, ...) and the learner_scores
-- views use; the history of every deployment. Written like the registry: only
-- by the extension's C code (train(), deploy(), rollback(), drop_model()),
-- as the table's owner; readable by everyone; dumped by pg_dump.
CREATE TABLE learnerscore.model_deployments (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    model_id    bigint NOT NULL,
    version     int NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now(),
    deployed_by regrole NOT NULL,
    strategy    text NOT NULL CHECK (strategy IN ('trained', 'version', 'best', 'latest', 'rollback', 'upgrade')),
    note        text,
    previous_id bigint,
    rollback_to bigint,
    CONSTRAINT model_deployments_name_previous_key UNIQUE NULLS NOT DISTINCT (name, previous_id)
);
COMMENT ON TABLE learnerscore.model_deployments IS
  'History of model deployments, one row per deployment; the latest row of a name is its deployed version (learnerscore.deployed_models). '
  'Append-only, written only by train(), deploy() and rollback(); drop_model(name) deletes a name''s rows. Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.model_deployments.id IS 'Deployment number, increasing: the order of the deployments.';
COMMENT ON COLUMN learnerscore.model_deployments.name IS 'The model name.';
COMMENT ON COLUMN learnerscore.model_deployments.model_id IS 'The deployed model (learnerscore.models.id); kept when that version is dropped later.';
COMMENT ON COLUMN learnerscore.model_deployments.version IS 'The deployed version of the name.';
COMMENT ON COLUMN learnerscore.model_deployments.deployed_at IS 'When (the deploying transaction''s start).';
COMMENT ON COLUMN learnerscore.model_deployments.deployed_by IS 'The role that deployed (train(), deploy() or rollback() was called by it).';
COMMENT ON COLUMN learnerscore.model_deployments.strategy IS
  'How the version was chosen: trained (train() deployed its new version), version (deploy(name, version)), best or latest '
  '(deploy(name, strategy)), rollback (rollback(name)), upgrade (the model of a name when the registry was upgraded to 0.2.0).';
COMMENT ON COLUMN learnerscore.model_deployments.note IS 'Free text given to deploy() / rollback(), e.g. why train_learner_models deployed.';
COMMENT ON COLUMN learnerscore.model_deployments.previous_id IS
  'The deployment this one replaced (NULL for a name''s first); unique per name, so two concurrent deployments cannot both replace one.';
COMMENT ON COLUMN learnerscore.model_deployments.rollback_to IS
  'The deployment rollback(name) re-deploys from this one: the one it replaced, or for a rollback the one before the one it restored.';
CREATE INDEX model_deployments_name_id_idx ON learnerscore.model_deployments (name, id);

-- every model of 0.1.0 is version 1 of its name, deployed
INSERT INTO learnerscore.model_deployments (name, model_id, version, deployed_at, deployed_by, strategy, note)
SELECT name, id, version, trained_at, owner, 'upgrade', 'deployed when the registry was upgraded to 0.2.0'
  FROM learnerscore.models ORDER BY id;
SELECT pg_catalog.pg_extension_config_dump('learnerscore.model_deployments', '');
SELECT pg_catalog.pg_extension_config_dump('learnerscore.model_deployments_id_seq', '');

REVOKE ALL ON TABLE learnerscore.model_deployments FROM PUBLIC;
REVOKE ALL ON SEQUENCE learnerscore.model_deployments_id_seq FROM PUBLIC;
GRANT SELECT ON TABLE learnerscore.model_deployments TO PUBLIC;

CREATE FUNCTION learnerscore._model_deployments_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ls_models_guard' LANGUAGE C;
COMMENT ON FUNCTION learnerscore._model_deployments_guard() IS
  'Internal: keeps learnerscore.model_deployments append-only; rows are deleted only by drop_model(name) (checked in C, no setting).';
CREATE TRIGGER model_deployments_append_only BEFORE UPDATE OR DELETE ON learnerscore.model_deployments
    FOR EACH ROW EXECUTE FUNCTION learnerscore._model_deployments_guard();
CREATE TRIGGER model_deployments_no_truncate BEFORE TRUNCATE ON learnerscore.model_deployments
    FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._model_deployments_guard();

CREATE VIEW learnerscore.deployed_models AS
    SELECT DISTINCT ON (d.name) d.name, d.version, d.model_id, d.deployed_at, d.deployed_by, d.strategy, d.note
      FROM learnerscore.model_deployments d
     ORDER BY d.name, d.id DESC;
COMMENT ON VIEW learnerscore.deployed_models IS
  'The deployed version of each model name (its latest deployment): what predict(name, ...), explain(name, ...) and the learner_scores views use.';
COMMENT ON COLUMN learnerscore.deployed_models.name IS 'The model name.';
COMMENT ON COLUMN learnerscore.deployed_models.version IS 'The deployed version.';
COMMENT ON COLUMN learnerscore.deployed_models.model_id IS 'Its id in learnerscore.models.';
COMMENT ON COLUMN learnerscore.deployed_models.deployed_at IS 'When it was deployed.';
COMMENT ON COLUMN learnerscore.deployed_models.deployed_by IS 'Who deployed it.';
COMMENT ON COLUMN learnerscore.deployed_models.strategy IS 'How it was chosen (see learnerscore.model_deployments.strategy).';
COMMENT ON COLUMN learnerscore.deployed_models.note IS 'The note given when it was deployed.';
GRANT SELECT ON learnerscore.deployed_models TO PUBLIC;

CREATE FUNCTION learnerscore.deploy(name text, version int, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_deploy_version' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.deploy(text, int, text) IS
  'Deploys a version of a model name: predict(name, ...) uses it from the next statement on (in every session); returns the version. '
  'Deploying the version already deployed changes nothing. Recorded in learnerscore.model_deployments with the note. '
  'Only the model''s owner, its members and superusers may deploy (42501); an unknown name or version is 42704.';
CREATE FUNCTION learnerscore.deploy(name text, strategy text, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_deploy_strategy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.deploy(text, text, text) IS
  'Deploys the version a strategy picks and returns it: latest (the highest version) or best (the best held-out metric in '
  'models.metrics->''validation'' — AUC for classifiers, MAE for regression — or, when no version of the name has one, the '
  'in-sample metrics->''train''; a tie goes to the newer version). See deploy(text, int, text).';

CREATE FUNCTION learnerscore.rollback(name text, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_rollback' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.rollback(text, text) IS
  'Re-deploys the version deployed before the current one and returns it; each rollback steps one deployment further back '
  '(after deploying 1, 2, 3: rollback gives 2, then 1, then an error). Deployments of since-dropped versions are skipped. '
  'No earlier deployment: 55000. Owner, members and superusers only (42501).';

CREATE FUNCTION learnerscore.prune_models(name text, keep int DEFAULT 3) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_prune_models' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.prune_models(text, int) IS
  'Drops all but the keep newest versions of a model name, never the deployed version; returns how many versions were dropped. '
  'The deployment history stays. Owner, members and superusers only (42501).';

CREATE FUNCTION learnerscore.drop_model_version(name text, version int) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_drop_model_version' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.drop_model_version(text, int) IS
  'Drops one version of a model name; the deployed version is refused (55000: deploy another first, or drop_model(name) drops all). '
  'Unknown name or version: 42704. Owner, members and superusers only (42501).';

COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. Training a name again adds its next version '
  '(learnerscore.models.version) and deploys it unless params has "deploy": false; params "validate": k (k-fold, seed 42) or '
  '"validate_group": column (leave-one-group-out) also records held-out metrics in metrics.validation, as cross_validate()''s '
  '(with "validate", "fold_key": column draws the folds from a hash of that column, see cross_validate) '
  'pooled row (deploy(name, ''best'') uses them); a name taken by another role''s model is 42501; '
  'two train() calls of one name run one after the other. C++ buffers are bounded by learnerscore.max_train_memory (53200).';

CREATE OR REPLACE FUNCTION learnerscore.model_coefficients(model text)
    RETURNS TABLE (term text, estimate float8, std_error float8, z float8, p_value float8)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT c->>'term', (c->>'estimate')::float8, (c->>'std_error')::float8,
           (c->>'estimate')::float8 / nullif((c->>'std_error')::float8, 0),
           CASE WHEN (c->>'std_error')::float8 > 0 THEN
               2 * (1 - learnerscore._models_normal_cdf(abs((c->>'estimate')::float8 / (c->>'std_error')::float8))) END
    FROM learnerscore.models m, jsonb_array_elements(m.metrics->'coefficients') WITH ORDINALITY AS e(c, ord)
    WHERE m.id = (SELECT d.model_id FROM learnerscore.deployed_models d WHERE d.name = model_coefficients.model)
    ORDER BY ord
$$;
COMMENT ON FUNCTION learnerscore.model_coefficients(text) IS
  'Coefficients of a logistic or linear model (the deployed version of the name) with standard errors, Wald z and two-sided normal p-values.';
COMMENT ON FUNCTION learnerscore.predict(text, float8[]) IS
  'Scores one row with a model (by name: its deployed version, learnerscore.deployed_models): the probability for classifiers, the predicted value for regression. '
  'Features in the model''s order (learnerscore.models.features); NULL elements are missing values. The model is decoded once per query; '
  'one statement uses one version, a deployment made meanwhile applies from the next statement.';
COMMENT ON FUNCTION learnerscore.predict(bigint, float8[]) IS 'Scores one row with the model version given by id; see predict(text, float8[]).';

REVOKE EXECUTE ON FUNCTION learnerscore._model_deployments_guard() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.deploy(text, int, text), learnerscore.deploy(text, text, text),
    learnerscore.rollback(text, text), learnerscore.prune_models(text, int), learnerscore.drop_model_version(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore.deploy(text, int, text), learnerscore.deploy(text, text, text),
    learnerscore.rollback(text, text), learnerscore.prune_models(text, int), learnerscore.drop_model_version(text, int)
    TO learnerscore_analyst;

-- Learner models per training run (350_learner_models.sql): train_learner_models
-- keeps each run's models as new versions, records the run and appends its
-- metrics, with a deploy policy (a new argument: the procedure is re-created);
-- learner_scores scores the deployed versions; the data-schema tables come from
-- _ensure_learner_model_tables (upgrade_learning_schema calls it).
DROP PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[]);
-- The data-schema tables of the learner models, created or brought up to date
-- (a 0.1.0-layout learner_model_metrics gets its run columns, its rows become
-- run 1) without losing rows; idempotent. learnerscore.upgrade_learning_schema calls it.
CREATE OR REPLACE FUNCTION learnerscore._ensure_learner_model_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    legacy_run bigint;
    weeks int;
    base text[];
BEGIN
    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_targets (
        user_id int PRIMARY KEY, course_id int, final_status text, completion int, dropout int, m2_progress float8)$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_targets IS %L', s,
        'Training targets of the learner models: completion = m2_attestation >= 50 and m2_progress >= 50; dropout = ends asleep (status on the latest materialized day; trained as of a day: on the last day of the learner''s flow, learner_flows.flow_end - 1) or does not complete module 2.');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_runs (
        run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(),
        weeks int, algorithm text, params jsonb, base_features text[], validation text, deploy_policy text,
        models jsonb NOT NULL DEFAULT '[]', models_deployed int)$q$, s);
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(s || '.learner_model_runs')
                      AND attname = 'as_of' AND NOT attisdropped) THEN  -- (no lock taken when it is there)
        EXECUTE format('ALTER TABLE %s.learner_model_runs ADD COLUMN as_of date', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_model_runs IS %L', s,
        'One row per learnerscore.train_learner_models run: when, with what, and the models it trained (name, version, id, deployed).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.run_id IS %L', s, 'Run number (increasing); learner_model_metrics.run_id.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.deploy_policy IS %L', s,
        'always (every new model deployed), if_not_worse (deployed only when its held-out metric is not worse than the deployed version''s), never; legacy for metrics kept from before 0.2.0.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models IS %L', s,
        'The run''s models: [{"name", "version", "id", "deployed"}], one per target and week.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models_deployed IS %L', s, 'How many of the run''s models were deployed.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.as_of IS %L', s,
        'The day the run trained as of: only learners whose flow had ended by then (learner_flows.flow_end <= as_of); NULL = every learner, as before 0.2.0.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.validation IS %L', s,
        'How the held-out metrics were made: later-flow (trained on earlier finished flows, tested on the latest finished flow of each course with two), '
        'leave-one-course-out, or 5-fold (one course).');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_metrics (
        week int, target varchar(16), algorithm varchar(16), validation varchar(32), rows float8,
        auc float8, brier float8, calibration_error float8, log_loss float8, accuracy float8, mae float8, rmse float8,
        model_id bigint, trained_at timestamptz DEFAULT now())$q$, s);
    -- the 0.2.0 columns (a 0.1.0 table has none of them)
    EXECUTE format($q$ALTER TABLE %1$s.learner_model_metrics
        ADD COLUMN IF NOT EXISTS run_id bigint, ADD COLUMN IF NOT EXISTS model_name text,
        ADD COLUMN IF NOT EXISTS model_version int, ADD COLUMN IF NOT EXISTS deployed boolean,
        ADD COLUMN IF NOT EXISTS deploy_decision text$q$, s);
    -- rows from before 0.2.0 (one run, models that became version 1 and stayed deployed) become a run of their own
    EXECUTE format('SELECT 1 FROM %s.learner_model_metrics WHERE run_id IS NULL LIMIT 1', s) INTO legacy_run;
    IF legacy_run IS NOT NULL THEN
        EXECUTE format($q$INSERT INTO %1$s.learner_model_runs (trained_at, weeks, algorithm, validation, deploy_policy, models, models_deployed)
            SELECT min(trained_at), max(week), min(algorithm), min(validation), 'legacy',
                   coalesce(jsonb_agg(jsonb_build_object('name', format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                                                         'version', 1, 'id', model_id, 'deployed', true) ORDER BY target, week), '[]'),
                   count(*)
              FROM %1$s.learner_model_metrics WHERE run_id IS NULL RETURNING run_id$q$, s, schema_name) INTO legacy_run;
        EXECUTE format($q$UPDATE %1$s.learner_model_metrics
            SET run_id = $1, model_name = format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                model_version = 1, deployed = true, deploy_decision = 'trained before 0.2.0'
            WHERE run_id IS NULL$q$, s, schema_name) USING legacy_run;
    END IF;
    EXECUTE format('ALTER TABLE %s.learner_model_metrics ALTER COLUMN run_id SET NOT NULL', s);
    -- categorical columns sized for BI tools (0.1.0 made them text); a value that does not fit fails, never truncates
    IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute
         WHERE attrelid = to_regclass(s || '.learner_model_metrics') AND attname = 'target') = 'text' THEN
        EXECUTE format('DROP VIEW IF EXISTS %s.learner_model_metrics_latest', s);
        EXECUTE format('ALTER TABLE %s.learner_model_metrics ALTER COLUMN target TYPE varchar(16), '
                       'ALTER COLUMN algorithm TYPE varchar(16), ALTER COLUMN validation TYPE varchar(32)', s);
    END IF;
    -- a learner_scores view made by 0.1.0 scores fixed model ids: re-create it over the deployed versions,
    -- with the weeks and the base features its models were trained with
    IF legacy_run IS NOT NULL AND to_regclass(s || '.learner_scores') IS NOT NULL THEN
        PERFORM learnerscore._recreate_learner_scores_view(schema_name);
    END IF;
    -- one row per run, week and target (0.1.0: per week and target)
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = to_regclass(s || '.learner_model_metrics') AND contype = 'p'
                      AND pg_get_constraintdef(oid) = 'PRIMARY KEY (run_id, week, target)') THEN
        EXECUTE format('ALTER TABLE %s.learner_model_metrics DROP CONSTRAINT IF EXISTS learner_model_metrics_pkey', s);
        EXECUTE format('ALTER TABLE %s.learner_model_metrics ADD CONSTRAINT learner_model_metrics_pkey PRIMARY KEY (run_id, week, target)', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_model_metrics IS %L', s,
        'Per-run, per-week held-out metrics of the learner models (dropout, completion: AUC, Brier, calibration error; m2_progress: MAE, RMSE), '
        'from predictions on courses the model did not train on (leave-one-course-out), the model trained on all courses (name, version, id) '
        'and whether it was deployed. Every run of train_learner_models appends its rows: plot a metric over trained_at.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.run_id IS %L', s, 'The run (learner_model_runs.run_id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_id IS %L', s, 'The model trained on all courses (learnerscore.models.id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_name IS %L', s, 'Its name, <schema>.<target>_w<kk>.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_version IS %L', s, 'Its version (learnerscore.models.version).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deployed IS %L', s, 'Whether the run deployed it (the deploy policy''s decision).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deploy_decision IS %L', s, 'Why it was or was not deployed.');

    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_model_metrics_latest AS
        SELECT * FROM %1$s.learner_model_metrics WHERE run_id = (SELECT max(run_id) FROM %1$s.learner_model_metrics)$q$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_model_metrics_latest IS %L', s,
        'learner_model_metrics of the latest train_learner_models run.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._ensure_learner_model_tables(text) IS
  'Internal: creates the learner-model tables of a data schema (learner_targets, learner_model_runs, learner_model_metrics, '
  'learner_model_metrics_latest) or brings 0.1.0-layout ones up to date without losing rows; idempotent.';

CREATE OR REPLACE PROCEDURE learnerscore.train_learner_models(
    schema_name text, weeks int DEFAULT 10, algorithm text DEFAULT 'xgboost',
    params jsonb DEFAULT '{"num_round": 60, "max_depth": 3, "eta": 0.15, "subsample": 0.9, "max_bin": 32}',
    base_features text[] DEFAULT NULL, deploy text DEFAULT 'always', as_of date DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
DECLARE
    s text;
    n_test bigint := 0;
    check_name text;
    check_id bigint;
    target_algorithm text;
    k int;
    tgt text;
    feats text[];
    cv record;
    model_name text;
    new_id bigint;
    new_version int;
    ncourses int;
    validation text;
    run bigint;
    run_models jsonb := '[]';
    n_deployed int := 0;
    old_id bigint;
    old_metric float8;
    new_metric float8;
    higher_better boolean;
    metric_name text;
    do_deploy boolean;
    decision text;
BEGIN
    IF schema_name IS NULL OR weeks IS NULL OR weeks < 1 OR weeks > 52 THEN
        RAISE EXCEPTION 'schema must be given and weeks between 1 and 52' USING ERRCODE = '22023';
    END IF;
    IF deploy IS NULL OR deploy NOT IN ('always', 'if_not_worse', 'never') THEN
        RAISE EXCEPTION 'unknown deploy policy "%"', deploy USING ERRCODE = '22023',
            HINT = 'Use always, if_not_worse or never.';
    END IF;
    IF as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date' USING ERRCODE = '22023';
    END IF;
    IF schema_name IS NOT NULL AND to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_status') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    PERFORM learnerscore._create_learner_weekly_view(schema_name, weeks);
    PERFORM learnerscore._ensure_learner_model_tables(schema_name);

    -- Targets: completion and dropout, with the status on the latest materialized date. With as_of,
    -- only learners whose flow has ended by as_of (learner_flows.flow_end <= as_of: their outcome is
    -- final), with their status on the last day of their flow: training never sees a running learner.
    EXECUTE format('TRUNCATE %s.learner_targets', s);
    EXECUTE format('INSERT INTO %s.learner_targets SELECT user_id, course_id, final_status, completion, dropout, m2_progress FROM (%s) o',
                   s, learnerscore._learner_outcomes_sql(schema_name)) USING as_of;
    EXECUTE format('SELECT count(DISTINCT course_id) FROM %s.learner_targets', s) INTO ncourses;
    IF ncourses = 0 THEN
        RAISE EXCEPTION 'no learner of schema % has a final outcome as of %', schema_name, coalesce(as_of::text, 'now')
            USING ERRCODE = '22023',
            HINT = 'A flow''s outcomes are final from learner_flows.flow_end (flow start + learnerscore.flow_days); give a later as_of.';
    END IF;
    -- Held-out metrics: with as_of and a course with two finished flows, the models are tested on a
    -- later flow than they learn from (the latest finished flow of each such course; trained on the
    -- earlier ones); otherwise on held-out courses (leave-one-course-out; 5-fold with one course).
    DROP TABLE IF EXISTS _ls_test_learners;
    CREATE TEMP TABLE _ls_test_learners (user_id int PRIMARY KEY);
    IF as_of IS NOT NULL THEN
        EXECUTE format($q$INSERT INTO _ls_test_learners
            SELECT t.user_id FROM %1$s.learner_targets t JOIN %1$s.learner_flows lf USING (user_id)
              JOIN (SELECT lf2.course_id, max(lf2.flow_start) AS last_start FROM %1$s.learner_targets t2
                      JOIN %1$s.learner_flows lf2 USING (user_id)
                     GROUP BY lf2.course_id HAVING count(DISTINCT lf2.flow_start) >= 2) c
                ON c.course_id = lf.course_id AND lf.flow_start = c.last_start$q$, s);
        GET DIAGNOSTICS n_test = ROW_COUNT;
    END IF;
    validation := CASE WHEN n_test > 0 THEN 'later-flow' WHEN ncourses >= 2 THEN 'leave-one-course-out' ELSE '5-fold' END;
    EXECUTE format('INSERT INTO %s.learner_model_runs (weeks, algorithm, params, base_features, validation, deploy_policy, as_of) '
                   'VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING run_id', s)
        INTO run USING weeks, algorithm, params, base_features, validation, deploy, as_of;

    -- Aggregating straight over the learner_weekly view is slow (its expressions are
    -- re-evaluated per aggregate); materialize the week-end rows once.
    DROP TABLE IF EXISTS _ls_weekly;
    EXECUTE format('CREATE TEMP TABLE _ls_weekly AS SELECT * FROM %s.learner_weekly WHERE $1 IS NULL OR cur_date <= $1', s)
        USING as_of;
    FOR k IN 1..weeks LOOP
        DROP TABLE IF EXISTS _ls_learner_features;
        EXECUTE format('CREATE TEMP TABLE _ls_learner_features AS SELECT f.*, t.dropout, t.completion, t.m2_progress, '
                       'x.user_id IS NOT NULL AS _ls_test '
                       'FROM (%s) f JOIN %s.learner_targets t USING (user_id, course_id) '
                       'LEFT JOIN _ls_test_learners x ON x.user_id = f.user_id '
                       'ORDER BY f.user_id',  -- the same rows give the same models, whatever the plan's row order
                       learnerscore._learner_features_sql(schema_name, k, NULL, '_ls_weekly', base_features), s);
        feats := learnerscore._learner_feature_names(k, base_features);
        FOREACH tgt IN ARRAY ARRAY['dropout', 'completion', 'm2_progress'] LOOP
            -- m2_progress is a number: with logistic, its model is the linear one (ridge with params l2)
            target_algorithm := CASE WHEN tgt = 'm2_progress' AND algorithm = 'logistic' THEN 'linear' ELSE algorithm END;
            model_name := format('%s.%s_w%s', schema_name, tgt, lpad(k::text, 2, '0'));
            IF n_test > 0 THEN
                -- later-flow check: a model of the earlier flows predicts the later one, then is dropped;
                -- the model kept learns from every finished flow
                check_name := model_name || '_later_flow_check';
                PERFORM learnerscore.drop_model(check_name, true);
                check_id := learnerscore.train(check_name, 'SELECT * FROM _ls_learner_features WHERE NOT _ls_test', tgt, feats,
                                               target_algorithm, params || jsonb_build_object('deploy', false));
                EXECUTE format($q$SELECT count(*)::float8 AS test_rows, %s
                                    FROM (SELECT learnerscore.predict($1, f) AS p, f.%I::float8 AS y
                                            FROM _ls_learner_features f WHERE f._ls_test AND f.%I IS NOT NULL) x$q$,
                               CASE WHEN tgt = 'm2_progress'
                                    THEN 'NULL::float8 AS auc, NULL::float8 AS brier, NULL::float8 AS calibration_error, '
                                         'NULL::float8 AS log_loss, NULL::float8 AS accuracy, '
                                         'learnerscore.mae(p, y) AS mae, learnerscore.rmse(p, y) AS rmse'
                                    ELSE 'learnerscore.auc(p, y) AS auc, learnerscore.brier(p, y) AS brier, '
                                         'learnerscore.calibration_error(p, y) AS calibration_error, '
                                         'learnerscore.log_loss(p, y) AS log_loss, learnerscore.accuracy(p, y) AS accuracy, '
                                         'NULL::float8 AS mae, NULL::float8 AS rmse' END, tgt, tgt)
                    INTO cv USING check_id;
                PERFORM learnerscore.drop_model(check_name);
                new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, target_algorithm,
                                             params || jsonb_build_object('deploy', false));
            ELSE
                -- a new version of the name, deployed below as the policy says; train() validates it on
                -- held-out courses (leave-one-course-out; 5-fold with one course) and records that in its metrics
                new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, target_algorithm,
                                             params || jsonb_build_object('deploy', false) ||
                                             CASE WHEN ncourses >= 2 THEN '{"validate_group": "course_id"}'
                                                  ELSE '{"validate": 5}' END::jsonb);
                SELECT (v->>'rows')::float8 AS test_rows, (v->>'auc')::float8 AS auc, (v->>'brier')::float8 AS brier,
                       (v->>'calibration_error')::float8 AS calibration_error, (v->>'log_loss')::float8 AS log_loss,
                       (v->>'accuracy')::float8 AS accuracy, (v->>'mae')::float8 AS mae, (v->>'rmse')::float8 AS rmse
                  INTO cv
                  FROM learnerscore.models m, LATERAL (SELECT m.metrics->'validation' AS v) x WHERE m.id = new_id;
            END IF;
            SELECT m.version INTO new_version FROM learnerscore.models m WHERE m.id = new_id;
            -- the held-out metric: AUC (higher is better) for the classifiers, MAE (lower is better) for m2_progress
            higher_better := tgt <> 'm2_progress';
            metric_name := CASE WHEN higher_better THEN 'auc' ELSE 'mae' END;
            new_metric := CASE WHEN higher_better THEN cv.auc ELSE cv.mae END;
            SELECT d.model_id INTO old_id FROM learnerscore.deployed_models d WHERE d.name = model_name;
            old_metric := NULL;
            IF old_id IS NOT NULL THEN
                EXECUTE format('SELECT CASE WHEN $2 THEN auc ELSE mae END FROM %s.learner_model_metrics '
                               'WHERE model_id = $1 ORDER BY run_id DESC LIMIT 1', s)
                    INTO old_metric USING old_id, higher_better;
            END IF;
            IF deploy = 'always' THEN
                do_deploy := true;
                decision := 'always';
            ELSIF deploy = 'never' THEN
                do_deploy := false;
                decision := 'never';
            ELSIF old_id IS NULL THEN
                do_deploy := true;
                decision := 'if_not_worse: no version deployed';
            ELSIF old_metric IS NULL OR old_metric = 'NaN' THEN
                do_deploy := true;
                decision := 'if_not_worse: no held-out ' || metric_name || ' recorded for the deployed model ' || old_id;
            ELSE
                do_deploy := new_metric IS NOT NULL AND new_metric <> 'NaN' AND
                             CASE WHEN higher_better THEN new_metric >= old_metric ELSE new_metric <= old_metric END;
                decision := format('if_not_worse: held-out %s %s %s than %s of the deployed model %s',
                                   metric_name, round(new_metric::numeric, 4),
                                   CASE WHEN do_deploy THEN 'not worse' ELSE 'worse' END, round(old_metric::numeric, 4), old_id);
            END IF;
            IF do_deploy THEN
                PERFORM learnerscore.deploy(model_name, new_version, format('train_learner_models run %s: %s', run, decision));
                n_deployed := n_deployed + 1;
            END IF;
            run_models := run_models || jsonb_build_object('name', model_name, 'version', new_version, 'id', new_id,
                                                           'deployed', do_deploy);
            EXECUTE format('INSERT INTO %s.learner_model_metrics (week, target, algorithm, validation, rows, auc, brier, '
                           'calibration_error, log_loss, accuracy, mae, rmse, model_id, trained_at, run_id, model_name, '
                           'model_version, deployed, deploy_decision) '
                           'SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13, r.trained_at, r.run_id, $14, $15, $16, $17 '
                           'FROM %s.learner_model_runs r WHERE r.run_id = $18', s, s)
                USING k, tgt, algorithm, validation, cv.test_rows, cv.auc, cv.brier, cv.calibration_error, cv.log_loss,
                      cv.accuracy, cv.mae, cv.rmse, new_id, model_name, new_version, do_deploy, decision, run;
        END LOOP;
    END LOOP;
    DROP TABLE IF EXISTS _ls_learner_features;
    DROP TABLE IF EXISTS _ls_weekly;
    DROP TABLE IF EXISTS _ls_test_learners;
    EXECUTE format('UPDATE %s.learner_model_runs SET models = $1, models_deployed = $2 WHERE run_id = $3', s)
        USING run_models, n_deployed, run;
    IF EXISTS (SELECT 1 FROM generate_series(1, weeks) j, unnest(ARRAY['dropout', 'completion', 'm2_progress']) t
                WHERE NOT EXISTS (SELECT 1 FROM learnerscore.deployed_models d
                                   WHERE d.name = format('%s.%s_w%s', schema_name, t, lpad(j::text, 2, '0')))) THEN
        RAISE NOTICE 'learner models of schema % are not all deployed: %.learner_scores was not (re)created', schema_name, s
            USING HINT = 'Deploy them with learnerscore.deploy(name, version), or train with deploy => ''always''.';
    ELSE
        PERFORM learnerscore._create_learner_scores_view(schema_name, weeks, base_features);
    END IF;
    PERFORM learnerscore._comment_bi_views(schema_name);  -- column comments of learner_scores, learner_model_metrics (190)
END
$proc$;
COMMENT ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text, date) IS
  'Trains, for each week k = 1..weeks, models of dropout, completion and m2_progress on the leak-free week-k features '
  'as new versions of <schema>.<target>_w<kk> in learnerscore.models (earlier versions are kept: prune them with prune_models), '
  'records the run in <schema>.learner_model_runs and appends its leave-one-course-out metrics to <schema>.learner_model_metrics, '
  'deploys the new models as deploy says (always; if_not_worse: per target and week, only when the held-out AUC, or MAE for '
  'm2_progress, is not worse than that of the deployed version; never), and creates the view <schema>.learner_scores over the deployed versions. '
  'base_features (default learnerscore.learner_model_features()) are the learner_daily columns used per week. '
  'With as_of, only learners whose flow has ended by as_of (learner_flows.flow_end <= as_of: final outcomes) and their data up to as_of '
  'are used, and where a course has two finished flows the held-out metrics come from its latest finished flow, predicted by a model of the '
  'earlier ones (validation later-flow); without as_of every learner counts, as before. '
  'Run CALL learnerscore.refresh_learner_daily(schema) first.';

CREATE OR REPLACE FUNCTION learnerscore._create_learner_scores_view(schema_name text, weeks int, base_features text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    branches text := '';
    features text := '';
    week_features text;
    dist boolean := learnerscore._schema_distributed(schema_name);
    k int;
    d text; c text; p text;
BEGIN
    FOR k IN 1..weeks LOOP
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        IF (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3 THEN
            RAISE EXCEPTION 'the week-% learner models of schema % are missing', k, schema_name USING ERRCODE = '42704',
                HINT = 'Run CALL learnerscore.train_learner_models(schema) first.';
        END IF;
        week_features := learnerscore._learner_features_sql(schema_name, k,
            format('u.user_id IN (SELECT user_id FROM cw WHERE cw.week = %s)', k), 'lw', base_features);
        branches := branches || CASE WHEN k > 1 THEN ' UNION ALL ' ELSE '' END || format(
            $q$SELECT f.user_id, f.course_id, %2$s AS week,
                      learnerscore.predict(%3$L::text, f) AS dropout_probability,
                      learnerscore.predict(%4$L::text, f) AS completion_probability,
                      greatest(0, least(100, learnerscore.predict(%5$L::text, f))) AS predicted_m2_progress,
                      learnerscore.explain(%3$L::text, f) AS contributions, to_jsonb(f) AS features,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %3$L) AS dropout_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %4$L) AS completion_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %5$L) AS progress_model_id
                 FROM %1$s f$q$,
            CASE WHEN dist THEN format('f%s', k) ELSE '(' || week_features || ')' END, k, d, c, p);
        -- Distributed (Citus): each week's features are materialized first (the shards compute
        -- them), so that the models score on the coordinator, which holds the registry.
        IF dist THEN
            features := features || format(', f%s AS MATERIALIZED (%s)', k, week_features);
        END IF;
    END LOOP;
    -- A learner is scored with the models of the last week of its flow completed on the latest day
    -- (at most `weeks`, at least 1).
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores AS
        WITH lw AS MATERIALIZED (SELECT * FROM %1$s.learner_weekly),
        cw AS (
            SELECT lf.user_id,
                   least(%2$s, greatest(1, ((SELECT max(cur_date) FROM %1$s.learner_daily) - lf.flow_start + 1) / 7))::int AS week
              FROM %1$s.learner_flows lf),
        norms AS MATERIALIZED (%4$s)%5$s,
        scored AS %6$s (%3$s)
        SELECT sc.user_id, sc.course_id, ls.status, sc.dropout_probability, sc.completion_probability,
               sc.predicted_m2_progress,
               rank() OVER (PARTITION BY sc.course_id ORDER BY sc.dropout_probability DESC)::int AS risk_rank,
               ARRAY(SELECT e->>'sentence' FROM jsonb_array_elements(r.reasons) e) AS top_reasons, sc.week AS model_week,
               sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id,
               learnerscore.risk_band(sc.dropout_probability) AS band,
               ls.status IS DISTINCT FROM 'asleep' AS reachable,
               r.reasons AS reason_contributions
          FROM scored sc LEFT JOIN %1$s.learner_status ls ON ls.user_id = sc.user_id
          LEFT JOIN norms nm ON nm.course_id = sc.course_id
          CROSS JOIN LATERAL (SELECT learnerscore.explain_reasons(sc.contributions, sc.features, nm.norms, 3) AS reasons OFFSET 0) r$q$,
        s, weeks, branches, learnerscore._course_norms_sql(schema_name, 'lw', base_features), features,
        CASE WHEN dist THEN 'MATERIALIZED' ELSE '' END);
    EXECUTE format('COMMENT ON VIEW %s.learner_scores IS %L', s,
        'Scored learners on the latest date: activity status, dropout and completion probabilities, predicted m2_progress, '
        'risk_rank within the course (1 = contact first), top_reasons (the three features that raise the dropout risk most, as sentences '
        'comparing the learner with the course norm at the same week, in the language of learnerscore.language), '
        'band (learnerscore.risk_band), reachable (not asleep), reason_contributions (the reasons with values, norms, directions and model contributions), '
        'the course week whose models were used and the model ids: the deployed versions (learnerscore.deployed_models) at the time of the query. '
        'Made by learnerscore.train_learner_models.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_scores_view(text, int, text[]) IS 'Internal: (re)creates <schema>.learner_scores over the deployed versions of the weekly models.';

REVOKE EXECUTE ON FUNCTION learnerscore._ensure_learner_model_tables(text) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._ensure_learner_model_tables(text) TO learnerscore_owner;
GRANT EXECUTE ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text, date) TO learnerscore_owner;
-- == lifecycle: end

-- == reasons14: begin (issue 14 item 2: reasons as sentences against the course norm, risk bands from settings,
-- reachable; new: ru_plural, reason_sentence, explain_reasons, risk_band, _course_norms_sql; changed:
-- _create_learner_scores_view (350), _bi_column_comments, create_bi_views, store_learner_scores (190))
CREATE FUNCTION learnerscore.ru_plural(n float8, one text, few text, many text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT CASE WHEN n IS NULL THEN many
                WHEN n <> trunc(n) THEN few  -- a fraction takes the genitive singular: 2,5 часа
                WHEN abs(n)::numeric % 100 BETWEEN 11 AND 14 THEN many
                WHEN abs(n)::numeric % 10 = 1 THEN one
                WHEN abs(n)::numeric % 10 BETWEEN 2 AND 4 THEN few
                ELSE many END
$$;
COMMENT ON FUNCTION learnerscore.ru_plural(float8, text, text, text) IS
  'The Russian noun form that follows the count n: one (1, 21, 101), few (2-4, 22-24, and fractions) or many (0, 5-20, 11-14, 25...): '
  'ru_plural(3, ''вход'', ''входа'', ''входов'') = ''входа''.';

CREATE FUNCTION learnerscore.reason_sentence(feature text, value float8, norm float8, language text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    lang text := coalesce(language, nullif(current_setting('learnerscore.language', true), ''), 'en');
    base text := coalesce(substring(feature FROM '^(.*)_[0-9]+_week$'), feature);
    wk int := substring(feature FROM '_([0-9]+)_week$')::int;
    t record;
    v text; nv text; body text;
BEGIN
    IF lang NOT IN ('en', 'ru') THEN
        RAISE EXCEPTION 'invalid language "%": the reasons are in en or ru', lang USING ERRCODE = '22023';
    END IF;
    IF feature IS NULL THEN
        RETURN NULL;
    END IF;
    -- {v} the value, {n} the Russian noun form for it, {w} the week, {W} "за k недель".
    SELECT * INTO t FROM (VALUES
        ('payment',  'paid for the course: {v}', 'оплата курса: {v}', NULL, NULL, NULL),
        ('m2_delay', '{v} days late on the module-2 attestation by week {w}', '{v} {n} просрочки аттестации модуля 2 {W}', 'день', 'дня', 'дней'),
        ('sum_auth', '{v} log-ins by week {w}', '{v} {n} {W}', 'вход', 'входа', 'входов'),
        ('view_delay_first', '{v} days on average before first viewing an activity, by week {w}',
                             'в среднем {v} {n} до первого просмотра материала {W}', 'день', 'дня', 'дней'),
        ('view_delay_sum', '{v} days opened activities waited unviewed by week {w}',
                           '{v} {n} ожидания открытых материалов без просмотра {W}', 'день', 'дня', 'дней'),
        ('sum_activity_viewed', '{v} activities viewed by week {w}', '{v} {n} {W}',
                                'просмотренный материал', 'просмотренных материала', 'просмотренных материалов'),
        ('w_view_hours', '{v} webinar hours watched by week {w}', '{v} {n} просмотра вебинаров {W}', 'час', 'часа', 'часов'),
        ('sum_exercise', '{v} exercises solved by week {w}', '{v} {n} {W}',
                         'решённое упражнение', 'решённых упражнения', 'решённых упражнений'),
        ('sum_required_exercises', '{v} required exercises solved by week {w}', '{v} {n} {W}',
                         'решённое обязательное упражнение', 'решённых обязательных упражнения', 'решённых обязательных упражнений'),
        ('exercise_delay_sum', '{v} days of attempts past deadlines in total by week {w}',
                               '{v} {n} просрочки попыток в сумме {W}', 'день', 'дня', 'дней'),
        ('result_delay_sum', '{v} days of passed exercises past deadlines in total by week {w}',
                             '{v} {n} просрочки сданных упражнений в сумме {W}', 'день', 'дня', 'дней'),
        ('sum_exercise_attempts_mean', '{v} attempts per exercise by week {w}', '{v} {n} на упражнение {W}',
                                       'попытка', 'попытки', 'попыток'),
        ('sum_result', 'total exercise score {v} by week {w}', 'суммарный балл за упражнения {W}: {v}', NULL, NULL, NULL),
        ('mean_result', 'mean exercise score {v} by week {w}', 'средний балл за упражнения {W}: {v}', NULL, NULL, NULL),
        ('progress', 'progress {v}% (exercises solved of opened) by week {w}',
                     'прогресс {v}% (решено из открытых упражнений) {W}', NULL, NULL, NULL),
        ('conn', '{v} webinar connections by week {w}', '{v} {n} к вебинарам {W}', 'подключение', 'подключения', 'подключений'),
        ('age', 'age {v}', 'возраст {v}', NULL, NULL, NULL),
        ('time_zone', 'time zone UTC{v}', 'часовой пояс UTC{v}', NULL, NULL, NULL),
        ('tg_bot', 'Telegram bot: {v}', 'Telegram-бот: {v}', NULL, NULL, NULL))
        AS x(name, en, ru, one, few, many) WHERE x.name = base;
    v := CASE WHEN value IS NULL THEN NULL
              WHEN base = 'payment' THEN CASE WHEN round(value) >= 1 THEN 'yes' ELSE 'no' END
              WHEN base = 'tg_bot' THEN CASE round(value) WHEN 1 THEN 'on' WHEN 2 THEN 'stopped' ELSE 'none' END
              WHEN value = trunc(value) THEN trunc(value)::numeric::text
              ELSE trim_scale(round(value::numeric, 1))::text END;
    nv := CASE WHEN norm IS NULL THEN NULL
               WHEN base = 'payment' THEN CASE WHEN round(norm) >= 1 THEN 'yes' ELSE 'no' END
               WHEN base = 'tg_bot' THEN CASE round(norm) WHEN 1 THEN 'on' WHEN 2 THEN 'stopped' ELSE 'none' END
               WHEN norm = trunc(norm) THEN trunc(norm)::numeric::text
               ELSE trim_scale(round(norm::numeric, 1))::text END;
    IF base = 'time_zone' THEN
        v := CASE WHEN value >= 0 THEN '+' ELSE '' END || v;
        nv := CASE WHEN norm >= 0 THEN '+' ELSE '' END || nv;
    END IF;
    IF lang = 'ru' THEN
        v := CASE v WHEN 'yes' THEN 'да' WHEN 'no' THEN 'нет' WHEN 'on' THEN 'подключён' WHEN 'stopped' THEN 'отключён'
                    WHEN 'none' THEN 'не подключён' ELSE replace(v, '.', ',') END;
        nv := CASE nv WHEN 'yes' THEN 'да' WHEN 'no' THEN 'нет' WHEN 'on' THEN 'подключён' WHEN 'stopped' THEN 'отключён'
                      WHEN 'none' THEN 'не подключён' ELSE replace(nv, '.', ',') END;
    END IF;
    IF t.name IS NULL OR value IS NULL THEN  -- a feature without a template, or no value: its label
        body := learnerscore.feature_label(feature) || ': ' || coalesce(v, CASE lang WHEN 'ru' THEN 'нет данных' ELSE 'no data' END);
    ELSIF lang = 'ru' THEN
        body := replace(replace(replace(replace(t.ru, '{v}', v), '{n}', coalesce(learnerscore.ru_plural(value, t.one, t.few, t.many), '')),
                        '{W}', CASE WHEN wk IS NULL THEN '' ELSE 'за ' || wk || ' ' || learnerscore.ru_plural(wk, 'неделю', 'недели', 'недель') END),
                        '{w}', coalesce(wk::text, ''));
    ELSE
        body := replace(replace(t.en, '{v}', v), '{w}', coalesce(wk::text, ''));
        IF value = 1 THEN  -- "1 log-in", "1 day", "1 activity"
            body := regexp_replace(regexp_replace(body, '^1 (log-in|day|webinar hour|exercise|required exercise|attempt|webinar connection)s', '1 \1'),
                                   '^1 activities', '1 activity');
        END IF;
    END IF;
    RETURN body || CASE WHEN lang = 'ru' THEN '; обычно на курсе: ' ELSE '; typical for this course: ' END
                || coalesce(nv, CASE lang WHEN 'ru' THEN 'нет данных' ELSE 'no data' END);
END
$fn$;
COMMENT ON FUNCTION learnerscore.reason_sentence(text, float8, float8, text) IS
  'A plain sentence for a model feature, the learner''s value and the course norm: reason_sentence(''sum_auth_3_week'', 3, 9) = '
  '''3 log-ins by week 3; typical for this course: 9''. language en or ru (default: the setting learnerscore.language); '
  'Russian counts take the right plural form (learnerscore.ru_plural). A feature without a template is named by feature_label.';

CREATE FUNCTION learnerscore.explain_reasons(contributions jsonb, features jsonb, norms jsonb, n int DEFAULT 3,
                                             language text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    lang text := coalesce(language, nullif(current_setting('learnerscore.language', true), ''), 'en');
BEGIN
    IF lang NOT IN ('en', 'ru') THEN
        RAISE EXCEPTION 'invalid language "%": the reasons are in en or ru', lang USING ERRCODE = '22023';
    END IF;
    -- As top_reasons: the weekly copies of a feature are added up, the latest week's value is quoted,
    -- only features that raise the score count; the norm is the course's at that same week.
    RETURN (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'feature', last_key, 'value', fv, 'norm', nv,
               'direction', CASE WHEN fv IS NULL OR nv IS NULL THEN NULL WHEN fv < nv THEN 'below'
                                 WHEN fv > nv THEN 'above' ELSE 'typical' END,
               'contribution', round(c::numeric, 4),
               'sentence', learnerscore.reason_sentence(last_key, fv, nv, lang)) ORDER BY c DESC), '[]'::jsonb)
    FROM (SELECT base, sum(v) AS c, (array_agg(key ORDER BY wk DESC))[1] AS last_key
          FROM (SELECT key, value::float8 AS v,
                       coalesce(substring(key FROM '^(.*)_[0-9]+_week$'), key) AS base,
                       coalesce(substring(key FROM '_([0-9]+)_week$')::int, 0) AS wk
                FROM jsonb_each_text(contributions)
                WHERE key NOT IN ('(bias)', '(intercept)') AND value IS NOT NULL) e
          GROUP BY base
          HAVING sum(v) > 0
          ORDER BY sum(v) DESC
          LIMIT greatest(n, 0)) t,
         LATERAL (SELECT (features->>last_key)::float8 AS fv, (norms->>last_key)::float8 AS nv) x);
END
$fn$;
COMMENT ON FUNCTION learnerscore.explain_reasons(jsonb, jsonb, jsonb, int, text) IS
  'The n features that push a score up most (from learnerscore.explain() output; weekly copies of a feature summed) as a jsonb array of '
  '{feature, value, norm, direction (below, above or typical against the norm; NULL when either is unknown), contribution (log-odds or SHAP, '
  'for analysts), sentence (learnerscore.reason_sentence in the given language, default learnerscore.language)}; norms maps feature names to the course norm.';

CREATE FUNCTION learnerscore.risk_band(probability float8) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    h float8 := coalesce(nullif(current_setting('learnerscore.risk_band_high', true), '')::float8, 0.7);
    m float8 := coalesce(nullif(current_setting('learnerscore.risk_band_medium', true), '')::float8, 0.4);
BEGIN
    IF m > h THEN
        RAISE EXCEPTION 'learnerscore.risk_band_medium (%) is above learnerscore.risk_band_high (%)', m, h USING ERRCODE = '22023',
            HINT = 'Set learnerscore.risk_band_medium <= learnerscore.risk_band_high.';
    END IF;
    RETURN CASE WHEN probability IS NULL THEN NULL WHEN probability >= h THEN 'high'
                WHEN probability >= m THEN 'medium' ELSE 'low' END;
END
$fn$;
COMMENT ON FUNCTION learnerscore.risk_band(float8) IS
  'Dropout-risk band of a probability: high (>= learnerscore.risk_band_high, default 0.7), medium (>= learnerscore.risk_band_medium, default 0.4) '
  'or low; NULL for NULL. Fails with 22023 when the medium threshold is above the high one.';

CREATE FUNCTION learnerscore._course_norms_sql(schema_name text, weekly_relation text, base_features text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    vals text;
BEGIN
    SELECT string_agg(format('(%L, w.%I::float8)', f, f), ', ') INTO vals
      FROM unnest(coalesce(base_features, learnerscore.learner_model_features())) f;
    RETURN format($q$SELECT course_id, jsonb_object_agg(k, med) AS norms FROM (
        SELECT w.course_id, v.name || '_' || w.week || '_week' AS k,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY v.val) AS med
          FROM %2$s w CROSS JOIN LATERAL (VALUES %3$s) AS v(name, val)
         GROUP BY 1, 2
        UNION ALL
        SELECT u.course_id, v.name, percentile_cont(0.5) WITHIN GROUP (ORDER BY v.val)
          FROM %1$s.users u LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
         CROSS JOIN LATERAL (VALUES ('age', a.age::float8), ('time_zone', learnerscore.tz_hours(a.time_zone)),
                                    ('tg_bot', u.tg_bot::float8)) AS v(name, val)
         GROUP BY 1, 2) m
        WHERE med IS NOT NULL GROUP BY course_id$q$, s, weekly_relation, vals);
END
$fn$;
COMMENT ON FUNCTION learnerscore._course_norms_sql(text, text, text[]) IS
  'Internal: the query of the course norms behind the reasons (course_id, norms jsonb: feature -> the median over the course''s learners at the same course week).';

CREATE OR REPLACE FUNCTION learnerscore._create_learner_scores_view(schema_name text, weeks int, base_features text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    branches text := '';
    features text := '';
    week_features text;
    dist boolean := learnerscore._schema_distributed(schema_name);
    k int;
    d text; c text; p text;
BEGIN
    FOR k IN 1..weeks LOOP
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        IF (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3 THEN
            RAISE EXCEPTION 'the week-% learner models of schema % are missing', k, schema_name USING ERRCODE = '42704',
                HINT = 'Run CALL learnerscore.train_learner_models(schema) first.';
        END IF;
        week_features := learnerscore._learner_features_sql(schema_name, k,
            format('u.user_id IN (SELECT user_id FROM cw WHERE cw.week = %s)', k), 'lw', base_features);
        branches := branches || CASE WHEN k > 1 THEN ' UNION ALL ' ELSE '' END || format(
            $q$SELECT f.user_id, f.course_id, %2$s AS week,
                      learnerscore.predict(%3$L::text, f) AS dropout_probability,
                      learnerscore.predict(%4$L::text, f) AS completion_probability,
                      greatest(0, least(100, learnerscore.predict(%5$L::text, f))) AS predicted_m2_progress,
                      learnerscore.explain(%3$L::text, f) AS contributions, to_jsonb(f) AS features,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %3$L) AS dropout_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %4$L) AS completion_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %5$L) AS progress_model_id
                 FROM %1$s f$q$,
            CASE WHEN dist THEN format('f%s', k) ELSE '(' || week_features || ')' END, k, d, c, p);
        -- Distributed (Citus): each week's features are materialized first (the shards compute
        -- them), so that the models score on the coordinator, which holds the registry.
        IF dist THEN
            features := features || format(', f%s AS MATERIALIZED (%s)', k, week_features);
        END IF;
    END LOOP;
    -- A learner is scored with the models of the last week of its flow completed on the latest day
    -- (at most `weeks`, at least 1).
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores AS
        WITH lw AS MATERIALIZED (SELECT * FROM %1$s.learner_weekly),
        cw AS (
            SELECT lf.user_id,
                   least(%2$s, greatest(1, ((SELECT max(cur_date) FROM %1$s.learner_daily) - lf.flow_start + 1) / 7))::int AS week
              FROM %1$s.learner_flows lf),
        norms AS MATERIALIZED (%4$s)%5$s,
        scored AS %6$s (%3$s)
        SELECT sc.user_id, sc.course_id, ls.status, sc.dropout_probability, sc.completion_probability,
               sc.predicted_m2_progress,
               rank() OVER (PARTITION BY sc.course_id ORDER BY sc.dropout_probability DESC)::int AS risk_rank,
               ARRAY(SELECT e->>'sentence' FROM jsonb_array_elements(r.reasons) e) AS top_reasons, sc.week AS model_week,
               sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id,
               learnerscore.risk_band(sc.dropout_probability) AS band,
               ls.status IS DISTINCT FROM 'asleep' AS reachable,
               r.reasons AS reason_contributions
          FROM scored sc LEFT JOIN %1$s.learner_status ls ON ls.user_id = sc.user_id
          LEFT JOIN norms nm ON nm.course_id = sc.course_id
          CROSS JOIN LATERAL (SELECT learnerscore.explain_reasons(sc.contributions, sc.features, nm.norms, 3) AS reasons OFFSET 0) r$q$,
        s, weeks, branches, learnerscore._course_norms_sql(schema_name, 'lw', base_features), features,
        CASE WHEN dist THEN 'MATERIALIZED' ELSE '' END);
    EXECUTE format('COMMENT ON VIEW %s.learner_scores IS %L', s,
        'Scored learners on the latest date: activity status, dropout and completion probabilities, predicted m2_progress, '
        'risk_rank within the course (1 = contact first), top_reasons (the three features that raise the dropout risk most, as sentences '
        'comparing the learner with the course norm at the same week, in the language of learnerscore.language), '
        'band (learnerscore.risk_band), reachable (not asleep), reason_contributions (the reasons with values, norms, directions and model contributions), '
        'the course week whose models were used and the model ids: the deployed versions (learnerscore.deployed_models) at the time of the query. '
        'Made by learnerscore.train_learner_models.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_scores_view(text, int, text[]) IS 'Internal: (re)creates <schema>.learner_scores over the deployed versions of the weekly models.';

CREATE OR REPLACE FUNCTION learnerscore._bi_column_comments(OUT rel text, OUT col text, OUT txt text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, c, t FROM (VALUES
        ('learner_scores', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_scores', 'course_id', 'course of the learner (users.course_id); NULL when the learner has no course'),
        ('learner_scores', 'status', 'activity status on the latest materialized date: active, falling_asleep or asleep; NULL when the learner has no status row'),
        ('learner_scores', 'dropout_probability', 'probability (0-1) that the learner ends asleep or does not complete module 2, from the week model of the course; NULL when the model cannot score the row'),
        ('learner_scores', 'completion_probability', 'probability (0-1) of completing module 2 (m2_attestation >= 50 and m2_progress >= 50); NULL when the model cannot score the row'),
        ('learner_scores', 'predicted_m2_progress', 'predicted final m2_progress, clamped to 0-100; NULL when the model cannot score the row'),
        ('learner_scores', 'risk_rank', 'rank of dropout_probability within the course, 1 = contact first (ties share a rank); NULL when dropout_probability is NULL'),
        ('learner_scores', 'top_reasons', 'up to three features that raise the dropout risk most, as sentences comparing the learner with the course norm (median) at the same week, e.g. "3 log-ins by week 4; typical for this course: 9", in the language of learnerscore.language (an array; BI tools over ODBC should read learner_scores_latest.reason_1..reason_3); empty when none raises it'),
        ('learner_scores', 'band', 'dropout-risk band: high (dropout_probability >= learnerscore.risk_band_high, default 0.7), medium (>= learnerscore.risk_band_medium, default 0.4) or low, with the settings of the reading session; NULL when dropout_probability is NULL'),
        ('learner_scores', 'reachable', 'true when the learner is not asleep (learner_status.status is not asleep; also true when the learner has no status row): whom a tutor can still reach'),
        ('learner_scores', 'reason_contributions', 'the reasons of top_reasons for analysts: a jsonb array of {feature, value, norm (the course median at the same week), direction (below, above or typical), contribution (log-odds or SHAP of the dropout model, summed over the weekly copies), sentence}; empty array when none raises the risk'),
        ('learner_scores', 'model_week', 'course week whose models scored the learner (the last completed week, at least 1)'),
        ('learner_scores', 'dropout_model_id', 'learnerscore.models.id of the dropout model used'),
        ('learner_scores', 'completion_model_id', 'learnerscore.models.id of the completion model used'),
        ('learner_scores', 'progress_model_id', 'learnerscore.models.id of the m2_progress model used'),
        ('learner_score_history', 'as_of', 'the day the scores describe (latest day of learner_activity when stored); never NULL'),
        ('learner_score_history', 'scored_at', 'when learnerscore.store_learner_scores stored the snapshot (timestamptz, shown in the session time zone); never NULL'),
        ('learner_score_history', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_score_history', 'course_id', 'course of the learner; NULL when the learner has no course'),
        ('learner_score_history', 'status', 'activity status on as_of: active, falling_asleep or asleep; NULL when the learner had no status row'),
        ('learner_score_history', 'band', 'dropout-risk band: high (dropout_probability >= learnerscore.risk_band_high, default 0.7), medium (>= learnerscore.risk_band_medium, default 0.4) or low, with the settings of the storing session; NULL when dropout_probability is NULL'),
        ('learner_score_history', 'reachable', 'true when the learner was not asleep on as_of (status is not asleep, or unknown); NULL in rows stored before the column existed'),
        ('learner_score_history', 'dropout_probability', 'probability (0-1) of dropping out; NULL when the model could not score the learner'),
        ('learner_score_history', 'completion_probability', 'probability (0-1) of completing module 2; NULL when the model could not score the learner'),
        ('learner_score_history', 'predicted_m2_progress', 'predicted final m2_progress (0-100); NULL when the model could not score the learner'),
        ('learner_score_history', 'risk_rank', 'rank of dropout_probability within the course in this snapshot, 1 = contact first; NULL when dropout_probability is NULL'),
        ('learner_score_history', 'reason_1', 'the feature that raises the dropout risk most, as a sentence comparing the learner with the course norm (learner_scores.top_reasons); NULL when no feature raises it'),
        ('learner_score_history', 'reason_2', 'the second reason; NULL when there are fewer than two'),
        ('learner_score_history', 'reason_3', 'the third reason; NULL when there are fewer than three'),
        ('learner_score_history', 'model_week', 'course week whose models scored the learner; NULL when unknown'),
        ('learner_score_history', 'dropout_model_id', 'learnerscore.models.id of the dropout model used; NULL when unknown'),
        ('learner_score_history', 'completion_model_id', 'learnerscore.models.id of the completion model used; NULL when unknown'),
        ('learner_score_history', 'progress_model_id', 'learnerscore.models.id of the m2_progress model used; NULL when unknown'),
        ('learner_status', 'user_id', 'learner (users.user_id); never NULL'),
        ('learner_status', 'course_id', 'course of the learner; NULL when the learner has no course'),
        ('learner_status', 'as_of', 'the latest materialized day (learner_activity); never NULL'),
        ('learner_status', 'status', 'active, falling_asleep or asleep (thresholds of the last refresh, default 7 and 20 days); NULL when neither an event nor the course start is known'),
        ('learner_status', 'days_inactive', 'days since the last activity event (or since the course start when none); NULL when neither is known'),
        ('learner_status', 'last_activity_at', 'time of the last log-in, page view, result or webinar connection (timestamp without time zone, as the platform logged it); NULL when none yet'),
        ('learner_status', 'module', 'module of the most recently opened activity; NULL before the course start'),
        ('learner_status', 'theme_id', 'theme of the most recently opened activity; NULL before the course start'),
        ('learner_status', 'task_id', 'task of the most recently opened activity; NULL before the course start'),
        ('status_daily', 'course_id', 'course; NULL for learners without a course'),
        ('status_daily', 'status_date', 'the day (as of its end); never NULL'),
        ('status_daily', 'status', 'active, falling_asleep or asleep; NULL counts learners with no known status that day'),
        ('status_daily', 'learners', 'learners of the course with this status that day (integer); never NULL'),
        ('status_daily', 'share', 'learners / all learners of the course that day (0-1); never NULL'),
        ('critical_points', 'course_id', 'course; NULL for learners without a course'),
        ('critical_points', 'module', 'module of the task; NULL when the learner had no opened activity yet'),
        ('critical_points', 'theme_id', 'theme of the task; NULL when the learner had no opened activity yet'),
        ('critical_points', 'theme', 'theme name (activities_guide); NULL when the task is not in activities_guide'),
        ('critical_points', 'task_id', 'the most recently opened task when the learners moved; NULL when none was opened yet'),
        ('critical_points', 'task', 'task name (activities_guide.exercise); NULL when the task is not in activities_guide'),
        ('learner_model_metrics', 'week', 'course week k of the model (features of weeks 1..k); never NULL'),
        ('learner_model_metrics', 'target', 'dropout, completion or m2_progress; never NULL'),
        ('learner_model_metrics', 'algorithm', 'the training algorithm (e.g. xgboost)'),
        ('learner_model_metrics', 'validation', 'leave-one-course-out (two or more courses) or 5-fold'),
        ('learner_model_metrics', 'rows', 'held-out rows the metrics were computed on'),
        ('learner_model_metrics', 'auc', 'ROC AUC on held-out rows (0.5 = guessing, 1 = perfect); NULL for m2_progress and when one class is missing'),
        ('learner_model_metrics', 'brier', 'Brier score (mean squared error of the probability, 0 = perfect); NULL for m2_progress'),
        ('learner_model_metrics', 'calibration_error', 'expected calibration error (ECE): mean |predicted - observed| over probability bins, weighted by bin size; NULL for m2_progress'),
        ('learner_model_metrics', 'log_loss', 'log loss of the probability; NULL for m2_progress'),
        ('learner_model_metrics', 'accuracy', 'share of correct classifications at 0.5; NULL for m2_progress'),
        ('learner_model_metrics', 'mae', 'mean absolute error of the predicted m2_progress (progress points); NULL for the classifiers'),
        ('learner_model_metrics', 'rmse', 'root mean squared error of the predicted m2_progress; NULL for the classifiers'),
        ('learner_model_metrics', 'model_id', 'learnerscore.models.id of the model trained on all courses; NULL when it was dropped'),
        ('learner_model_metrics', 'trained_at', 'when the metrics were computed (timestamptz, shown in the session time zone)'),
        ('course_effects', 'course_id', 'course (courses_info.course_id); never NULL'),
        ('course_effects', 'kpi', 'KPI of the communications: csat, handle_time or resolved_rate (kpi_settings)'),
        ('course_effects', 'department', 'department, or ALL for every department together; never NULL'),
        ('course_effects', 'method', 'naive (difference in means), regression, aipw or iv'),
        ('course_effects', 'estimate', 'effect of the course on the KPI, in the KPI''s units; NULL when the estimator had too few rows or no variation'),
        ('course_effects', 'std_error', 'standard error of the estimate; NULL when estimate is NULL'),
        ('course_effects', 'ci_low', 'lower end of the 95 % confidence interval; NULL when estimate is NULL'),
        ('course_effects', 'ci_high', 'upper end of the 95 % confidence interval; NULL when estimate is NULL'),
        ('course_effects', 'p_value', 'two-sided p-value of "no effect"; NULL when estimate is NULL'),
        ('course_effects', 'n_treated', 'employees who took the course in the cell'),
        ('course_effects', 'n_control', 'employees who did not'),
        ('course_effects', 'outcome_sd', 'standard deviation of the KPI in the cell (sizes the A/B test); NULL with fewer than two rows'),
        ('course_effects', 'n_rows', 'rows (employees) of the cell'),
        ('course_verdicts', 'course_id', 'course; never NULL'),
        ('course_verdicts', 'title', 'course title (courses_info); NULL when the course is not in courses_info'),
        ('course_verdicts', 'kpi', 'KPI: csat, handle_time or resolved_rate'),
        ('course_verdicts', 'department', 'department, or ALL'),
        ('course_verdicts', 'method', 'naive, regression, aipw or iv'),
        ('course_verdicts', 'estimate', 'effect on the KPI in its units; NULL when it could not be estimated (verdict inconclusive)'),
        ('course_verdicts', 'ci_low', 'lower end of the 95 % interval; NULL when estimate is NULL'),
        ('course_verdicts', 'ci_high', 'upper end of the 95 % interval; NULL when estimate is NULL'),
        ('course_verdicts', 'min_useful_effect', 'the smallest benefit worth the course (kpi_settings.min_useful_effect), in the KPI''s units'),
        ('course_verdicts', 'benefit', 'estimate signed so that positive is good (handle_time: -estimate); NULL when estimate is NULL'),
        ('course_verdicts', 'benefit_low', 'lower end of the benefit''s interval; NULL when estimate is NULL'),
        ('course_verdicts', 'benefit_high', 'upper end of the benefit''s interval; NULL when estimate is NULL'),
        ('course_verdicts', 'verdict', 'recommend (interval above 0 and benefit >= min_useful_effect), remove (whole interval below min_useful_effect) or inconclusive; never NULL'),
        ('course_verdicts', 'harmful', 'true when the whole interval of the benefit lies below 0; NULL when estimate is NULL'),
        ('course_verdicts', 'ab_n_per_group', 'employees per group an A/B test needs to detect min_useful_effect (alpha and power of course_effect_settings); NULL when the verdict is not inconclusive or the KPI does not vary'),
        ('course_effects_v', 'course_id', 'course; never NULL'),
        ('course_effects_v', 'kpi', 'KPI: csat, handle_time or resolved_rate'),
        ('course_effects_v', 'department', 'department, or ALL for every department together'),
        ('course_effects_v', 'method', 'naive, regression, aipw or iv'),
        ('course_effects_v', 'estimate', 'effect of the course on the KPI, in the KPI''s units; NULL when it could not be estimated'),
        ('course_effects_v', 'std_error', 'standard error; NULL when estimate is NULL'),
        ('course_effects_v', 'ci_low', 'lower end of the 95 % interval; NULL when estimate is NULL'),
        ('course_effects_v', 'ci_high', 'upper end of the 95 % interval; NULL when estimate is NULL'),
        ('course_effects_v', 'p_value', 'two-sided p-value of "no effect"; NULL when estimate is NULL'),
        ('course_effects_v', 'n_treated', 'employees who took the course (integer)'),
        ('course_effects_v', 'n_control', 'employees who did not (integer)'),
        ('course_effects_v', 'outcome_sd', 'standard deviation of the KPI in the cell; NULL with fewer than two rows'),
        ('course_effects_v', 'n_rows', 'employees of the cell (integer)'),
        ('data_dictionary', 'relation_name', 'name of the table or view'),
        ('data_dictionary', 'relation_type', 'table, view or materialized view'),
        ('data_dictionary', 'column_position', 'position of the column in the relation (1 = first)'),
        ('data_dictionary', 'column_name', 'name of the column'),
        ('data_dictionary', 'data_type', 'PostgreSQL type of the column (varchar(n), integer, double precision, date, timestamp with time zone, ...)'),
        ('data_dictionary', 'description', 'what the column holds and what a NULL in it means (its COMMENT); NULL when it has none'),
        ('data_dictionary', 'relation_description', 'what the relation holds (its COMMENT); NULL when it has none'))
        AS t(r, c, t);
END;
COMMENT ON FUNCTION learnerscore._bi_column_comments() IS
  'Internal: the comment of every column of the BI views (relation, column, text), applied by learnerscore.create_bi_views.';

CREATE OR REPLACE FUNCTION learnerscore.create_bi_views(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF NOT has_schema_privilege(quote_ident(schema_name), 'CREATE') THEN
        RAISE EXCEPTION 'permission denied to create the BI views of schema "%"', schema_name USING ERRCODE = '42501',
            HINT = 'Run it as the schema''s owner (CALL learnerscore.grant_access(role, ''owner'', schema)).';
    END IF;
    s := quote_ident(schema_name);

    -- A learning schema with the learner features (refresh_learner_daily made learner_activity).
    IF to_regclass(s || '.learner_activity') IS NOT NULL AND to_regclass(s || '.users') IS NOT NULL THEN
        IF to_regclass(s || '.learner_score_history') IS NULL THEN  -- (no "already exists" notice on later runs)
        EXECUTE format($q$CREATE TABLE %s.learner_score_history (
            as_of                  date NOT NULL,
            scored_at              timestamptz NOT NULL,
            user_id                integer NOT NULL,
            course_id              integer,
            status                 varchar(16),
            band                   varchar(8),
            dropout_probability    double precision,
            completion_probability double precision,
            predicted_m2_progress  double precision,
            risk_rank              integer,
            reason_1               varchar(300),
            reason_2               varchar(300),
            reason_3               varchar(300),
            model_week             integer,
            dropout_model_id       bigint,
            completion_model_id    bigint,
            progress_model_id      bigint,
            PRIMARY KEY (scored_at, user_id))$q$, s);
        EXECUTE format('CREATE INDEX learner_score_history_as_of_idx ON %s.learner_score_history (as_of, scored_at)', s);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = (s || '.learner_score_history')::regclass
                          AND attname = 'reachable' AND NOT attisdropped) THEN  -- (layout 2; no notice on later runs)
            EXECUTE format('ALTER TABLE %s.learner_score_history ADD COLUMN reachable boolean', s);
        END IF;
        EXECUTE format('COMMENT ON TABLE %s.learner_score_history IS %L', s,
            'Stored snapshots of learner_scores, one per CALL of learnerscore.store_learner_scores(schema): per learner the status, risk band, '
            'probabilities, rank and three reasons as scalar text. Dashboards read learner_scores_latest (or filter on as_of) '
            'instead of the live learner_scores view, which re-scores every learner on each read.');
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores_latest AS
            SELECT h.as_of, h.scored_at, h.user_id, h.course_id, h.status, h.band, h.dropout_probability,
                   h.completion_probability, h.predicted_m2_progress, h.risk_rank, h.reason_1, h.reason_2, h.reason_3,
                   h.model_week, h.dropout_model_id, h.completion_model_id, h.progress_model_id, h.reachable
              FROM %1$s.learner_score_history h
             WHERE h.scored_at = (SELECT max(scored_at) FROM %1$s.learner_score_history)$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.learner_scores_latest IS %L', s,
            'The newest snapshot of learner_score_history (stored by learnerscore.store_learner_scores): one row per learner, '
            'reasons as scalar columns reason_1..reason_3, categorical text as varchar(n). Empty until the first snapshot.');
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.status_daily AS
            SELECT u.course_id, a.cur_date AS status_date, a.status::varchar(16) AS status, count(*)::integer AS learners,
                   round(count(*)::numeric / sum(count(*)) OVER (PARTITION BY u.course_id, a.cur_date), 4)::numeric(5,4) AS share
              FROM %1$s.learner_activity a JOIN %1$s.users u ON u.user_id = a.user_id
             GROUP BY u.course_id, a.cur_date, a.status$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.status_daily IS %L', s,
            'Learners per course x day x activity status (integer counts and their share of the course that day), '
            'from learner_activity: the stacked-area chart of who is active, falling asleep and asleep.');
    END IF;

    -- A course-effects schema: a plain view beside the materialized course_effects.
    IF to_regclass(s || '.course_effects') IS NOT NULL THEN
        EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.course_effects_v AS
            SELECT e.course_id, e.kpi::varchar(32) AS kpi, e.department::varchar(64) AS department, e.method::varchar(16) AS method,
                   e.estimate, e.std_error, e.ci_low, e.ci_high, e.p_value,
                   e.n_treated::integer AS n_treated, e.n_control::integer AS n_control, e.outcome_sd, e.n_rows::integer AS n_rows
              FROM %1$s.course_effects e$q$, s);
        EXECUTE format('COMMENT ON VIEW %s.course_effects_v IS %L', s,
            'course_effects as a plain view (BI tools list views, not always materialized views), categorical text as varchar(n), counts as integer. '
            'Reads the materialized course_effects: refresh with CALL learnerscore.refresh_course_effects(schema).');
    END IF;

    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.data_dictionary AS
        SELECT c.relname::varchar(63) AS relation_name,
               (CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END)::varchar(20) AS relation_type,
               a.attnum::integer AS column_position, a.attname::varchar(63) AS column_name,
               pg_catalog.format_type(a.atttypid, a.atttypmod)::varchar(128) AS data_type,
               pg_catalog.col_description(c.oid, a.attnum)::varchar(2000) AS description,
               pg_catalog.obj_description(c.oid, 'pg_class')::varchar(2000) AS relation_description
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = %2$L::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')$q$, s, s);
    EXECUTE format('COMMENT ON VIEW %s.data_dictionary IS %L', s,
        'Every column of every table and view of this schema with its type and its description (the COMMENT, which says what a NULL means): '
        'for BI tools that show no column comments (psqlODBC, Excel, Power BI).');
    PERFORM learnerscore._comment_bi_views(schema_name);
END
$fn$;
COMMENT ON FUNCTION learnerscore.create_bi_views(text) IS
  'Creates (idempotently) the BI objects of a schema (docs/bi.md), for what it holds: with learner features, learner_score_history, '
  'learner_scores_latest and status_daily; with course_effects, the plain view course_effects_v; always data_dictionary; and comments '
  'every column of the BI views. refresh_learner_daily and create_course_effects_schema call it; it also brings an existing schema up to date.';

CREATE OR REPLACE FUNCTION learnerscore.store_learner_scores(schema_name text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    n bigint;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_scores') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_scores does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.train_learner_models(%L) first.', schema_name);
    END IF;
    IF to_regclass(s || '.learner_score_history') IS NULL THEN
        PERFORM learnerscore.create_bi_views(schema_name);
    ELSE
        PERFORM learnerscore._comment_bi_views(schema_name);
    END IF;
    -- Read the live view once, as jsonb, so that a column the view gains or loses breaks nothing;
    -- into a temporary table first: CREATE TABLE AS may scan in parallel, INSERT ... SELECT may not.
    IF to_regclass('pg_temp._ls_score_snapshot') IS NOT NULL THEN
        DROP TABLE pg_temp._ls_score_snapshot;
    END IF;
    EXECUTE format('CREATE TEMP TABLE _ls_score_snapshot AS SELECT to_jsonb(l) AS j FROM %s.learner_scores l', s);
    EXECUTE format($q$INSERT INTO %1$s.learner_score_history AS h
        SELECT (SELECT max(cur_date) FROM %1$s.learner_activity), now(), (j->>'user_id')::integer, (j->>'course_id')::integer,
               left(j->>'status', 16), learnerscore.risk_band((j->>'dropout_probability')::float8),
               (j->>'dropout_probability')::float8, (j->>'completion_probability')::float8, (j->>'predicted_m2_progress')::float8,
               (j->>'risk_rank')::integer,
               left(coalesce(j->>'reason_1', j->'top_reasons'->>0), 300), left(coalesce(j->>'reason_2', j->'top_reasons'->>1), 300),
               left(coalesce(j->>'reason_3', j->'top_reasons'->>2), 300),
               (j->>'model_week')::integer, (j->>'dropout_model_id')::bigint, (j->>'completion_model_id')::bigint,
               (j->>'progress_model_id')::bigint,
               coalesce((j->>'reachable')::boolean, (j->>'status') IS DISTINCT FROM 'asleep')
          FROM pg_temp._ls_score_snapshot x
        ON CONFLICT (scored_at, user_id) DO UPDATE SET
            as_of = EXCLUDED.as_of, course_id = EXCLUDED.course_id, status = EXCLUDED.status, band = EXCLUDED.band,
            dropout_probability = EXCLUDED.dropout_probability, completion_probability = EXCLUDED.completion_probability,
            predicted_m2_progress = EXCLUDED.predicted_m2_progress, risk_rank = EXCLUDED.risk_rank,
            reason_1 = EXCLUDED.reason_1, reason_2 = EXCLUDED.reason_2, reason_3 = EXCLUDED.reason_3,
            model_week = EXCLUDED.model_week, dropout_model_id = EXCLUDED.dropout_model_id,
            completion_model_id = EXCLUDED.completion_model_id, progress_model_id = EXCLUDED.progress_model_id,
            reachable = EXCLUDED.reachable$q$, s);
    GET DIAGNOSTICS n = ROW_COUNT;
    DROP TABLE pg_temp._ls_score_snapshot;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION learnerscore.store_learner_scores(text) IS
  'Stores a snapshot of <schema>.learner_scores (scored once, now) in <schema>.learner_score_history with as_of (the latest '
  'materialized day) and scored_at (now()), the risk band and the reasons as scalar text; returns the rows stored. '
  'Schedule it after the nightly refresh; dashboards read <schema>.learner_scores_latest.';
REVOKE ALL ON FUNCTION learnerscore._course_norms_sql(text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._course_norms_sql(text, text, text[]) TO learnerscore_owner;
-- == reasons14: end
-- == uplift14: begin (uplift metrics as aggregates, train_uplift / predict_uplift; 330, 900)
-- Uplift: whom does contacting help (docs/models.md, "Uplift: whom does contacting help").
-- The uplift metrics as parallel-safe aggregates (an exact bytea state keeping every
-- (score, treated, outcome) row, concatenated by the combine function, sorted once in the
-- final function; definitions as scikit-uplift's qini_auc_score, uplift_auc_score and
-- uplift_at_k with strategy 'overall'), and a T-learner on train(): train_uplift and
-- predict_uplift.

CREATE FUNCTION learnerscore._qini_accum(bytea, float8, boolean, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_qini_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_auc_accum(bytea, float8, boolean, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_auc_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_at_k_accum(bytea, float8, boolean, float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_at_k_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_uplift_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._uplift_final(bytea) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_uplift_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._qini_accum(bytea, float8, boolean, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of qini_coefficient.';
COMMENT ON FUNCTION learnerscore._uplift_auc_accum(bytea, float8, boolean, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of uplift_auc.';
COMMENT ON FUNCTION learnerscore._uplift_at_k_accum(bytea, float8, boolean, float8, float8) IS
  'Internal: appends a (score, treated, outcome) row to the state of uplift_at_k (k kept in the state).';
COMMENT ON FUNCTION learnerscore._uplift_combine(bytea, bytea) IS 'Internal: concatenates two uplift metric states of the same metric and k.';
COMMENT ON FUNCTION learnerscore._uplift_final(bytea) IS 'Internal: sorts the rows of an uplift metric state and computes the metric.';

CREATE AGGREGATE learnerscore.qini_coefficient(uplift_score float8, treated boolean, outcome float8) (
    SFUNC = learnerscore._qini_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.qini_coefficient(float8, boolean, float8) IS
  'Qini coefficient of an uplift score, as scikit-uplift''s qini_auc_score (negative_effect = true): the area between the Qini curve '
  '(rows by score descending; at each distinct score, treated responders minus control responders scaled by treated/control) '
  'and the random line, divided by the same area for the perfect ranking; 1 perfect, 0 random, negative worse than random. '
  'Outcome 0 or 1. Exact: keeps every row (24 bytes a row, bounded by learnerscore.max_train_memory); rows with a NULL are ignored; '
  'NULL without rows or with one arm only.';
CREATE AGGREGATE learnerscore.uplift_auc(uplift_score float8, treated boolean, outcome float8) (
    SFUNC = learnerscore._uplift_auc_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.uplift_auc(float8, boolean, float8) IS
  'Normalized area under the uplift curve, as scikit-uplift''s uplift_auc_score: the uplift curve (rows by score descending; at each '
  'distinct score, (treated response rate - control response rate) x rows so far) minus the random line, divided by the same for the '
  'perfect uplift curve. Outcome 0 or 1. Exact (every row kept, bounded by learnerscore.max_train_memory); NULL with one arm only.';
CREATE AGGREGATE learnerscore.uplift_at_k(uplift_score float8, treated boolean, outcome float8, k float8) (
    SFUNC = learnerscore._uplift_at_k_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._uplift_combine, FINALFUNC = learnerscore._uplift_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.uplift_at_k(float8, boolean, float8, float8) IS
  'Uplift at k, as scikit-uplift''s uplift_at_k(strategy = ''overall''): among the floor(rows x k) rows of highest score, mean outcome of '
  'the treated minus mean outcome of the control rows. k is a share in (0, 1], the same on every row; any finite outcome. Ties in score '
  'are ordered by treated then outcome ascending (independent of row order). NULL when the top has no treated or no control row.';

-- The T-learner: one model per arm through train() (so versions, deploy and rollback work
-- per arm); the uplift is predict(treated) - predict(control).
CREATE FUNCTION learnerscore.train_uplift(name text, source text, treatment text, target text, features text[],
                                          algorithm text DEFAULT 'xgboost', params jsonb DEFAULT '{}')
RETURNS TABLE (arm text, model_id bigint, training_rows bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
DECLARE
    rel text;
    ttype text;
    texpr text;
    bad bigint;
    n_t bigint;
    n_c bigint;
BEGIN
    IF name IS NULL OR btrim(name) = '' OR source IS NULL OR treatment IS NULL OR target IS NULL OR features IS NULL THEN
        RAISE EXCEPTION 'train_uplift: name, source, treatment, target and features must not be NULL or empty'
            USING ERRCODE = '22004';
    END IF;
    IF treatment = target OR treatment = ANY (features) THEN
        RAISE EXCEPTION 'train_uplift: the treatment column "%" must be neither the target nor a feature', treatment
            USING ERRCODE = '22023';
    END IF;
    IF source ~* '^\s*(select|with|values|table)\M' THEN
        rel := '(' || source || ')';
    ELSE
        rel := to_regclass(source)::text;
        IF rel IS NULL THEN
            RAISE EXCEPTION 'train_uplift: relation "%" does not exist', source USING ERRCODE = '42P01',
                HINT = 'Schema-qualify the relation (e.g. public.t), here and in a query source: train_uplift runs with search_path pg_catalog, learnerscore, pg_temp.';
        END IF;
    END IF;
    BEGIN
        EXECUTE format('SELECT pg_typeof(s.%I)::text FROM (SELECT * FROM %s s LIMIT 1) s', treatment, rel) INTO ttype;
    EXCEPTION WHEN undefined_column THEN
        RAISE EXCEPTION 'train_uplift: source has no treatment column "%"', treatment USING ERRCODE = '42703';
    END;
    IF ttype IS NULL THEN
        RAISE EXCEPTION 'train_uplift: the source has no rows' USING ERRCODE = '22023';
    ELSIF ttype = 'boolean' THEN
        texpr := format('s.%I', treatment);
    ELSIF ttype IN ('smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision') THEN
        EXECUTE format('SELECT count(*) FROM %s s WHERE s.%I NOT IN (0, 1)', rel, treatment) INTO bad;
        IF bad > 0 THEN
            RAISE EXCEPTION 'train_uplift: the treatment column "%" has % values other than 0 and 1', treatment, bad
                USING ERRCODE = '22023', HINT = 'The treatment must be boolean or 0/1 (1 = contacted).';
        END IF;
        texpr := format('(s.%I = 1)', treatment);
    ELSE
        RAISE EXCEPTION 'train_uplift: the treatment column "%" is of type %, not boolean or 0/1', treatment, ttype
            USING ERRCODE = '42804';
    END IF;
    EXECUTE format('SELECT count(*) FILTER (WHERE %1$s), count(*) FILTER (WHERE NOT %1$s) FROM %2$s s', texpr, rel)
        INTO n_t, n_c;
    IF n_t = 0 OR n_c = 0 THEN
        RAISE EXCEPTION 'train_uplift: the % arm is empty (% treated rows, % control rows)',
            CASE WHEN n_t = 0 THEN 'treated' ELSE 'control' END, n_t, n_c
            USING ERRCODE = '22023', HINT = 'An uplift model needs rows with and without the treatment.';
    END IF;
    arm := 'treated';
    model_id := learnerscore.train(name || '.treated', format('SELECT * FROM %s s WHERE %s', rel, texpr),
                                   target, features, algorithm, params);
    training_rows := n_t;
    RETURN NEXT;
    arm := 'control';
    model_id := learnerscore.train(name || '.control', format('SELECT * FROM %s s WHERE NOT %s', rel, texpr),
                                   target, features, algorithm, params);
    training_rows := n_c;
    RETURN NEXT;
END $$;
COMMENT ON FUNCTION learnerscore.train_uplift(text, text, text, text, text[], text, jsonb) IS
  'Trains a T-learner uplift model: one model of target on features for the treated rows (name.treated) and one for the control rows '
  '(name.control), both through learnerscore.train (so each arm has versions, deploy and rollback; params as train''s). treatment is a '
  'boolean or 0/1 column of source (a schema-qualified relation or a query naming schema-qualified relations: the function runs with search_path pg_catalog, learnerscore, pg_temp); rows with a NULL treatment are left out. Returns the model id and training '
  'rows of each arm. Score with predict_uplift(name, features).';

DO $do$
DECLARE
    ft text;
BEGIN
    FOREACH ft IN ARRAY ARRAY['float8[]', 'jsonb', 'record'] LOOP
        EXECUTE format($c$CREATE FUNCTION learnerscore.predict_uplift(name text, features %s) RETURNS float8
                          LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT SET search_path = pg_catalog, learnerscore, pg_temp AS $f$
                          BEGIN
                              RETURN learnerscore.predict(name || '.treated', features)
                                   - learnerscore.predict(name || '.control', features);
                          END $f$ $c$, ft);
        EXECUTE format($c$COMMENT ON FUNCTION learnerscore.predict_uplift(text, %s) IS %L$c$, ft,
            'The uplift of one row (features as ' || ft || ', as predict) under the T-learner trained by train_uplift(name, ...): '
            'predict(name.treated) - predict(name.control), the deployed version of each arm; for a 0/1 target, the change in '
            'probability if treated (negative: the treatment lowers it).');
    END LOOP;
END $do$;

-- privileges as 900_privileges.sql gives them (train_uplift: analyst; the internal support functions: owner only)
REVOKE EXECUTE ON FUNCTION learnerscore._qini_accum(bytea, float8, boolean, float8) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._uplift_auc_accum(bytea, float8, boolean, float8) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._uplift_at_k_accum(bytea, float8, boolean, float8, float8) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._uplift_combine(bytea, bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._uplift_final(bytea) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.train_uplift(text, text, text, text, text[], text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore.train_uplift(text, text, text, text, text[], text, jsonb) TO learnerscore_analyst;
-- == uplift14: end
-- == gen14: begin (the intervention log <schema>.contacts, issue 14; 100, 900)
-- New: _check_contact (trigger), _create_contacts_table; changed: _create_learning_tables (creates
-- contacts), _learning_schema_relations (lists it). Existing schemas get contacts from
-- upgrade_learning_schema (it re-runs the creation path).

CREATE FUNCTION learnerscore._check_contact() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    known boolean;
BEGIN
    IF NEW.user_id IS NULL OR NEW.contacted_at IS NULL THEN
        RETURN NEW;   -- the NOT NULL constraints report it (23502)
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.users WHERE user_id = $1)', TG_TABLE_SCHEMA)
       INTO known USING NEW.user_id;
    IF NOT known THEN
        RAISE EXCEPTION 'contact for an unknown learner: user_id % is not in %.users', NEW.user_id, TG_TABLE_SCHEMA
            USING ERRCODE = '23503',
                  HINT = 'Load users.csv (or insert the learner) before the learner''s contacts.';
    END IF;
    IF NEW.contacted_at > localtimestamp THEN
        RAISE EXCEPTION 'contact of learner % dated in the future', NEW.user_id
            USING ERRCODE = '23514',
                  DETAIL = format('contacted_at %s is after the current local time %s.',
                                  NEW.contacted_at, date_trunc('second', localtimestamp)),
                  HINT = 'contacted_at is the platform''s local time (timestamp without time zone) compared with localtimestamp of the session''s TimeZone.';
    END IF;
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION learnerscore._check_contact() IS
  'Internal: BEFORE INSERT OR UPDATE row trigger on <schema>.contacts: a contact of a learner not in <schema>.users raises 23503, one dated after localtimestamp raises 23514. Runs with the writer''s rights (the writer needs SELECT on users).';

CREATE FUNCTION learnerscore._create_contacts_table(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    tbl text := format('%I.contacts', schema_name);
    c record;
BEGIN
    PERFORM learnerscore._create_table(schema_name, 'contacts', $$
        user_id      int NOT NULL,
        contacted_at timestamp NOT NULL,
        tutor        text,
        channel      text,
        outcome_note text$$,
        'Intervention log (contacts.csv or plain INSERTs): one row per contact of a learner by a tutor, with the channel and the tutor''s note on the outcome. A trigger refuses a learner not in users (23503) and a contact dated after the current local time (23514).',
        'contacts_user_time_idx (user_id, contacted_at)');
    PERFORM learnerscore._create_table(schema_name, 'contact_assignments', $$
        user_id     integer NOT NULL,
        assigned_on date NOT NULL,
        arm         varchar(16) NOT NULL CHECK (arm IN ('contact', 'holdout')),
        tutor       text,
        plan_id     bigint,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, assigned_on)$$,
        'Randomized contact assignments (contact_assignments.csv, or learnerscore.contact_plan): one row per learner and day it was assigned to the contacted arm or to the holdout (kept uncontacted on purpose), so that contacted and holdout learners can be compared.',
        'contact_assignments_day_idx (assigned_on)');
    FOR c IN SELECT * FROM (VALUES
        ('contacts', 'user_id', 'The contacted learner (users.user_id); must exist in users when the row is written.'),
        ('contacts', 'contacted_at', 'When the tutor contacted the learner, platform local time like the other event tables; not after the current local time when written.'),
        ('contacts', 'tutor', 'Who made the contact (the tutor''s, or "dynamizer''s", name or login as exported).'),
        ('contacts', 'channel', 'How: e.g. телефон, telegram, email, чат (free text, as exported).'),
        ('contacts', 'outcome_note', 'The tutor''s note on the outcome, e.g. "обещал вернуться", "не дозвонились" (free text).'),
        ('contact_assignments', 'user_id', 'The assigned learner (users.user_id).'),
        ('contact_assignments', 'assigned_on', 'The day of the assignment: the contact day of the contacted arm, the nominal day of a holdout learner (platform local date).'),
        ('contact_assignments', 'arm', 'contact (to be contacted) or holdout (randomly kept uncontacted).'),
        ('contact_assignments', 'tutor', 'The tutor assigned to make the contact; NULL for the holdout.'),
        ('contact_assignments', 'plan_id', 'The contact plan that made the assignment (learnerscore.contact_plan); NULL for loaded rows.'),
        ('contact_assignments', 'created_at', 'When the row was written.')) t(rel, col, txt)
    LOOP
        tbl := format('%I.%I', schema_name, c.rel);
        IF col_description(tbl::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = tbl::regclass AND attname = c.col))
           IS DISTINCT FROM c.txt THEN
            EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', tbl, c.col, c.txt);
        END IF;
    END LOOP;
    tbl := format('%I.contacts', schema_name);
    -- Not on a distributed schema: a row trigger cannot run on Citus shards
    -- (distribute_learning_schema drops it; docs/scale-out.md).
    IF NOT learnerscore._schema_distributed(schema_name)
       AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl::regclass AND tgname = 'contacts_check') THEN
        EXECUTE format('CREATE TRIGGER contacts_check BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION learnerscore._check_contact()', tbl);
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_contacts_table(text) IS
  'Internal: creates <schema>.contacts (the intervention log), its column comments and its validating trigger, and <schema>.contact_assignments (the randomized contact / holdout arms) with its column comments (idempotent, no lock when all exist).';

CREATE OR REPLACE FUNCTION learnerscore._create_learning_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    PERFORM learnerscore._create_schema_if_missing(schema_name);

    PERFORM learnerscore._create_table(schema_name, 'users', $$
        unti_id             int,
        user_id             int PRIMARY KEY,
        course_id           int,
        flow_num            real,
        tg_bot              int CHECK (tg_bot IN (0, 1, 2)),
        m2_progress         int,
        m2_attestation      int,
        m2_attestation_date timestamp$$,
        'Learners (users.csv): course, flow, Telegram bot (0 none, 1 connected, 2 stopped), final module-2 progress and attestation (NULL = "Нет данных" / "Не сдана").');

    PERFORM learnerscore._create_table(schema_name, 'users_age_timezone', $$
        user_id   int PRIMARY KEY,
        time_zone text,
        age       int$$,
        'Learner age and time zone (users_age_timezone.csv); time_zone as exported, e.g. +03:00.');

    PERFORM learnerscore._create_table(schema_name, 'authorization', $$
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        user_agent  text,
        window_size text$$,
        'Log-ins to the platform (authorization.csv).',
        'authorization_user_time_idx (user_id, created_at)',
        'authorization_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'schedule', $$
        course_id      int NOT NULL,
        type           text NOT NULL,
        task_id        int,
        activity_id    int,
        activity_type  text,
        is_attestation int,
        visibility     text,
        flows          int,
        date_shown     timestamp$$,
        'Course schedule (schedule.csv): lessons (type занятие) and activities (type активность) with the time they open (date_shown).',
        'schedule_course_idx (course_id, date_shown)',
        'schedule_activity_idx (activity_id)');

    PERFORM learnerscore._create_table(schema_name, 'activity_history_viewed', $$
        user_id       int NOT NULL,
        created_at    timestamp NOT NULL,
        page_type     text,
        page_id       int,
        module        int,
        attestation   int,
        activity_type text$$,
        'Page views (activity_history_viewed.csv); page_id is a task_id for lessons (занятие) and an activity_id for activities (активность).',
        'activity_history_viewed_user_page_idx (user_id, page_id)',
        'activity_history_viewed_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'webinars_logs', $$
        user_id      int NOT NULL,
        datetime     timestamp NOT NULL,
        event_name   text,
        webinar_id   int,
        conn_format  text,
        webinar_vvod int,
        module       int$$,
        'Webinar connect (Подключение) / disconnect (Отключение) events with format онлайн/офлайн (webinars_logs.csv).',
        'webinars_logs_user_time_idx (user_id, datetime)',
        'webinars_logs_time_idx (datetime)');

    PERFORM learnerscore._create_table(schema_name, 'exercise_results', $$
        module      int,
        activity_id int NOT NULL,
        user_id     int NOT NULL,
        created_at  timestamp NOT NULL,
        result      int,
        success     int$$,
        'Exercise attempts (exercise_results.csv); result NULL = skipped (Пропуск).',
        'exercise_results_user_activity_idx (user_id, activity_id)',
        'exercise_results_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'users_logs', $$
        user_id    int NOT NULL,
        created_at timestamp NOT NULL,
        event      text,
        comment    text$$,
        'Learner log (users_logs.csv), mainly hashtag changes: "Были хештеги: ..., стали: ..." and "Установлен хештег ...".',
        'users_logs_user_time_idx (user_id, created_at)',
        'users_logs_time_idx (created_at)');

    PERFORM learnerscore._create_table(schema_name, 'activities_guide', $$
        course_id     int,
        course        text,
        provider      text,
        module        int,
        theme_id      int,
        theme         text,
        task_id       int,
        exercise      text,
        task_position int,
        att_priznak   int,
        activity_id   int PRIMARY KEY,
        activity_type text,
        activity      text,
        obyaz_priznak int,
        visibility    text$$,
        'Course structure (activities_guide.csv): course, module, theme, task, activity, attestation flag (att_priznak) and required flag (obyaz_priznak).',
        'activities_guide_task_idx (course_id, task_id)');

    PERFORM learnerscore._create_contacts_table(schema_name);
    PERFORM learnerscore._create_load_tables(schema_name);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learning_tables(text) IS
  'Internal: creates the clean tables of the 1T data model in the given schema (idempotent).';

CREATE OR REPLACE FUNCTION learnerscore._learning_schema_relations() RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT unnest(ARRAY[
        -- clean tables and the loader's bookkeeping (100_learning_schema.sql)
        'users', 'users_age_timezone', 'authorization', 'schedule', 'activity_history_viewed',
        'webinars_logs', 'exercise_results', 'users_logs', 'activities_guide', 'contacts', 'contact_assignments',
        'load_rejects', 'load_log',
        -- analyst views (120_learning_views.sql) and their caches (115_view_cache.sql)
        'dataset_v', 'm_online_users_exercise', 'm_exercise_lag_time_series', 'm_date_interval', 'm_course_params',
        'dataset_h', 'dataset_h_live', 'dataset_h_cache', 'students_v3',
        'm_online_students', 'm_online_students_live', 'm_online_students_cache',
        'm_user_tags_history', 'm_user_tags_history_live', 'm_user_tags_history_cache', 'analyst_view_cache',
        'course_flows', 'learner_flows',
        -- create_learning_schema's own state
        'learning_schema_ddl'])
$fn$;
COMMENT ON FUNCTION learnerscore._learning_schema_relations() IS
  'Internal: names of the relations create_learning_schema creates in a learning schema (tables, views, caches, state tables).';

REVOKE EXECUTE ON FUNCTION learnerscore._check_contact(), learnerscore._create_contacts_table(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._check_contact(), learnerscore._create_contacts_table(text) TO learnerscore_owner;

-- == gen14: end

-- == flows: begin (flows of a course, issue 14: course_flows / learner_flows, learnerscore.flow_days; 120, 100, 900)

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

CREATE OR REPLACE FUNCTION learnerscore._create_learning_views(schema_name text) RETURNS void
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

REVOKE EXECUTE ON FUNCTION learnerscore._create_view_course_flows(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._create_view_course_flows(text) TO learnerscore_owner;

-- == flows: end

-- == asof14: begin (issue 14 item 1: scoring the running cohort as of a day, training on finished flows; 350, 900)
-- The base features the deployed learner models of a schema were trained with (those of its
-- deployed week-1 dropout model); NULL when it has none.
CREATE FUNCTION learnerscore._learner_model_base_features(schema_name text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT array_agg(substring(u.f FROM '^(.*)_1_week$') ORDER BY u.o)
      FROM learnerscore.models m, unnest(m.features) WITH ORDINALITY AS u(f, o)
     WHERE m.id = (SELECT d.model_id FROM learnerscore.deployed_models d
                    WHERE d.name = format('%s.dropout_w01', schema_name))
       AND u.f LIKE '%\_1\_week'
$$;
COMMENT ON FUNCTION learnerscore._learner_model_base_features(text) IS
  'Internal: the learner_daily columns behind the deployed learner models of a schema (the <feature>_1_week features of its deployed dropout_w01), in order; NULL when none is deployed.';

-- Scoring the running cohort as of a day (issue 14, item 1): the learners whose flow runs on as_of
-- (flow_start <= as_of < flow_end), each with the deployed models of the course week it has completed
-- (at least 1, at most the weeks trained), from learner_daily rows up to as_of only, the status on as_of
-- and reasons against the course norm at the same week; appended to learner_score_history as one
-- snapshot. Nothing a learner did after as_of, and no outcome (users.m2_*), is read: a learner's score
-- as of a day does not change when its outcome becomes known.
CREATE FUNCTION learnerscore.score_learners(schema_name text, as_of date DEFAULT current_date) RETURNS bigint
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    weeks int := 0;
    base text[];
    last_day date;
    k int;
    d text; c text; p text;
    n bigint;
    stamp timestamptz := clock_timestamp();
    features text;
    status text;
    dist boolean;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF as_of IS NULL OR as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date, not %', coalesce(as_of::text, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    -- the weeks 1..weeks whose three models are all deployed
    LOOP
        d := format('%s.dropout_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad((weeks + 1)::text, 2, '0'));
        EXIT WHEN weeks >= 52 OR (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3;
        weeks := weeks + 1;
    END LOOP;
    IF weeks = 0 THEN
        RAISE EXCEPTION 'no deployed learner models of schema %: %, % and % are not all deployed', schema_name, d, c, p
            USING ERRCODE = '42704',
            HINT = format('Run CALL learnerscore.train_learner_models(%L, as_of => ...) first.', schema_name);
    END IF;
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_flows') IS NULL
       OR to_regclass(s || '.learner_weekly') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily or %.learner_weekly does not exist', s, s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) and CALL learnerscore.train_learner_models(%L) first.',
                          schema_name, schema_name);
    END IF;
    base := learnerscore._learner_model_base_features(schema_name);
    IF base = learnerscore.learner_model_features() THEN
        base := NULL;
    END IF;
    EXECUTE format('SELECT max(cur_date) FROM %s.learner_daily', s) INTO last_day;
    IF last_day IS NULL OR as_of > last_day + 1 THEN
        RAISE EXCEPTION 'as_of % is after the data: %.learner_daily ends on %', as_of, s, coalesce(last_day::text, '(empty)')
            USING ERRCODE = '22023',
            HINT = format('Score as of %s at the latest, or run CALL learnerscore.refresh_learner_daily(%L) first.',
                          coalesce((last_day + 1)::text, 'a day with data'), schema_name);
    END IF;
    IF to_regclass(s || '.learner_score_history') IS NULL THEN
        PERFORM learnerscore.create_bi_views(schema_name);
    END IF;

    dist := learnerscore._schema_distributed(schema_name);
    DROP TABLE IF EXISTS _ls_running, _ls_asof_weekly, _ls_asof_norms, _ls_asof_scored;
    EXECUTE format($q$CREATE TEMP TABLE _ls_running AS
        SELECT lf.user_id, lf.course_id, least(%2$s, greatest(1, ($1 - lf.flow_start + 1) / 7))::int AS week
          FROM %1$s.learner_flows lf WHERE lf.flow_start <= $1 AND $1 < lf.flow_end$q$, s, weeks) USING as_of;
    EXECUTE format('CREATE TEMP TABLE _ls_asof_weekly AS SELECT * FROM %s.learner_weekly WHERE cur_date <= $1', s) USING as_of;
    EXECUTE format('CREATE TEMP TABLE _ls_asof_norms AS %s', learnerscore._course_norms_sql(schema_name, '_ls_asof_weekly', base));
    CREATE TEMP TABLE _ls_asof_scored (user_id int, course_id int, week int, dropout_probability float8,
        completion_probability float8, predicted_m2_progress float8, contributions jsonb, features jsonb,
        dropout_model_id bigint, completion_model_id bigint, progress_model_id bigint);
    FOR k IN 1..weeks LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM _ls_running r WHERE r.week = k);
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        features := '(' || learnerscore._learner_features_sql(schema_name, k,
            format('u.user_id IN (SELECT r.user_id FROM _ls_running r WHERE r.week = %s)', k), '_ls_asof_weekly', base) || ')';
        -- Distributed (Citus): the features first (the shards compute them), so that the
        -- models score on the coordinator, which holds the registry.
        IF dist THEN
            DROP TABLE IF EXISTS _ls_asof_features;
            EXECUTE 'CREATE TEMP TABLE _ls_asof_features AS ' || features;
            features := '_ls_asof_features';
        END IF;
        -- the model ids once, so that every learner of the week is scored by the same versions
        EXECUTE format($q$INSERT INTO _ls_asof_scored
            SELECT f.user_id, f.course_id, %2$s, learnerscore.predict(m.d, f), learnerscore.predict(m.c, f),
                   greatest(0, least(100, learnerscore.predict(m.p, f))), learnerscore.explain(m.d, f), to_jsonb(f), m.d, m.c, m.p
              FROM %1$s f,
                   (SELECT (SELECT model_id FROM learnerscore.deployed_models WHERE name = %3$L) AS d,
                           (SELECT model_id FROM learnerscore.deployed_models WHERE name = %4$L) AS c,
                           (SELECT model_id FROM learnerscore.deployed_models WHERE name = %5$L) AS p) m$q$,
            features, k, d, c, p);
    END LOOP;
    DROP TABLE IF EXISTS _ls_asof_features;
    -- each learner's status on as_of: per learner through the index on one machine; on Citus
    -- first, on the shards (a lateral join from a local table cannot be pushed down)
    status := format($q$(SELECT a.status::varchar(16) AS status FROM %1$s.learner_activity a
                          WHERE a.user_id = sc.user_id AND a.cur_date <= $1
                          ORDER BY a.cur_date DESC LIMIT 1)$q$, s);
    IF dist THEN
        DROP TABLE IF EXISTS _ls_asof_status;
        EXECUTE format($q$CREATE TEMP TABLE _ls_asof_status AS
            SELECT DISTINCT ON (a.user_id) a.user_id, a.status::varchar(16) AS status FROM %1$s.learner_activity a
             WHERE a.cur_date <= $1 ORDER BY a.user_id, a.cur_date DESC$q$, s) USING as_of;
        status := '(SELECT x.status FROM _ls_asof_status x WHERE x.user_id = sc.user_id)';
    END IF;
    EXECUTE format($q$INSERT INTO %1$s.learner_score_history (as_of, scored_at, user_id, course_id, status, band,
            dropout_probability, completion_probability, predicted_m2_progress, risk_rank, reason_1, reason_2, reason_3,
            model_week, dropout_model_id, completion_model_id, progress_model_id, reachable)
        SELECT $1, $2, sc.user_id, sc.course_id, st.status, learnerscore.risk_band(sc.dropout_probability),
               sc.dropout_probability, sc.completion_probability, sc.predicted_m2_progress,
               CASE WHEN sc.dropout_probability IS NOT NULL
                    THEN rank() OVER (PARTITION BY sc.course_id, sc.dropout_probability IS NULL
                                      ORDER BY sc.dropout_probability DESC) END::int,
               left(r.reasons->0->>'sentence', 300), left(r.reasons->1->>'sentence', 300), left(r.reasons->2->>'sentence', 300),
               sc.week, sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id,
               st.status IS DISTINCT FROM 'asleep'
          FROM _ls_asof_scored sc
          LEFT JOIN LATERAL %2$s st ON true
          LEFT JOIN _ls_asof_norms nm ON nm.course_id = sc.course_id
         CROSS JOIN LATERAL (SELECT learnerscore.explain_reasons(sc.contributions, sc.features, nm.norms, 3) AS reasons OFFSET 0) r$q$, s, status)
        USING as_of, stamp;
    GET DIAGNOSTICS n = ROW_COUNT;
    DROP TABLE IF EXISTS _ls_asof_status;
    DROP TABLE _ls_running, _ls_asof_weekly, _ls_asof_norms, _ls_asof_scored;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION learnerscore.score_learners(text, date) IS
  'Scores the learners whose flow runs on as_of (learner_flows: flow_start <= as_of < flow_end) with the deployed models of the '
  'course week each has completed (1 .. the weeks trained), from their learner_daily rows up to as_of and never an outcome, and '
  'appends one snapshot to <schema>.learner_score_history (as_of, scored_at = now, status on as_of, band, probabilities, risk_rank '
  'within the course, three reasons against the course norm at the same week, model week and ids, reachable); returns the rows stored. '
  '<schema>.learner_scores_latest shows the newest snapshot. Errors: 22023 (NULL or infinite as_of, as_of after the day after '
  'the data), 3F000 (no such schema), 42P01 (no learner_daily / learner models), 42704 (no deployed learner model).';

REVOKE EXECUTE ON FUNCTION learnerscore._learner_model_base_features(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.score_learners(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._learner_model_base_features(text) TO learnerscore_owner;
GRANT EXECUTE ON FUNCTION learnerscore.score_learners(text, date) TO learnerscore_owner;
-- == asof14: end

-- == contacts14: begin (issue 14 items 4-5: the effect of a contact, the uplift model, the contact plan; 420, 900)
-- From risk to action (issue 14, items 4 and 5; docs/models.md "Contacts: whom to call today"):
-- what a contact by a tutor does, for whom, and today's list of whom to contact.
--
--   learnerscore.contact_effect(schema, as_of)        the average effect of a contact on dropout (randomized holdout)
--   learnerscore.train_contact_uplift(schema, as_of)  a T-learner of the effect, checked on a later flow
--   learnerscore.contact_policy_values(schema, k)     dropouts prevented by each way of choosing, on that later flow
--   learnerscore.contact_plan(schema, as_of, ...)     today's list per tutor, ranked by expected benefit, with a holdout
--
-- The experiment is <schema>.contact_assignments (who was assigned to a contact or to the holdout on which
-- day: loaded from contact_assignments.csv or written by contact_plan) of learners whose flow has ended by
-- as_of, so that their outcome is final. The covariates are what a tutor knows on the morning of the
-- contact day: the learner's state at the end of the day before (learnerscore._contact_features_sql).

-- The final outcomes (completion, dropout) of a schema's learners, one row per learner. With as_of ($1 of
-- the returned query), only learners whose flow has ended by as_of, with the status on the last day of their
-- flow; without (NULL), every learner, with the latest status (the targets before 0.2.0).
CREATE FUNCTION learnerscore._learner_outcomes_sql(schema_name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT u.user_id, u.course_id, st.status AS final_status,
               coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false)::int AS completion,
               (st.status = 'asleep' OR NOT coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false))::int AS dropout,
               u.m2_progress
          FROM %1$s.users u
          LEFT JOIN %1$s.learner_flows lf ON lf.user_id = u.user_id
          LEFT JOIN LATERAL (SELECT a.status FROM %1$s.learner_activity a
                              WHERE a.user_id = u.user_id
                                AND a.cur_date <= CASE WHEN $1::date IS NULL THEN 'infinity' ELSE lf.flow_end - 1 END
                              ORDER BY a.cur_date DESC LIMIT 1) st ON true
         WHERE $1::date IS NULL OR lf.flow_end <= $1::date$q$, quote_ident(schema_name))
$$;
COMMENT ON FUNCTION learnerscore._learner_outcomes_sql(text) IS
  'Internal: the query of the learners'' final outcomes (user_id, course_id, final_status, completion, dropout, m2_progress); its $1 is as_of '
  '(learners whose flow ended by then, status on their flow''s last day) or NULL (every learner, latest status).';

-- What a tutor knows about a learner on the morning of a day: the state at the end of the day before.
CREATE FUNCTION learnerscore.contact_features() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['course_week', 'falling_asleep', 'asleep', 'days_inactive', 'logins_14d', 'sum_exercise',
                 'progress', 'mean_result', 'm2_delay']
$$;
COMMENT ON FUNCTION learnerscore.contact_features() IS
  'The covariates of the contact models, as of the end of the day before the contact: course_week (of the learner''s flow), falling_asleep and '
  'asleep (0/1, the activity status), days_inactive, logins_14d (log-ins in the 14 days before), sum_exercise (exercises solved), progress, '
  'mean_result and m2_delay (learner_daily).';

CREATE FUNCTION learnerscore._contact_features_sql(schema_name text, pairs text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT p.*, lf.course_id AS flow_course_id, lf.flow_start,
               ((p.day - lf.flow_start) / 7 + 1)::float8 AS course_week,
               (a.status = 'falling_asleep')::int::float8 AS falling_asleep, (a.status = 'asleep')::int::float8 AS asleep,
               a.days_inactive::float8 AS days_inactive, a.status AS status_before,
               (d1.sum_auth - coalesce(d0.sum_auth, 0))::float8 AS logins_14d, d1.sum_exercise::float8 AS sum_exercise,
               d1.progress::float8 AS progress, d1.mean_result::float8 AS mean_result, d1.m2_delay::float8 AS m2_delay
          FROM (%2$s) p
          JOIN %1$s.learner_flows lf ON lf.user_id = p.user_id
          LEFT JOIN %1$s.learner_activity a ON a.user_id = p.user_id AND a.cur_date = p.day - 1
          LEFT JOIN %1$s.learner_daily d1 ON d1.user_id = p.user_id AND d1.cur_date = p.day - 1
          LEFT JOIN %1$s.learner_daily d0 ON d0.user_id = p.user_id AND d0.cur_date = p.day - 15$q$,
        quote_ident(schema_name), pairs)
$$;
COMMENT ON FUNCTION learnerscore._contact_features_sql(text, text) IS
  'Internal: the query of learnerscore.contact_features() for (user_id, day) pairs (the query pairs, with at least those columns).';

-- The randomized experiment of the finished flows: every learner assigned to a contact or to the holdout,
-- with its covariates on the assignment day and its final outcome.
CREATE FUNCTION learnerscore._contact_experiment_sql(schema_name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT f.*, (f.arm = 'contact') AS contacted, o.dropout, 1 - o.dropout AS retained
          FROM (%2$s) f JOIN (%3$s) o ON o.user_id = f.user_id$q$,
        quote_ident(schema_name),
        learnerscore._contact_features_sql(schema_name,
            format('SELECT ca.user_id, ca.assigned_on AS day, ca.arm, ca.tutor FROM %s.contact_assignments ca', quote_ident(schema_name))),
        learnerscore._learner_outcomes_sql(schema_name))
$$;
COMMENT ON FUNCTION learnerscore._contact_experiment_sql(text) IS
  'Internal: the query of the contact experiment of learners whose flow ended by $1 (as_of): contact_assignments with the contact covariates and the final dropout.';

CREATE FUNCTION learnerscore._require_contact_schema(schema_name text, as_of date) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    later timestamp;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF as_of IS NULL OR as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date, not %', coalesce(as_of::text, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.contact_assignments') IS NULL OR to_regclass(s || '.learner_daily') IS NULL
       OR to_regclass(s || '.learner_flows') IS NULL THEN
        RAISE EXCEPTION 'schema % has no contact_assignments, learner_flows or learner_daily', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.upgrade_learning_schema(%L) or create_learning_schema, then refresh_learner_daily.', schema_name);
    END IF;
    -- a contact after as_of: the log knows a future the estimate would have to ignore; say so instead
    EXECUTE format('SELECT max(contacted_at) FROM %s.contacts WHERE contacted_at >= $1::date + 1', s) INTO later USING as_of;
    IF later IS NOT NULL THEN
        RAISE EXCEPTION 'the intervention log has a contact on % (after as_of %)', later, as_of USING ERRCODE = '22023',
            HINT = 'Give as_of on or after the latest contact in <schema>.contacts.';
    END IF;
    RETURN s;
END
$fn$;
COMMENT ON FUNCTION learnerscore._require_contact_schema(text, date) IS
  'Internal: validates the arguments of the contact functions (22023 NULL/empty schema, NULL/infinite as_of, a contact after as_of; 3F000; 42P01) and returns the quoted schema.';

CREATE FUNCTION learnerscore.contact_effect(schema_name text, as_of date DEFAULT current_date)
RETURNS SETOF learnerscore.effect
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    covs text;
BEGIN
    SELECT 'ARRAY[' || string_agg(format('coalesce(x.%I, 0)', f), ', ') || ']' INTO covs FROM unnest(learnerscore.contact_features()) f;
    -- the effect of a contact on dropout (negative: fewer dropouts): difference in means, valid because
    -- the holdout is random; AIPW with the contact covariates (the same target, smaller error when they
    -- predict dropout; consistent for observational contacts when they hold every reason for contacting)
    RETURN QUERY EXECUTE format($q$
        WITH x AS MATERIALIZED (%1$s)
        SELECT (learnerscore.ate_diff(x.dropout::float8, x.contacted)).* FROM x
        UNION ALL
        SELECT (learnerscore.ate_aipw(x.dropout::float8, x.contacted, %2$s)).* FROM x$q$,
        learnerscore._contact_experiment_sql(schema_name), covs) USING as_of;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_effect(text, date) IS
  'The average effect of a contact on the dropout probability (negative = contacts prevent dropouts) among the learners of flows ended by as_of '
  'who were assigned to a contact or to the random holdout (<schema>.contact_assignments): two rows of learnerscore.effect, method diff '
  '(difference in means: unbiased because the holdout is random) and aipw (doubly robust, covariates learnerscore.contact_features() on the '
  'morning of the assignment day). 95 % normal intervals. NULL estimates when an arm is empty.';

CREATE FUNCTION learnerscore._ensure_contact_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c text[];
BEGIN
    IF to_regclass(s || '.contact_uplift_runs') IS NULL THEN
        EXECUTE format($q$CREATE TABLE %s.contact_uplift_runs (
            run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(),
            as_of date NOT NULL, algorithm text NOT NULL, params jsonb NOT NULL, validation text NOT NULL,
            training_rows bigint, test_rows bigint, treated_model_id bigint, control_model_id bigint,
            qini_uplift float8, qini_risk float8, effect_test jsonb)$q$, s);
        EXECUTE format($q$CREATE TABLE %s.contact_uplift_holdout (
            run_id bigint NOT NULL, user_id int NOT NULL, course_id int, contacted boolean NOT NULL, dropout int NOT NULL,
            expected_benefit float8, baseline_risk float8, PRIMARY KEY (run_id, user_id))$q$, s);
        EXECUTE format($q$CREATE TABLE %s.contact_plans (
            plan_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, planned_at timestamptz NOT NULL DEFAULT now(),
            as_of date NOT NULL, capacity int NOT NULL, holdout float8 NOT NULL, seed int NOT NULL, uplift_run_id bigint,
            eligible int NOT NULL, contacts int NOT NULL, held_out int NOT NULL, policy_values jsonb)$q$, s);
    END IF;
    FOREACH c SLICE 1 IN ARRAY ARRAY[
        ['contact_uplift_runs', '', 'One row per learnerscore.train_contact_uplift: the T-learner of the effect of a contact (models <schema>.contact_uplift.treated / .control), '
        'its later-flow check (trained on the earlier finished flows, tested on the latest: test_rows, Qini coefficients of ranking by the uplift '
        'and by the baseline risk, the effect on that flow).'],
        ['contact_uplift_holdout', '', 'The later-flow check of each contact_uplift run: per learner of the test flow its arm, final dropout, the expected benefit (reduction of the '
        'dropout probability if contacted) and the baseline risk (dropout probability if not) of the model of the earlier flows; what contact_policy_values reads.'],
        ['contact_plans', '', 'One row per learnerscore.contact_plan: the day, capacity per tutor, holdout share, seed, the uplift run used, how many learners were eligible, '
        'planned for a contact and held out, and the estimated dropouts prevented by choosing by expected benefit, by risk and at random.'],
        ['contact_uplift_runs', 'run_id', 'Run number (increasing); contact_uplift_holdout.run_id, contact_plans.uplift_run_id.'],
        ['contact_uplift_runs', 'trained_at', 'When the run started.'],
        ['contact_uplift_runs', 'as_of', 'The day it trained as of: the experiment of the flows ended by then (learner_flows.flow_end <= as_of).'],
        ['contact_uplift_runs', 'algorithm', 'logistic or xgboost (each arm of the T-learner).'],
        ['contact_uplift_runs', 'params', 'The training parameters (learnerscore.train).'],
        ['contact_uplift_runs', 'validation', 'later-flow (checked on the latest finished flow of each course with two) or none (why not).'],
        ['contact_uplift_runs', 'training_rows', 'Learners of the experiment the kept models learned from (both arms).'],
        ['contact_uplift_runs', 'test_rows', 'Learners of the later-flow check (0 when there was none).'],
        ['contact_uplift_runs', 'treated_model_id', 'learnerscore.models.id of <schema>.contact_uplift.treated trained by the run.'],
        ['contact_uplift_runs', 'control_model_id', 'learnerscore.models.id of <schema>.contact_uplift.control trained by the run.'],
        ['contact_uplift_runs', 'qini_uplift', 'Qini coefficient on the later flow of ranking by the predicted benefit (learnerscore.qini_coefficient; 0 = random); NULL without a check.'],
        ['contact_uplift_runs', 'qini_risk', 'Qini coefficient on the later flow of ranking by the baseline risk (dropout probability if not contacted); NULL without a check.'],
        ['contact_uplift_runs', 'effect_test', 'learnerscore.ate_diff of dropout on the later flow (contacted vs holdout) as jsonb; NULL without a check.'],
        ['contact_uplift_holdout', 'run_id', 'The run (contact_uplift_runs.run_id).'],
        ['contact_uplift_holdout', 'user_id', 'A learner of the later flow''s experiment.'],
        ['contact_uplift_holdout', 'course_id', 'Its course.'],
        ['contact_uplift_holdout', 'contacted', 'true: assigned to a contact; false: the random holdout.'],
        ['contact_uplift_holdout', 'dropout', 'Its final dropout (1) or not (0).'],
        ['contact_uplift_holdout', 'expected_benefit', 'Predicted fall of its dropout probability if contacted, by the model of the earlier flows.'],
        ['contact_uplift_holdout', 'baseline_risk', 'Predicted dropout probability if not contacted, by the same model.'],
        ['contact_plans', 'plan_id', 'Plan number (increasing); contact_assignments.plan_id.'],
        ['contact_plans', 'planned_at', 'When contact_plan ran.'],
        ['contact_plans', 'as_of', 'The day planned for.'],
        ['contact_plans', 'capacity', 'Contacts per tutor on that day.'],
        ['contact_plans', 'holdout', 'Share of the eligible learners kept uncontacted at random.'],
        ['contact_plans', 'seed', 'Seed of the holdout draw (the same seed, day and learners give the same holdout).'],
        ['contact_plans', 'uplift_run_id', 'The latest contact_uplift_runs row with a later-flow check, behind measured_on_later_flow; NULL when none.'],
        ['contact_plans', 'eligible', 'Running learners neither contacted nor assigned before.'],
        ['contact_plans', 'contacts', 'Learners planned for a contact.'],
        ['contact_plans', 'held_out', 'Eligible learners kept in the holdout.'],
        ['contact_plans', 'policy_values', 'Dropouts prevented by choosing as many learners by expected benefit, by risk or at random: predicted_today (sums of '
                                            'predicted benefits, today''s eligible learners) and measured_on_later_flow (contact_policy_values rows, per 100 contacts, with intervals).']]
    LOOP  -- only a comment that changed: COMMENT takes a lock readers would wait on
        IF c[2] = '' THEN  -- the table's own
            IF obj_description(to_regclass(s || '.' || c[1]), 'pg_class') IS DISTINCT FROM c[3] THEN
                EXECUTE format('COMMENT ON TABLE %s.%I IS %L', s, c[1], c[3]);
            END IF;
        ELSIF col_description(to_regclass(s || '.' || c[1]),
                           (SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(s || '.' || c[1]) AND attname = c[2]))
           IS DISTINCT FROM c[3] THEN
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c[1], c[2], c[3]);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._ensure_contact_tables(text) IS
  'Internal: creates <schema>.contact_uplift_runs, contact_uplift_holdout and contact_plans (idempotent; no DDL when they exist but the comments).';

CREATE FUNCTION learnerscore.train_contact_uplift(schema_name text, as_of date DEFAULT current_date,
                                                  algorithm text DEFAULT 'logistic', params jsonb DEFAULT '{"l2": 1}')
RETURNS bigint
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    feats text[] := learnerscore.contact_features();
    uplift_name text := schema_name || '.contact_uplift';
    check_name text := schema_name || '.contact_uplift_later_flow_check';
    run bigint;
    n_train bigint;
    n_test bigint := 0;
    ids bigint[];
    q_up float8;
    q_risk float8;
    eff jsonb;
BEGIN
    IF algorithm IS NULL OR algorithm NOT IN ('logistic', 'xgboost') THEN
        RAISE EXCEPTION 'unknown algorithm "%" for the contact uplift model', algorithm USING ERRCODE = '22023',
            HINT = 'Use logistic or xgboost.';
    END IF;
    PERFORM learnerscore._ensure_contact_tables(schema_name);
    DROP TABLE IF EXISTS _ls_contact_exp;
    EXECUTE format('CREATE TEMP TABLE _ls_contact_exp AS %s', learnerscore._contact_experiment_sql(schema_name)) USING as_of;
    SELECT count(*) INTO n_train FROM _ls_contact_exp;
    IF n_train = 0 OR NOT EXISTS (SELECT 1 FROM _ls_contact_exp WHERE contacted)
       OR NOT EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT contacted) THEN
        RAISE EXCEPTION 'no contact experiment with both arms among the flows of schema % ended by %', schema_name, as_of
            USING ERRCODE = '22023',
            HINT = 'The model learns from contact_assignments (arm contact and holdout) of learners whose flow has ended (learner_flows.flow_end <= as_of).';
    END IF;
    -- the later-flow check: a model of the earlier flows ranks the latest finished flow's learners
    ALTER TABLE _ls_contact_exp ADD COLUMN is_test boolean;
    UPDATE _ls_contact_exp e SET is_test = (e.flow_start = (SELECT max(flow_start) FROM _ls_contact_exp e2
                                                            WHERE e2.flow_course_id = e.flow_course_id)
                                            AND (SELECT count(DISTINCT flow_start) FROM _ls_contact_exp e3
                                                  WHERE e3.flow_course_id = e.flow_course_id) >= 2);
    SELECT count(*) INTO n_test FROM _ls_contact_exp WHERE is_test;
    IF NOT (EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT is_test AND contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT is_test AND NOT contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE is_test AND contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE is_test AND NOT contacted)) THEN
        n_test := 0;
    END IF;
    EXECUTE format('INSERT INTO %s.contact_uplift_runs (as_of, algorithm, params, validation, training_rows, test_rows) '
                   'VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id', s)
        INTO run USING as_of, algorithm, params,
                       CASE WHEN n_test > 0 THEN 'later-flow' ELSE 'none: no course has two finished flows with both arms' END,
                       n_train, n_test;
    IF n_test > 0 THEN
        PERFORM learnerscore.drop_model(check_name || '.treated', true), learnerscore.drop_model(check_name || '.control', true);
        PERFORM learnerscore.train_uplift(check_name, 'SELECT * FROM pg_temp._ls_contact_exp WHERE NOT is_test',
                                          'contacted', 'retained', feats, algorithm, params || '{"deploy": true}');
        -- the benefit of a contact = the rise in the retention probability = the fall in the dropout probability
        EXECUTE format($q$INSERT INTO %s.contact_uplift_holdout
            SELECT $1, e.user_id, e.flow_course_id, e.contacted, e.dropout, learnerscore.predict_uplift($2, e),
                   1 - learnerscore.predict($2 || '.control', e)
              FROM pg_temp._ls_contact_exp e WHERE e.is_test$q$, s) USING run, check_name;
        EXECUTE format($q$SELECT learnerscore.qini_coefficient(expected_benefit, contacted, 1 - dropout),
                                 learnerscore.qini_coefficient(baseline_risk, contacted, 1 - dropout),
                                 to_jsonb(learnerscore.ate_diff(dropout::float8, contacted))
                            FROM %s.contact_uplift_holdout WHERE run_id = $1$q$, s)
            INTO q_up, q_risk, eff USING run;
        PERFORM learnerscore.drop_model(check_name || '.treated'), learnerscore.drop_model(check_name || '.control');
    END IF;
    SELECT array_agg(u.model_id ORDER BY u.arm DESC) INTO ids
      FROM learnerscore.train_uplift(uplift_name, 'SELECT * FROM pg_temp._ls_contact_exp', 'contacted', 'retained', feats,
                                     algorithm, params || '{"deploy": true}') u;
    EXECUTE format('UPDATE %s.contact_uplift_runs SET treated_model_id = $2, control_model_id = $3, qini_uplift = $4, '
                   'qini_risk = $5, effect_test = $6 WHERE run_id = $1', s)
        USING run, ids[1], ids[2], q_up, q_risk, eff;
    DROP TABLE _ls_contact_exp;
    RETURN run;
END
$fn$;
COMMENT ON FUNCTION learnerscore.train_contact_uplift(text, date, text, jsonb) IS
  'Trains the T-learner of the effect of a contact on retention (learnerscore.train_uplift: models <schema>.contact_uplift.treated and .control, '
  'deployed) on the contact experiment of the flows ended by as_of (contact_assignments: arm contact vs the random holdout; covariates '
  'learnerscore.contact_features() on the morning of the assignment day; outcome: not dropping out). Where a course has two such flows, a model '
  'of the earlier ones is first checked on the latest (Qini coefficients of ranking by its uplift and by its baseline risk; the per-learner '
  'predictions in <schema>.contact_uplift_holdout). Records the run in <schema>.contact_uplift_runs and returns its run_id. '
  'algorithm logistic (default, params l2) or xgboost. 22023 when there is no experiment with both arms.';

CREATE FUNCTION learnerscore.contact_policy_values(schema_name text, share float8, run_id bigint DEFAULT NULL)
RETURNS TABLE (policy text, top_share float8, learners bigint, selected bigint, dropouts_prevented_per_100 float8,
               ci_low float8, ci_high float8, contacted bigint, held_out bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    run bigint := run_id;
BEGIN
    IF schema_name IS NULL OR to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF share IS NULL OR share = 'NaN' OR share <= 0 OR share > 1 THEN
        RAISE EXCEPTION 'share must be in (0, 1], not %', share USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.contact_uplift_holdout') IS NULL THEN
        RAISE EXCEPTION 'schema % has no contact uplift run', s USING ERRCODE = '42P01',
            HINT = format('Run SELECT learnerscore.train_contact_uplift(%L, as_of) first.', schema_name);
    END IF;
    IF run IS NULL THEN
        EXECUTE format('SELECT max(h.run_id) FROM %s.contact_uplift_holdout h', s) INTO run;
    END IF;
    -- Each policy contacts the share of the test flow's learners it ranks first; within that top, the randomized
    -- arms still compare like with like, so holdout minus contacted dropout rate is the effect of contacting them.
    RETURN QUERY EXECUTE format($q$
        WITH h AS (SELECT * FROM %1$s.contact_uplift_holdout WHERE run_id = $1),
        n AS (SELECT count(*) AS n FROM h),
        ranked AS (
            SELECT h.*, row_number() OVER (ORDER BY h.expected_benefit DESC NULLS LAST, h.user_id) AS r_benefit,
                   row_number() OVER (ORDER BY h.baseline_risk DESC NULLS LAST, h.user_id) AS r_risk
              FROM h),
        picks AS (
            SELECT 'expected_benefit' AS policy, 1 AS o, r.* FROM ranked r, n WHERE r.r_benefit <= ceil($2 * n.n)
            UNION ALL SELECT 'risk', 2, r.* FROM ranked r, n WHERE r.r_risk <= ceil($2 * n.n)
            UNION ALL SELECT 'random', 3, r.* FROM ranked r)
        SELECT g.policy, $2, (SELECT n.n FROM n),
               CASE WHEN g.policy = 'random' THEN ceil($2 * (SELECT n.n FROM n))::bigint ELSE g.cnt END,
               -100 * (g.e).estimate, -100 * (g.e).ci_high, -100 * (g.e).ci_low, (g.e).n_treated, (g.e).n_control
          FROM (SELECT p.policy, min(p.o) AS o, count(*) AS cnt, learnerscore.ate_diff(p.dropout::float8, p.contacted) AS e
                  FROM picks p GROUP BY p.policy) g
         ORDER BY g.o$q$, s) USING run, share;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_policy_values(text, float8, bigint) IS
  'How many dropouts per 100 contacts each way of choosing whom to contact prevents, estimated on the later-flow check of a contact uplift run '
  '(default: the latest): policy expected_benefit (the learners of highest predicted benefit), risk (highest baseline risk) and random (everyone), '
  'each contacting the given share (top_share) of the test flow; within each choice the randomized arms give the effect (holdout minus contacted dropout '
  'rate) with a 95 % interval. learners: the test flow''s size; selected: how many the policy contacts; contacted / held_out: the arms inside it.';

CREATE FUNCTION learnerscore.contact_plan(schema_name text, as_of date DEFAULT current_date, capacity int DEFAULT 5,
                                          holdout float8 DEFAULT 0.1, seed int DEFAULT 0)
RETURNS TABLE (tutor text, priority int, user_id int, course_id int, arm text, dropout_probability float8,
               expected_benefit float8, status text, reason text)
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    uplift_name text := schema_name || '.contact_uplift';
    snap timestamptz;
    plan bigint;
    n_elig int;
    n_contact int;
    n_held int;
    uplift_run bigint;
    pv jsonb;
BEGIN
    IF capacity IS NULL OR capacity <= 0 THEN
        RAISE EXCEPTION 'capacity must be a positive number of contacts per tutor and day, not %', coalesce(capacity::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF holdout IS NULL OR holdout = 'NaN' OR holdout < 0 OR holdout >= 1 THEN
        RAISE EXCEPTION 'holdout must be a share in [0, 1), not %', coalesce(holdout::text, 'NULL') USING ERRCODE = '22023',
            HINT = 'A holdout of 0.1 keeps one eligible learner in ten uncontacted, so that the effect can be measured.';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(*) FROM learnerscore.deployed_models d WHERE d.name IN (uplift_name || '.treated', uplift_name || '.control')) < 2 THEN
        RAISE EXCEPTION 'no deployed contact uplift model %', uplift_name USING ERRCODE = '42704',
            HINT = format('Run SELECT learnerscore.train_contact_uplift(%L, as_of) first.', schema_name);
    END IF;
    PERFORM learnerscore._ensure_contact_tables(schema_name);
    -- planning the same day again replaces that day's plan (not what was loaded)
    EXECUTE format('DELETE FROM %s.contact_assignments WHERE assigned_on = $1 AND plan_id IS NOT NULL', s) USING as_of;
    -- today's risk: the snapshot score_learners stored for as_of (made now when there is none)
    IF to_regclass(s || '.learner_score_history') IS NOT NULL THEN
        EXECUTE format('SELECT max(scored_at) FROM %s.learner_score_history WHERE as_of = $1', s) INTO snap USING as_of;
    END IF;
    IF snap IS NULL THEN
        PERFORM learnerscore.score_learners(schema_name, as_of);
        EXECUTE format('SELECT max(scored_at) FROM %s.learner_score_history WHERE as_of = $1', s) INTO snap USING as_of;
    END IF;
    -- eligible: scored (running on as_of) and neither contacted nor assigned before (one contact per learner and flow,
    -- and a held-out learner stays uncontacted)
    DROP TABLE IF EXISTS _ls_plan;
    EXECUTE format($q$CREATE TEMP TABLE _ls_plan AS
        SELECT f.*, h.dropout_probability AS risk, h.status AS snapshot_status, h.reason_1,
               learnerscore.predict_uplift($3, f) AS benefit,
               ('x' || substr(md5($4 || ':' || $1 || ':' || f.user_id), 1, 8))::bit(32)::bigint / 4294967296.0 AS draw
          FROM (%2$s) f
          JOIN %1$s.learner_score_history h ON h.scored_at = $2 AND h.user_id = f.user_id$q$,
        s, learnerscore._contact_features_sql(schema_name, format($p$
            SELECT h.user_id, $1::date AS day FROM %1$s.learner_score_history h
             WHERE h.scored_at = $2
               AND NOT EXISTS (SELECT 1 FROM %1$s.contacts c WHERE c.user_id = h.user_id AND c.contacted_at < $1::date + 1)
               AND NOT EXISTS (SELECT 1 FROM %1$s.contact_assignments a WHERE a.user_id = h.user_id AND a.assigned_on <= $1)$p$, s)))
        USING as_of, snap, uplift_name, seed;
    ALTER TABLE _ls_plan ADD COLUMN held_out boolean, ADD COLUMN tutor text, ADD COLUMN priority int;
    UPDATE _ls_plan SET held_out = draw < holdout;
    -- the course's tutors: those of its learners in the intervention log (else one, "tutor 1"); each takes
    -- `capacity` learners of the highest expected benefit, in turn
    EXECUTE format($q$WITH tutors AS (
            SELECT u.course_id, array_agg(DISTINCT c.tutor ORDER BY c.tutor) AS names
              FROM %1$s.contacts c JOIN %1$s.users u ON u.user_id = c.user_id
             WHERE c.tutor IS NOT NULL AND btrim(c.tutor) <> '' GROUP BY u.course_id),
        ranked AS (
            SELECT p.user_id, p.flow_course_id,
                   row_number() OVER (PARTITION BY p.flow_course_id ORDER BY p.benefit DESC NULLS LAST, p.user_id) AS k
              FROM _ls_plan p WHERE NOT p.held_out)
        UPDATE _ls_plan p SET tutor = (coalesce(t.names, ARRAY['tutor 1']))[(r.k - 1) / $1 + 1], priority = ((r.k - 1) %% $1 + 1)::int
          FROM ranked r LEFT JOIN tutors t ON t.course_id = r.flow_course_id
         WHERE p.user_id = r.user_id AND r.k <= $1 * coalesce(array_length(t.names, 1), 1)$q$, s) USING capacity;
    SELECT count(*), count(*) FILTER (WHERE p.tutor IS NOT NULL), count(*) FILTER (WHERE p.held_out)
      INTO n_elig, n_contact, n_held FROM _ls_plan p;
    -- what choosing by expected benefit, by risk or at random would prevent: on today's eligible learners by the
    -- model (sum of predicted benefits), and as measured on the later-flow check of the latest uplift run
    EXECUTE format('SELECT max(run_id) FROM %s.contact_uplift_runs WHERE test_rows > 0', s) INTO uplift_run;
    SELECT jsonb_build_object(
        'predicted_today', jsonb_build_object(
            'expected_benefit', (SELECT sum(b) FROM (SELECT p.benefit AS b FROM _ls_plan p WHERE NOT p.held_out
                                  ORDER BY p.benefit DESC NULLS LAST LIMIT n_contact) x),
            'risk', (SELECT sum(b) FROM (SELECT p.benefit AS b FROM _ls_plan p WHERE NOT p.held_out
                      ORDER BY p.risk DESC NULLS LAST, p.user_id LIMIT n_contact) x),
            'random', (SELECT avg(p.benefit) * n_contact FROM _ls_plan p WHERE NOT p.held_out)),
        'measured_on_later_flow', CASE WHEN uplift_run IS NOT NULL AND n_elig > n_held AND n_contact > 0 THEN
            (SELECT jsonb_agg(to_jsonb(v)) FROM learnerscore.contact_policy_values(schema_name,
                 least(1.0, n_contact::float8 / (n_elig - n_held)), uplift_run) v) END) INTO pv;
    EXECUTE format('INSERT INTO %s.contact_plans (as_of, capacity, holdout, seed, uplift_run_id, eligible, contacts, held_out, policy_values) '
                   'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING plan_id', s)
        INTO plan USING as_of, capacity, holdout, seed, uplift_run, n_elig, n_contact, n_held, pv;
    EXECUTE format($q$INSERT INTO %s.contact_assignments (user_id, assigned_on, arm, tutor, plan_id)
        SELECT p.user_id, $1, CASE WHEN p.held_out THEN 'holdout' ELSE 'contact' END, p.tutor, $2
          FROM _ls_plan p WHERE p.held_out OR p.tutor IS NOT NULL$q$, s) USING as_of, plan;
    RETURN QUERY
        SELECT p.tutor, p.priority, p.user_id, p.flow_course_id, CASE WHEN p.held_out THEN 'holdout' ELSE 'contact' END,
               p.risk, p.benefit, p.snapshot_status::text, p.reason_1::text
          FROM _ls_plan p WHERE p.held_out OR p.tutor IS NOT NULL
         ORDER BY p.held_out, p.flow_course_id, p.tutor, p.priority, p.user_id;
    DROP TABLE _ls_plan;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_plan(text, date, int, float8, int) IS
  'Today''s contacts: the learners running on as_of (the score_learners snapshot of as_of, made when missing) who were neither contacted nor '
  'assigned before are eligible; a random share holdout of them (a hash of seed, as_of and the learner) is kept uncontacted; the others are '
  'ranked per course by expected benefit (the fall in dropout probability if contacted, learnerscore.predict_uplift of <schema>.contact_uplift) '
  'and given to the course''s tutors (those of its learners in <schema>.contacts, else "tutor 1"), capacity each. Returns the list (tutor, '
  'priority 1..capacity, learner, course, arm contact or holdout, dropout_probability, expected_benefit, status and the top reason of the '
  'snapshot), records both arms in <schema>.contact_assignments (plan_id) and the plan in <schema>.contact_plans with policy_values (dropouts '
  'prevented by choosing by expected benefit, by risk and at random: predicted for today, and measured on the later-flow check). Planning a day '
  'again replaces that day''s plan. Errors 22023: capacity <= 0, holdout outside [0, 1), a contact after as_of; 42704: no uplift model.';

REVOKE EXECUTE ON FUNCTION learnerscore.contact_effect(text, date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.contact_policy_values(text, float8, bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._learner_outcomes_sql(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._contact_features_sql(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._contact_experiment_sql(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._require_contact_schema(text, date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.train_contact_uplift(text, date, text, jsonb) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.contact_plan(text, date, int, float8, int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._ensure_contact_tables(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore.contact_effect(text, date) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore.contact_policy_values(text, float8, bigint) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore._learner_outcomes_sql(text) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore._contact_features_sql(text, text) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore._contact_experiment_sql(text) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore._require_contact_schema(text, date) TO learnerscore_analyst;
GRANT EXECUTE ON FUNCTION learnerscore.train_contact_uplift(text, date, text, jsonb) TO learnerscore_owner;
GRANT EXECUTE ON FUNCTION learnerscore.contact_plan(text, date, int, float8, int) TO learnerscore_owner;
GRANT EXECUTE ON FUNCTION learnerscore._ensure_contact_tables(text) TO learnerscore_owner;
-- == contacts14: end

-- == cate14: begin (issue 14 item 6: per-employee course effects; 430, 900)
-- ===== Per-employee course effects (issue 14, item 6: extension/sql/430_course_cate.sql) =====
-- New: course_cate (owner: creates and writes <schema>.course_cate, trains models), course_effects_shrunk and
-- course_recommendations_cate (open to every role, like recommend_courses: they only read the schema with the
-- caller's rights). _routine_access lists course_cate as owner. No data-schema change: course_cate creates
-- <schema>.course_cate on its first run.
-- Per-employee course effects (issue 14, item 6; docs/course-effects.md "Per-employee effects (CATE)"):
--
--   learnerscore.course_cate(schema, kpi, algorithm, params, min_per_arm)
--       a T-learner of each course's effect on a KPI (learnerscore.train_uplift: treated = finished the course
--       before the post-period, the covariates of course_panel), scored for every employee into <schema>.course_cate
--   learnerscore.course_effects_shrunk(schema, method)
--       the department estimates recommend_courses ranks by: course_effects shrunk toward the all-department estimate
--   learnerscore.course_recommendations_cate(schema, kpi, top_n)
--       per employee, the top_n courses not finished by the predicted per-employee benefit, next to the
--       department-level list of today's shrinkage (what recommend_courses returns for the same employee)

CREATE FUNCTION learnerscore.course_cate(schema_name text, kpi text DEFAULT NULL, algorithm text DEFAULT 'linear',
                                         params jsonb DEFAULT '{}', min_per_arm int DEFAULT 30)
RETURNS TABLE (course_id int, kpi_name text, status text, n_treated bigint, n_control bigint, rows_written bigint,
               mean_cate float8, treated_model_id bigint, control_model_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    kpis text[];
    feats text[];
    levels text[];
    known text;
    width int;
    need int;
    n_courses bigint;
    method_name text := 't_learner_' || algorithm;
    model_name text;
    ids bigint[];
    cols text;
    c text[];
    r record;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_cate: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_panel') IS NULL OR to_regclass(s || '.kpi_settings') IS NULL
       OR to_regclass(s || '.courses_info') IS NULL OR to_regclass(s || '.employees') IS NULL THEN
        RAISE EXCEPTION 'schema % is not a course-effects schema (no course_panel, kpi_settings, courses_info or employees)', s
            USING ERRCODE = '42P01', HINT = format('CALL learnerscore.create_course_effects_schema(%L) and load it first.', schema_name);
    END IF;
    PERFORM learnerscore._require_current_layout(schema_name, 'course_effects');
    IF algorithm IS NULL OR algorithm NOT IN ('linear', 'xgboost') THEN
        RAISE EXCEPTION 'course_cate: unknown algorithm "%"', algorithm USING ERRCODE = '22023',
            HINT = 'The KPIs are continuous: linear (OLS per arm, the default) or xgboost (regression trees per arm).';
    END IF;
    IF params IS NULL OR jsonb_typeof(params) <> 'object' THEN
        RAISE EXCEPTION 'course_cate: params must be a jsonb object (learnerscore.train''s), not %', coalesce(params::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF min_per_arm IS NULL OR min_per_arm < 1 THEN
        RAISE EXCEPTION 'course_cate: min_per_arm must be a positive number of employees, not %', coalesce(min_per_arm::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT array_agg(k.kpi ORDER BY k.kpi) FROM %s.kpi_settings k WHERE $1::text IS NULL OR k.kpi = $1', s)
        INTO kpis USING kpi;
    IF kpis IS NULL THEN
        EXECUTE format('SELECT string_agg(k.kpi, '', '' ORDER BY k.kpi) FROM %s.kpi_settings k', s) INTO known;
        RAISE EXCEPTION 'course_cate: unknown KPI "%"', coalesce(kpi, 'NULL') USING ERRCODE = '22023',
            HINT = format('The KPIs of %s.kpi_settings are: %s (NULL: all of them).', s, coalesce(known, 'none'));
    END IF;
    EXECUTE format('SELECT count(*) FROM %s.courses_info', s) INTO n_courses;
    IF n_courses = 0 THEN
        RAISE EXCEPTION 'course_cate: schema % has no courses (courses_info is empty)', s USING ERRCODE = '22023',
            HINT = 'Load courses_info.csv, courses_passing.csv and the other files with `learnerscore load DIR --schema S`.';
    END IF;
    -- one run per schema at a time (each replaces the rows of its KPIs)
    PERFORM pg_advisory_xact_lock(hashtext('learnerscore.course_cate'), hashtext(schema_name));

    -- The panel once: the view aggregates every communication; every model reads this copy.
    IF to_regclass('pg_temp._ls_cate_rows') IS NOT NULL THEN
        DROP VIEW pg_temp._ls_cate_rows;
    END IF;
    IF to_regclass('pg_temp._ls_cate_panel') IS NOT NULL THEN
        DROP TABLE pg_temp._ls_cate_panel;
    END IF;
    EXECUTE format($q$CREATE TEMP TABLE _ls_cate_panel AS
        SELECT p.course_id, p.employee_id, p.department, p.kpi, p.post_value, p.treated, p.covariates
          FROM %s.course_panel p WHERE p.kpi = ANY ($1)$q$, s) USING kpis;
    CREATE INDEX ON pg_temp._ls_cate_panel (course_id, kpi);
    ANALYZE pg_temp._ls_cate_panel;
    SELECT max(cardinality(p.covariates)) INTO width FROM pg_temp._ls_cate_panel p;
    -- their names, in the panel's order: [csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, one dummy per
    -- department after the first (learnerscore.one_hot over the sorted departments)]; positional names for a panel
    -- of another shape (its view changed): still exactly the panel's covariates
    EXECUTE format('SELECT array_agg(DISTINCT e.department ORDER BY e.department) FROM %s.employees e', s) INTO levels;
    feats := ARRAY['csat_pre', 'resolved_rate_pre', 'handle_time_pre', 'tenure_years']
             || ARRAY(SELECT 'department_' || u.l FROM unnest(levels[2:]) WITH ORDINALITY AS u(l, i) ORDER BY u.i);
    IF width IS NULL OR cardinality(feats) <> width OR (SELECT count(DISTINCT f) FROM unnest(feats) f) <> width THEN
        feats := ARRAY(SELECT 'covariate_' || i FROM generate_series(1, coalesce(width, 0)) i);
    END IF;
    -- the covariates as named columns (train() reads columns): exactly the array course_effects' estimators use
    SELECT string_agg(format('p.covariates[%s] AS %I', i, feats[i]), ', ' ORDER BY i) INTO cols
      FROM generate_series(1, cardinality(feats)) i;
    EXECUTE format('CREATE TEMP VIEW _ls_cate_rows AS SELECT p.*%s FROM pg_temp._ls_cate_panel p',
                   CASE WHEN cols IS NULL THEN '' ELSE ', ' || cols END);
    -- an arm smaller than the model's parameters cannot be fitted
    need := greatest(min_per_arm, coalesce(cardinality(feats), 0) + 2);

    PERFORM learnerscore._create_table(schema_name, 'course_cate', $$
        employee_id      int NOT NULL,
        department       text NOT NULL,
        course_id        int NOT NULL,
        kpi              text NOT NULL,
        took_course      boolean NOT NULL,
        cate             float8,
        method           text NOT NULL,
        treated_model_id bigint NOT NULL,
        control_model_id bigint NOT NULL,
        computed_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (employee_id, course_id, kpi)$$,
        'Per employee, course and KPI: the predicted effect of the course on the employee''s KPI (CATE), written by learnerscore.course_cate(schema, kpi): '
        'a T-learner (learnerscore.train_uplift) per course and KPI trained on course_panel (treated = finished the course before the post-period; '
        'features = the covariates of course_effects), scored for every employee of the panel. A run replaces the rows of its KPIs.',
        'course_cate_course_kpi_idx (course_id, kpi)');
    FOREACH c SLICE 1 IN ARRAY ARRAY[
        ['employee_id', 'The employee (employees.employee_id).'],
        ['department', 'The employee''s department.'],
        ['course_id', 'The course (courses_info.course_id).'],
        ['kpi', 'The KPI (kpi_settings.kpi): csat, resolved_rate or handle_time.'],
        ['took_course', 'true when the employee finished the course before the post-period (the treated arm of the model); the CATE is predicted for both arms.'],
        ['cate', 'Predicted effect of the course on the employee''s post-period KPI, in KPI units (csat points, share of resolved contacts, seconds of handle time; '
                 'for handle_time a negative value is an improvement): prediction of the treated-arm model minus that of the control-arm model at the employee''s covariates.'],
        ['method', 'How it was estimated: t_learner_linear (OLS per arm) or t_learner_xgboost (regression trees per arm).'],
        ['treated_model_id', 'learnerscore.models.id of the treated-arm model (<schema>.cate_<course_id>_<kpi>.treated) that scored the row.'],
        ['control_model_id', 'learnerscore.models.id of the control-arm model (<schema>.cate_<course_id>_<kpi>.control) that scored the row.'],
        ['computed_at', 'When the course_cate run that wrote the row started.']]
    LOOP  -- only a comment that changed: COMMENT needs ownership and takes a lock readers would wait on
        IF col_description(to_regclass(s || '.course_cate'),
                           (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = to_regclass(s || '.course_cate') AND a.attname = c[1]))
           IS DISTINCT FROM c[2] THEN
            EXECUTE format('COMMENT ON COLUMN %s.course_cate.%I IS %L', s, c[1], c[2]);
        END IF;
    END LOOP;
    EXECUTE format('DELETE FROM %s.course_cate x WHERE x.kpi = ANY ($1)', s) USING kpis;

    FOR r IN EXECUTE format($q$
        SELECT ci.course_id AS cid, k.kpi AS k,
               count(p.employee_id) FILTER (WHERE p.treated) AS n_t, count(p.employee_id) FILTER (WHERE NOT p.treated) AS n_c
          FROM %s.courses_info ci CROSS JOIN unnest($1::text[]) AS k(kpi)
          LEFT JOIN pg_temp._ls_cate_panel p ON p.course_id = ci.course_id AND p.kpi = k.kpi AND p.post_value IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2$q$, s) USING kpis
    LOOP
        course_id := r.cid;
        kpi_name := r.k;
        n_treated := r.n_t;
        n_control := r.n_c;
        IF r.n_t < need OR r.n_c < need THEN
            RAISE NOTICE 'course_cate: course % skipped for %: % treated and % untreated employees, at least % of each needed',
                r.cid, r.k, r.n_t, r.n_c, need;
            status := 'skipped';
            rows_written := 0;
            mean_cate := NULL;
            treated_model_id := NULL;
            control_model_id := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        model_name := schema_name || '.cate_' || r.cid || '_' || r.k;
        SELECT array_agg(u.model_id ORDER BY u.arm DESC) INTO ids   -- treated, control
          FROM learnerscore.train_uplift(model_name,
                   format('SELECT * FROM pg_temp._ls_cate_rows WHERE course_id = %s AND kpi = %L', r.cid, r.k),
                   'treated', 'post_value', feats, algorithm, params) u;
        -- scored with the versions just trained (by id), at the panel's covariate array (the models' feature order)
        EXECUTE format($q$INSERT INTO %s.course_cate (employee_id, department, course_id, kpi, took_course, cate, method,
                                                      treated_model_id, control_model_id, computed_at)
            SELECT p.employee_id, p.department, p.course_id, p.kpi, p.treated,
                   learnerscore.predict($1::bigint, p.covariates) - learnerscore.predict($2::bigint, p.covariates),
                   $3, $1, $2, $4
              FROM pg_temp._ls_cate_panel p WHERE p.course_id = $5 AND p.kpi = $6$q$, s)
            USING ids[1], ids[2], method_name, now(), r.cid, r.k;
        GET DIAGNOSTICS rows_written = ROW_COUNT;
        EXECUTE format('SELECT avg(x.cate) FROM %s.course_cate x WHERE x.course_id = $1 AND x.kpi = $2', s)
            INTO mean_cate USING r.cid, r.k;
        status := 'trained';
        treated_model_id := ids[1];
        control_model_id := ids[2];
        RETURN NEXT;
    END LOOP;
    DROP VIEW pg_temp._ls_cate_rows;
    DROP TABLE pg_temp._ls_cate_panel;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_cate(text, text, text, jsonb, int) IS
  'Per-employee effects of the courses (CATE) on a KPI (NULL: every KPI of kpi_settings): for each course of courses_info and KPI, a T-learner '
  '(learnerscore.train_uplift: models <schema>.cate_<course_id>_<kpi>.treated / .control) of the post-period KPI on the covariates course_effects '
  'uses (course_panel: csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, department dummies), treated = finished the course before the '
  'post-period; each employee''s CATE = treated-arm minus control-arm prediction, written to <schema>.course_cate (replacing the rows of those KPIs). '
  'algorithm linear (OLS per arm, default) or xgboost; params as learnerscore.train''s. A course with fewer than min_per_arm treated or untreated '
  'employees (or fewer than the covariates + 2) is skipped with a NOTICE. Returns one row per course and KPI: status trained or skipped, arm sizes, '
  'rows written, mean CATE and the two model ids. Errors: 22023 NULL/empty schema, unknown KPI or algorithm, params not an object, no courses; '
  '3F000 unknown schema; 42P01 not a course-effects schema. Writes to the schema: for owners (learnerscore_owner).';

-- The department estimates of recommend_courses (410_course_effects_schema.sql), for every department at once.
CREATE FUNCTION learnerscore.course_effects_shrunk(schema_name text, method text DEFAULT NULL)
RETURNS TABLE (course_id int, kpi text, department text, estimate float8, std_error float8, overall_estimate float8,
               tau2 float8, weight_department float8, effect float8, benefit float8, score float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    m text := method;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_effects_shrunk: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_effects') IS NULL THEN
        RAISE EXCEPTION 'schema % has no course_effects', s USING ERRCODE = '42P01',
            HINT = format('CALL learnerscore.create_course_effects_schema(%L), load it, then refresh_course_effects.', schema_name);
    END IF;
    IF m IS NULL THEN
        EXECUTE format('SELECT st.primary_method FROM %s.course_effect_settings st', s) INTO m;
    END IF;
    IF m IS NULL OR m NOT IN ('naive', 'regression', 'aipw', 'iv') THEN
        RAISE EXCEPTION 'course_effects_shrunk: unknown method "%"', coalesce(m, 'NULL') USING ERRCODE = '22023',
            HINT = 'naive, regression, aipw or iv (NULL: the primary_method of course_effect_settings).';
    END IF;
    -- the same formulas as recommend_courses (tests/e2e/course_cate.sh checks that both rank alike)
    RETURN QUERY EXECUTE format($q$
        WITH e AS (SELECT ce.* FROM %1$s.course_effects ce WHERE ce.method = $1),
        tau AS (  -- between-department variance of the effect (method of moments, floored at 0)
            SELECT ce.course_id, ce.kpi,
                   greatest(coalesce(var_samp(ce.estimate), 0) - coalesce(avg(ce.std_error ^ 2), 0), 0) AS tau2
            FROM e ce WHERE ce.department <> 'ALL' GROUP BY 1, 2),
        depts AS (SELECT DISTINCT em.department FROM %1$s.employees em),
        shrunk AS (
            SELECT a.course_id, a.kpi, dp.department, d.estimate, d.std_error, a.estimate AS overall_estimate, t.tau2,
                   ks.min_useful_effect, ks.higher_is_better,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN a.estimate
                        ELSE (t.tau2 * d.estimate + d.std_error ^ 2 * a.estimate) / nullif(t.tau2 + d.std_error ^ 2, 0) END AS effect,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN 0
                        ELSE t.tau2 / nullif(t.tau2 + d.std_error ^ 2, 0) END AS weight_department
            FROM e a
            CROSS JOIN depts dp
            JOIN %1$s.kpi_settings ks ON ks.kpi = a.kpi
            LEFT JOIN e d ON d.course_id = a.course_id AND d.kpi = a.kpi AND d.department = dp.department
            LEFT JOIN tau t ON t.course_id = a.course_id AND t.kpi = a.kpi
            WHERE a.department = 'ALL' AND a.estimate IS NOT NULL)
        SELECT sh.course_id, sh.kpi, sh.department, sh.estimate, sh.std_error, sh.overall_estimate, sh.tau2,
               sh.weight_department, sh.effect,
               CASE WHEN sh.higher_is_better THEN sh.effect ELSE -sh.effect END,
               CASE WHEN sh.higher_is_better THEN sh.effect ELSE -sh.effect END / sh.min_useful_effect
          FROM shrunk sh ORDER BY 1, 2, 3$q$, s) USING m;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_effects_shrunk(text, text) IS
  'The department-level course effects recommend_courses ranks by, for every course x KPI x department of employees: the department''s estimate of '
  'course_effects (method, NULL = primary_method of course_effect_settings) shrunk toward the all-department estimate with weight '
  'tau^2 / (tau^2 + se^2) (tau^2 = between-department variance, method of moments floored at 0; no department estimate: the overall one). '
  'estimate / std_error: the department''s own; overall_estimate: department ALL; effect: the shrunk effect in KPI units; benefit: signed so that '
  'positive is good; score: benefit / the KPI''s min_useful_effect (recommend_courses sums it over KPIs). 22023 NULL/empty schema or unknown '
  'method, 3F000 unknown schema, 42P01 no course_effects.';

CREATE FUNCTION learnerscore.course_recommendations_cate(schema_name text, kpi text DEFAULT NULL, top_n int DEFAULT 3)
RETURNS TABLE (employee_id int, department text, rank int, course_id int, title text, cate_score float8, cate_effects jsonb,
               department_course_id int, department_title text, department_score float8, department_effects jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    kpis text[];
    known text;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_recommendations_cate: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF top_n IS NULL OR top_n < 1 THEN
        RAISE EXCEPTION 'course_recommendations_cate: top_n must be a positive integer, not %', coalesce(top_n::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_cate') IS NULL THEN
        RAISE EXCEPTION 'schema % has no course_cate', s USING ERRCODE = '42P01',
            HINT = format('Run SELECT * FROM learnerscore.course_cate(%L) first (an owner of the schema).', schema_name);
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT x.kpi ORDER BY x.kpi) FROM %s.course_cate x WHERE $1::text IS NULL OR x.kpi = $1', s)
        INTO kpis USING kpi;
    IF kpis IS NULL THEN
        EXECUTE format('SELECT string_agg(k.kpi, '', '' ORDER BY k.kpi) FROM %s.kpi_settings k', s) INTO known;
        RAISE EXCEPTION 'course_recommendations_cate: no per-employee effects on KPI "%" in %.course_cate', coalesce(kpi, 'NULL'), s
            USING ERRCODE = '22023',
            HINT = format('KPIs of %s.kpi_settings: %s; SELECT * FROM learnerscore.course_cate(%L, kpi) computes them.', s,
                          coalesce(known, 'none'), schema_name);
    END IF;
    -- Both lists score a course as recommend_courses does: the sum over the KPIs of the benefit (effect signed so that
    -- positive is good) in units of the KPI's minimal useful effect; only courses the employee has not finished and
    -- with a positive score. Left: the employee's own CATE; right: the shrunk department estimate.
    RETURN QUERY EXECUTE format($q$
        WITH done AS (SELECT cp.employee_id, cp.course_id FROM %1$s.courses_passing cp WHERE cp.status = 'finished'),
        emp AS (SELECT DISTINCT x.employee_id, x.department FROM %1$s.course_cate x WHERE x.kpi = ANY ($1)),
        cate AS (
            SELECT x.employee_id, x.course_id,
                   sum(CASE WHEN ks.higher_is_better THEN x.cate ELSE -x.cate END / ks.min_useful_effect) AS score,
                   jsonb_object_agg(x.kpi, round(x.cate::numeric, 4)) AS effects
              FROM %1$s.course_cate x JOIN %1$s.kpi_settings ks ON ks.kpi = x.kpi
             WHERE x.kpi = ANY ($1) AND x.cate IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM done d WHERE d.employee_id = x.employee_id AND d.course_id = x.course_id)
             GROUP BY 1, 2),
        cate_ranked AS (
            SELECT c.*, row_number() OVER (PARTITION BY c.employee_id ORDER BY c.score DESC, c.course_id)::int AS r
              FROM cate c WHERE c.score > 0),
        dept AS (
            SELECT sh.department, sh.course_id, sum(sh.score) AS score,
                   jsonb_object_agg(sh.kpi, round(coalesce(sh.effect, 0)::numeric, 4)) AS effects
              FROM learnerscore.course_effects_shrunk($3) sh
             WHERE sh.kpi = ANY ($1) GROUP BY 1, 2),
        dept_ranked AS (
            SELECT e.employee_id, d.course_id, d.score, d.effects,
                   row_number() OVER (PARTITION BY e.employee_id ORDER BY d.score DESC, d.course_id)::int AS r
              FROM emp e JOIN dept d ON d.department = e.department
             WHERE d.score > 0 AND NOT EXISTS (SELECT 1 FROM done dn WHERE dn.employee_id = e.employee_id AND dn.course_id = d.course_id)),
        paired AS (
            SELECT coalesce(a.employee_id, b.employee_id) AS employee_id, coalesce(a.r, b.r) AS r,
                   a.course_id AS a_course, a.score AS a_score, a.effects AS a_effects,
                   b.course_id AS b_course, b.score AS b_score, b.effects AS b_effects
              FROM (SELECT * FROM cate_ranked WHERE r <= $2) a
              FULL JOIN (SELECT * FROM dept_ranked WHERE r <= $2) b ON b.employee_id = a.employee_id AND b.r = a.r)
        SELECT p.employee_id, e.department, p.r, p.a_course, ca.title, p.a_score, p.a_effects,
               p.b_course, cb.title, p.b_score, p.b_effects
          FROM paired p JOIN emp e ON e.employee_id = p.employee_id
          LEFT JOIN %1$s.courses_info ca ON ca.course_id = p.a_course
          LEFT JOIN %1$s.courses_info cb ON cb.course_id = p.b_course
         ORDER BY p.employee_id, p.r$q$, s) USING kpis, top_n, schema_name;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_recommendations_cate(text, text, int) IS
  'Per employee of <schema>.course_cate, the top_n courses not finished ranked by the employee''s own predicted effects (course_cate), next to the '
  'top_n of today''s department-level recommendation (the shrunk department estimates of course_effects_shrunk, i.e. what recommend_courses lists '
  'for the employee). One row per employee and rank 1..top_n: course_id, title, cate_score (sum over the KPIs of the CATE signed so that positive '
  'is good, in units of the KPI''s min_useful_effect), cate_effects ({kpi: CATE}) and department_course_id, department_title, department_score, '
  'department_effects ({kpi: shrunk effect}) on the same KPIs. Only positive scores; a side with fewer courses has NULLs. kpi: one KPI, or NULL for '
  'every KPI course_cate holds. Errors: 22023 NULL/empty schema, top_n < 1, no course_cate rows for the KPI; 3F000; 42P01 no course_cate.';
REVOKE EXECUTE ON FUNCTION learnerscore.course_cate(text, text, text, jsonb, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore.course_cate(text, text, text, jsonb, int) TO learnerscore_owner;
-- == cate14: end

-- == passes12: begin (issue 12 item 1: ipw/aipw, balance and overlap as parallel mergeable passes; 400, 405, 900)
-- The multi-pass propensity estimators (issue 12): ate_from_table's other way to run
-- ipw and aipw, without keeping rows. Every pass is one query over the table with
-- the aggregate below, whose float8[] state merges (sums, Chan's update for moments,
-- co-moment merges), so the pass runs as Partial Aggregate on parallel workers and on
-- Citus workers. The driver (C++, src/core/causal/propensity_passes.cpp) sends each
-- pass its params: standardization, current coefficients, arm models.
CREATE FUNCTION learnerscore._propensity_pass_trans(state float8[], params float8[], outcome float8, treated boolean,
                                                    covariates float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_propensity_pass_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._propensity_pass_trans(float8[], float8[], float8, boolean, float8[]) IS
  'Internal: transition of propensity_pass (creates the state from params on the first row, then adds each row; a row with a NULL covariate is skipped).';
CREATE FUNCTION learnerscore._propensity_pass_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_propensity_pass_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._propensity_pass_combine(float8[], float8[]) IS
  'Internal: merges two propensity_pass states of the same pass (checked).';

CREATE AGGREGATE learnerscore.propensity_pass(params float8[], outcome float8, treated boolean, covariates float8[]) (
    SFUNC = learnerscore._propensity_pass_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._propensity_pass_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.propensity_pass(float8[], float8, boolean, float8[]) IS
  'One pass of the multi-pass propensity estimators that ate_from_table runs with learnerscore.table_estimator = passes (or auto on a '
  'Citus distributed table or past learnerscore.max_train_memory): params (made by ate_from_table: the pass kind, the standardization, '
  'the current coefficients) in, the mergeable pass state out. Not meant to be called by hand; malformed params or states are an error (22P03).';

-- The diagnostics of balance() and propensity_overlap() as passes over a table.
CREATE FUNCTION learnerscore.balance_from_table(relation regclass, treatment text, covariates text[], trim_level float8 DEFAULT 0)
    RETURNS learnerscore.balance_row[]
    AS 'MODULE_PATHNAME', 'ls_balance_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.balance_from_table(regclass, text, text[], float8) IS
  'Covariate balance of a table, as the aggregate balance(treated, covariates, trim_level) gives it (one balance_row per covariate: '
  'standardized mean differences before and after IPW weighting), computed as passes over the table (propensity_pass: no rows kept, '
  'each pass a parallel or Citus distributed aggregate; the same figures to 1e-9). treatment boolean or 0/1 (non-zero = treated), '
  'covariates cast to float8; rows with a NULL are skipped, NaN or infinity is an error. NULL with a WARNING when no row qualifies. '
  'Use SELECT (unnest(learnerscore.balance_from_table(...))).*';
CREATE FUNCTION learnerscore.overlap_from_table(relation regclass, treatment text, covariates text[])
    RETURNS learnerscore.overlap_summary
    AS 'MODULE_PATHNAME', 'ls_overlap_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.overlap_from_table(regclass, text, text[]) IS
  'Propensity-score overlap of a table, as the aggregate propensity_overlap(treated, covariates) gives it, computed as passes over '
  'the table (propensity_pass: no rows kept, each pass a parallel or Citus distributed aggregate; the same figures to 1e-9). '
  'Rows with a NULL are skipped; without treated or control rows only the counts are set (WARNING).';
COMMENT ON FUNCTION learnerscore.ate_from_table(regclass, text, text, text[], text, float8, float8) IS
  'Treatment effect (method diff | regression | ipw | aipw) reading the named columns of a table or view directly into one contiguous in-memory buffer (one scan, no per-row array): outcome and covariates cast to float8, treatment boolean or 0/1 (cast to int, non-zero = treated). Rows with a NULL are skipped; NaN or infinity is an error. Holds at most 4 GB of row data (8 bytes per value; about 23 million rows x 20 covariates), past which it stops with a program_limit_exceeded error. Same estimators as the aggregates; the fastest path for large tables. ipw and aipw also run as passes without keeping rows (learnerscore.table_estimator: memory, passes, or auto = passes on a Citus distributed table or when the planner''s row estimate exceeds learnerscore.max_train_memory): one parallel aggregate query per pass (standardization, each Newton iteration, the kept rows, the variance), the same answer to 1e-9.';
REVOKE EXECUTE ON FUNCTION learnerscore._propensity_pass_trans(float8[], float8[], float8, boolean, float8[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._propensity_pass_combine(float8[], float8[]) FROM PUBLIC;
-- == passes12: end

-- == models12: begin (issue 12 item 3: predict / explain with the model as bytes, for nodes without the registry; 310)
CREATE FUNCTION learnerscore.predict(model bytea, features float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_predict' LANGUAGE C STABLE PARALLEL SAFE STRICT;
CREATE FUNCTION learnerscore.explain(model bytea, features float8[]) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ls_explain' LANGUAGE C STABLE PARALLEL SAFE STRICT;
CREATE FUNCTION learnerscore.predict(model bytea, features jsonb) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_predict' LANGUAGE C STABLE PARALLEL SAFE STRICT;
CREATE FUNCTION learnerscore.explain(model bytea, features jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ls_explain' LANGUAGE C STABLE PARALLEL SAFE STRICT;
CREATE FUNCTION learnerscore.predict(model bytea, features record) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_predict' LANGUAGE C STABLE PARALLEL SAFE STRICT;
CREATE FUNCTION learnerscore.explain(model bytea, features record) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ls_explain' LANGUAGE C STABLE PARALLEL SAFE STRICT;
COMMENT ON FUNCTION learnerscore.predict(bytea, float8[]) IS
  'Scores one row with a model given as its bytes (learnerscore.models.model): for nodes without the registry, e.g. a Citus distributed '
  'table, where the registry row travels with the query (docs/scale-out.md, "Models on every node"); decoded once per distinct blob and cached. '
  'Linear and logistic models only: an XGBoost booster is handed to libxgboost only from the registry, which does not validate hand-made boosters '
  '(0A000). Bytes that are not an intact learnerscore model are an error (22000, corrupted model).';
COMMENT ON FUNCTION learnerscore.predict(bytea, jsonb) IS 'Scores one jsonb row with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.predict(bytea, record) IS 'Scores a row value with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.explain(bytea, float8[]) IS 'explain() with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.explain(bytea, jsonb) IS 'explain() of a jsonb row with a model given as its bytes.';
COMMENT ON FUNCTION learnerscore.explain(bytea, record) IS 'explain() of a row value with a model given as its bytes.';
-- == models12: end

-- == refresh12: begin (issue 12 item 5: a refresh with nothing new reads only metadata; 200; the event time indexes: 100)
CREATE OR REPLACE PROCEDURE learnerscore.refresh_learner_daily(
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
-- == refresh12: end

-- == folds12: begin (issue 12 item 3: cross_validate / train folds from a hash of a key, params fold_key; 310)
COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. Training a name again adds its next version '
  '(learnerscore.models.version) and deploys it unless params has "deploy": false; params "validate": k (k-fold, seed 42) or '
  '"validate_group": column (leave-one-group-out) also records held-out metrics in metrics.validation, as cross_validate()''s '
  '(with "validate", "fold_key": column draws the folds from a hash of that column, see cross_validate) '
  'pooled row (deploy(name, ''best'') uses them); a name taken by another role''s model is 42501; '
  'two train() calls of one name run one after the other. C++ buffers are bounded by learnerscore.max_train_memory (53200).';
COMMENT ON FUNCTION learnerscore.cross_validate(text, text, text[], text, jsonb, int, bigint, text) IS
  'k-fold cross-validation (default 5 folds) with deterministic folds from seed (Fisher-Yates over mt19937_64, drawn over the rows sorted by their values, so the same data and seed give the same folds and metrics whatever order the rows arrive in), or, with '
  'group_column, leave-one-group-out (one fold per distinct value, e.g. per course: never tested on learners it trained on). '
  'One row per fold with held-out metrics (auc, log_loss, brier, calibration_error, accuracy for classifiers; mae, rmse for '
  'regression), then fold = ''mean'' (mean over folds) and fold = ''pooled'' (all held-out predictions together). '
  'params "fold_key": column (e.g. a learner id; not a feature) draws each row''s fold from a hash of its key and the seed instead: '
  'rows of one key share a fold, a row keeps its fold when rows are added, and the folds are the same on one machine and on Citus; a NULL key is an error.';
-- == folds12: end

-- == train_passes: begin (issue 12: train('logistic') as parallel mergeable passes; 312, 900)
-- train('logistic') as passes (issue 12): the other way to run it, without keeping rows.
-- Every pass is one query over the source with the aggregate below, whose float8[] state
-- merges by summation, so the pass runs as Partial Aggregate on parallel workers and on
-- Citus workers: (1) the imputation means and the target's checks, (2) one pass per point
-- the Newton loop evaluates (log-likelihood, gradient, Hessian), (3) the in-sample metrics.
-- The driver (C++, src/core/models/logistic_passes.cpp) sends each pass its params.
CREATE FUNCTION learnerscore._logistic_pass_trans(state float8[], params float8[], target float8, features float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._logistic_pass_trans(float8[], float8[], float8, float8[]) IS
  'Internal: transition of logistic_pass (creates the state from params on the first row, then adds each row; a NULL target is counted, a NULL feature imputed).';
CREATE FUNCTION learnerscore._logistic_pass_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._logistic_pass_combine(float8[], float8[]) IS
  'Internal: merges two logistic_pass states of the same pass (checked).';

CREATE AGGREGATE learnerscore.logistic_pass(params float8[], target float8, features float8[]) (
    SFUNC = learnerscore._logistic_pass_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._logistic_pass_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.logistic_pass(float8[], float8, float8[]) IS
  'One pass of train(..., ''logistic'') run as passes (learnerscore.table_estimator = passes, or auto on a Citus distributed table '
  'or past learnerscore.max_train_memory): params (made by train: the pass kind, the imputation means, the current coefficients) in, '
  'the mergeable pass state out. Not meant to be called by hand; malformed params or states are an error (22P03).';

CREATE FUNCTION learnerscore.logistic_pass_score(params float8[], features float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.logistic_pass_score(float8[], float8[]) IS
  'The probability of one row under the coefficients of a logistic_pass params array (NULL features imputed with the training mean): '
  'train(..., ''logistic'') as passes computes the exact in-sample AUC with auc(logistic_pass_score(...), target). Malformed params: 22P03.';
REVOKE EXECUTE ON FUNCTION learnerscore._logistic_pass_trans(float8[], float8[], float8, float8[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore._logistic_pass_combine(float8[], float8[]) FROM PUBLIC;
-- == train_passes: end

-- == citus12: begin (issue 12 item 4: a learning schema on Citus, distribute_learning_schema, caches off there, co-located views; 100, 115, 120, 135, 200, 900)
CREATE OR REPLACE FUNCTION learnerscore._schema_distributed(schema_name text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    users regclass := to_regclass(format('%I.users', schema_name));
    distributed boolean;
BEGIN
    IF users IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1 AND partmethod = ''h'')'
       INTO distributed USING users;
    RETURN distributed;
END
$fn$;
COMMENT ON FUNCTION learnerscore._schema_distributed(text) IS
  'Internal: true when <schema>.users is a Citus hash-distributed table (the schema was distributed by learnerscore.distribute_learning_schema); false without Citus.';

CREATE OR REPLACE FUNCTION learnerscore._caches_off_cause() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT 'off: distributed schema'::text
$fn$;
COMMENT ON FUNCTION learnerscore._caches_off_cause() IS
  'Internal: the analyst_view_cache.stale_cause of the caches of a schema distributed with Citus, where the cached views read their live queries and refresh_analyst_views does nothing.';

CREATE OR REPLACE FUNCTION learnerscore._tag_intervals_sql(schema_name text) RETURNS text
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

CREATE OR REPLACE FUNCTION learnerscore._learning_schema_placement(OUT table_name text, OUT placement text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT t, p FROM (VALUES
        (1, 'schedule', 'reference'),
        (2, 'activities_guide', 'reference'),
        (3, 'users', 'distributed'),   -- first: the others are co-located with it
        (4, 'users_age_timezone', 'distributed'),
        (5, 'authorization', 'distributed'),
        (6, 'activity_history_viewed', 'distributed'),
        (7, 'webinars_logs', 'distributed'),
        (8, 'exercise_results', 'distributed'),
        (9, 'users_logs', 'distributed'),
        (10, 'contacts', 'distributed'),
        (11, 'contact_assignments', 'distributed'),
        -- the materialized series (200_features.sql), when refresh_learner_daily made them
        (12, 'learner_daily', 'distributed'),
        (13, 'learner_activity', 'distributed')) v(n, t, p)
     ORDER BY n
$fn$;
COMMENT ON FUNCTION learnerscore._learning_schema_placement() IS
  'Internal: the tables distribute_learning_schema places on a Citus cluster, in the order it does it: reference (a copy on every node) or distributed (hash-distributed by user_id, co-located with users).';

CREATE OR REPLACE FUNCTION learnerscore._place_learning_tables(schema_name text, shard_count int)
RETURNS TABLE (table_name text, placement text)
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    p record;
    rel regclass;
    kind "char";
BEGIN
    FOR p IN SELECT * FROM learnerscore._learning_schema_placement() LOOP
        rel := to_regclass(format('%s.%I', s, p.table_name));
        CONTINUE WHEN rel IS NULL;
        EXECUTE 'SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1' INTO kind USING rel;
        IF p.placement = 'reference' AND kind IS NULL THEN
            PERFORM create_reference_table(rel);
        ELSIF p.placement = 'distributed' AND kind IS NULL THEN
            IF p.table_name = 'users' THEN
                PERFORM create_distributed_table(rel, 'user_id', shard_count => shard_count);
            ELSE
                PERFORM create_distributed_table(rel, 'user_id', colocate_with => format('%s.users', s));
            END IF;
        ELSIF kind IS DISTINCT FROM (CASE p.placement WHEN 'reference' THEN 'n' ELSE 'h' END) THEN
            RAISE EXCEPTION 'table %.% is already placed differently on the cluster', s, p.table_name
                USING ERRCODE = '55000',
                      HINT = format('distribute_learning_schema makes it a %s table; undistribute it first (undistribute_table).',
                                    p.placement);
        END IF;
        table_name := p.table_name;
        placement := CASE p.placement WHEN 'reference' THEN 'reference' ELSE 'distributed by user_id' END;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._place_learning_tables(text, int) IS
  'Internal: makes the tables of learnerscore._learning_schema_placement() that exist in the schema reference or distributed tables (users with shard_count shards, the others co-located with users), skipping those already placed; 55000 for one placed differently. One row per table.';

CREATE OR REPLACE FUNCTION learnerscore.distribute_learning_schema(schema_name text, shard_count int DEFAULT NULL)
RETURNS TABLE (table_name text, placement text)
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    p record;
    trg record;
    shards int;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.users') IS NULL OR to_regclass(s || '.learning_schema_ddl') IS NULL THEN
        RAISE EXCEPTION 'schema "%" is not a learning schema', schema_name USING ERRCODE = '42P01',
              HINT = format('CALL learnerscore.create_learning_schema(%L) creates it.', schema_name);
    END IF;
    IF shard_count IS NOT NULL AND (shard_count < 1 OR shard_count > 64000) THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000, not %', shard_count USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in database "%"', current_database() USING ERRCODE = '0A000',
              HINT = 'distribute_learning_schema needs a Citus coordinator with its workers added (CREATE EXTENSION citus; citus_add_node); docs/scale-out.md.';
    END IF;
    shards := coalesce(shard_count, current_setting('citus.shard_count')::int);
    -- One change of a schema's layout at a time, with create_learning_schema (same key).
    PERFORM pg_advisory_xact_lock(hashtext('learnerscore.create_learning_schema'), hashtext(schema_name));
    PERFORM learnerscore._require_current_layout(schema_name, 'learning_schema');

    -- Triggers cannot run on shards: the cache-staleness triggers (the caches
    -- are switched off below) and the contacts check.
    FOR trg IN SELECT t.tgname, t.tgrelid::regclass AS tbl
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relnamespace = s::regnamespace AND NOT t.tgisinternal
                  AND t.tgfoid IN ('learnerscore._mark_view_cache_stale()'::regprocedure,
                                   'learnerscore._check_contact()'::regprocedure)
                ORDER BY c.oid, t.tgname LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', trg.tgname, trg.tbl);
    END LOOP;

    RETURN QUERY SELECT * FROM learnerscore._place_learning_tables(schema_name, shards);

    -- The caches are off from now on: empty them, and let create_learning_schema
    -- re-create the views (co-located forms, cached views = their live queries).
    FOR p IN SELECT c.view_name FROM learnerscore._cached_views() c LOOP
        IF to_regclass(format('%s.%I', s, p.view_name || '_cache')) IS NOT NULL THEN
            EXECUTE format('TRUNCATE %s.%I', s, p.view_name || '_cache');
        END IF;
    END LOOP;
    EXECUTE format('DELETE FROM %s.learning_schema_ddl WHERE part = ''learning_schema''', s);
    CALL learnerscore.create_learning_schema(schema_name);

    FOR p IN SELECT c.relname FROM pg_class c
               WHERE c.relnamespace = s::regnamespace AND c.relkind IN ('r', 'p')
                 AND c.relname IN ('load_log', 'load_rejects', 'analyst_view_cache', 'learning_schema_ddl', 'learnerscore_layout')
               ORDER BY c.relname LOOP
        table_name := p.relname;
        placement := 'local (coordinator)';
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore.distribute_learning_schema(text, int) IS
  'Distributes a learning schema with Citus, in one step, on the coordinator: users and the event tables (users_age_timezone, authorization, activity_history_viewed, webinars_logs, exercise_results, users_logs, contacts, contact_assignments, and learner_daily and learner_activity once made) hash-distributed by user_id in one co-location group (shard_count, default citus.shard_count), schedule and activities_guide reference tables, the loader''s bookkeeping and the cache state local. The view caches are switched off (their triggers cannot run on shards; the cached views read their live queries, refresh_analyst_views does nothing) and the contacts check trigger is dropped; the analyst views are re-created in co-located form. Idempotent. One row per table with its placement. Run by the owner of the tables; 0A000 without Citus. docs/scale-out.md.';

CREATE OR REPLACE FUNCTION learnerscore._create_view_cache(schema_name text, cached_view text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    v record;
    live regclass;
    cache text;
    t regclass;
BEGIN
    SELECT * INTO v FROM learnerscore._cached_views() c WHERE c.view_name = cached_view;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not a cached analyst view', cached_view USING ERRCODE = '22023';
    END IF;
    live := format('%s.%I', s, cached_view || '_live')::regclass;
    cache := format('%s.%I', s, cached_view || '_cache');
    EXECUTE format('CREATE TABLE IF NOT EXISTS %s (LIKE %s)', cache, live);
    -- Rows are stored in the index's order, so the index is perfectly
    -- correlated with the heap: ORDER BY on the view becomes an in-order index
    -- scan instead of a sort (see the view below for the figures). Kept across
    -- refreshes: the refresh inserts in index order, so maintaining it is
    -- append-only.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (%s)', v.index_name, cache, v.order_by);
    EXECUTE format('COMMENT ON TABLE %s IS %L', cache,
        format('Cache of %s_live, written only by learnerscore.refresh_analyst_views(schema) in (%s) order. %s reads it only while analyst_view_cache says fresh; do not modify it by hand.',
               cached_view, v.order_by, cached_view));

    EXECUTE format($$CREATE TABLE IF NOT EXISTS %s.analyst_view_cache (
        view_name       text PRIMARY KEY,
        fresh           boolean NOT NULL DEFAULT false,
        refreshed_at    timestamptz,
        row_count       bigint,
        refresh_seconds double precision,
        stale_since     timestamptz,
        stale_cause     text)$$, s);
    EXECUTE format('COMMENT ON TABLE %s.analyst_view_cache IS %L', s,
        'State of the cached analyst views (m_user_tags_history, m_online_students, dataset_h): fresh = the cache holds exactly what the live query returns. Set by learnerscore.refresh_analyst_views(schema); cleared, within the writing transaction, by a trigger on every source table (stale_cause: the first write since the refresh). Roles that write to the source tables need SELECT and UPDATE here. No row, or fresh false: the view reads the live query.');
    EXECUTE format('INSERT INTO %s.analyst_view_cache (view_name, fresh, stale_since, stale_cause)
                    VALUES ($1, false, now(), ''created'') ON CONFLICT (view_name) DO NOTHING', s) USING cached_view;

    -- A schema distributed with Citus: no cache. The statement triggers would
    -- run on the shards, where the state table does not exist, and the cache
    -- would stay "fresh" after a write; so the view is its live query, and the
    -- state says why (refresh_analyst_views does nothing there).
    IF learnerscore._schema_distributed(schema_name) THEN
        EXECUTE format('UPDATE %s.analyst_view_cache SET fresh = false, stale_since = coalesce(stale_since, now()),
                               stale_cause = $2 WHERE view_name = $1 AND stale_cause IS DISTINCT FROM $2', s)
            USING cached_view, learnerscore._caches_off_cause();
        EXECUTE format('CREATE OR REPLACE VIEW %s.%I AS SELECT l.* FROM %s l', s, cached_view, live);
        RETURN;
    END IF;

    -- ENABLE ALWAYS: also fires under session_replication_role = replica
    -- (logical replication apply), where a change must invalidate the cache too.
    FOR t IN SELECT * FROM learnerscore._view_base_tables(live) LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %I
                        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
                        FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._mark_view_cache_stale(%L)',
                       cached_view || '_cache_stale', t, cached_view);
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t, cached_view || '_cache_stale');
    END LOOP;

    -- Two branches gated by uncorrelated scalar subqueries (InitPlans): the
    -- planner turns them into one-time filters, so the branch not chosen is
    -- never executed. No state row counts as stale (e.g. a dump restored
    -- without the state table's data).
    -- The cache branch has ORDER BY: a UNION ALL branch with a WHERE clause
    -- is planned as a separate subquery that knows nothing of the outer
    -- ORDER BY, so without it `ORDER BY user_id, date_shown` on dataset_h
    -- sorts all rows (external sort at the default work_mem). With it the
    -- branch is an in-order scan of the perfectly correlated index and the
    -- outer ORDER BY a Merge Append. Measured at 2,734 learners (673,781
    -- rows, COPY to /dev/null): ordered 0.70 s instead of 1.07 s; unordered
    -- 0.53 s instead of 0.51 s for a plain sequential scan.
    EXECUTE format($v$
    CREATE OR REPLACE VIEW %1$s.%2$I AS
    (SELECT c.* FROM %3$s c
      WHERE (SELECT a.fresh FROM %1$s.analyst_view_cache a WHERE a.view_name = %4$L) IS TRUE
      ORDER BY %5$s)
    UNION ALL
    SELECT l.* FROM %6$s l
     WHERE (SELECT a.fresh FROM %1$s.analyst_view_cache a WHERE a.view_name = %4$L) IS NOT TRUE
    $v$, s, cached_view, cache, cached_view, v.order_by, live);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_view_cache(text, text) IS
  'Internal: creates (idempotently) <view>_cache, analyst_view_cache, the staleness triggers on the source tables of <view>_live and the view <view> (cache when fresh, else live), for a view of learnerscore._cached_views().';

CREATE OR REPLACE FUNCTION learnerscore.refresh_analyst_views(schema_name text)
RETURNS TABLE (view_name text, row_count bigint, seconds double precision)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp SET jit = off AS $fn$
DECLARE
    s text;
    v record;
    views text[];
    t0 timestamptz;
    n bigint;
BEGIN
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'schema name must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    -- The cached views this schema has (a schema created by an older version
    -- may have only some of them until create_learning_schema runs again).
    SELECT array_agg(c.view_name ORDER BY ord) INTO views
      FROM learnerscore._cached_views() WITH ORDINALITY c(view_name, order_by, index_name, ord)
     WHERE to_regclass(format('%s.%I', s, c.view_name || '_live')) IS NOT NULL
       AND to_regclass(format('%s.%I', s, c.view_name || '_cache')) IS NOT NULL;
    IF views IS NULL OR to_regclass(s || '.analyst_view_cache') IS NULL THEN
        RAISE EXCEPTION 'schema "%" has no analyst view cache', schema_name USING ERRCODE = '42P01',
              HINT = format('CALL learnerscore.create_learning_schema(%L) creates it.', schema_name);
    END IF;
    -- The lock must come before the snapshot the data is read with; at
    -- REPEATABLE READ or SERIALIZABLE the snapshot was taken by this very
    -- statement, before the lock, and writes committed in between would be lost.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'refresh_analyst_views must run at READ COMMITTED isolation, not %',
              upper(current_setting('transaction_isolation')) USING ERRCODE = '25000',
              HINT = 'Its lock on the source tables must precede the snapshot it reads them with.';
    END IF;

    IF learnerscore._schema_distributed(schema_name) THEN
        RAISE NOTICE 'the view caches of schema "%" are off: it is distributed with Citus, and its views read their live queries', schema_name;
        RETURN;
    END IF;
    PERFORM learnerscore._lock_analyst_view_caches(schema_name, views);
    -- In refresh order: a later live query reads the earlier caches, fresh by then.
    FOR v IN SELECT c.* FROM learnerscore._cached_views() c WHERE c.view_name = ANY (views) LOOP
        t0 := clock_timestamp();
        EXECUTE format('TRUNCATE %s.%I', s, v.view_name || '_cache');
        -- Stored in index order, so a sequential scan returns it in that
        -- order and the index is perfectly correlated.
        EXECUTE format('INSERT INTO %1$s.%2$I SELECT * FROM %1$s.%3$I ORDER BY %4$s',
                       s, v.view_name || '_cache', v.view_name || '_live', v.order_by);
        GET DIAGNOSTICS n = ROW_COUNT;
        EXECUTE format('ANALYZE %s.%I', s, v.view_name || '_cache');
        seconds := extract(epoch FROM clock_timestamp() - t0)::float8;
        EXECUTE format('INSERT INTO %s.analyst_view_cache AS a (view_name, fresh, refreshed_at, row_count, refresh_seconds)
                        VALUES ($3, true, clock_timestamp(), $1, $2)
                        ON CONFLICT (view_name) DO UPDATE
                        SET fresh = true, refreshed_at = EXCLUDED.refreshed_at, row_count = EXCLUDED.row_count,
                            refresh_seconds = EXCLUDED.refresh_seconds, stale_since = NULL, stale_cause = NULL', s)
            USING n, seconds, v.view_name;
        view_name := v.view_name;
        row_count := n;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore.refresh_analyst_views(text) IS
  'Refreshes the caches of <schema>.m_user_tags_history, m_online_students and dataset_h: SHARE-locks their source tables (waits for writers in flight and blocks new ones while it runs, like REFRESH MATERIALIZED VIEW), then locks all three caches at once, in the order readers lock them (readers of the cached views wait for it; no deadlock with them, loads or create_learning_schema), runs with jit = off (cancellable at once), stores each live query in its index order, ANALYZEs and marks the cache fresh. One row per cached view: row_count and seconds. Run at READ COMMITTED by a role that can lock the source tables (UPDATE, DELETE or TRUNCATE on them) and owns the caches (for ANALYZE). learnerscore load calls it after a successful load (--no-refresh to skip). On a schema distributed with Citus (distribute_learning_schema) the caches are off and it returns no rows, with a NOTICE.';

CREATE OR REPLACE FUNCTION learnerscore._create_view_m_user_tags_history_live(schema_name text) RETURNS void
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

CREATE OR REPLACE FUNCTION learnerscore._create_view_m_online_students_live(schema_name text) RETURNS void
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

CREATE OR REPLACE FUNCTION learnerscore._create_view_dataset_h_live(schema_name text) RETURNS void
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

CREATE OR REPLACE FUNCTION learnerscore._create_view_dataset_v(schema_name text) RETURNS void
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

CREATE OR REPLACE FUNCTION learnerscore._create_view_m_online_users_exercise(schema_name text) RETURNS void
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

CREATE OR REPLACE FUNCTION learnerscore._create_view_m_exercise_lag_time_series(schema_name text) RETURNS void
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
REVOKE EXECUTE ON FUNCTION learnerscore._schema_distributed(text), learnerscore._caches_off_cause(),
    learnerscore._tag_intervals_sql(text), learnerscore._learning_schema_placement(),
    learnerscore._place_learning_tables(text, int), learnerscore.distribute_learning_schema(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._schema_distributed(text), learnerscore._caches_off_cause(),
    learnerscore._tag_intervals_sql(text), learnerscore._learning_schema_placement(),
    learnerscore._place_learning_tables(text, int), learnerscore.distribute_learning_schema(text, int) TO learnerscore_owner;
-- == citus12: end

-- == Final definitions of routines more than one part above changes (as in extension/sql)

CREATE FUNCTION learnerscore._recreate_learner_scores_view(schema_name text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    weeks int;
    base text[];
BEGIN
    EXECUTE format('SELECT max(week) FROM %I.learner_model_metrics', schema_name) INTO weeks;
    base := learnerscore._learner_model_base_features(schema_name);
    IF weeks IS NULL OR base IS NULL THEN
        RETURN false;
    END IF;
    PERFORM learnerscore._create_learner_scores_view(schema_name, weeks,
        CASE WHEN base = learnerscore.learner_model_features() THEN NULL ELSE base END);
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION learnerscore._recreate_learner_scores_view(text) IS
  'Internal: (re)creates <schema>.learner_scores over the deployed learner models, with the weeks recorded in learner_model_metrics and the base features of the deployed week-1 dropout model; false (and nothing done) when there are none.';



CREATE OR REPLACE FUNCTION learnerscore._create_course_effects_results(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    IF to_regclass(s || '.course_effects') IS NULL THEN
    EXECUTE format($$CREATE MATERIALIZED VIEW %1$s.course_effects AS
        SELECT g.course_id, g.kpi, coalesce(g.department, 'ALL') AS department, m.method,
               (m.e).estimate, (m.e).std_error, (m.e).ci_low, (m.e).ci_high, (m.e).p_value,
               (m.e).n_treated, (m.e).n_control, g.outcome_sd, g.n_rows
        FROM (SELECT course_id, kpi, department,
                     learnerscore.ate_diff(post_value, treated) AS naive,
                     learnerscore.ate_regression(post_value, treated, covariates) AS regression,
                     learnerscore.ate_aipw(post_value, treated, covariates, 0.01) AS aipw,
                     learnerscore.ate_iv(post_value, treated::int::float8, invited::int::float8, covariates) AS iv,
                     stddev(post_value) AS outcome_sd, count(*) AS n_rows
              FROM %1$s.course_panel
              GROUP BY GROUPING SETS ((course_id, kpi, department), (course_id, kpi))) g
        CROSS JOIN LATERAL (VALUES ('naive', g.naive), ('regression', g.regression), ('aipw', g.aipw), ('iv', g.iv)) m(method, e)
        WITH DATA$$, s);
    END IF;
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS course_effects_key ON %s.course_effects (course_id, kpi, department, method)', s);
    EXECUTE format('COMMENT ON MATERIALIZED VIEW %s.course_effects IS %L', s,
        'Course x KPI x department (ALL = every department) x method: naive difference in means, regression adjustment, AIPW (propensity trimmed at 0.01) and IV/2SLS with the random invitation as instrument; covariates are the pre-period KPIs, tenure and department. Refresh with CALL learnerscore.refresh_course_effects(schema) after loading.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.course_verdicts AS
        SELECT e.course_id, ci.title, e.kpi::varchar(32) AS kpi, e.department, e.method::varchar(16) AS method,
               e.estimate, e.ci_low, e.ci_high, ks.min_useful_effect, b.benefit, b.benefit_low, b.benefit_high,
               (CASE WHEN e.estimate IS NULL THEN 'inconclusive'
                     WHEN b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect THEN 'recommend'
                     WHEN b.benefit_high < ks.min_useful_effect THEN 'remove'
                     ELSE 'inconclusive' END)::varchar(16) AS verdict,
               b.benefit_high < 0 AS harmful,
               CASE WHEN e.estimate IS NULL OR NOT (b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect)
                         AND NOT (b.benefit_high < ks.min_useful_effect)
                    THEN (learnerscore.ab_sample_size('mean', NULL, ks.min_useful_effect, nullif(e.outcome_sd, 0),
                                                      st.alpha, st.power)).n_control END AS ab_n_per_group
        FROM %1$s.course_effects e
        JOIN %1$s.kpi_settings ks USING (kpi)
        LEFT JOIN %1$s.courses_info ci USING (course_id)
        CROSS JOIN %1$s.course_effect_settings st
        CROSS JOIN LATERAL (SELECT CASE WHEN ks.higher_is_better THEN e.estimate ELSE -e.estimate END AS benefit,
                                   CASE WHEN ks.higher_is_better THEN e.ci_low ELSE -e.ci_high END AS benefit_low,
                                   CASE WHEN ks.higher_is_better THEN e.ci_high ELSE -e.ci_low END AS benefit_high) b$$, s);
    EXECUTE format('COMMENT ON VIEW %s.course_verdicts IS %L', s,
        'Verdict per course x KPI x department x method, benefit = effect signed so that positive is good: recommend when the interval excludes 0 and the estimate reaches the minimal useful effect; remove when the whole interval lies below the minimal useful effect (harmful when below 0); else inconclusive, with the per-group A/B sample size that would detect the minimal useful effect.');
END
$fn$;

DO $g$ BEGIN
    REVOKE EXECUTE ON FUNCTION learnerscore._recreate_learner_scores_view(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION learnerscore._recreate_learner_scores_view(text) TO learnerscore_owner;
END $g$;
-- search_path pinned on the learner-model helpers and model_coefficients (350, 310)
CREATE OR REPLACE FUNCTION learnerscore._create_learner_weekly_view(schema_name text, weeks int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    cols text;
BEGIN
    SELECT string_agg(format('d.%I', f), ', ') INTO cols FROM unnest(learnerscore._weekly_feature_names()) f;
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_weekly AS
        SELECT d.user_id, d.course_id, ((d.cur_date - lf.flow_start) / 7 + 1)::int AS week, d.cur_date, %2$s
          FROM %1$s.learner_daily d
          JOIN %1$s.learner_flows lf ON lf.user_id = d.user_id
         WHERE d.cur_date >= lf.flow_start AND (d.cur_date - lf.flow_start) %% 7 = 6
           AND d.cur_date - lf.flow_start < 7 * %3$s$q$, s, cols, weeks);
    EXECUTE format('COMMENT ON VIEW %s.learner_weekly IS %L', s,
        'learner_daily at the end of each course week of the learner''s flow (learner_flows.flow_start + 7k - 1 days), weeks 1..'
        || weeks || ': the values behind <feature>_<k>_week.');
END
$fn$;


CREATE OR REPLACE FUNCTION learnerscore._learner_feature_names(week int, base_features text[] DEFAULT NULL) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['age', 'time_zone', 'tg_bot'] ||
           ARRAY(SELECT f || '_' || j || '_week' FROM generate_series(1, week) j,
                 unnest(coalesce(base_features, learnerscore.learner_model_features())) WITH ORDINALITY AS n(f, o) ORDER BY j, o)
$$;

CREATE OR REPLACE FUNCTION learnerscore._learner_features_sql(schema_name text, week int, course_filter text DEFAULT NULL,
                                                   weekly_relation text DEFAULT NULL, base_features text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    cols text := '';
    f text;
    j int;
BEGIN
    FOR j IN 1..week LOOP
        FOREACH f IN ARRAY coalesce(base_features, learnerscore.learner_model_features()) LOOP
            cols := cols || format(', max(w.%I) FILTER (WHERE w.week = %s)::float8 AS %I', f, j, f || '_' || j || '_week');
        END LOOP;
    END LOOP;
    RETURN format($q$SELECT u.user_id, u.course_id, a.age::float8 AS age, learnerscore.tz_hours(a.time_zone) AS time_zone,
                            u.tg_bot::float8 AS tg_bot%2$s
                       FROM %1$s.users u
                       LEFT JOIN %1$s.users_age_timezone a ON a.user_id = u.user_id
                       LEFT JOIN %5$s w ON w.user_id = u.user_id AND w.week <= %3$s
                      WHERE %4$s
                      GROUP BY u.user_id, u.course_id, a.age, a.time_zone, u.tg_bot$q$,
                  s, cols, week, coalesce(course_filter, 'true'), coalesce(weekly_relation, s || '.learner_weekly'));
END
$fn$;

CREATE OR REPLACE FUNCTION learnerscore.feature_label(feature text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT coalesce(l.label, base) || CASE WHEN wk IS NOT NULL THEN ' by week ' || wk ELSE '' END
    FROM (SELECT coalesce(substring(feature FROM '^(.*)_[0-9]+_week$'), feature) AS base,
                 substring(feature FROM '_([0-9]+)_week$') AS wk) f
    LEFT JOIN (VALUES
        ('payment', 'paid for the course (1 yes)'), ('module', 'module reached'),
        ('m2_delay', 'days late on the module-2 attestation'), ('sum_auth', 'log-ins'),
        ('sum_schedule_activities', 'activities opened'), ('sum_required_activity', 'required activities opened'),
        ('sum_attestation_activity', 'attestation activities opened'),
        ('view_delay_first', 'mean days before first viewing an activity'),
        ('view_delay_sum', 'days opened activities waited unviewed'), ('sum_activity_viewed', 'activities viewed'),
        ('sum_required_activity_viewed', 'required activities viewed'),
        ('sum_attestation_activity_viewed', 'attestation activities viewed'), ('w_view_hours', 'webinar hours watched'),
        ('sum_exercise', 'exercises solved'), ('sum_required_exercises', 'required exercises solved'),
        ('sum_attestation_exercises', 'attestation exercises solved'),
        ('exercise_delay_first', 'mean days of first attempts past the deadline'),
        ('exercise_delay_sum', 'total days of attempts past deadlines'),
        ('result_delay_mean', 'mean days of passed exercises past the deadline'),
        ('result_delay_sum', 'total days of passed exercises past deadlines'),
        ('sum_exercise_attempts_mean', 'attempts per exercise'), ('mean_required_result', 'mean score on required exercises'),
        ('mean_non_req_result', 'mean score on optional exercises'), ('mean_attestation_result', 'mean attestation score'),
        ('sum_result', 'total exercise score'), ('conn', 'webinar connections'),
        ('online_rate', 'share of webinars joined online'), ('mean_result', 'mean exercise score'),
        ('progress', 'progress % (exercises solved / opened)'), ('age', 'age'),
        ('time_zone', 'time zone (hours from UTC)'), ('tg_bot', 'Telegram bot (0 none, 1 on, 2 stopped)'),
        ('flow_num', 'flow')) AS l(name, label) ON l.name = f.base
$$;

CREATE OR REPLACE FUNCTION learnerscore.learner_model_features() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['payment', 'm2_delay', 'sum_auth', 'view_delay_first', 'view_delay_sum', 'sum_activity_viewed',
                 'w_view_hours', 'sum_exercise', 'sum_required_exercises', 'exercise_delay_sum', 'result_delay_sum',
                 'sum_exercise_attempts_mean', 'sum_result', 'mean_result', 'progress', 'conn']
$$;

CREATE OR REPLACE FUNCTION learnerscore.top_reasons(contributions jsonb, features jsonb, n int DEFAULT 3) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    -- Contributions of the weekly copies of one feature are added up; the reason
    -- quotes the latest week's value. Only features that raise the score count.
    SELECT coalesce(array_agg(learnerscore.feature_label(last_key) || ': ' ||
                              coalesce(round((features->>last_key)::numeric, 1)::text, 'missing') ||
                              ' (+' || round(c::numeric, 2) || ')' ORDER BY c DESC), '{}')
    FROM (SELECT base, sum(v) AS c, (array_agg(key ORDER BY wk DESC))[1] AS last_key
          FROM (SELECT key, value::float8 AS v,
                       coalesce(substring(key FROM '^(.*)_[0-9]+_week$'), key) AS base,
                       coalesce(substring(key FROM '_([0-9]+)_week$')::int, 0) AS wk
                FROM jsonb_each_text(contributions)
                WHERE key NOT IN ('(bias)', '(intercept)') AND value IS NOT NULL) e
          GROUP BY base
          HAVING sum(v) > 0
          ORDER BY sum(v) DESC
          LIMIT n) t
$$;


-- == The routine list of 900_privileges.sql (kept last: every part above adds to it)
CREATE OR REPLACE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
        -- the model lifecycle (300_models_registry.sql): versions, deployments, pruning
        ('analyst', ARRAY['deploy', 'rollback', 'prune_models', 'drop_model_version']),
        -- uplift models (330_uplift.sql)
        ('analyst', ARRAY['train_uplift']),
        -- contacts: their effect, the uplift model and today's plan (420_contact_plan.sql)
        ('analyst', ARRAY['contact_effect', 'contact_policy_values', '_learner_outcomes_sql', '_contact_features_sql',
                          '_contact_experiment_sql', '_require_contact_schema']),
        ('owner', ARRAY['train_contact_uplift', 'contact_plan', '_ensure_contact_tables']),
        -- per-employee course effects (430_course_cate.sql; the recommendations read with the caller's rights)
        ('owner', ARRAY['course_cate']),
        -- learning schemas (100_learning_schema.sql, 130_create_learning_schema.sql)
        ('owner', ARRAY['create_learning_schema', '_create_load_tables', '_create_learning_tables',
                        '_create_table', '_create_schema_if_missing', '_comment_table',
                        '_learning_schema_relations', '_learning_schema_fingerprint', '_extension_fingerprint',
                        '_relations_fingerprint', '_lock_learning_schema',
                        '_layout_version', '_recorded_layout', '_stamp_layout', '_require_current_layout']),
        -- upgrading data schemas (800_schema_upgrades.sql)
        ('owner', ARRAY['upgrade_learning_schema', 'upgrade_course_effects_schema', '_upgrade_target',
                        '_data_schema_parts']),
        -- the nightly work of a schema (810_nightly.sql)
        ('owner', ARRAY['nightly', '_nightly_log', '_nightly_steps', '_nightly_step']),
        -- the analyst views and their caches (115_view_cache.sql, 120_learning_views.sql)
        ('owner', ARRAY['refresh_analyst_views', '_cached_views', '_view_base_tables', '_view_definitions',
                        '_create_view_cache', '_invalidate_view_caches', '_lock_analyst_view_caches',
                        '_create_learning_views', '_create_view_course_flows',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views', '_tag_intervals_sql']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names',
                        '_ensure_learner_model_tables', '_recreate_learner_scores_view', '_course_norms_sql',
                        'score_learners', '_learner_model_base_features']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- views for dashboards (190_bi_views.sql)
        ('owner', ARRAY['create_bi_views', 'store_learner_scores', '_comment_bi_views', '_bi_column_comments']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale', '_check_contact']),
        -- the intervention log (100_learning_schema.sql)
        ('owner', ARRAY['_create_contacts_table']),
        -- a learning schema on Citus (135_distribute_learning_schema.sql, 100_learning_schema.sql, 115_view_cache.sql)
        ('owner', ARRAY['distribute_learning_schema', '_learning_schema_placement', '_schema_distributed',
                        '_caches_off_cause', '_place_learning_tables']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;

