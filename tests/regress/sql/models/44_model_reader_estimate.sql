-- The model reader sizes its buffers from the planner's row estimate. A stale,
-- absurdly large estimate (here 1.5e9 rows for a 300-row table) must not fail
-- or commit memory: the buffers then grow as the rows come, and the model is
-- the same as with a correct estimate.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CREATE TABLE m44 AS
SELECT g AS id, (g % 7)::float8 AS a, (g % 5)::float8 AS b, ((g * 7919) % 10 < 3 + g % 7)::int AS y
FROM generate_series(1, 300) g;
ANALYZE m44;
SELECT learnerscore.train('m44_ok', 'm44', 'y', ARRAY['a', 'b'], 'logistic') > 0 AS trained_with_true_estimate;
UPDATE pg_class SET reltuples = 1.5e9 WHERE oid = 'm44'::regclass;
SELECT learnerscore.train('m44_stale', 'm44', 'y', ARRAY['a', 'b'], 'logistic') > 0 AS trained_with_stale_estimate;
SELECT training_rows FROM learnerscore.models WHERE name IN ('m44_ok', 'm44_stale') ORDER BY name;
SELECT bool_and(abs(learnerscore.predict('m44_ok', ARRAY[a, b]) - learnerscore.predict('m44_stale', ARRAY[a, b])) < 1e-12)
       AS same_model FROM m44;
SELECT learnerscore.drop_model('m44_ok'), learnerscore.drop_model('m44_stale');
DROP TABLE m44;
