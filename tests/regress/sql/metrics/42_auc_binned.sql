-- auc_binned: a fixed-size, mergeable AUC state (parallel workers, Citus shards)
-- next to the exact auc(); |auc_binned - auc| <= auc_binned_error, on scores
-- spread over (0, 1), crowded near 0 and 1 (at-risk lists), and with ties.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
CREATE TABLE ab AS
SELECT i, (sin(i * 12.9898) * 43758.5453 - floor(sin(i * 12.9898) * 43758.5453)) AS u FROM generate_series(1, 60000) i;
ALTER TABLE ab ADD COLUMN spread float8, ADD COLUMN crowded float8, ADD COLUMN tied float8, ADD COLUMN y float8;
UPDATE ab SET y = (u < 0.3 + 0.4 * ((i % 7) / 6.0))::int,
              spread = 1 / (1 + exp(-(2 * u - 1) * 3 - (i % 7) / 3.0)),
              crowded = 1 / (1 + exp(-(5 + 3 * u + (i % 7) / 2.0))),      -- every score above 0.993
              tied = round(u::numeric, 2)::float8;                        -- 101 distinct scores
SELECT s.name,
       abs(e.auc_exact - b.auc_b) <= b.bound + 1e-15 AS within_its_bound,
       b.bound < 1e-3 AS bound_below_1e3
FROM (VALUES ('spread'), ('crowded'), ('tied')) s(name)
CROSS JOIN LATERAL (SELECT CASE s.name WHEN 'spread' THEN learnerscore.auc(spread, y) WHEN 'crowded' THEN learnerscore.auc(crowded, y)
                                       ELSE learnerscore.auc(tied, y) END AS auc_exact FROM ab) e
CROSS JOIN LATERAL (SELECT CASE s.name WHEN 'spread' THEN learnerscore.auc_binned(spread, y) WHEN 'crowded' THEN learnerscore.auc_binned(crowded, y)
                                       ELSE learnerscore.auc_binned(tied, y) END AS auc_b,
                           CASE s.name WHEN 'spread' THEN learnerscore.auc_binned_error(spread, y) WHEN 'crowded' THEN learnerscore.auc_binned_error(crowded, y)
                                       ELSE learnerscore.auc_binned_error(tied, y) END AS bound FROM ab) b
ORDER BY 1;
-- ties are exact: scores with few distinct values in separate bins give the exact AUC
SELECT learnerscore.auc_binned(tied, y) = learnerscore.auc(tied, y) AS tied_exact FROM ab;
-- the state merges: under parallel query (Partial Aggregate under Gather) the same value
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT learnerscore.auc_binned(spread, y) FROM ab;
SELECT learnerscore.auc_binned(spread, y) AS parallel_value FROM ab \gset
RESET max_parallel_workers_per_gather;
SET max_parallel_workers_per_gather = 0;
SELECT learnerscore.auc_binned(spread, y) = :parallel_value AS same_serial_and_parallel FROM ab;
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
-- grouped: an empty group is NULL, one class is NULL, NULL rows are ignored
SELECT learnerscore.auc_binned(s, y) FROM (VALUES (0.2, 1.0), (0.1, 1.0)) t(s, y);
SELECT learnerscore.auc_binned(s, y) FROM (VALUES (0.2, 1.0)) t(s, y) WHERE false;
SELECT learnerscore.auc_binned(s, y), learnerscore.auc(s, y)
FROM (VALUES (0.9, 1.0), (0.1, 0.0), (NULL, 1.0), (0.5, NULL), (0.0, 0.0), (1.0, 1.0)) t(s, y);
-- bad input: 22023
SELECT learnerscore.auc_binned(s, y) FROM (VALUES (1.5, 1.0)) t(s, y);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.auc_binned(s, y) FROM (VALUES (0.5, 2.0)) t(s, y);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.auc_binned(s, y) FROM (VALUES ('NaN'::float8, 1.0)) t(s, y);
\echo :LAST_ERROR_SQLSTATE
-- hostile states handed to the support functions: 22P03, never a crash (as superuser; others may not call them)
SELECT learnerscore._metric_final('{7,1}'::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_final(array_fill(0::float8, ARRAY[8194]) || '{}'::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_final(ARRAY[7, 1] || array_fill(0::float8, ARRAY[8191]));
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_final(ARRAY[7, 1, -1, 2] || array_fill(0::float8, ARRAY[8190]));
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_combine('{7,0}', ARRAY[8, 0]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_combine('{7,0}', ARRAY[7, 1] || array_fill(0::float8, ARRAY[8192]));
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_accum('{7,5}', 0.5, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT array_length(learnerscore._metric_accum('{7,0}', 0.5, 1), 1) AS first_row_makes_the_full_state;
DROP TABLE ab;
