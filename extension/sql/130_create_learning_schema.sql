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
