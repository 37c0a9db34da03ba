-- ate_from_table's two ways to run ipw and aipw (docs/causal, issue 12): memory (the rows
-- read once into a buffer) and passes (one parallel aggregate query per pass, no rows
-- kept) give the same answer to 1e-9; the passes run as Partial Aggregate under Gather;
-- a non-superuser runs them; malformed pass params are errors, not crashes.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
RESET client_min_messages;
-- deterministic data: a confounded treatment, a constant and a large-scale covariate, some NULLs
CREATE TABLE pp_rows AS
SELECT i, x1, x2, x3, 7.0::float8 AS x4, 1e4 + 500 * sin(i * 0.7) AS x5,
       (sin(i * 12.9898) * 43758.5453 - floor(sin(i * 12.9898) * 43758.5453)) < 1 / (1 + exp(-(0.8 * x1 - 0.5 * x2))) AS t,
       1 + x1 - 0.5 * x2 + 0.3 * x3 + 0.002 * (1e4 + 500 * sin(i * 0.7)) + cos(i * 1.3) AS y0
  FROM (SELECT i, 2 * sin(i * 0.37) AS x1, cos(i * 0.11) + (i % 7) / 3.0 AS x2, (i % 3)::float8 AS x3
          FROM generate_series(1, 20000) i) s;
UPDATE pp_rows SET y0 = y0 + 2 WHERE t;
UPDATE pp_rows SET x2 = NULL WHERE i % 997 = 0;
UPDATE pp_rows SET y0 = NULL WHERE i % 1009 = 0;
ANALYZE pp_rows;
CREATE FUNCTION pp_compare(m text, trim_level float8) RETURNS TABLE (method text, same boolean, n_treated bigint, n_control bigint)
LANGUAGE plpgsql AS $$
DECLARE a learnerscore.effect; b learnerscore.effect;
BEGIN
    SET LOCAL learnerscore.table_estimator = memory;
    a := learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], m, trim_level);
    SET LOCAL learnerscore.table_estimator = passes;
    b := learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], m, trim_level);
    RETURN QUERY SELECT b.method, abs(a.estimate - b.estimate) < 1e-9 * greatest(1, abs(a.estimate))
                        AND abs(a.std_error - b.std_error) < 1e-9 * greatest(1e-3, a.std_error)
                        AND abs(a.ci_low - b.ci_low) < 1e-9 * greatest(1, abs(a.ci_low)),
                        b.n_treated, b.n_control;
END $$;
SELECT c.* FROM (VALUES ('ipw', 0.0::float8), ('aipw', 0.0), ('ipw', 0.05), ('aipw', 0.05)) v(m, tr), pp_compare(v.m, v.tr) c;
-- balance and overlap as passes equal the aggregates
WITH p AS (SELECT (unnest(learnerscore.balance_from_table('pp_rows', 't', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], tr))).*, tr
             FROM (VALUES (0.0::float8), (0.05)) v(tr)),
     a AS (SELECT (unnest(learnerscore.balance(t, ARRAY[x1, x2, x3, x4, x5], tr))).*, tr
             FROM pp_rows, (VALUES (0.0::float8), (0.05)) v(tr) GROUP BY tr)
SELECT p.tr AS trim_level, count(*) AS covariates,
       bool_and(abs(p.smd_before - a.smd_before) < 1e-9 AND abs(p.mean_treated - a.mean_treated) < 1e-9
                AND abs(p.mean_control_weighted - a.mean_control_weighted) < 1e-9
                AND abs(p.smd_after - a.smd_after) < 1e-9) AS same
  FROM p JOIN a USING (tr, covariate) GROUP BY p.tr ORDER BY 1;
SELECT abs(p.min_treated - a.min_treated) < 1e-9 AND abs(p.max_control - a.max_control) < 1e-9
       AND abs(p.share_extreme - a.share_extreme) < 1e-12 AND abs(p.ess_treated - a.ess_treated) < 1e-9 * a.ess_treated
       AND abs(p.ess_control - a.ess_control) < 1e-9 * a.ess_control AND p.n_treated = a.n_treated AND p.converged AS same_overlap
  FROM learnerscore.overlap_from_table('pp_rows', 't', ARRAY['x1', 'x2', 'x3', 'x5']) p,
       (SELECT learnerscore.propensity_overlap(t, ARRAY[x1, x2, x3, x5]) o FROM pp_rows) s, LATERAL (SELECT (s.o).*) a;
SELECT learnerscore.balance_from_table('pp_rows', 't', ARRAY['x1'], 0.7);
SELECT learnerscore.balance_from_table('pp_rows', 't', ARRAY['no_such_column']);
-- bad inputs of the pass functions: NULL arguments (STRICT: NULL), a NULL covariate name, NaN rows,
-- a column that is not a number, an unknown method (with the SQLSTATE)
\set VERBOSITY sqlstate
SELECT learnerscore.balance_from_table('pp_rows', NULL, ARRAY['x1']) IS NULL AS null_treatment;
SELECT learnerscore.overlap_from_table('pp_rows', 't', NULL) IS NULL AS null_covariates;
SELECT learnerscore.balance_from_table('pp_rows', 't', ARRAY['x1', NULL]);
SELECT learnerscore.overlap_from_table('pp_rows', 't', ARRAY[NULL]::text[]);
CREATE TEMP VIEW pp_nan AS SELECT y0, t, CASE WHEN i = 5 THEN 'NaN'::float8 ELSE x1 END AS x1, 'a'::text AS label FROM pp_rows;
SET learnerscore.table_estimator = passes;
SELECT learnerscore.ate_from_table('pp_nan', 'y0', 't', ARRAY['x1'], 'aipw');
SELECT learnerscore.balance_from_table('pp_nan', 't', ARRAY['x1']);
SELECT learnerscore.ate_from_table('pp_nan', 'y0', 't', ARRAY['label'], 'ipw');
SELECT learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1'], 'ipw', 0.6);
SELECT learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1'], 'matching');
SELECT learnerscore.ate_from_table('pp_rows', 'y0', 't', '{}', 'ipw') IS NOT NULL AS no_covariates_ok;
RESET learnerscore.table_estimator;
DROP VIEW pp_nan;
\set VERBOSITY default
-- the estimate is the planted effect (2) within its interval
SET learnerscore.table_estimator = passes;
SELECT method, ci_low < 2 AND 2 < ci_high AS covers_planted
  FROM learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], 'aipw');
