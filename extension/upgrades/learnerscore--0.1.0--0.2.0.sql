-- learnerscore 0.1.0 -> 0.2.0 (ALTER EXTENSION learnerscore UPDATE TO '0.2.0').
-- After this script an installation made with 0.1.0 has the same objects as a
-- fresh 0.2.0 install; tests/e2e/upgrade_catalog.sh compares the two catalogs.
-- Data schemas made by create_learning_schema / create_course_effects_schema
-- are not touched here: learnerscore.upgrade_learning_schema(schema) and
-- learnerscore.upgrade_course_effects_schema(schema) bring each one up to date.
\echo Use "ALTER EXTENSION learnerscore UPDATE TO '0.2.0'" to load this file. \quit

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
    PERFORM learnerscore._stamp_layout(schema_name, 'course_effects');
END
$proc$;

-- 310_models_functions.sql: cross_validate's folds follow the rows' content, not their order
COMMENT ON FUNCTION learnerscore.cross_validate(text, text, text[], text, jsonb, int, bigint, text) IS
  'k-fold cross-validation (default 5 folds) with deterministic folds from seed (Fisher-Yates over mt19937_64, drawn over the rows sorted by their values, so the same data and seed give the same folds and metrics whatever order the rows arrive in), or, with '
  'group_column, leave-one-group-out (one fold per distinct value, e.g. per course: never tested on learners it trained on). '
  'One row per fold with held-out metrics (auc, log_loss, brier, calibration_error, accuracy for classifiers; mae, rmse for '
  'regression), then fold = ''mean'' (mean over folds) and fold = ''pooled'' (all held-out predictions together).';

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
BEGIN
    IF v = learnerscore._layout_version('learning_schema') THEN
        RAISE NOTICE 'schema "%" already has the current layout (%)', schema_name, v;
        RETURN;
    END IF;
    -- the same lock create_learning_schema takes: one (re)creation of a schema at a time
    PERFORM pg_advisory_xact_lock(hashtext('learnerscore.create_learning_schema'), hashtext(schema_name));
    -- 1 -> 2 (release 0.2.0): the layout table itself; the clean tables are unchanged.
    -- Each later layout adds its step here, in order, each keeping every row.
    PERFORM learnerscore._stamp_layout(schema_name, 'learning_schema');
    -- views and caches come from the current code (the fingerprints changed with the extension)
    PERFORM set_config('client_min_messages', 'warning', true);   -- no "already exists, skipping" notices
    CALL learnerscore.create_learning_schema(schema_name);
    IF to_regclass(format('%I.learner_daily', schema_name)) IS NOT NULL THEN
        PERFORM learnerscore._create_feature_objects(schema_name);
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
    -- 1 -> 2 (release 0.2.0): the layout table; tables, views and course_effects are unchanged.
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
-- the course effects, and — when asked, on a schedule of its own — retrain the
-- learner models and deploy them only if their held-out metrics did not get
-- worse. Each step commits on its own, so a step's locks are released as soon
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
            'refresh_analyst_views, refresh_learner_daily, retrain_learner_models or refresh_course_effects.');
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
BEGIN
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
        CALL learnerscore.train_learner_models(schema_name, w, deploy => 'if_not_worse');
        RETURN format('weeks 1..%s retrained, deployed where not worse', w);
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
                PERFORM learnerscore._nightly_log(schema_name, run, step, started, 'ok', what);
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
  'The nightly work of a schema, in order, each step committed on its own and logged in <schema>.nightly_log: refresh the analyst view caches, refresh the daily learner series (learner_daily, statuses), with retrain => true retrain the learner models (weeks: default the weeks trained before, else 10) and deploy them only where the held-out metric did not get worse, and refresh course_effects of a course-effects schema. '
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

-- == The routine list of 900_privileges.sql (kept last: every part above adds to it)
CREATE OR REPLACE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
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
                        '_create_learning_views',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;

