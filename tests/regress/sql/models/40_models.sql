-- Model registry, training, scoring, explanations, cross-validation and
-- bad input (learnerscore.models, train, predict, explain, cross_validate).
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
\set SHOW_CONTEXT never
SET extra_float_digits = 0;

-- A small deterministic data set: y depends on x1, x2 and the text feature c.
CREATE TEMP TABLE m40 AS
SELECT i AS id,
       (i % 7)::float8 AS x1,
       round(sin(i)::numeric, 4) AS x2,                      -- numeric column
       CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'blue' ELSE NULL END AS c,
       (i % 5)::int AS n5,
       CASE WHEN (i % 7) + 3 * sin(i) + (i % 3) + ((i * 37) % 11) / 3.0 > 6 THEN 1 ELSE 0 END AS y,
       2.0 + 0.5 * (i % 7) - 1.5 * sin(i) + ((i * 13) % 7 - 3) / 10.0 AS yreal
FROM generate_series(1, 400) i;

-- the registry is an extension configuration table (pg_dump dumps its rows)
SELECT 'learnerscore.models'::regclass = ANY (extconfig) AS models_dumped
FROM pg_extension WHERE extname = 'learnerscore';

SELECT learnerscore.train('m40_logit', 'm40', 'y', ARRAY['x1', 'x2', 'c'], 'logistic') > 0 AS trained;
SELECT learnerscore.train('m40_ols', 'SELECT * FROM m40', 'yreal', ARRAY['x1', 'x2'], 'linear') > 0 AS trained;
SELECT learnerscore.train('m40_xgb', 'm40', 'y', ARRAY['x1', 'x2', 'c'], 'xgboost',
                          '{"num_round": 15, "max_depth": 3}') > 0 AS trained;
SELECT name, algorithm, target, features, training_rows, hyperparameters->>'l2' AS l2,
       metrics->'encoded_columns' AS encoded, length(model) > 0 AS has_bytes
FROM learnerscore.models WHERE name LIKE 'm40%' ORDER BY name;

-- text feature one-hot encoded with the first level as reference (blue); NULL imputed
SELECT term FROM learnerscore.model_coefficients('m40_logit');
-- OLS: slopes near the planted 0.5 and -1.5 (noise is correlated with x1), with standard errors
SELECT term, round(estimate::numeric, 3) AS estimate, std_error > 0 AS has_se
FROM learnerscore.model_coefficients('m40_ols');

-- predict: float8[] (NULL = missing), jsonb, record, by name and by id agree
SELECT round(learnerscore.predict('m40_ols', ARRAY[2, 0.5]::float8[])::numeric, 6) AS by_array,
       round(learnerscore.predict('m40_ols', '{"x1": 2, "x2": 0.5}'::jsonb)::numeric, 6) AS by_jsonb,
       round(learnerscore.predict((SELECT id FROM learnerscore.models WHERE name = 'm40_ols'),
                                  ARRAY[2, 0.5]::float8[])::numeric, 6) AS by_id;
SELECT count(*) AS rows_agreeing
FROM m40
WHERE abs(learnerscore.predict('m40_logit', m40)
          - learnerscore.predict('m40_logit', jsonb_build_object('x1', x1, 'x2', x2, 'c', c))) < 1e-12;
SELECT learnerscore.predict('m40_logit', ARRAY[1, 2, NULL]::float8[]) BETWEEN 0 AND 1 AS probability;

-- explain: contributions sum to the margin (log-odds), for linear and XGBoost models
WITH r AS (SELECT '{"x1": 3, "x2": -0.2, "c": "red"}'::jsonb AS f)
SELECT abs((SELECT sum(value::float8) FROM jsonb_each_text(learnerscore.explain('m40_logit', f)))
           - ln(p / (1 - p))) < 1e-9 AS logit_sums_to_margin,
       abs((SELECT sum(value::float8) FROM jsonb_each_text(learnerscore.explain('m40_xgb', f)))
           - ln(q / (1 - q))) < 1e-4 AS xgb_sums_to_margin,
       (SELECT array_agg(key ORDER BY key) FROM jsonb_each(learnerscore.explain('m40_xgb', f))) AS keys
FROM r, LATERAL (SELECT learnerscore.predict('m40_logit', f) AS p, learnerscore.predict('m40_xgb', f) AS q) s;

-- a view scores every row, in-sample metrics from the aggregates match the registry
CREATE TEMP VIEW m40_scored AS
SELECT id, y, learnerscore.predict('m40_logit', m40) AS p FROM m40;
SELECT abs(learnerscore.auc(p, y) - (SELECT (metrics->'train'->>'auc')::float8 FROM learnerscore.models WHERE name = 'm40_logit')) < 1e-12 AS auc_matches,
       abs(learnerscore.log_loss(p, y) - (SELECT (metrics->'train'->>'log_loss')::float8 FROM learnerscore.models WHERE name = 'm40_logit')) < 1e-12 AS log_loss_matches
FROM m40_scored;

-- cross-validation: deterministic folds, k rows plus the mean
SELECT fold, train_rows, test_rows, auc IS NOT NULL AS has_auc, mae IS NULL AS no_mae
FROM learnerscore.cross_validate('m40', 'y', ARRAY['x1', 'x2', 'c'], 'logistic', k => 4, seed => 7);
SELECT (SELECT array_agg(round(auc::numeric, 12) ORDER BY fold) FROM learnerscore.cross_validate('m40', 'y', ARRAY['x1', 'x2'], 'logistic', '{}', 3, 1))
     = (SELECT array_agg(round(auc::numeric, 12) ORDER BY fold) FROM learnerscore.cross_validate('m40', 'y', ARRAY['x1', 'x2'], 'logistic', '{}', 3, 1)) AS same_folds_same_metrics;
