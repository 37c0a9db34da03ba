-- predict_columns(model, VARIADIC "any"): features as separate arguments.
-- Same values as predict() with an array or a row, NULLs included, for linear,
-- logistic and XGBoost models, with numeric and text features; clear errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE TABLE m43 AS
SELECT g AS id,
       CASE WHEN g % 11 = 0 THEN NULL ELSE (g % 7)::float8 END AS a,
       (g % 5)::int AS b,
       (g % 3 = 0) AS c,
       CASE g % 4 WHEN 0 THEN 'x' WHEN 1 THEN 'y' WHEN 2 THEN NULL ELSE 'z' END AS t,
       (3 * (g % 7) - 0.5 * (g % 5) + (g % 3))::float8 AS yreal,
       ((g * 7919) % 10 < 4 + (g % 7) / 2)::int AS ybin
FROM generate_series(1, 400) g;
SELECT learnerscore.train('m43_lin', 'm43', 'yreal', ARRAY['a', 'b', 'c'], 'linear') > 0 AS lin,
       learnerscore.train('m43_log', 'm43', 'ybin', ARRAY['a', 'b', 'c'], 'logistic') > 0 AS log,
       learnerscore.train('m43_xgb', 'm43', 'ybin', ARRAY['a', 'b', 'c'], 'xgboost', '{"num_round": 5}') > 0 AS xgb,
       learnerscore.train('m43_txt', 'm43', 'yreal', ARRAY['a', 't'], 'linear') > 0 AS txt;
-- every row, every model: the same score as the array / row forms
SELECT m,
       count(*) AS rows,
       count(*) FILTER (WHERE s_cols IS DISTINCT FROM s_ref) AS differ,
       count(*) FILTER (WHERE a IS NULL) AS with_null_feature
FROM (
  SELECT 'm43_lin' AS m, a, learnerscore.predict_columns('m43_lin', a, b, c) AS s_cols,
         learnerscore.predict('m43_lin', ARRAY[a, b, c::int]) AS s_ref FROM m43
  UNION ALL
  SELECT 'm43_log', a, learnerscore.predict_columns('m43_log', a, b, c),
         learnerscore.predict('m43_log', ARRAY[a, b, c::int]) FROM m43
  UNION ALL
  SELECT 'm43_xgb', a, learnerscore.predict_columns('m43_xgb', a, b, c),
         learnerscore.predict('m43_xgb', ARRAY[a, b, c::int]) FROM m43
  UNION ALL
  SELECT 'm43_txt', a, learnerscore.predict_columns('m43_txt', a, t),
         learnerscore.predict('m43_txt', m43) FROM m43
) q GROUP BY m ORDER BY m;
-- by id, with literals of several types
SELECT abs(learnerscore.predict_columns((SELECT id FROM learnerscore.models WHERE name = 'm43_lin'), 2.5::numeric, 3::smallint, true)
           - learnerscore.predict('m43_lin', ARRAY[2.5, 3, 1]::float8[])) < 1e-12 AS by_id_matches;
SELECT learnerscore.predict_columns(NULL::text, 1, 2, 3) IS NULL AS null_model_gives_null;
-- a text feature as an untyped literal, as text and as name: same score as jsonb
SELECT learnerscore.predict_columns('m43_txt', 2, 'x') = learnerscore.predict('m43_txt', '{"a": 2, "t": "x"}'::jsonb) AS literal_text,
       learnerscore.predict_columns('m43_txt', 2, 'x'::text) = learnerscore.predict('m43_txt', '{"a": 2, "t": "x"}'::jsonb) AS typed_text,
       learnerscore.predict_columns('m43_txt', 2, 'x'::name) = learnerscore.predict('m43_txt', '{"a": 2, "t": "x"}'::jsonb) AS name_text,
       learnerscore.predict_columns('m43_txt', 2, NULL) = learnerscore.predict('m43_txt', '{"a": 2, "t": null}'::jsonb) AS null_text;
-- errors
SELECT learnerscore.predict_columns('m43_lin', 1, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin', 1, 'two', 3);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin', 1, 2, now());
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin', 1, 'two'::text, 3);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin', VARIADIC ARRAY[1, 2, 3]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('m43_lin', 'NaN'::float8, 2, 3);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict_columns('no_such_model', 1, 2, 3);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model(n) FROM unnest(ARRAY['m43_lin', 'm43_log', 'm43_xgb', 'm43_txt']) n;
DROP TABLE m43;
