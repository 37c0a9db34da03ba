-- Two train() calls of one name at the same time (two sessions, through
-- dblink): the second waits for the first and then adds version 2; when its
-- REPEATABLE READ snapshot cannot see the first model, the unique (name,
-- version) violation is reported as a serialization failure (40001, retry),
-- never as the unique index's raw 23505.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse

CREATE TABLE m48 AS SELECT g AS id, (g % 7)::float8 AS a, ((g * 7919) % 10 < 3 + g % 7)::int AS y FROM generate_series(1, 500) g;
SELECT format('host=%s port=%s dbname=%s', split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database()) AS conninfo \gset
SELECT dblink_connect('c1', :'conninfo') AS c1, dblink_connect('c2', :'conninfo') AS c2, dblink_connect('c3', :'conninfo') AS c3;
-- waits (bounded) until some session waits for a learnerscore name lock
CREATE FUNCTION pg_temp.await_name_lock_waiter() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 200 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 1280527694 AND NOT granted);
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;

-- on connection conn, trains the model name that c1 is training in its open transaction, waits
-- until conn waits for c1, commits c1, and returns what conn's train() reported
CREATE FUNCTION pg_temp.train_after_c1(conn text, name text, OUT code text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM dblink_send_query(conn, format($$SELECT learnerscore.train(%L, 'm48', 'y', ARRAY['a'], 'linear')$$, name));
    PERFORM pg_temp.await_name_lock_waiter();
    PERFORM dblink_exec('c1', 'COMMIT');
    PERFORM * FROM dblink_get_result(conn) AS t(id bigint);
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
END $f$;

-- READ COMMITTED: c1 trains m48 in an open transaction, c2 trains the same name
SELECT dblink_exec('c1', 'BEGIN');
SELECT trained FROM dblink('c1', $$SELECT learnerscore.train('m48', 'm48', 'y', ARRAY['a'], 'logistic') > 0$$) AS t(trained boolean);
SELECT * FROM pg_temp.train_after_c1('c2', 'm48');

-- REPEATABLE READ: c3's snapshot predates c1's commit, so it cannot see the model; the insert's
-- unique violation is reported as a serialization failure
SELECT dblink_exec('c1', 'BEGIN');
SELECT trained FROM dblink('c1', $$SELECT learnerscore.train('m48_rr', 'm48', 'y', ARRAY['a'], 'logistic') > 0$$) AS t(trained boolean);
SELECT dblink_exec('c3', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT n FROM dblink('c3', 'SELECT count(*) FROM learnerscore.models') AS t(n bigint) WHERE false;
SELECT * FROM pg_temp.train_after_c1('c3', 'm48_rr');

SELECT name, version, algorithm FROM learnerscore.models WHERE name LIKE 'm48%' ORDER BY name, version;
SELECT dblink_disconnect('c1'), dblink_disconnect('c2'), dblink_disconnect('c3');
SELECT learnerscore.drop_model('m48'), learnerscore.drop_model('m48_rr');
DROP TABLE m48;
