-- distribute_learning_schema: a learning schema on Citus (docs/scale-out.md,
-- "The learning schema on Citus"). The learner tables become hash-distributed
-- by user_id in one co-location group (every join of the analyst views is on
-- user_id, so each shard answers for its learners), the course tables
-- (schedule, activities_guide) reference tables (a copy on every node), and the
-- loader's bookkeeping and the view-cache state stay local on the coordinator.
-- The view caches are switched off there: their statement triggers would fire
-- on the shards, where the state table does not exist, and a cache would stay
-- marked fresh after a write. create_learning_schema then re-creates the views
-- in their co-located form (learnerscore._schema_distributed).

-- The tables of a learning schema and how each is placed on a cluster.
CREATE FUNCTION learnerscore._learning_schema_placement(OUT table_name text, OUT placement text)
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

-- Places the tables of _learning_schema_placement() that exist and are not
-- placed yet (users first, with shard_count; the others co-located with it).
-- distribute_learning_schema runs it, and so does _create_feature_objects when
-- it creates the series tables in a distributed schema.
CREATE FUNCTION learnerscore._place_learning_tables(schema_name text, shard_count int)
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

CREATE FUNCTION learnerscore.distribute_learning_schema(schema_name text, shard_count int DEFAULT NULL)
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
