-- Metric aggregates: hand-computed values, NULL handling, bad input, and
-- parallel plans (Partial Aggregate) giving the serial result.
SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
\set SHOW_CONTEXT never
SET extra_float_digits = 0;

CREATE TEMP TABLE m41 (score float8, label float8);
INSERT INTO m41 VALUES (0.1, 0), (0.4, 0), (0.35, 1), (0.8, 1), (NULL, 1), (0.5, NULL);
-- AUC 0.75 (3 of 4 pairs ordered), log loss, Brier, ECE, accuracy at 0.5 and 0.3
SELECT learnerscore.auc(score, label) AS auc,
       round(learnerscore.log_loss(score, label)::numeric, 12) AS log_loss,
       round(((-ln(0.9) - ln(0.6) - ln(0.35) - ln(0.8)) / 4)::numeric, 12) AS log_loss_by_hand,
       round(learnerscore.brier(score, label)::numeric, 12) AS brier,       -- (0.01+0.16+0.4225+0.04)/4
       round(learnerscore.calibration_error(score, label)::numeric, 12) AS ece,  -- (0.1+0.4+0.65+0.2)/4
       learnerscore.accuracy(score, label) AS acc,
       learnerscore.accuracy(score, label, 0.3) AS acc_03
FROM m41;
-- ties count one half
SELECT learnerscore.auc(s, l) AS tied_auc FROM (VALUES (0.5, 0), (0.5, 1), (0.5, 0), (0.9, 1)) v(s, l);
-- regression metrics: errors 0.7, 0.6, 0.9, 0.8
SELECT round(learnerscore.mae(p, y)::numeric, 12) AS mae, round(learnerscore.rmse(p, y)::numeric, 12) AS rmse,
       round(sqrt(2.3 / 4)::numeric, 12) AS rmse_by_hand
FROM (VALUES (2.7, 2), (3.4, 4), (4.1, 5), (4.8, 4)) v(p, y);
-- no rows, one class: NULL
SELECT learnerscore.auc(score, label) IS NULL AS auc_null, learnerscore.mae(score, label) IS NULL AS mae_null
FROM m41 WHERE false;
SELECT learnerscore.auc(score, label) IS NULL AS one_class_auc_null FROM m41 WHERE label = 1;
-- GROUP BY works per group
SELECT g, learnerscore.auc(s, l) FROM (VALUES (1, 0.2, 0), (1, 0.7, 1), (2, 0.9, 0), (2, 0.1, 1)) v(g, s, l) GROUP BY g ORDER BY g;
-- bad input
SELECT learnerscore.log_loss(1.5, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.auc(0.5, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.brier('NaN', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.auc('NaN', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.mae('Infinity', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._metric_final('{9,1,2,3}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._auc_final('\x0102');
\echo :LAST_ERROR_SQLSTATE

-- parallel plans: Partial Aggregate under Gather, same results as serial
CREATE TABLE m41_big AS
SELECT g AS id, ((g * 7919) % 10007) / 10007.0 AS score,
       (((g * 7919) % 10007) / 10007.0 + ((g * 104729) % 1009) / 1009.0 > 1.0)::int::float8 AS label
FROM generate_series(1::bigint, 200000) g;
ANALYZE m41_big;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF)
SELECT learnerscore.auc(score, label), learnerscore.log_loss(score, label), learnerscore.brier(score, label),
       learnerscore.calibration_error(score, label), learnerscore.accuracy(score, label),
       learnerscore.mae(score, label), learnerscore.rmse(score, label)
FROM m41_big;
SELECT learnerscore.auc(score, label) a, learnerscore.log_loss(score, label) ll, learnerscore.brier(score, label) b,
       learnerscore.calibration_error(score, label) e, learnerscore.accuracy(score, label) acc,
       learnerscore.mae(score, label) mae, learnerscore.rmse(score, label) rmse
FROM m41_big \gset par_
SET max_parallel_workers_per_gather = 0;
SELECT abs(:par_a - s.a) < 1e-12 AS auc_same, abs(:par_ll - s.ll) < 1e-12 AS log_loss_same,
       abs(:par_b - s.b) < 1e-12 AS brier_same, abs(:par_e - s.e) < 1e-12 AS ece_same, :par_acc = s.acc AS acc_same,
       abs(:par_mae - s.mae) < 1e-12 AS mae_same, abs(:par_rmse - s.rmse) < 1e-12 AS rmse_same, s.a > 0.8 AS informative
FROM
     (SELECT learnerscore.auc(score, label) a, learnerscore.log_loss(score, label) ll, learnerscore.brier(score, label) b,
             learnerscore.calibration_error(score, label) e, learnerscore.accuracy(score, label) acc,
             learnerscore.mae(score, label) mae, learnerscore.rmse(score, label) rmse FROM m41_big) s;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
DROP TABLE m41_big;
