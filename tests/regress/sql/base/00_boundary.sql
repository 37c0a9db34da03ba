-- The C++/PostgreSQL error boundary: C++ exceptions become ERRORs with the
-- right SQLSTATE, destructors run, and the backend survives.
\set SHOW_CONTEXT never
\set VERBOSITY default
CREATE EXTENSION learnerscore;
-- the self-test lives in the test-only extension (tests/extension/)
CREATE EXTENSION learnerscore_test;
SELECT learnerscore.version() = '0.1.0' AS version_ok;
SELECT learnerscore._boundary_selftest('ok');
SELECT learnerscore._boundary_selftest('invalid_parameter');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('invalid_text');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('numeric');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('bad_alloc');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('std');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('unknown');
\echo :LAST_ERROR_SQLSTATE
-- a PostgreSQL error raised inside C++ code keeps its own SQLSTATE
SELECT learnerscore._boundary_selftest('pg_error');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('cancel');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._boundary_selftest('no such kind');
\echo :LAST_ERROR_SQLSTATE
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
