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

-- (Re)applies the relation and column comments of the BI views present in a schema.
CREATE FUNCTION learnerscore._comment_bi_views(schema_name text) RETURNS void
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
