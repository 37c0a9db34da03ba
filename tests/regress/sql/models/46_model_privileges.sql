-- Who may do what with the model registry, as NON-superuser roles: analysts
-- train and score; no one but train()/drop_model() writes learnerscore.models;
-- only a model's owner (or a member of the owning role, or a superuser) drops
-- or reuses its name; a role with no grant at all on learnerscore.models can
-- still score; the registry statements ignore the caller's search_path.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET extra_float_digits = 0;

CREATE ROLE regress_analyst_a;
CREATE ROLE regress_analyst_b;
CREATE ROLE regress_bi;
CREATE ROLE regress_lead;
GRANT regress_analyst_a TO regress_lead;
-- analysts may execute train(), cross_validate() and drop_model() (extension/sql/900_privileges.sql);
-- regress_bi gets nothing at all
GRANT learnerscore_analyst TO regress_analyst_a, regress_analyst_b;
CREATE TABLE m46 AS
SELECT i AS id, (i % 7)::float8 AS x1, CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'blue' END AS c,
       ((i % 7) + (i % 3) + (i * 37) % 11 / 3.0 > 6)::int AS y
FROM generate_series(1, 300) i;
CREATE TABLE m46_secret AS SELECT * FROM m46;
GRANT SELECT ON m46 TO regress_analyst_a, regress_analyst_b, regress_bi;

-- analyst A trains and scores; the model records its owner
SET ROLE regress_analyst_a;
SELECT learnerscore.train('m46_a', 'm46', 'y', ARRAY['x1', 'c'], 'logistic') > 0 AS trained;
SELECT learnerscore.train('m46_a_xgb', 'm46', 'y', ARRAY['x1'], 'xgboost', '{"num_round": 5}') > 0 AS trained;
SELECT name, owner, current_user AS trained_by FROM learnerscore.models WHERE name LIKE 'm46_a%' ORDER BY name;
SELECT learnerscore.predict('m46_a', '{"x1": 3, "c": "red"}'::jsonb) BETWEEN 0 AND 1 AS a_scores;
-- her own name again: version 2, not deployed (params "deploy": false)
SELECT learnerscore.train('m46_a', 'm46', 'y', ARRAY['x1'], 'logistic', '{"deploy": false}') AS new_id \gset
SELECT version FROM learnerscore.models WHERE id = :new_id;
SELECT version FROM learnerscore.deployed_models WHERE name = 'm46_a';
RESET ROLE;

-- analyst B can neither drop nor replace A's model, nor write the registry directly
SET ROLE regress_analyst_b;
SELECT learnerscore.drop_model('m46_a');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('m46_a', if_exists => true);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m46_a', 'm46', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO learnerscore.models (name, algorithm, target, features, training_rows, model, owner)
SELECT 'm46_forged', algorithm, target, features, training_rows, model, 'regress_analyst_b' FROM learnerscore.models WHERE name = 'm46_a';
\echo :LAST_ERROR_SQLSTATE
UPDATE learnerscore.models SET model = '\x00' WHERE name = 'm46_a';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM learnerscore.models WHERE name = 'm46_a';
\echo :LAST_ERROR_SQLSTATE
TRUNCATE learnerscore.models;
\echo :LAST_ERROR_SQLSTATE
SELECT nextval('learnerscore.models_id_seq');
\echo :LAST_ERROR_SQLSTATE
-- the old escape hatch is gone: learnerscore.* is a reserved prefix
SET learnerscore.allow_model_delete = on;
\echo :LAST_ERROR_SQLSTATE
SELECT set_config('learnerscore.allow_model_delete', 'on', false);
\echo :LAST_ERROR_SQLSTATE
-- the training query runs as B: a table B cannot read cannot be trained on
SELECT learnerscore.train('m46_b', 'm46_secret', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m46_b', 'SELECT * FROM m46_secret', 'y', ARRAY['x1'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS no_b_model FROM learnerscore.models WHERE name = 'm46_b';
-- B's own model, trained while an operator of B's shadows pg_catalog's text = text:
-- the registry statements run as the registry's owner and must not call it
SELECT learnerscore.train('m46_b', 'm46', 'y', ARRAY['x1'], 'linear') > 0 AS trained;
RESET ROLE;
CREATE SCHEMA regress_evil AUTHORIZATION regress_analyst_b;
SET ROLE regress_analyst_b;
CREATE FUNCTION regress_evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN RAISE NOTICE 'shadow operator ran as %', current_user; RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR regress_evil.= (FUNCTION = regress_evil.texteq, LEFTARG = text, RIGHTARG = text);
SET search_path = regress_evil, pg_catalog;
SELECT 'x'::text = 'x'::text AS shadow_is_active;
SELECT learnerscore.predict('m46_b', ARRAY[2]::float8[]) IS NOT NULL AS scored;
SELECT learnerscore.drop_model('m46_b') AS dropped_own;
SELECT learnerscore.train('m46_b2', 'public.m46', 'y', ARRAY['x1'], 'linear') > 0 AS trained;
RESET search_path;
RESET ROLE;

-- a role with NO grant on learnerscore.models (not even through PUBLIC) scores and explains
SELECT model_id AS a_id FROM learnerscore.deployed_models WHERE name = 'm46_a' \gset
REVOKE SELECT ON learnerscore.models FROM PUBLIC;
SET ROLE regress_bi;
SELECT count(*) FROM learnerscore.models;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict('m46_a', '{"x1": 3, "c": "red"}'::jsonb) BETWEEN 0 AND 1 AS bi_scores;
SELECT count(*) AS rows_scored,
       bool_and(learnerscore.predict('m46_a', m46) BETWEEN 0 AND 1) AS by_name,
       bool_and(learnerscore.predict(:a_id::bigint, m46) = learnerscore.predict('m46_a', m46)) AS by_id,
       bool_and(learnerscore.predict_columns('m46_a', x1, c) = learnerscore.predict('m46_a', m46)) AS by_columns,
       bool_and(learnerscore.explain(:a_id::bigint, m46) ? '(intercept)') AS explained,
       bool_and(learnerscore.predict('m46_a_xgb', ARRAY[x1]) BETWEEN 0 AND 1) AS xgb_scored
FROM m46;
-- the same from a parallel worker (the registry read switches identity and search_path there too)
SET force_parallel_mode = on;
SELECT count(*) AS rows_scored_in_worker, bool_and(learnerscore.predict('m46_a', m46) BETWEEN 0 AND 1) AS worker_scores FROM m46;
RESET force_parallel_mode;
RESET ROLE;
GRANT SELECT ON learnerscore.models TO PUBLIC;

-- a member of the owning role may drop A's model; a superuser may drop anyone's
SET ROLE regress_lead;
SELECT learnerscore.drop_model('m46_a') AS lead_dropped;
SELECT learnerscore.drop_model('m46_b2');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT learnerscore.drop_model('m46_b2') AS superuser_dropped, learnerscore.drop_model('m46_a_xgb') AS superuser_dropped;
SELECT count(*) AS left_over FROM learnerscore.models WHERE name LIKE 'm46%';

DROP SCHEMA regress_evil CASCADE;
DROP TABLE m46, m46_secret;
DROP ROLE regress_analyst_a, regress_analyst_b, regress_bi, regress_lead;
