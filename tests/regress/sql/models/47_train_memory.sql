-- learnerscore.max_train_memory bounds the C++ buffers of training (memory
-- PostgreSQL's contexts do not see): past it, train() and cross_validate()
-- fail with 53200 naming the setting, before the buffers grow. Only a
-- superuser (or a role granted SET on it) may change it.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse

CREATE TABLE m47 AS
SELECT g AS id, (g % 7)::float8 AS a, (g % 5)::float8 AS b, (g % 11)::float8 AS c, (g % 13)::float8 AS d,
       (g % 3)::float8 AS e, ((g * 7919) % 10 < 3 + g % 7)::int AS y
FROM generate_series(1, 20000) g;
ANALYZE m47;

SET learnerscore.max_train_memory = '1MB';
SHOW learnerscore.max_train_memory;
-- 20000 rows x 5 features: the reader's buffers alone are ~1 MB, a fit more
SELECT learnerscore.train('m47_big', 'm47', 'y', ARRAY['a', 'b', 'c', 'd', 'e'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
-- a query source (no row estimate: the buffers grow as rows come) and XGBoost
SELECT learnerscore.train('m47_big', 'SELECT * FROM m47', 'y', ARRAY['a', 'b', 'c', 'd', 'e'], 'xgboost', '{"num_round": 2}');
\echo :LAST_ERROR_SQLSTATE
SELECT fold FROM learnerscore.cross_validate('m47', 'y', ARRAY['a', 'b', 'c', 'd', 'e'], 'linear', k => 2);
\echo :LAST_ERROR_SQLSTATE
-- a small source still trains under the same bound
SELECT learnerscore.train('m47_small', 'SELECT * FROM m47 WHERE id <= 500', 'y', ARRAY['a', 'b'], 'logistic') > 0 AS small_trains;
RESET learnerscore.max_train_memory;
SELECT learnerscore.train('m47_big', 'm47', 'y', ARRAY['a', 'b', 'c', 'd', 'e'], 'logistic') > 0 AS trains_by_default;
SELECT count(*) AS no_partial_model FROM learnerscore.models WHERE name = 'm47_big' AND training_rows <> 20000;

-- ordinary roles cannot raise (or lower) it
CREATE ROLE regress_m47_user;
SET ROLE regress_m47_user;
SET learnerscore.max_train_memory = '100GB';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_m47_user;

SELECT learnerscore.drop_model('m47_big'), learnerscore.drop_model('m47_small');
DROP TABLE m47;
