-- Layout versions of data schemas and their upgrade (docs/upgrading.md), and the
-- nightly procedure's checks (docs/scheduling.md). The upgrade from a real 0.1.0
-- schema is tested end to end in tests/e2e/upgrade_catalog.sh; here: what a
-- fresh schema records, a schema made to look like 0.1.0's, and bad input.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CALL learnerscore.create_learning_schema('lay');
CALL learnerscore.create_course_effects_schema('lay_ce');
RESET client_min_messages;
SELECT part, layout_version, extension_version = learnerscore.version() AS this_version FROM lay.learnerscore_layout;
SELECT schema_name, part, layout_version, current_layout, up_to_date, upgrade_with
FROM learnerscore.data_schemas WHERE schema_name IN ('lay', 'lay_ce') ORDER BY 1, 2;
-- an up-to-date schema: the upgrade says so and does nothing
CALL learnerscore.upgrade_learning_schema('lay');
CALL learnerscore.upgrade_course_effects_schema('lay_ce');
-- a schema of release 0.1.0 had no layout table: re-creating it is refused (55000, with the hint)
INSERT INTO lay.users (user_id, course_id) SELECT g, 1 FROM generate_series(1, 5) g;
DROP TABLE lay.learnerscore_layout;
SELECT schema_name, layout_version, up_to_date, upgrade_with FROM learnerscore.data_schemas WHERE schema_name = 'lay';
\set VERBOSITY default
CALL learnerscore.create_learning_schema('lay');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('lay');
SELECT count(*) AS users_kept FROM lay.users;
SELECT layout_version, up_to_date FROM learnerscore.data_schemas WHERE schema_name = 'lay';
-- a layout newer than this version writes: refused both ways
UPDATE lay.learnerscore_layout SET layout_version = 99;
CALL learnerscore.create_learning_schema('lay');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('lay');
\echo :LAST_ERROR_SQLSTATE
UPDATE lay.learnerscore_layout SET layout_version = 2;
-- bad input
CALL learnerscore.upgrade_learning_schema(NULL);
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('lay_ce');      -- a course-effects schema, not a learning one
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_course_effects_schema('lay');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.upgrade_learning_schema('pg_catalog');
\echo :LAST_ERROR_SQLSTATE
-- a role without the owner kind may neither upgrade nor list (42501)
CREATE ROLE ls_layout_nobody;
SET ROLE ls_layout_nobody;
CALL learnerscore.upgrade_learning_schema('lay');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM learnerscore.data_schemas;
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.nightly('lay');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- nightly: bad input, and a failing step is logged, later steps skipped, the call fails
CALL learnerscore.nightly(NULL);
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.nightly('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA lay_plain;
CALL learnerscore.nightly('lay_plain');
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.nightly('lay', weeks => 0);
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CALL learnerscore.nightly('lay');       -- commits between steps: not inside a transaction block
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SET client_min_messages = warning;
CALL learnerscore.nightly('lay_ce');
RESET client_min_messages;
SELECT step, status, detail FROM lay_ce.nightly_log ORDER BY started_at;
-- a step that fails: the course_effects view dropped by hand
DROP MATERIALIZED VIEW lay_ce.course_effects CASCADE;
CREATE VIEW lay_ce.course_effects AS SELECT 1 AS x;
\set VERBOSITY terse
CALL learnerscore.nightly('lay_ce');   -- (the hint names the run's log rows)
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT step, status, detail FROM lay_ce.nightly_log WHERE run_id = (SELECT max(run_id) FROM lay_ce.nightly_log);
SELECT count(DISTINCT run_id) AS runs_logged FROM lay_ce.nightly_log;

SET client_min_messages = warning;
DROP SCHEMA lay, lay_ce, lay_plain CASCADE;
DROP ROLE ls_layout_nobody;
