-- The row-keeping aggregates (ate_ipw, att_ipw, ate_aipw, att_aipw, balance,
-- propensity_overlap, ate_refute) hold every row in memory; each growth of
-- the row buffer checks the bytes it would hold against
-- learnerscore.max_train_memory (53200 naming the setting past it).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
CREATE TABLE m53 AS
SELECT i, sin(0.37 * i) AS x1, cos(0.11 * i) AS x2, (i % 3 = 0) AS t, i % 17 + sin(i) AS y
FROM generate_series(1, 50000) i;  -- 50000 rows x 4 doubles = 1.6 MB of row data
ANALYZE m53;
SET learnerscore.max_train_memory = '1MB';
SELECT learnerscore.ate_ipw(y, t, ARRAY[x1, x2]) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_aipw(y, t, ARRAY[x1, x2], 0.01) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.balance(t, ARRAY[x1, x2]) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.propensity_overlap(t, ARRAY[x1, x2]) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_refute(y, t, ARRAY[x1, x2], 'ipw', 1) FROM m53;
\echo :LAST_ERROR_SQLSTATE
-- the uplift metrics keep 24 bytes a row: 1.2 MB here
SELECT learnerscore.qini_coefficient(x1, t, (y > 8)::int::float8) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.uplift_at_k(x1, t, y, 0.5) FROM m53;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.uplift_auc(x1, t, (y > 8)::int::float8) FROM m53 WHERE i <= 20000;  -- 480 kB: within the bound
-- a parallel plan too: the workers' buffers and the leader's combine of
-- their partial states are bounded alike
SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT learnerscore.ate_ipw(y, t, ARRAY[x1, x2]) FROM m53;
SELECT learnerscore.ate_ipw(y, t, ARRAY[x1, x2]) FROM m53;
\echo :LAST_ERROR_SQLSTATE
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
-- the combine order of a parallel plan, made deterministic: partial states of
-- 26480, 2400 and 21120 rows (each under the bound) merged in that order; a
-- capacity doubled past the bound must not take the last one unchecked
CREATE AGGREGATE pg_temp.rows_partial(float8, boolean, float8[]) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '');
CREATE AGGREGATE pg_temp.rows_merged_ipw(bytea) (
    SFUNC = learnerscore._rows_combine, STYPE = bytea, INITCOND = '', FINALFUNC = learnerscore._ipw_final);
SELECT pg_temp.rows_merged_ipw(s ORDER BY part) FROM (
    SELECT 1 AS part, pg_temp.rows_partial(y, t, ARRAY[x1, x2]) AS s FROM m53 WHERE i <= 26480
    UNION ALL SELECT 2, pg_temp.rows_partial(y, t, ARRAY[x1, x2]) FROM m53 WHERE i > 26480 AND i <= 28880
    UNION ALL SELECT 3, pg_temp.rows_partial(y, t, ARRAY[x1, x2]) FROM m53 WHERE i > 28880) q;
\echo :LAST_ERROR_SQLSTATE
-- the exact AUC keeps every (score, label) pair: 100000 pairs x 16 bytes
SELECT learnerscore.auc(x1, (i % 2)::float8) FROM m53, (VALUES (1), (2)) v(c);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.auc(x1, (i % 2)::float8) > 0 AS auc_below_the_bound FROM m53 WHERE i <= 20000;
-- below the bound the same aggregate answers
SELECT (learnerscore.ate_ipw(y, t, ARRAY[x1, x2])).n_treated FROM m53 WHERE i <= 20000;
RESET learnerscore.max_train_memory;
SELECT (learnerscore.ate_ipw(y, t, ARRAY[x1, x2])).n_treated FROM m53;
-- only a superuser (or a role granted SET on it) may change the bound
CREATE ROLE ls53_user;
SET ROLE ls53_user;
SET learnerscore.max_train_memory = '100GB';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE ls53_user;
DROP TABLE m53;