SELECT fold, mae < 1 AS mae_small, auc IS NULL AS no_auc
FROM learnerscore.cross_validate('m40', 'yreal', ARRAY['x1', 'x2'], 'linear', k => 3) WHERE fold = 'mean';

-- leave-one-group-out: one fold per value of the group column (NULL is a group too), never tested on trained rows
SELECT fold, train_rows, test_rows, auc IS NOT NULL AS has_auc
FROM learnerscore.cross_validate('m40', 'y', ARRAY['x1', 'x2'], 'logistic', group_column => 'c');
SELECT learnerscore.cross_validate('m40', 'y', ARRAY['x1', 'c'], 'logistic', group_column => 'c');
\echo :LAST_ERROR_SQLSTATE

-- immutability and explicit deletion
UPDATE learnerscore.models SET name = 'renamed' WHERE name = 'm40_ols';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM learnerscore.models WHERE name = 'm40_ols';
\echo :LAST_ERROR_SQLSTATE
-- training the name again adds version 2 (deployed); drop_model() drops every version
SELECT learnerscore.train('m40_ols', 'm40', 'yreal', ARRAY['x1'], 'linear') AS new_id \gset
SELECT version FROM learnerscore.models WHERE id = :new_id;
SELECT learnerscore.drop_model('m40_ols');
SELECT learnerscore.predict('m40_ols', ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('m40_ols');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('m40_ols', if_exists => true);

-- the outcome of a statement: its SQLSTATE as code ('ok' when it succeeds) and what the error said
CREATE FUNCTION pg_temp.outcome(q text, OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$ BEGIN EXECUTE q; code := 'ok';
EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
    message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT; END $$;
-- bad input: clear errors with SQLSTATEs
\x on
SELECT c.call, o.* FROM unnest(ARRAY[
  $q$learnerscore.train('bad', 'm40', 'y', ARRAY['x1', 'nope'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'm40', 'nope', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'no_such_table', 'y', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'm40', 'c', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'm40', 'n5', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'SELECT x1, 1 AS y FROM m40', 'y', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'SELECT * FROM m40 WHERE false', 'y', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'SELECT x1, y FROM m40 UNION ALL SELECT ''NaN'', 1', 'y', ARRAY['x1'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'SELECT x1, y FROM m40 UNION ALL SELECT ''Infinity'', 1', 'y', ARRAY['x1'], 'linear')$q$,
  $q$learnerscore.train('bad', 'SELECT x1, now() AS t, y FROM m40', 'y', ARRAY['x1', 't'], 'logistic')$q$,
  $q$learnerscore.train('bad', 'm40', 'y', ARRAY['x1'], 'forest')$q$,
  $q$learnerscore.train('bad', 'm40', 'y', ARRAY['x1'], 'logistic', '{"C": 1}')$q$,
  $q$learnerscore.train('bad', 'm40', 'y', ARRAY['x1'], 'logistic', '[1]')$q$,
  $q$learnerscore.train('bad', 'm40', 'y', ARRAY['x1', 'x1'], 'logistic')$q$])
  WITH ORDINALITY c(call, i), pg_temp.outcome('SELECT ' || c.call) o ORDER BY c.i;
\x off
-- perfect separation: rejected without a penalty, finite with the default l2
SELECT learnerscore.train('bad', 'SELECT x1, (x1 > 3)::int AS y FROM m40', 'y', ARRAY['x1'], 'logistic', '{"l2": 0}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m40_sep', 'SELECT x1, (x1 > 3)::int AS y FROM m40', 'y', ARRAY['x1'], 'logistic') > 0 AS separable_regularized;
SELECT bool_and(estimate = estimate AND abs(estimate) < 1e6) AS finite FROM learnerscore.model_coefficients('m40_sep');
-- collinear features without a penalty
SELECT learnerscore.train('bad', 'SELECT x1, 2 * x1 AS x1b, yreal FROM m40', 'yreal', ARRAY['x1', 'x1b'], 'linear');
\echo :LAST_ERROR_SQLSTATE
-- 10,000 features
SELECT learnerscore.train('bad', 'm40', 'y', (SELECT array_agg('f' || g) FROM generate_series(1, 10000) g), 'logistic');
\echo :LAST_ERROR_SQLSTATE
-- wrong feature count, NaN, missing jsonb key, unknown model
SELECT learnerscore.predict('m40_logit', ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict('m40_logit', ARRAY['NaN', 2, NULL]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict('m40_logit', '{"x1": 1, "c": "red"}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict('no such model', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
-- a corrupted model blob is detected (checksum), never decoded
SELECT learnerscore.train('m40_corrupt', 'm40', 'yreal', ARRAY['x1', 'x2'], 'linear') > 0 AS trained;
ALTER TABLE learnerscore.models DISABLE TRIGGER models_immutable;
UPDATE learnerscore.models SET model = overlay(model PLACING '\xdeadbeef'::bytea FROM 40) WHERE name = 'm40_corrupt';
ALTER TABLE learnerscore.models ENABLE TRIGGER models_immutable;
SELECT learnerscore.predict('m40_corrupt', ARRAY[1, 2]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('m40_corrupt');

-- training honours statement_timeout
SET statement_timeout = '500ms';
SELECT learnerscore.train('slow', 'SELECT g % 97 AS a, g % 89 AS b, (g % 3 = 0)::int AS y FROM generate_series(1, 200000) g',
                          'y', ARRAY['a', 'b'], 'xgboost', '{"num_round": 100000, "max_depth": 10}');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(*) AS no_slow_model FROM learnerscore.models WHERE name = 'slow';

SELECT learnerscore.drop_model(name) FROM learnerscore.models WHERE name LIKE 'm40%' ORDER BY name;
