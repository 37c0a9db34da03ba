-- The intervention log <schema>.contacts (issue 14, docs/loading.md): created by
-- create_learning_schema with comments on the table and every column, as is
-- <schema>.contact_assignments (arm CHECK, key (user_id, assigned_on)); plain INSERTs
-- work, a contact of an unknown learner (23503) or dated in the future (23514) is
-- refused; a role without grants gets 42501, a reader reads, the owner kind writes.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CALL learnerscore.create_learning_schema('ct');
CALL learnerscore.create_learning_schema('ct');   -- idempotent
RESET client_min_messages;
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull,
       col_description(attrelid, attnum) IS NOT NULL AS commented
  FROM pg_attribute WHERE attrelid = 'ct.contacts'::regclass AND attnum > 0 ORDER BY attnum;
SELECT obj_description('ct.contacts'::regclass, 'pg_class') IS NOT NULL AS table_commented,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ct.contacts'::regclass AND NOT tgisinternal) AS triggers,
       'contacts' IN (SELECT learnerscore._learning_schema_relations()) AS listed;
INSERT INTO ct.users (user_id, course_id, flow_num) VALUES (1, 10, 1), (2, 10, 2);
INSERT INTO ct.contacts VALUES (1, '2023-03-01 10:00', 'Иванова А.', 'телефон', 'обещал вернуться'),
                               (2, '2023-03-02 11:30', 'Петров Б.', 'telegram', NULL);
SELECT user_id, contacted_at, tutor, channel, outcome_note FROM ct.contacts ORDER BY user_id;
-- bad rows
\set VERBOSITY default
INSERT INTO ct.contacts VALUES (99, '2023-03-01 10:00', 'Иванова А.', 'телефон', NULL);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
INSERT INTO ct.contacts VALUES (1, localtimestamp + interval '2 days', 'Иванова А.', 'телефон', NULL);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
UPDATE ct.contacts SET user_id = 98 WHERE user_id = 1;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contacts (user_id, tutor) VALUES (1, 'Иванова А.');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contacts (contacted_at) VALUES ('2023-03-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contacts VALUES (1, '31.02.2023', 'x', 'y', NULL);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT count(*) AS contacts FROM ct.contacts;
-- contact_assignments (the randomized arms, created with contacts): columns, comments, keys
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull,
       col_description(attrelid, attnum) IS NOT NULL AS commented
  FROM pg_attribute WHERE attrelid = 'ct.contact_assignments'::regclass AND attnum > 0 ORDER BY attnum;
SELECT obj_description('ct.contact_assignments'::regclass, 'pg_class') IS NOT NULL AS table_commented,
       (SELECT string_agg(regexp_replace(indexdef, '^.* USING ', ''), '; ' ORDER BY indexname)
          FROM pg_indexes WHERE schemaname = 'ct' AND tablename = 'contact_assignments') AS indexes,
       'contact_assignments' IN (SELECT learnerscore._learning_schema_relations()) AS listed;
INSERT INTO ct.contact_assignments (user_id, assigned_on, arm, tutor)
  VALUES (1, '2023-03-01', 'contact', 'Иванова А.'), (2, '2023-03-01', 'holdout', NULL);
SELECT user_id, to_char(assigned_on, 'YYYY-MM-DD') AS assigned_on, arm, tutor, plan_id, created_at IS NOT NULL AS stamped
  FROM ct.contact_assignments ORDER BY user_id;
INSERT INTO ct.contact_assignments (user_id, assigned_on, arm) VALUES (1, '2023-03-08', 'treated');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contact_assignments (user_id, assigned_on, arm) VALUES (1, '2023-03-01', 'holdout');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contact_assignments (user_id, arm) VALUES (1, 'contact');
\echo :LAST_ERROR_SQLSTATE
-- privileges: no grants → 42501; a reader reads but cannot write; an owner writes its own schema's log
SET client_min_messages = warning;
DROP ROLE IF EXISTS ct_nobody;
DROP ROLE IF EXISTS ct_reader;
DROP ROLE IF EXISTS ct_owner;
CREATE ROLE ct_nobody;
CREATE ROLE ct_reader;
CREATE ROLE ct_owner;
CALL learnerscore.grant_access('ct_reader', 'reader', 'ct');
CALL learnerscore.grant_access('ct_owner', 'owner', 'ct_own');
RESET client_min_messages;
SET ROLE ct_nobody;
SELECT count(*) FROM ct.contacts;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO ct.contacts VALUES (1, '2023-03-03 09:00', 'x', 'email', NULL);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE ct_reader;
SELECT count(*) AS reader_sees FROM ct.contacts;
SELECT count(*) AS reader_sees_assignments FROM ct.contact_assignments;
INSERT INTO ct.contacts VALUES (1, '2023-03-03 09:00', 'x', 'email', NULL);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE ct_owner;
SET client_min_messages = warning;
CALL learnerscore.create_learning_schema('ct_own');
RESET client_min_messages;
INSERT INTO ct_own.users (user_id, course_id) VALUES (5, 10);
INSERT INTO ct_own.contacts VALUES (5, '2023-03-03 09:00', 'Сидорова В.', 'email', 'не ответил');
INSERT INTO ct_own.contacts VALUES (77, '2023-03-03 09:00', 'Сидорова В.', 'email', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS owner_contacts FROM ct_own.contacts;
RESET ROLE;
SET client_min_messages = warning;
DROP SCHEMA ct CASCADE;
DROP SCHEMA ct_own CASCADE;
DROP OWNED BY ct_nobody, ct_reader, ct_owner;
DROP ROLE ct_nobody;
DROP ROLE ct_reader;
DROP ROLE ct_owner;
