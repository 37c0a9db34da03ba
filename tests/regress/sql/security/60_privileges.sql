-- The privilege model (docs/security.md): nothing internal is executable by
-- PUBLIC, every SQL/PL/pgSQL routine pins search_path (or has a SQL-standard
-- body bound at creation), and the three kinds of user granted with
-- learnerscore.grant_access() may do what their kind may, and get 42501 otherwise.
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP SCHEMA IF EXISTS p60 CASCADE;
DROP SCHEMA IF EXISTS p60_own CASCADE;
DROP TABLE IF EXISTS public.p60_planted_calls;
DROP FUNCTION IF EXISTS public.format(text, text);
DROP FUNCTION IF EXISTS public.quote_ident(text);
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['p60_bi', 'p60_analyst', 'p60_owner', 'p60_nobody'] LOOP
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('DROP OWNED BY %I CASCADE', r); EXECUTE format('DROP ROLE %I', r);
    END IF;
  END LOOP; END $$;
RESET client_min_messages;

-- 1. Internal routines: none executable by PUBLIC.
SELECT p.oid::regprocedure AS internal_routine_open_to_public
  FROM pg_proc p
 WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.proname LIKE '\_%'
   AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
 ORDER BY 1::text;

-- ... and each is listed for a kind of user, or is an aggregate's support
-- function or a trigger function (executed with the owner's rights).
SELECT p.oid::regprocedure AS internal_routine_without_a_kind
  FROM pg_proc p
  LEFT JOIN learnerscore._routine_access() a ON a.routine = p.proname
 WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.proname LIKE '\_%' AND a.kind IS NULL
   AND p.proname <> '_routine_access'
   AND p.prorettype <> 'trigger'::regtype
   -- the test-only extension learnerscore_test has its own revokes
   AND EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                  AND e.extname = 'learnerscore')
   AND NOT EXISTS (SELECT 1 FROM pg_aggregate g
                    WHERE p.oid IN (g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn))
 ORDER BY 1::text;

-- ... and every routine the list names exists (no stale grants).
SELECT a.routine AS listed_routine_that_does_not_exist
  FROM learnerscore._routine_access() a
 WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.proname = a.routine)
 ORDER BY 1;

-- 2. Every SQL and PL/pgSQL routine pins search_path or is bound at creation. A
-- procedure that commits cannot have a SET clause: it pins the path with
-- set_config(..., true) at the start of every transaction instead (810_nightly.sql).
SELECT p.oid::regprocedure AS routine_with_open_search_path
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'learnerscore'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
   AND p.prosqlbody IS NULL
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c = 'search_path=pg_catalog, learnerscore, pg_temp')
   AND NOT (p.prokind = 'p' AND l.lanname = 'plpgsql' AND p.proconfig IS NULL
            AND (length(p.prosrc) - length(replace(p.prosrc, 'COMMIT;', ''))) / length('COMMIT;') + 1
                = (length(p.prosrc) - length(replace(p.prosrc,
                     'set_config(''search_path'', ''pg_catalog, learnerscore, pg_temp'', true)', '')))
                  / length('set_config(''search_path'', ''pg_catalog, learnerscore, pg_temp'', true)'))
 ORDER BY 1::text;

-- 3. A planted public.format(text, text) / quote_ident(text) never runs inside the
-- extension, even for a superuser whose search_path has public first.
CREATE TABLE public.p60_planted_calls (fn text);
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.p60_planted_calls VALUES ('format'); RETURN pg_catalog.format($1, $2); END $$;
CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.p60_planted_calls VALUES ('quote_ident'); RETURN pg_catalog.quote_ident($1); END $$;
SET search_path = public, pg_catalog;
SELECT format('%s', 'x') AS planted_runs_when_called_directly;
TRUNCATE public.p60_planted_calls;
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('p60');
SELECT count(*) AS refreshed FROM learnerscore.refresh_analyst_views('p60');
RESET client_min_messages;
SELECT count(*) AS planted_calls_inside_the_extension FROM public.p60_planted_calls;
RESET search_path;
DROP FUNCTION public.format(text, text);
DROP FUNCTION public.quote_ident(text);
DROP TABLE public.p60_planted_calls;

