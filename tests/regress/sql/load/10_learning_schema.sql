-- create_learning_schema: creates the tables, is idempotent, safe for odd schema names.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CALL learnerscore.create_learning_schema('onet');
CALL learnerscore.create_learning_schema('onet');  -- twice: no error, nothing duplicated
SELECT table_name FROM information_schema.tables WHERE table_schema = 'onet' AND table_type = 'BASE TABLE' ORDER BY 1;

-- Re-running it on an unchanged schema does no DDL: every catalog row it
-- would write (view rules, triggers, comments, relations) keeps its xmin, and
-- the only locks it takes in the schema are ACCESS SHARE on its own state table
-- (the loader runs it before every load, while readers read).
CREATE TEMP TABLE ddl_rows AS
SELECT 'rule ' || ev_class::regclass AS obj, xmin::text AS x FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
UNION ALL SELECT 'trigger ' || tgname || ' ' || tgrelid::regclass, xmin::text FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
UNION ALL SELECT 'comment ' || objoid::regclass || ' ' || objsubid, xmin::text FROM pg_description WHERE classoid = 'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
UNION ALL SELECT 'class ' || relname, xmin::text FROM pg_class WHERE relnamespace = 'onet'::regnamespace;
CREATE FUNCTION pg_temp.ddl_rewritten() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        SELECT * FROM ddl_rows
        EXCEPT
        (SELECT 'rule ' || ev_class::regclass, xmin::text FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
         UNION ALL SELECT 'trigger ' || tgname || ' ' || tgrelid::regclass, xmin::text FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
         UNION ALL SELECT 'comment ' || objoid::regclass || ' ' || objsubid, xmin::text FROM pg_description WHERE classoid = 'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)
         UNION ALL SELECT 'class ' || relname, xmin::text FROM pg_class WHERE relnamespace = 'onet'::regnamespace)) d
$$;
SELECT count(*) > 50 AS catalog_rows_watched FROM ddl_rows;
BEGIN;
CALL learnerscore.create_learning_schema('onet');
SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'onet'::regnamespace ORDER BY 1, 2;
COMMIT;
SELECT pg_temp.ddl_rewritten() AS rows_rewritten_unchanged;
-- a comment changed by hand (the schema's catalog changed): re-created, the
-- comment restored
COMMENT ON VIEW onet.dataset_h IS 'edited';
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('onet');
RESET client_min_messages;
SELECT obj_description('onet.dataset_h'::regclass, 'pg_class') LIKE 'Online learner%' AS comment_restored;
SELECT pg_temp.ddl_rewritten() > 0 AS rows_rewritten_after_edit;
-- a changed extension routine (a new version): re-created
DROP TABLE ddl_rows;
CREATE TEMP TABLE ddl_rows AS
SELECT 'rule ' || ev_class::regclass AS obj, xmin::text AS x FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace);
BEGIN;
ALTER FUNCTION learnerscore._comment_table(text, text) SET work_mem = '1MB';
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('onet');
RESET client_min_messages;
SELECT count(*) > 0 AS views_replaced_after_extension_change FROM (
    SELECT * FROM ddl_rows EXCEPT
    SELECT 'rule ' || ev_class::regclass, xmin::text FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace)) d;
ROLLBACK;
-- no state row (deleted, or a schema made by an older version): re-created
DELETE FROM onet.learning_schema_ddl;
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('onet');
RESET client_min_messages;
SELECT count(*) AS state_rows, bool_and(code_fingerprint = (learnerscore._learning_schema_fingerprint('onet')).code
                                         AND catalog_fingerprint = (learnerscore._learning_schema_fingerprint('onet')).catalog) AS recorded
  FROM onet.learning_schema_ddl;
-- the learner-feature objects (refresh_learner_daily re-runs this every time):
-- no DDL either when unchanged; their fingerprints are the row 'features'
SELECT learnerscore._create_feature_objects('onet');
CREATE TEMP TABLE feature_rules AS
SELECT ev_class::regclass::text AS v, xmin::text AS x FROM pg_rewrite
 WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace = 'onet'::regnamespace AND relname = ANY (learnerscore._feature_relations()));
SELECT learnerscore._create_feature_objects('onet');
SELECT count(*) AS feature_views,
       count(*) FILTER (WHERE (v, x) NOT IN (SELECT ev_class::regclass::text, xmin::text FROM pg_rewrite)) AS rewritten
  FROM feature_rules;
SELECT part FROM onet.learning_schema_ddl ORDER BY 1;
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
