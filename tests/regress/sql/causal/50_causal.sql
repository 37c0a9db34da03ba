SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; RESET client_min_messages;
-- Causal aggregates against statsmodels on the deterministic data set of
-- tests/ref/causal_reference.py (same formulas), to 1e-8.
\set SHOW_CONTEXT never
CREATE TEMP TABLE cdata AS
SELECT i, 2 * sin(0.37 * i) AS x1, cos(0.11 * i) + (i % 7) / 3.0 AS x2,
       ((i * 7919) % 13 < 6)::int::float8 AS z
FROM generate_series(0, 199) i;
ALTER TABLE cdata ADD t float8, ADD d float8, ADD y float8;
UPDATE cdata SET t = ((z > 0) OR ((i * 31) % 11 < 3 + 3 * (x1 > 0)::int))::int;
UPDATE cdata SET d = 0.5 * z + 0.3 * x1 + sin(1.7 * i), y = 1 + 2 * t + x1 - 0.5 * x2 + 1.5 * sin(1.3 * i);
CREATE FUNCTION pg_temp.close(a float8, b float8, tol float8 DEFAULT 1e-8) RETURNS boolean
  LANGUAGE sql AS $$ SELECT abs(a - b) <= tol * greatest(1, abs(b)) $$;

SELECT pg_temp.close(e.estimate, 2.38510538497024) AS diff_est, pg_temp.close(e.std_error, 0.272616631031647) AS diff_se,
       e.n_treated, e.n_control, e.method
FROM (SELECT (learnerscore.ate_diff(y, t = 1)).* FROM cdata) e;
-- statsmodels OLS(y, [1, t, x1, x2]).fit(): coefficient, classical SE, CI, p
SELECT pg_temp.close(e.estimate, 1.90670207319684) AS est, pg_temp.close(e.std_error, 0.167032457371534) AS se,
       pg_temp.close(e.ci_low, 1.57729047865935) AS ci_low, pg_temp.close(e.p_value, 1.80803527015993e-23, 1e-30) AS p,
       e.method
FROM (SELECT (learnerscore.ate_regression(y, t = 1, ARRAY[x1, x2])).* FROM cdata) e;
-- statsmodels IV2SLS: d endogenous, z excluded instrument, x1, x2 exogenous
SELECT pg_temp.close(e.estimate, 2.13614634845132) AS est, pg_temp.close(e.std_error, 0.550636285029433) AS se,
       e.n_treated IS NULL AS continuous, e.method
FROM (SELECT (learnerscore.ate_iv(y, d, z, ARRAY[x1, x2])).* FROM cdata) e;
SELECT pg_temp.close(e.estimate, 2.18036492382662) AS wald, pg_temp.close(e.std_error, 0.59804505182497) AS se, e.method
FROM (SELECT (learnerscore.ate_iv(y, d, z)).* FROM cdata) e;
SELECT pg_temp.close(learnerscore.first_stage_f(d, z, ARRAY[x1, x2]), 26.5611531887188) AS first_stage_f FROM cdata;
-- IPW / AIPW against the python reference (statsmodels Logit + numerical-Jacobian sandwich)
SELECT pg_temp.close(e.estimate, 1.91754006542981) AS ipw, pg_temp.close(e.std_error, 0.165928838537797, 1e-6) AS se
FROM (SELECT (learnerscore.ate_ipw(y, t = 1, ARRAY[x1, x2])).* FROM cdata) e;
SELECT pg_temp.close(e.estimate, 1.92605744857256) AS att_ipw, pg_temp.close(e.std_error, 0.171752347568079, 1e-6) AS se
FROM (SELECT (learnerscore.att_ipw(y, t = 1, ARRAY[x1, x2])).* FROM cdata) e;
SELECT pg_temp.close(e.estimate, 1.92800947432679) AS aipw, pg_temp.close(e.std_error, 0.164976254516486) AS se
FROM (SELECT (learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2])).* FROM cdata) e;
SELECT pg_temp.close(e.estimate, 1.94433057375123) AS att_aipw, pg_temp.close(e.std_error, 0.168106887063745) AS se
FROM (SELECT (learnerscore.att_aipw(y, t = 1, ARRAY[x1, x2])).* FROM cdata) e;
-- the column-reading function gives the same numbers as the aggregates
SELECT m, pg_temp.close((learnerscore.ate_from_table('cdata', 'y', 't', '{x1,x2}', m)).estimate,
        CASE m WHEN 'diff' THEN 2.38510538497024 WHEN 'regression' THEN 1.90670207319684
               WHEN 'ipw' THEN 1.91754006542981 ELSE 1.92800947432679 END) AS same
FROM unnest(ARRAY['diff', 'regression', 'ipw', 'aipw']) m;

