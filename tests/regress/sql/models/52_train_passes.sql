-- train('logistic') has two ways to run (docs/models.md, issue 12): memory (the rows read
-- into a design) and passes (one parallel aggregate query per pass, no rows kept). They give
-- the same model to 1e-9, serial or on parallel workers; the passes run as Partial Aggregate
-- under Gather; what the passes cannot do is 0A000 (or, under auto, a NOTICE and memory);
-- a non-superuser trains as passes; malformed pass params are errors, not crashes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
-- deterministic data: numeric, integer and boolean features, a large-scale one, NULLs in a
-- feature (imputed with the mean) and in the target (skipped and counted)
CREATE TABLE lp_rows AS
SELECT i, x1, x2, (i % 5)::int AS x3, (i % 3 = 0) AS x4, 1e4 + 500 * sin(i * 0.7) AS x5, 'k' || (i % 4) AS label,
       ((sin(i * 12.9898) * 43758.5453 - floor(sin(i * 12.9898) * 43758.5453))
          < 1 / (1 + exp(-(-0.2 + 0.8 * x1 - 0.5 * x2 + 0.1 * (i % 5) + 0.002 * 500 * sin(i * 0.7)))))::int AS y
  FROM (SELECT i, 2 * sin(i * 0.37) AS x1, cos(i * 0.11) + (i % 7) / 3.0 AS x2 FROM generate_series(1, 20000) i) s;
UPDATE lp_rows SET x2 = NULL WHERE i % 997 = 0;
UPDATE lp_rows SET y = NULL WHERE i % 1009 = 0;
ANALYZE lp_rows;
-- memory vs passes: coefficients, standard errors, in-sample metrics, rows, hyper-parameters
CREATE FUNCTION lp_compare(tag text, params jsonb) RETURNS TABLE (model text, same boolean, estimator text, training_rows bigint, skipped int)
LANGUAGE plpgsql AS $$
DECLARE a learnerscore.models; b learnerscore.models; ok boolean; ida bigint; idb bigint;
BEGIN
    SET LOCAL learnerscore.table_estimator = memory;
    ida := learnerscore.train('lp_mem_' || tag, 'lp_rows', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], 'logistic', params);
    SET LOCAL learnerscore.table_estimator = passes;
    idb := learnerscore.train('lp_pass_' || tag, 'lp_rows', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], 'logistic', params);
    SELECT * INTO a FROM learnerscore.models WHERE id = ida;
    SELECT * INTO b FROM learnerscore.models WHERE id = idb;
    SELECT bool_and(abs((ca->>'estimate')::float8 - (cb->>'estimate')::float8) <= 1e-9 * greatest(1e-3, abs((ca->>'estimate')::float8))
                    AND abs((ca->>'std_error')::float8 - (cb->>'std_error')::float8) <= 1e-9 * abs((ca->>'std_error')::float8)
                    AND ca->>'term' = cb->>'term')
      INTO ok
      FROM jsonb_array_elements(a.metrics->'coefficients') WITH ORDINALITY x(ca, o)
      JOIN jsonb_array_elements(b.metrics->'coefficients') WITH ORDINALITY y(cb, o) USING (o);
    SELECT ok AND bool_and(abs((a.metrics->'train'->>k)::float8 - (b.metrics->'train'->>k)::float8)
                           <= 1e-9 * greatest(1e-3, abs((a.metrics->'train'->>k)::float8)))
      INTO ok FROM unnest(ARRAY['auc', 'log_loss', 'brier', 'calibration_error', 'accuracy']) k;
    ok := ok AND a.training_rows = b.training_rows AND a.hyperparameters = b.hyperparameters
             AND a.metrics->'skipped_null_target_rows' = b.metrics->'skipped_null_target_rows'
             AND jsonb_array_length(a.metrics->'coefficients') = 6
             AND abs(learnerscore.predict(a.id, ARRAY[0.5, NULL, 2, 1, 1e4]) - learnerscore.predict(b.id, ARRAY[0.5, NULL, 2, 1, 1e4])) < 1e-12;
    RETURN QUERY SELECT tag, ok, coalesce(b.metrics->>'estimator', 'memory'), b.training_rows, (b.metrics->>'skipped_null_target_rows')::int;
END $$;
SELECT c.* FROM (VALUES ('l2_1', '{}'::jsonb), ('l2_0', '{"l2": 0}'), ('l2_30', '{"l2": 30, "tolerance": 1e-12}')) v(t, p),
       lp_compare(v.t, v.p) c;