-- no rows: NULL with a WARNING, as in memory
CREATE VIEW pp_empty AS SELECT * FROM pp_rows WHERE false;
SELECT learnerscore.ate_from_table('pp_empty', 'y0', 't', ARRAY['x1'], 'ipw') IS NULL AS no_rows_null;
SELECT learnerscore.balance_from_table('pp_empty', 't', ARRAY['x1']) IS NULL AS no_rows_null;
SELECT (learnerscore.overlap_from_table('pp_empty', 't', ARRAY['x1'])).n_treated;
-- every pass is a parallel aggregate: Partial Aggregate under Gather
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF)
SELECT learnerscore.propensity_pass('{1,5,1,0,0}', y0, t, ARRAY[x1, x2, x3, x4, x5]) FROM pp_rows;
SELECT learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1', 'x2', 'x3', 'x4', 'x5'], 'ipw') IS NOT NULL AS parallel_passes_run;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
-- a non-superuser (PUBLIC may call ate_from_table and the pass aggregate; the support functions are internal)
CREATE ROLE pp_user LOGIN;
GRANT SELECT ON pp_rows TO pp_user;
SET ROLE pp_user;
SET learnerscore.table_estimator = passes;
SELECT method, n_treated + n_control AS rows_used
  FROM learnerscore.ate_from_table('pp_rows', 'y0', 't', ARRAY['x1', 'x2'], 'aipw');
SELECT count(*) AS covariates, bool_and(smd_after IS NOT NULL) AS weighted
  FROM unnest(learnerscore.balance_from_table('pp_rows', 't', ARRAY['x1', 'x2'])) b;
SELECT n_treated + n_control AS rows_used, converged FROM learnerscore.overlap_from_table('pp_rows', 't', ARRAY['x1', 'x2']);
SELECT learnerscore._propensity_pass_trans('{}', '{1,0,1,0,0}', 1, true, '{}');
-- what the role may not read stays unread: 42501 from the pass query
RESET ROLE;
CREATE TABLE pp_secret AS SELECT * FROM pp_rows;
SET ROLE pp_user;
\set VERBOSITY sqlstate
SELECT learnerscore.ate_from_table('pp_secret', 'y0', 't', ARRAY['x1'], 'ipw');
SELECT learnerscore.balance_from_table('pp_secret', 't', ARRAY['x1']);
SELECT learnerscore.overlap_from_table('pp_secret', 't', ARRAY['x1']);
\set VERBOSITY default
RESET ROLE;
DROP TABLE pp_secret;
-- malformed params and states: errors (22P03, as every forged state: security/52_hostile_states), never a crash
\set VERBOSITY terse
SELECT learnerscore.propensity_pass('{9,1,1,0,0}', y0, t, ARRAY[x1]) FROM pp_rows;
SELECT learnerscore.propensity_pass('{1,1e12,1,0,0}', y0, t, ARRAY[x1]) FROM pp_rows;
SELECT learnerscore.propensity_pass('{2,1,2,0,0,5,0,1,0,0}', y0, t, ARRAY[x1]) FROM pp_rows;
SELECT learnerscore.propensity_pass('{1,2,1,0,0}', y0, t, ARRAY[x1]) FROM pp_rows;
SELECT learnerscore._propensity_pass_combine('{5,1,1,1,0,0,1,2,3,4}', '{5,1,1,1,0,0,1,2,3,4}') AS two_scale_states_merge;
SELECT learnerscore._propensity_pass_combine('{5,1,1,1,0,0,1,2,3,4}', '{5,1,1,1,0,0,1,2,3}');
SELECT learnerscore._propensity_pass_combine('{5,1,1,1,0,0,1,2,3,4}', '{5,1,2,1,0,0,1,2,3,4,5,6}');
SELECT learnerscore._propensity_pass_combine('{5,1,1,1,0,0,1,2,3,4}', '{5,1,1,1,0.1,0,1,2,3,4}');
SELECT learnerscore._propensity_pass_combine('{1e300}', '{5,1,1,1,0,0,1,2,3,4}');
SELECT learnerscore._propensity_pass_combine('{{5,1},{1,1}}', '{5,1,1,1,0,0,1,2,3,4}');
SELECT learnerscore._propensity_pass_trans('{1,2,3}', '{1,0,1,0,0}', 1, true, '{}');
\set VERBOSITY default
SET learnerscore.table_estimator = 'sometimes';
RESET learnerscore.table_estimator;
DROP VIEW pp_empty;
DROP FUNCTION pp_compare(text, float8);
RESET learnerscore.table_estimator;
DROP TABLE pp_rows;
DROP ROLE pp_user;
