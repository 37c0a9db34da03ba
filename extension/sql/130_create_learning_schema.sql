-- Layout versions of the data schemas (docs/upgrading.md). A schema made by
-- create_learning_schema / create_course_effects_schema records the layout it
-- was made with in <schema>.learnerscore_layout; a schema of release 0.1.0 has
-- no such table (layout 1). A new extension version that changes what a data
-- schema holds raises the number here and teaches upgrade_learning_schema /
-- upgrade_course_effects_schema (800_schema_upgrades.sql) the step.
CREATE FUNCTION learnerscore._layout_version(part text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT CASE part WHEN 'learning_schema' THEN 2 WHEN 'course_effects' THEN 2 END
$fn$;
COMMENT ON FUNCTION learnerscore._layout_version(text) IS
  'Internal: the layout version this extension version writes for a part of a data schema (learning_schema, course_effects); 0.1.0 wrote layout 1.';

-- The layout a schema records for a part: NULL when the part is not there at all,
-- 1 when it is but predates the layout table (release 0.1.0).
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

-- Records that a part of a schema now has the current layout.
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

-- A part made by an earlier release is upgraded explicitly, never re-created over its rows.
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

-- create_learning_schema: the tables (100_learning_schema.sql) and the analyst
-- views (120_learning_views.sql) of a learning schema, re-created only when the
-- fingerprints recorded in <schema>.learning_schema_ddl say something changed.
-- After the fragments it calls.

CREATE PROCEDURE learnerscore.create_learning_schema(schema_name text)
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
COMMENT ON PROCEDURE learnerscore.create_learning_schema(text) IS
  'Creates (idempotently) the nine clean tables of the 1T data model, load_rejects, load_log and the analyst views in the given schema. A no-op without any lock on the schema''s relations when neither the extension nor the schema changed since its last run (fingerprints in <schema>.learning_schema_ddl); otherwise it first locks the relations it re-creates, all at once or none (NOWAIT, retried), so it never deadlocks with readers, loads or refreshes.';
