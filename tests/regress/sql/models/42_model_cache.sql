-- The per-backend model cache: after a model is dropped and a model of the same
-- name is trained with its features in another order, scoring a row in the
-- same session must use the new model's feature order (no stale column map).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CREATE TABLE m42 AS
SELECT g AS id, (g % 7)::float8 AS a, (g % 5)::float8 AS b, (3 * (g % 7) - 0.5 * (g % 5) + (g % 3))::float8 AS y
FROM generate_series(1, 200) g;
SELECT learnerscore.train('m42', 'm42', 'y', ARRAY['a', 'b'], 'linear') > 0 AS trained;
-- scoring a row caches the row type's column map for this model
SELECT bool_and(abs(learnerscore.predict('m42', m42) - learnerscore.predict('m42', ARRAY[a, b])) < 1e-9) AS row_matches_array
FROM m42;
SELECT learnerscore.drop_model('m42') AS dropped;
SELECT learnerscore.train('m42', 'm42', 'y', ARRAY['b', 'a'], 'linear') > 0 AS retrained;
SELECT bool_and(abs(learnerscore.predict('m42', m42) - learnerscore.predict('m42', ARRAY[b, a])) < 1e-9) AS row_uses_new_order,
       bool_or(abs(learnerscore.predict('m42', ARRAY[a, b]) - learnerscore.predict('m42', ARRAY[b, a])) > 1e-3) AS order_matters
FROM m42;
SELECT learnerscore.drop_model('m42') AS dropped;
DROP TABLE m42;
