-- The C++/PostgreSQL error boundary: C++ exceptions become ERRORs with the
-- right SQLSTATE, destructors run, and the backend survives.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE EXTENSION learnerscore;
-- the self-test lives in the test-only extension (tests/extension/)
CREATE EXTENSION learnerscore_test;
SELECT learnerscore.version() = (SELECT extversion FROM pg_extension WHERE extname = 'learnerscore') AS version_ok;
SELECT learnerscore._boundary_selftest('ok');
-- the outcome of a statement: its SQLSTATE as code ('ok' when it succeeds) and what the error said
CREATE FUNCTION pg_temp.outcome(q text, OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$ BEGIN EXECUTE q; code := 'ok';
EXCEPTION WHEN OTHERS OR query_canceled THEN GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
    message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT; END $$;
-- each C++ exception kind; pg_error: a PostgreSQL error raised inside C++ code keeps its own SQLSTATE
SELECT k.kind, o.* FROM unnest(ARRAY['invalid_parameter', 'invalid_text', 'numeric', 'bad_alloc', 'std',
    'unknown', 'pg_error', 'cancel', 'no such kind']) WITH ORDINALITY k(kind, i),
  pg_temp.outcome(format('SELECT learnerscore._boundary_selftest(%L)', k.kind)) o ORDER BY k.i;
-- every object constructed before those errors was destroyed
SELECT learnerscore._boundary_selftest('live_objects') AS live_objects_after_errors;
-- statement_timeout stops a long C++ loop
SET statement_timeout = '300ms';
SELECT learnerscore._boundary_selftest('spin');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
-- errors inside a transaction roll back cleanly and the session goes on
BEGIN;
SELECT learnerscore._boundary_selftest('std');
ROLLBACK;
SELECT learnerscore._boundary_selftest('ok') AS still_alive;
SELECT learnerscore._boundary_selftest(NULL) IS NULL AS strict_null;