-- diagnostics
SELECT covariate, round(smd_before::numeric, 3) AS smd_before, abs(smd_after) < abs(smd_before) AS improved
FROM (SELECT unnest(learnerscore.balance(t = 1, ARRAY[x1, x2])) b FROM cdata) s, LATERAL (SELECT (b).*) r;
SELECT round(min_treated::numeric, 3) AS min_t, round(max_control::numeric, 3) AS max_c, share_extreme, converged
FROM (SELECT (learnerscore.propensity_overlap(t = 1, ARRAY[x1, x2])).* FROM cdata) o;
SELECT test, passed FROM (SELECT unnest(learnerscore.ate_refute(y, t = 1, ARRAY[x1, x2], 'aipw', 42)) r FROM cdata) s,
  LATERAL (SELECT (r).*) x;
-- Welch test = scipy.stats.ttest_ind(equal_var=False); a one-pass Poisson bootstrap
SELECT round(t_stat::numeric, 6) AS t, round(df::numeric, 4) AS df, n_a, n_b FROM (SELECT (learnerscore.welch_test(y, t = 1)).* FROM cdata) w;
SELECT e.ci_low < 2.385 AND e.ci_high > 2.385 AS covers, abs(e.std_error / 0.2726 - 1) < 0.2 AS se_close, e.method
FROM (SELECT (learnerscore.ate_diff_bootstrap(y, t = 1, 200, 7)).* FROM cdata) e;
SELECT round(variance_reduction::numeric, 6) AS vr FROM (SELECT (learnerscore.cuped(y, x1)).* FROM cdata) c;

-- GROUP BY and parallel plans
SELECT i % 2 AS half, (learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2])).n_treated FROM cdata GROUP BY 1 ORDER BY 1;
CREATE TABLE causal_big AS SELECT * FROM cdata, generate_series(1, 50) r;
ANALYZE causal_big;
SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2]) FROM causal_big;
EXPLAIN (COSTS OFF) SELECT learnerscore.ate_regression(y, t = 1, ARRAY[x1, x2]) FROM causal_big;
-- parallel result = serial result (replicated rows: same estimates)
SELECT pg_temp.close((learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2])).estimate, 1.92800947432679, 1e-9) AS aipw_par,
       pg_temp.close((learnerscore.ate_regression(y, t = 1, ARRAY[x1, x2])).estimate, 1.90670207319684, 1e-9) AS reg_par,
       pg_temp.close((learnerscore.ate_iv(y, d, z, ARRAY[x1, x2])).estimate, 2.13614634845132, 1e-9) AS iv_par
FROM causal_big;
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
DROP TABLE causal_big;
-- the in-aggregate (expanded) state: hashed GROUP BY, window frames, and the
-- flat bytea form outside an aggregate (direct calls, 8-double header + rows)
SET enable_sort = off;
SELECT i % 2 AS half, (learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2])).n_treated FROM cdata GROUP BY 1 ORDER BY 1;
RESET enable_sort;
SELECT DISTINCT pg_temp.close((learnerscore.ate_aipw(y, t = 1, ARRAY[x1, x2]) OVER ()).estimate, 1.92800947432679) AS window_same
FROM cdata;
SET client_min_messages = error;  -- the first frames have no control rows (warnings)
SELECT i, (learnerscore.ate_diff(y, t = 1) OVER w).n_treated AS diff_n,
       (learnerscore.propensity_overlap(t = 1, ARRAY[x1]) OVER w).n_treated AS rows_n
