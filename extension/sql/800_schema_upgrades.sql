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
