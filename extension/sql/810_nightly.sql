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