FROM cdata WINDOW w AS (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ORDER BY i LIMIT 3 OFFSET 5;
RESET client_min_messages;
SELECT octet_length(s) AS flat_bytes, learnerscore._aipw_final(s) IS NULL AS too_few_rows
FROM (SELECT learnerscore._rows_combine(learnerscore._rows_trans(learnerscore._rows_trans('', 1.0, true, ARRAY[1.0]),
                                                                 3.0, true, ARRAY[3.0]),
                                        learnerscore._rows_trans('', 2.0, false, ARRAY[2.0])) s) x;
SELECT learnerscore._rows_combine(learnerscore._rows_trans('', 1.0, true, ARRAY[1.0]),
                                  learnerscore._rows_trans('', 2.0, false, ARRAY[2.0, 3.0]));
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore._aipw_final('\x0102'::bytea);
\echo :LAST_ERROR_SQLSTATE
-- ate_from_table skips rows with a NULL, rejects NaN
CREATE TEMP VIEW cdata_holes AS
SELECT y, t, CASE WHEN i % 10 = 0 THEN NULL ELSE x1 END AS x1, x2, CASE WHEN i = 7 THEN 'NaN'::float8 ELSE x2 END AS x2nan
FROM cdata;
SELECT e.n_treated + e.n_control AS rows_used FROM learnerscore.ate_from_table('cdata_holes', 'y', 't', '{x1,x2}') e;
SELECT learnerscore.ate_from_table('cdata_holes', 'y', 't', '{x1,x2nan}');
\echo :LAST_ERROR_SQLSTATE

-- categorical covariates
SELECT learnerscore.one_hot('b', ARRAY['a', 'b', 'c']), learnerscore.one_hot('a', ARRAY['a', 'b', 'c']),
       learnerscore.one_hot(NULL, ARRAY['a', 'b']) IS NULL AS null_is_null;
SELECT learnerscore.one_hot('z', ARRAY['a', 'b']);
\echo :LAST_ERROR_SQLSTATE
CREATE TYPE pg_temp.colour AS ENUM ('red', 'green', 'blue');
SELECT learnerscore.one_hot('blue'::pg_temp.colour);

-- bad input: documented NULLs and clear errors
SELECT learnerscore.ate_diff(y, true) IS NULL AS no_control FROM cdata;
SELECT learnerscore.ate_aipw(y, false, ARRAY[x1]) IS NULL AS no_treated FROM cdata;
SELECT learnerscore.ate_regression(y, true, ARRAY[x1]) IS NULL AS no_control FROM cdata;
SELECT learnerscore.ate_iv(y, d, 1.0) IS NULL AS constant_instrument FROM cdata;
SELECT (learnerscore.ate_iv(y, d, z + 0.9 * sin(i * 7.7) * 40)).method AS weak FROM cdata;
SELECT learnerscore.ate_aipw(x1 + t, x1 > 0, ARRAY[x1]) IS NULL AS separated FROM cdata;
SELECT (learnerscore.ate_aipw(x1 + t, x1 > 0, ARRAY[x1], 0.01)).method AS trimmed_still_separated FROM cdata;
SELECT learnerscore.ate_regression(y, t = 1, CASE WHEN i < 100 THEN ARRAY[x1, x2] ELSE ARRAY[x1] END) FROM cdata;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_aipw(y, t = 1, CASE WHEN i < 100 THEN ARRAY[x1, x2] ELSE ARRAY[x1] END) FROM cdata;
\echo :LAST_ERROR_SQLSTATE
SELECT (learnerscore.ate_regression(y, t = 1, ARRAY[x1, CASE WHEN i % 10 = 0 THEN NULL ELSE x2 END])).n_treated +
       (learnerscore.ate_regression(y, t = 1, ARRAY[x1, CASE WHEN i % 10 = 0 THEN NULL ELSE x2 END])).n_control AS rows_used
FROM cdata;
SELECT learnerscore.ate_regression(y, t = 1, ARRAY[x1, CASE WHEN i = 5 THEN 'NaN'::float8 ELSE x2 END]) FROM cdata;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_diff(y, t = 1, 1.5) FROM cdata;
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_diff(y, t = 1) IS NULL AS empty_is_null FROM cdata WHERE false;
SELECT learnerscore.ate_from_table('cdata', 'y', 't', '{nosuchcol}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ate_from_table('cdata', 'y', 't', '{x1}', 'magic');
\echo :LAST_ERROR_SQLSTATE

-- A/B design (statsmodels TTestIndPower / NormalIndPower solve_power)
SELECT n_control, n_treatment, n_total, round(n_control_exact::numeric, 6) AS exact
FROM learnerscore.ab_sample_size('mean', NULL, 0.5, 2.0);
SELECT n_control, round(n_control_exact::numeric, 6) AS exact FROM learnerscore.ab_sample_size('mean', NULL, 0.3, 1.0, 0.01, 0.9, 2.0);
SELECT n_control, round(n_control_exact::numeric, 6) AS exact FROM learnerscore.ab_sample_size('proportion', 0.10, 0.02);
SELECT n_control FROM learnerscore.ab_sample_size('proportion', 0.10, 0.02, cluster_size => 11, icc => 0.05);
SELECT n_control FROM learnerscore.ab_sample_size('mean', NULL, 0.5, 2.0, cuped_rho => 0.6);
SELECT round(learnerscore.ab_power('mean', NULL, 0.25, 1.0, 200, 0.05, 1.5)::numeric, 9) AS power;
SELECT round(learnerscore.ab_power('mean', NULL, learnerscore.ab_mde('mean', NULL, 1.0, 300), 1.0, 300)::numeric, 12) AS power_at_mde;
SELECT learnerscore.ab_design_effect(11, 0.05);
SELECT learnerscore.ab_sample_size('mean', NULL, 0.5, 2.0, alpha => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ab_sample_size('mean', NULL, 0.5, 2.0, power => 1.2);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ab_sample_size('mean', NULL, 0.5, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.ab_sample_size('median', NULL, 0.5, 1);
\echo :LAST_ERROR_SQLSTATE