-- the same on parallel workers (any number of partial states: the same model)
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF)
SELECT learnerscore.logistic_pass('{1,3}', y, ARRAY[x1, x2, x3]) FROM lp_rows;
SELECT * FROM lp_compare('parallel', '{}');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
-- a query source, and the model scores as usual
SET learnerscore.table_estimator = passes;
SELECT learnerscore.train('lp_query', 'SELECT * FROM lp_rows WHERE i <= 10000', 'y', ARRAY['x1', 'x3'], 'logistic') > 0 AS trained;
SELECT metrics->>'estimator' AS estimator, training_rows FROM learnerscore.models WHERE name = 'lp_query';
SELECT round(learnerscore.predict('lp_query', ARRAY[0, 2])::numeric, 1) BETWEEN 0.1 AND 0.9 AS scores;
-- bad inputs with their SQLSTATEs
\set SHOW_CONTEXT never
\set VERBOSITY terse
SELECT learnerscore.train('lp_bad', 'lp_rows', 'y', ARRAY['x1', 'label'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'y', ARRAY['x1'], 'logistic', '{"validate": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'no_such', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'no_such_table', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'x3', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'SELECT * FROM lp_rows WHERE y = 1', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'SELECT * FROM lp_rows WHERE false', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'SELECT y, CASE WHEN i = 7 THEN ''NaN''::float8 ELSE x1 END AS x1 FROM lp_rows', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'y', ARRAY['x1'], 'logistic', '{"l2": -1}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'y', ARRAY['x1'], 'logistic', '{"depth": 3}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'SELECT y, (y > 0)::int AS leak FROM lp_rows', 'y', ARRAY['leak'], 'logistic', '{"l2": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('lp_bad', 'lp_rows', 'y', ARRAY['x1', 'x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
-- malformed params and states: 22P03 (54000 past the size bound; NULL params 22004), never a crash
SELECT learnerscore.logistic_pass('{9,1}', y, ARRAY[x1]) FROM lp_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.logistic_pass('{1,2}', y, ARRAY[x1]) FROM lp_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.logistic_pass('{2,1,0}', y, ARRAY[x1]) FROM lp_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.logistic_pass('{1,1e9}', y, ARRAY[x1]) FROM lp_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.logistic_pass(NULL, y, ARRAY[x1]) FROM lp_rows;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.logistic_pass_score('{1,1}', ARRAY[1.0]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._logistic_pass_combine('{2,1,1,1,0,0,0,0,0,0}', '{2,1,2,1,0,0,0,0,0,0,0,0}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._logistic_pass_combine('{2,1,1,-1,0,0,0,0,0,0}', '{2,1,1,1,0,0,0,0,0,0}');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT learnerscore._logistic_pass_combine('{2,1,1,1,1,0,0,0,1,0.5}', '{2,1,1,2,1,1,2,0,1,0.25}') AS merged_prepare;
SELECT round(learnerscore.logistic_pass_score('{2,1,0,0.5,2}', ARRAY[NULL]::float8[])::numeric, 6) AS score_of_imputed;
RESET learnerscore.table_estimator;
-- auto: passes when the planner's row estimate x width is over learnerscore.max_train_memory
-- (faked on a temp table, which autovacuum leaves alone); with a text feature, a NOTICE and memory
CREATE TEMP TABLE lp_big AS SELECT * FROM lp_rows WHERE i <= 2000;
UPDATE pg_class SET reltuples = 1e12 WHERE oid = 'lp_big'::regclass;
SELECT learnerscore.train('lp_auto', 'lp_big', 'y', ARRAY['x1', 'x2'], 'logistic') > 0 AS trained;
SELECT metrics->>'estimator' AS estimator FROM learnerscore.models WHERE name = 'lp_auto';
SELECT learnerscore.train('lp_auto_text', 'lp_big', 'y', ARRAY['x1', 'label'], 'logistic') > 0 AS trained;
SELECT metrics->>'estimator' IS NULL AS in_memory FROM learnerscore.models WHERE name = 'lp_auto_text';
DROP TABLE lp_big;
-- a non-superuser analyst trains as passes from a table it may read; 42501 on one it may not
CREATE ROLE lp_user LOGIN;
GRANT learnerscore_analyst TO lp_user;
GRANT SELECT ON lp_rows TO lp_user;
CREATE TABLE lp_secret AS SELECT * FROM lp_rows;
SET ROLE lp_user;
SET learnerscore.table_estimator = passes;
SELECT learnerscore.train('lp_user_model', 'lp_rows', 'y', ARRAY['x1', 'x2'], 'logistic') > 0 AS trained;
SELECT metrics->>'estimator' AS estimator, owner FROM learnerscore.models WHERE name = 'lp_user_model';
\set VERBOSITY terse
SELECT learnerscore.train('lp_user_secret', 'lp_secret', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._logistic_pass_trans('{}', '{1,1}', 1, ARRAY[1.0]);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
RESET learnerscore.table_estimator;
RESET ROLE;
SELECT learnerscore.drop_model(name) FROM learnerscore.models WHERE name LIKE 'lp\_%' GROUP BY name ORDER BY name;
DROP TABLE lp_secret;
DROP FUNCTION lp_compare(text, jsonb);
DROP TABLE lp_rows;
DROP ROLE lp_user;