-- 4. The three kinds of user.
CREATE ROLE p60_bi;
CREATE ROLE p60_analyst;
CREATE ROLE p60_owner;
CREATE ROLE p60_nobody;
INSERT INTO p60.users (unti_id, user_id, course_id, flow_num, tg_bot, m2_progress) VALUES (1, 101, 3, 1, 1, 50);
INSERT INTO p60.users_logs VALUES (101, '2023-11-01 10:00', 'tags-changed', 'Были хештеги: #офлайн, стали: #онлайн');
CALL learnerscore.grant_access('p60_bi', 'reader', 'p60');
CALL learnerscore.grant_access('p60_analyst', 'analyst', 'p60');
CALL learnerscore.grant_access('p60_owner', 'owner', 'p60_own');
-- bad calls
CALL learnerscore.grant_access('p60_bi', 'admin', 'p60');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.grant_access('p60_no_such_role', 'reader', 'p60');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.grant_access('p60_bi', 'reader');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.grant_access('p60_bi', 'reader', 'p60_no_such_schema');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.grant_access('p60_owner', 'owner', 'p60');   -- someone else's schema
\echo :LAST_ERROR_SQLSTATE

-- reader: every view of the schema, created before and after the grant
SET ROLE p60_bi;
SELECT count(*) AS online FROM p60.m_online_students;
SELECT count(*) AS dataset_h FROM p60.dataset_h;
DO $$ DECLARE v text; n bigint; BEGIN
  FOR v IN SELECT viewname FROM pg_views WHERE schemaname = 'p60' ORDER BY 1 LOOP
    EXECUTE format('SELECT count(*) FROM p60.%I', v) INTO n;
  END LOOP;
  RAISE NOTICE 'reader read every view of p60';
END $$;
INSERT INTO p60.users (user_id) VALUES (1);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS refreshed FROM learnerscore.refresh_analyst_views('p60');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('p60_m', 'SELECT 1.0 AS x, 1 AS y', 'y', ARRAY['x'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._create_load_tables('p60');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- analyst: trains, scores and drops its own model; no schema DDL
SET ROLE p60_analyst;
SELECT learnerscore.train('p60_m', 'SELECT x::float8 AS x, (x > 5)::int AS y FROM generate_series(1, 10) x',
                          'y', ARRAY['x'], 'logistic') > 0 AS trained;
SELECT round(learnerscore.predict('p60_m', ARRAY[9.0]::float8[])::numeric, 2) > 0.5 AS scores;
SELECT count(*) AS users FROM p60.users;
CALL learnerscore.create_learning_schema('p60_analyst_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('p60_m');
RESET ROLE;

-- owner: creates its schema (it owns it), refreshes it
SET ROLE p60_owner;
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('p60_own');
SELECT count(*) AS refreshed FROM learnerscore.refresh_analyst_views('p60_own');
RESET client_min_messages;
SELECT nspowner::regrole AS owner FROM pg_namespace WHERE nspname = 'p60_own';
SELECT count(*) AS dataset_h FROM p60_own.dataset_h;
RESET ROLE;

-- a role with no grant: internal functions and gated routines are refused
SET ROLE p60_nobody;
SELECT learnerscore._ipw_final(''::bytea);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._create_learning_tables('p60');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._create_view_dataset_h_live('p60');
\echo :LAST_ERROR_SQLSTATE
-- no internal routine at all is executable by this role
SELECT count(*) AS internal_routines_it_may_execute FROM pg_proc p
 WHERE p.pronamespace = 'learnerscore'::regnamespace AND p.proname LIKE '\_%'
   AND has_function_privilege(p.oid, 'EXECUTE');
CALL learnerscore.create_learning_schema('p60_nobody_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('p60_x', 'SELECT 1.0 AS x, 1 AS y', 'y', ARRAY['x'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
-- what is open to every role still works
SELECT (learnerscore.ate_diff(y, t)).n_treated FROM (VALUES (1.0, true), (2.0, true), (1.0, false), (0.0, false)) v(y, t);
SELECT learnerscore.tz_hours('+05:30') AS tz, learnerscore.is_online_format('online') AS online;
RESET ROLE;

-- revoke_access undoes grant_access
CALL learnerscore.revoke_access('p60_bi', 'reader', 'p60');
SET ROLE p60_bi;
SELECT count(*) FROM p60.users;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA p60 CASCADE;
DROP SCHEMA p60_own CASCADE;
DO $$ DECLARE r text; BEGIN
  FOREACH r IN ARRAY ARRAY['p60_bi', 'p60_analyst', 'p60_owner', 'p60_nobody'] LOOP
    EXECUTE format('DROP OWNED BY %I CASCADE', r); EXECUTE format('DROP ROLE %I', r);
  END LOOP; END $$;
