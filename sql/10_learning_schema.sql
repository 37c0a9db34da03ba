-- create_learning_schema: creates the tables, is idempotent, safe for odd schema names.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CALL learnerscore.create_learning_schema('onet');
CALL learnerscore.create_learning_schema('onet');  -- twice: no error, nothing duplicated
SELECT table_name FROM information_schema.tables WHERE table_schema = 'onet' AND table_type = 'BASE TABLE' ORDER BY 1;
-- a hostile schema name is just a name
CALL learnerscore.create_learning_schema('we"ird; DROP TABLE x; --');
SELECT count(*) AS tables_in_weird_schema FROM information_schema.tables WHERE table_schema = 'we"ird; DROP TABLE x; --';
-- tables are not extension members (DROP EXTENSION must never drop data)
SELECT count(*) AS extension_owned_tables FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.classid = 'pg_class'::regclass AND c.relnamespace = 'onet'::regnamespace;
CALL learnerscore.create_learning_schema(NULL);
\echo :LAST_ERROR_SQLSTATE
CALL learnerscore.create_learning_schema('  ');
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;
DROP SCHEMA "we""ird; DROP TABLE x; --" CASCADE;
