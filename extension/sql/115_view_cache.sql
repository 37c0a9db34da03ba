-- Caches of the analyst views that are slow to compute: a table holding the
-- rows of <schema>.<view>_live, read by <schema>.<view> only while it is known
-- to be fresh. Cached: m_user_tags_history (the C++ tag parser over the whole
-- tag log; learning_format_at / is_online look up one learner in it),
-- m_online_students (the online filter every other view starts from) and
-- dataset_h (the 1T scoring specification's big join). See docs/views.md ("The view caches").
--
-- Freshness guarantee. Every base table that <view>_live reads (found from
-- the catalog, so the list follows the definition) carries a statement-level
-- trigger that marks the cache stale in the writing transaction itself, so
-- a snapshot that sees a change also sees "stale" and reads the live query.
-- refresh_analyst_views() takes SHARE locks on those tables (waits for the
-- writers in flight, keeps new ones out, like REFRESH MATERIALIZED VIEW) before
-- it reads them, so what it stores is exactly the committed data at that
-- moment. The triggers run with the writer's rights (no SECURITY DEFINER): a
-- role that writes to a source table needs SELECT and UPDATE on
-- <schema>.analyst_view_cache.

-- The cached views, in refresh order (a later one may read an earlier one:
-- dataset_h_live reads students_v3, which reads m_online_students, which reads
-- m_user_tags_history), with the order their cache is stored and indexed in
-- (order_by: a column list as SQL, used as is in ORDER BY and CREATE INDEX).
CREATE FUNCTION learnerscore._cached_views(OUT view_name text, OUT order_by text, OUT index_name text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT v, o, i FROM (VALUES
        (1, 'm_user_tags_history', 'user_id, from_datetime', 'm_user_tags_history_cache_user_from_idx'),
        (2, 'm_online_students', 'user_id', 'm_online_students_cache_user_idx'),
        (3, 'dataset_h', 'user_id, date_shown', 'dataset_h_cache_user_date_idx')) t(n, v, o, i)
     ORDER BY n
$fn$;
COMMENT ON FUNCTION learnerscore._cached_views() IS
  'Internal: the cached analyst views in refresh order, with the columns their cache is stored and indexed by.';

-- The base tables (relkind r/p) a view reads, directly or through other views.
CREATE FUNCTION learnerscore._view_base_tables(view_oid regclass) RETURNS SETOF regclass
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    WITH RECURSIVE deps(rel) AS (
        SELECT view_oid::oid
        UNION
        SELECT d.refobjid
          FROM deps
          JOIN pg_rewrite r ON r.ev_class = deps.rel
          JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                          AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> deps.rel
    )
    SELECT c.oid::regclass FROM deps JOIN pg_class c ON c.oid = deps.rel
     WHERE c.relkind IN ('r', 'p')
       -- a view reading a cached view (dataset_h_live reads m_online_students)
       -- reads its cache and state too: they are not sources (the refresh
       -- writes them), the cached view's live query is followed instead
       AND c.relname <> 'analyst_view_cache'
       AND c.relname NOT IN (SELECT v.view_name || '_cache' FROM learnerscore._cached_views() v)
     ORDER BY c.oid
$fn$;
COMMENT ON FUNCTION learnerscore._view_base_tables(regclass) IS
  'Internal: the tables a view reads, directly or through other views (from pg_rewrite/pg_depend), in OID order; the tables of the view caches (analyst_view_cache, <view>_cache) are not counted.';

-- The stale_cause of every cache of a distributed schema (the loader tells
-- "caches off" from "stale" by it).
CREATE FUNCTION learnerscore._caches_off_cause() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT 'off: distributed schema'::text
$fn$;
COMMENT ON FUNCTION learnerscore._caches_off_cause() IS
  'Internal: the analyst_view_cache.stale_cause of the caches of a schema distributed with Citus, where the cached views read their live queries and refresh_analyst_views does nothing.';

-- Statement-level trigger on the source tables: marks the cache named by
-- TG_ARGV[0] stale in the writer's transaction.
CREATE FUNCTION learnerscore._mark_view_cache_stale() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    state regclass := to_regclass(format('%I.analyst_view_cache', TG_TABLE_SCHEMA));
    cause text := TG_OP || ' on ' || TG_TABLE_NAME;
    was_fresh boolean;
BEGIN
    IF state IS NULL THEN
        RETURN NULL;   -- the cache was dropped (DROP ... CASCADE took dataset_h with it)
    END IF;
    IF NOT (has_table_privilege(state, 'SELECT') AND has_table_privilege(state, 'UPDATE')) THEN
        RAISE EXCEPTION 'permission denied to mark the cache of %.% stale', quote_ident(TG_TABLE_SCHEMA), TG_ARGV[0]
            USING ERRCODE = '42501',
                  DETAIL = format('Writing to %I.%I changes %I.%s, whose cache state is kept in %s.',
                                  TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_TABLE_SCHEMA, TG_ARGV[0], state),
                  HINT = format('GRANT SELECT, UPDATE ON %s TO %I;', state, current_user);
    END IF;
    IF current_setting('transaction_isolation') = 'read committed' THEN
        -- Each statement sees the latest committed state: a no-op (no row
        -- lock) once stale, so writers do not queue on the state row.
        EXECUTE format('UPDATE %s SET fresh = false, stale_since = now(), stale_cause = $2
                         WHERE view_name = $1 AND fresh', state) USING TG_ARGV[0], cause;
    ELSE
        -- The transaction snapshot may predate a refresh that marked the cache
        -- fresh: locking the row makes that a serialization failure (40001)
        -- instead of a missed mark.
        EXECUTE format('SELECT fresh FROM %s WHERE view_name = $1 FOR SHARE', state) INTO was_fresh USING TG_ARGV[0];
        IF was_fresh THEN
            EXECUTE format('UPDATE %s SET fresh = false, stale_since = now(), stale_cause = $2
                             WHERE view_name = $1', state) USING TG_ARGV[0], cause;
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION learnerscore._mark_view_cache_stale() IS
  'Internal: statement-level trigger on the source tables of a cached view (TG_ARGV[0]); marks its cache stale in <schema>.analyst_view_cache within the writing transaction. Runs with the writer''s rights: the writer needs SELECT and UPDATE on that table.';

-- Creates (idempotently) <view>_cache, analyst_view_cache, the triggers and
-- the gated <view>, for a view of _cached_views() whose <view>_live exists.
-- (_invalidate_view_caches marks them stale when a definition changed.)
CREATE FUNCTION learnerscore._create_view_cache(schema_name text, cached_view text) RETURNS void
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

-- Locks. Every lock the refresh needs is taken up front, once, in one fixed
-- order, so that no other session can hold one of them while waiting for one
-- the refresh holds (the 40P01 of TRUNCATE-ing m_online_students_cache and
-- then dataset_h_cache while readers of dataset_h lock them the other way round):
--  1. the source tables in SHARE, in OID order (create_learning_schema takes
--     its SHARE ROW EXCLUSIVE locks on them in the same order), each one
--     ANALYZEd first if it never was (SHARE UPDATE EXCLUSIVE);
--  2. all the caches in ACCESS EXCLUSIVE (for TRUNCATE), in one LOCK TABLE,
--     in the order readers lock them: dataset_h_cache, m_online_students_cache,
--     m_user_tags_history_cache (a query on dataset_h rewrites dataset_h
--     first, so it locks dataset_h_cache before it reaches students_v3 and
--     m_online_students_cache, and so on down);
--  3. the state table in ROW EXCLUSIVE (readers' ACCESS SHARE and writers'
--     ROW EXCLUSIVE do not conflict with it).
-- Reading the live queries afterwards takes only ACCESS SHARE locks on views
-- and on the tables already locked.
CREATE FUNCTION learnerscore._lock_analyst_view_caches(schema_name text, views text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    src record;
    caches text;
BEGIN
    -- Source tables never analyzed (just bulk-loaded by other means, before
    -- autovacuum): the live queries' plans need their statistics (2x faster
    -- at 2,734 learners). Only those this role may analyze; others are left
    -- to autovacuum. Table by table in OID order, each ANALYZEd (if needed)
    -- just before its SHARE lock: the two locks conflict with each other's
    -- kind, so the sequence has to be monotonic for two refreshes (or a
    -- refresh and create_learning_schema) never to wait for each other both ways.
    FOR src IN SELECT d.t, c.reltuples < 0 AND pg_has_role(c.relowner, 'USAGE') AS unanalyzed
                 FROM (SELECT DISTINCT t
                         FROM unnest(views) w
                        CROSS JOIN LATERAL learnerscore._view_base_tables(format('%s.%I', s, w || '_live')::regclass) t) d
                 JOIN pg_class c ON c.oid = d.t
                ORDER BY d.t::oid LOOP
        IF src.unanalyzed THEN
            EXECUTE 'ANALYZE ' || src.t::text;
        END IF;
        EXECUTE 'LOCK TABLE ' || src.t::text || ' IN SHARE MODE';
    END LOOP;
    SELECT string_agg(format('%s.%I', s, c.view_name || '_cache'), ', ' ORDER BY c.ord DESC) INTO caches
      FROM learnerscore._cached_views() WITH ORDINALITY c(view_name, order_by, index_name, ord)
     WHERE c.view_name = ANY (views);
    EXECUTE 'LOCK TABLE ' || caches || ' IN ACCESS EXCLUSIVE MODE';
    EXECUTE format('LOCK TABLE %s.analyst_view_cache IN ROW EXCLUSIVE MODE', s);
END
$fn$;
COMMENT ON FUNCTION learnerscore._lock_analyst_view_caches(text, text[]) IS
  'Internal: takes every lock refresh_analyst_views needs, in its fixed order: the source tables of the given cached views in SHARE (in OID order, each ANALYZEd first if never analyzed and this role may), their caches in ACCESS EXCLUSIVE (in the order readers lock them), the state table in ROW EXCLUSIVE.';

-- refresh_analyst_views: the locks (_lock_analyst_view_caches), then each
-- live query into its cache. jit = off: a JIT compilation cannot be
-- interrupted, so statement_timeout or a cancel stopped a refresh only after
-- it (2.3 s for a 1 s timeout, 1.0 s without JIT); the live queries gain
-- nothing from it at this size.
CREATE FUNCTION learnerscore.refresh_analyst_views(schema_name text)
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

-- Every view definition of a schema that create_learning_schema makes, to
-- tell whether re-creating the views changed anything a cache depends on.
-- Only those: pg_get_viewdef locks what a view reads (ACCESS SHARE), and
-- create_learning_schema has locked only its own relations beforehand (other
-- views of the schema, e.g. the learner features, cannot change a cache).
CREATE FUNCTION learnerscore._view_definitions(schema_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
    SELECT string_agg(c.relname || ': ' || pg_get_viewdef(c.oid), E'\n' ORDER BY c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema_name AND c.relkind = 'v'
       AND c.relname IN (SELECT learnerscore._learning_schema_relations())
$fn$;
COMMENT ON FUNCTION learnerscore._view_definitions(text) IS
  'Internal: the definitions of the views create_learning_schema makes in a schema (learnerscore._learning_schema_relations()), as one text (compared before and after it re-creates them).';

-- A changed definition (a new version of the extension) invalidates every
-- cache: a live query's text may be unchanged while a view it reads changed.
-- So do missing views: DROP EXTENSION ... CASCADE drops the views and the
-- staleness triggers but keeps the tables, and writes made meanwhile were
-- not tracked. (A new schema's caches start stale anyway.)
CREATE FUNCTION learnerscore._invalidate_view_caches(schema_name text, defs_before text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
BEGIN
    IF defs_before IS DISTINCT FROM learnerscore._view_definitions(schema_name) THEN
        EXECUTE format('UPDATE %s.analyst_view_cache SET fresh = false, stale_since = now(),
                               stale_cause = ''definition changed'' WHERE fresh', quote_ident(schema_name));
    END IF;
END
$fn$;
COMMENT ON FUNCTION learnerscore._invalidate_view_caches(text, text) IS
  'Internal: marks every cache of the schema stale (stale_cause ''definition changed'') when its view definitions differ from defs_before (learnerscore._view_definitions taken before the views were re-created).';
