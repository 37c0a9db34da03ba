-- predict / explain with the model given as its bytes (learnerscore.models.model), for nodes
-- without the registry (Citus workers: the registry row travels with the query,
-- docs/scale-out.md): the same scores as by name for linear and logistic models and every
-- feature form, several models through one call site, foreign or altered bytes refused
-- (22000, the checksum of the model codec). An XGBoost booster given as bytes is never handed
-- to libxgboost (it does not validate hand-made boosters): its trees are read by learnerscore's
-- own checked UBJSON reader into the native evaluator, which scores exactly as by name;
-- explain() of such bytes needs libxgboost and is refused (0A000).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE TABLE pb AS SELECT i, sin(i) AS x1, cos(i * 0.3) AS x2, (i % 5)::float8 AS x3,
       (sin(i) + cos(i * 0.3) > 0.2) AS y, 2 * sin(i) + i % 5 AS v FROM generate_series(1, 1000) i;
SELECT learnerscore.train('pb_lin', 'pb', 'v', ARRAY['x1', 'x2', 'x3'], 'linear') IS NOT NULL AS lin,
       learnerscore.train('pb_log', 'pb', 'y', ARRAY['x1', 'x2', 'x3'], 'logistic') IS NOT NULL AS log,
       learnerscore.train('pb_xgb', 'pb', 'y', ARRAY['x1', 'x2', 'x3'], 'xgboost', '{"num_round": 10, "nthread": 1}') IS NOT NULL AS xgb;
RESET client_min_messages;
SELECT m.name,
       bool_and(abs(learnerscore.predict(m.name, ARRAY[x1, x2, x3]) - learnerscore.predict(b.model, ARRAY[x1, x2, x3])) < 1e-12) AS same_array,
       bool_and(learnerscore.explain(m.name, ARRAY[x1, x2, x3]) = learnerscore.explain(b.model, ARRAY[x1, x2, x3])) AS same_explain,
       bool_and(abs(learnerscore.predict(m.name, jsonb_build_object('x1', x1, 'x2', x2, 'x3', x3))
                  - learnerscore.predict(b.model, jsonb_build_object('x1', x1, 'x2', x2, 'x3', x3))) < 1e-12) AS same_jsonb,
       bool_and(abs(learnerscore.predict(m.name, pb) - learnerscore.predict(b.model, pb)) < 1e-12) AS same_record
  FROM pb, learnerscore.deployed_models m JOIN learnerscore.models b ON b.id = m.model_id
 WHERE m.name IN ('pb_lin', 'pb_log')
 GROUP BY m.name ORDER BY 1;
-- XGBoost by bytes: the native evaluator from the UBJSON, the same scores as by name (exactly)
SELECT bool_and(learnerscore.predict('pb_xgb', ARRAY[x1, x2, x3]) = learnerscore.predict(b.model, ARRAY[x1, x2, x3])) AS xgb_same_array,
       bool_and(learnerscore.predict('pb_xgb', pb) = learnerscore.predict(b.model, pb)) AS xgb_same_record,
       bool_and(learnerscore.predict('pb_xgb', ARRAY[x1, NULL, x3]) = learnerscore.predict(b.model, ARRAY[x1, NULL, x3])) AS xgb_same_missing
  FROM pb, learnerscore.models b WHERE b.name = 'pb_xgb';
-- one call site, the model changing row after row
SELECT bool_and(abs(learnerscore.predict(b.model, ARRAY[x1, x2, x3]) - learnerscore.predict(b.name, ARRAY[x1, x2, x3])) < 1e-12) AS alternating_same
  FROM (SELECT * FROM pb, learnerscore.models b WHERE b.name IN ('pb_log', 'pb_lin') ORDER BY pb.i, b.name) s(i, x1, x2, x3, y, v, id, name, algorithm, target, features, hyperparameters, trained_at, training_rows, metrics, model, owner, version)
  CROSS JOIN LATERAL (SELECT s.model, s.name) b;
-- a non-superuser scores with the bytes it can read (learnerscore.models is readable by PUBLIC)
CREATE ROLE pb_user LOGIN;
GRANT SELECT ON pb TO pb_user;
SET ROLE pb_user;
SELECT round(avg(learnerscore.predict(b.model, ARRAY[x1, x2, x3]))::numeric, 6) = round(avg(learnerscore.predict('pb_log', ARRAY[x1, x2, x3]))::numeric, 6) AS same_as_user
  FROM pb, learnerscore.models b WHERE b.name = 'pb_log';
RESET ROLE;
-- bytes that are not a model, or altered: 22000 (corrupted model), never a crash
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT c, pg_temp.sqlstate_of(q) FROM (VALUES
  ('garbage', $q$SELECT learnerscore.predict('\x00010203'::bytea, ARRAY[1.0, 2, 3])$q$),
  ('empty', $q$SELECT learnerscore.predict(''::bytea, ARRAY[1.0, 2, 3])$q$),
  ('truncated', $q$SELECT learnerscore.predict(substr(model, 1, 40), ARRAY[1.0, 2, 3]) FROM learnerscore.models WHERE name = 'pb_xgb'$q$),
  ('appended', $q$SELECT learnerscore.explain(model || '\x00'::bytea, ARRAY[1.0, 2, 3]) FROM learnerscore.models WHERE name = 'pb_log'$q$),
  ('xgboost', $q$SELECT learnerscore.predict(model, ARRAY[1.0, 2, 3]) IS NOT NULL FROM learnerscore.models WHERE name = 'pb_xgb'$q$),
  ('xgboost_explain', $q$SELECT learnerscore.explain(model, ARRAY[1.0, 2, 3]) FROM learnerscore.models WHERE name = 'pb_xgb'$q$),
  ('one_bit', $q$SELECT learnerscore.predict(set_byte(model, 30, get_byte(model, 30) # 1), ARRAY[1.0, 2, 3]) FROM learnerscore.models WHERE name = 'pb_lin'$q$))
  AS t(c, q);
SELECT learnerscore.predict(NULL::bytea, ARRAY[1.0, 2, 3]) IS NULL AS strict_null;
SET client_min_messages = warning;
SELECT learnerscore.drop_model(n) FROM unnest(ARRAY['pb_lin', 'pb_log', 'pb_xgb']) n;
DROP TABLE pb;
DROP ROLE pb_user;
