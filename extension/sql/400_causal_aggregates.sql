-- Causal effects (docs/course-effects.md): result types, estimators as parallel-safe
-- aggregates (float8[] or bytea states with combine functions, never
-- internal), diagnostics and a column-reading table function.

CREATE TYPE learnerscore.effect AS (
    estimate  float8,
    std_error float8,
    ci_low    float8,
    ci_high   float8,
    p_value   float8,
    n_treated bigint,
    n_control bigint,
    method    text);
COMMENT ON TYPE learnerscore.effect IS
  'A treatment-effect estimate: estimate, standard error, (1 - alpha) confidence interval, two-sided p-value, rows per arm (NULL for a continuous treatment) and the method (diff, regression, ipw, aipw, att_ipw, att_aipw, iv_wald, iv_2sls, diff_poisson_bootstrap).';

CREATE TYPE learnerscore.welch_result AS (
    t_stat float8, df float8, p_value float8, mean_a float8, mean_b float8, n_a bigint, n_b bigint);
COMMENT ON TYPE learnerscore.welch_result IS
  'Welch''s unequal-variance t-test: group a = true, group b = false; Welch-Satterthwaite degrees of freedom.';

CREATE TYPE learnerscore.balance_row AS (
    covariate int, mean_treated float8, mean_control float8, smd_before float8,
    mean_treated_weighted float8, mean_control_weighted float8, smd_after float8);
COMMENT ON TYPE learnerscore.balance_row IS
  'Covariate balance: means per arm and the standardized mean difference (pooled unweighted SD) before and after inverse-propensity weighting; covariate is the 1-based index in the covariate array.';

CREATE TYPE learnerscore.overlap_summary AS (
    min_treated float8, max_treated float8, min_control float8, max_control float8,
    share_extreme float8, ess_treated float8, ess_control float8,
    n_treated bigint, n_control bigint, converged boolean);
COMMENT ON TYPE learnerscore.overlap_summary IS
  'Propensity overlap: score range per arm, share of rows with a score below 0.05 or above 0.95, effective sample sizes of the IPW weights, and whether the logistic fit converged.';

CREATE TYPE learnerscore.refutation AS (
    test text, estimate float8, new_estimate float8, statistic float8, passed boolean);
COMMENT ON TYPE learnerscore.refutation IS
  'One refutation check: placebo_treatment (statistic = p-value of the placebo effect; passes when > alpha), random_common_cause and random_subset (statistic = |change| / (1.96 * SE / 2); passes when <= 1).';

CREATE TYPE learnerscore.cuped_fit AS (
    theta float8, pre_mean float8, correlation float8, variance_reduction float8, n bigint);
COMMENT ON TYPE learnerscore.cuped_fit IS
  'CUPED adjustment: use value - theta * (pre - pre_mean); the variance of the metric shrinks by variance_reduction = correlation^2.';

-- ---------------------------------------------------------------- moments
CREATE FUNCTION learnerscore._diff_trans(float8[], float8, boolean) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_trans(float8[], float8, boolean, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_trans(float8[], float8, boolean, int, bigint) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_boot_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_trans(float8[], float8, boolean, int, bigint, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_diff_boot_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._moments_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_moments_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_diff_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._welch_final(float8[]) RETURNS learnerscore.welch_result
    AS 'MODULE_PATHNAME', 'ls_welch_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._diff_boot_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_diff_boot_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_trans(float8[], float8, boolean, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_regression_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_trans(float8[], float8, boolean, float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_regression_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._regression_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_regression_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_zs_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_trans(float8[], float8, float8, float8, float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_iv_trans_z_x_alpha' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._iv_final(float8[]) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_iv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_first_stage_trans_z' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_trans(float8[], float8, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_first_stage_trans_z_x' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._first_stage_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_first_stage_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._cuped_trans(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_cuped_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._cuped_final(float8[]) RETURNS learnerscore.cuped_fit
    AS 'MODULE_PATHNAME', 'ls_cuped_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE learnerscore.ate_diff(outcome float8, treated boolean) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_diff(outcome float8, treated boolean, alpha float8) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_diff(float8, boolean) IS
  'Difference in means of the outcome, treated minus control, with the Welch/Neyman standard error sqrt(s1^2/n1 + s0^2/n0) and Welch-Satterthwaite t interval. Rows with a NULL are skipped; NULL (with a WARNING) when an arm has fewer than two rows.';
COMMENT ON AGGREGATE learnerscore.ate_diff(float8, boolean, float8) IS
  'ate_diff with a chosen alpha for the (1 - alpha) interval; alpha must be in (0, 1).';

CREATE AGGREGATE learnerscore.welch_test(value float8, grp boolean) (
    SFUNC = learnerscore._diff_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._welch_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.welch_test(float8, boolean) IS
  'Welch''s two-sample t-test of value between grp = true (a) and grp = false (b), as scipy.stats.ttest_ind(equal_var=False).';

CREATE AGGREGATE learnerscore.ate_diff_bootstrap(outcome float8, treated boolean, replicates int, seed bigint) (
    SFUNC = learnerscore._diff_boot_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_boot_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_diff_bootstrap(outcome float8, treated boolean, replicates int, seed bigint, alpha float8) (
    SFUNC = learnerscore._diff_boot_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._diff_boot_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint) IS
  'Difference in means with a one-pass Poisson bootstrap (10..10000 replicates): each row gets a Poisson(1) weight per replicate from a hash of its values and the seed, so the result does not depend on parallel workers. std_error = SD of the replicates, interval = percentiles.';
COMMENT ON AGGREGATE learnerscore.ate_diff_bootstrap(float8, boolean, int, bigint, float8) IS
  'ate_diff_bootstrap with a chosen alpha.';

CREATE AGGREGATE learnerscore.ate_regression(outcome float8, treated boolean, covariates float8[]) (
    SFUNC = learnerscore._regression_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._regression_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_regression(outcome float8, treated boolean, covariates float8[], alpha float8) (
    SFUNC = learnerscore._regression_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._regression_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_regression(float8, boolean, float8[]) IS
  'Regression adjustment: the treated coefficient of OLS outcome ~ 1 + treated + covariates, with the classical (non-robust) standard error and t interval on n - k - 2 degrees of freedom, exactly as statsmodels OLS().fit(). Exact from centred co-moments (one pass, parallel). Collinear covariates are handled as pinv does. Rows with a NULL (or a NULL element) are skipped; arrays of different lengths, NaN or infinity raise 22023.';
COMMENT ON AGGREGATE learnerscore.ate_regression(float8, boolean, float8[], float8) IS
  'ate_regression with a chosen alpha.';

CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8, covariates float8[]) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instruments float8[], covariates float8[]) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.ate_iv(outcome float8, treatment float8, instrument float8, covariates float8[], alpha float8) (
    SFUNC = learnerscore._iv_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._iv_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8) IS
  'Instrumental-variable (Wald) estimate cov(y, z) / cov(d, z) = 2SLS with an intercept; treatment and instrument may be binary or continuous. Classical 2SLS standard error (statsmodels IV2SLS), t interval on n - 2 df. WARNING when the first-stage F < 10; NULL with a WARNING when the instrument is constant.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8, float8[]) IS
  'Two-stage least squares of outcome on treatment (endogenous) and covariates (exogenous), with the excluded instrument; classical standard error sigma^2 = RSS / (n - k - 2) as statsmodels IV2SLS and Stata ivreg.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8[], float8[]) IS
  'Two-stage least squares with several excluded instruments (an array) and covariates.';
COMMENT ON AGGREGATE learnerscore.ate_iv(float8, float8, float8, float8[], float8) IS
  'ate_iv with covariates and a chosen alpha.';

CREATE AGGREGATE learnerscore.first_stage_f(treatment float8, instrument float8) (
    SFUNC = learnerscore._first_stage_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._first_stage_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.first_stage_f(treatment float8, instrument float8, covariates float8[]) (
    SFUNC = learnerscore._first_stage_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._first_stage_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.first_stage_f(float8, float8) IS
  'First-stage F statistic of the instrument (below 10: a weak instrument).';
COMMENT ON AGGREGATE learnerscore.first_stage_f(float8, float8, float8[]) IS
  'Partial first-stage F of the excluded instrument given the covariates.';

CREATE AGGREGATE learnerscore.cuped(value float8, pre_value float8) (
    SFUNC = learnerscore._cuped_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._moments_combine, FINALFUNC = learnerscore._cuped_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.cuped(float8, float8) IS
  'CUPED variance reduction with a pre-period covariate: theta = cov(value, pre) / var(pre); analyse value - theta * (pre - pre_mean).';

-- ---------------------------------------------------------------- rows (bytea)
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_y' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, float8, boolean, float8[], text, bigint) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_refute' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, boolean, float8[]) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_noy' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_trans(bytea, boolean, float8[], float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_trans_noy' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._rows_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_rows_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._ipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_ipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._att_ipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_att_ipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._aipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_aipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._att_aipw_final(bytea) RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_att_aipw_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._balance_final(bytea) RETURNS learnerscore.balance_row[]
    AS 'MODULE_PATHNAME', 'ls_balance_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._overlap_final(bytea) RETURNS learnerscore.overlap_summary
    AS 'MODULE_PATHNAME', 'ls_overlap_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._refute_final(bytea) RETURNS learnerscore.refutation[]
    AS 'MODULE_PATHNAME', 'ls_refute_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

DO $$
DECLARE
    agg record;
    sig text;
BEGIN
    FOR agg IN SELECT * FROM (VALUES
        ('ate_ipw', '_ipw_final', 'Inverse-propensity weighting with normalized (Hajek) weights and a logistic propensity of treated on the covariates; standard error from the stacked M-estimation sandwich, which accounts for the estimated propensity; normal interval.'),
        ('att_ipw', '_att_ipw_final', 'Effect on the treated by IPW: controls weighted by the propensity odds e/(1-e), normalized; sandwich standard error.'),
        ('ate_aipw', '_aipw_final', 'Doubly robust AIPW: logistic propensity plus per-arm OLS outcome models; standard error sqrt(mean(psi - ATE)^2 / n) from the influence function psi; normal interval.'),
        ('att_aipw', '_att_aipw_final', 'Doubly robust effect on the treated (control outcome model plus propensity-odds weighting of control residuals); influence-function standard error.'))
        AS t(name, final, doc)
    LOOP
        FOREACH sig IN ARRAY ARRAY['outcome float8, treated boolean, covariates float8[]',
                                   'outcome float8, treated boolean, covariates float8[], trim_level float8',
                                   'outcome float8, treated boolean, covariates float8[], trim_level float8, alpha float8']
        LOOP
            EXECUTE format('CREATE AGGREGATE learnerscore.%I(%s) (SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '''', COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore.%I, PARALLEL = SAFE)',
                           agg.name, sig, agg.final);
            EXECUTE format('COMMENT ON AGGREGATE learnerscore.%I(%s) IS %L', agg.name,
                           regexp_replace(sig, '(outcome|treated|covariates|trim_level|alpha) ', '', 'g'),
                           agg.doc || ' The rows are kept exactly in a bytea state (parallel: concatenated), so the propensity fit is exact; up to ~1 GB of row data (use ate_from_table beyond). trim_level drops rows with a propensity outside [trim, 1 - trim] (default 0); with trim 0 and propensities of 0 or 1 the result is NULL with a WARNING. Rows with a NULL (or a NULL covariate element) are skipped.');
        END LOOP;
    END LOOP;
END $$;

CREATE AGGREGATE learnerscore.balance(treated boolean, covariates float8[]) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._balance_final, PARALLEL = SAFE);
CREATE AGGREGATE learnerscore.balance(treated boolean, covariates float8[], trim_level float8) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._balance_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.balance(boolean, float8[]) IS
  'Covariate balance, one learnerscore.balance_row per covariate: standardized mean differences before and after IPW weighting (|SMD| < 0.1 is the usual target). Use SELECT (unnest(balance(...))).*';
COMMENT ON AGGREGATE learnerscore.balance(boolean, float8[], float8) IS 'balance after trimming propensities outside [trim, 1 - trim].';

CREATE AGGREGATE learnerscore.propensity_overlap(treated boolean, covariates float8[]) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._overlap_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.propensity_overlap(boolean, float8[]) IS
  'Propensity-score overlap summary (learnerscore.overlap_summary) of a logistic model of treated on the covariates.';

CREATE AGGREGATE learnerscore.ate_refute(outcome float8, treated boolean, covariates float8[], method text, seed bigint) (
    SFUNC = learnerscore._rows_trans, STYPE = bytea, INITCOND = '',
    COMBINEFUNC = learnerscore._rows_combine, FINALFUNC = learnerscore._refute_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.ate_refute(float8, boolean, float8[], text, bigint) IS
  'Refutation checks of an estimate (method diff | regression | ipw | aipw): placebo treatment (a seeded permutation; the effect must vanish), random common cause (an added N(0,1) covariate; the estimate must not move) and a random 80 % subset (the estimate must stay within sampling noise). Returns learnerscore.refutation[] with passed per test.';

-- ---------------------------------------------------------------- table function
CREATE FUNCTION learnerscore.ate_from_table(relation regclass, outcome text, treatment text, covariates text[],
                                            method text DEFAULT 'aipw', trim_level float8 DEFAULT 0, alpha float8 DEFAULT 0.05)
    RETURNS learnerscore.effect
    AS 'MODULE_PATHNAME', 'ls_ate_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.ate_from_table(regclass, text, text, text[], text, float8, float8) IS
  'Treatment effect (method diff | regression | ipw | aipw) reading the named columns of a table or view directly into one contiguous in-memory buffer (one scan, no per-row array): outcome and covariates cast to float8, treatment boolean or 0/1 (cast to int, non-zero = treated). Rows with a NULL are skipped; NaN or infinity is an error. Holds at most 4 GB of row data (8 bytes per value; about 23 million rows x 20 covariates), past which it stops with a program_limit_exceeded error. Same estimators as the aggregates; the fastest path for large tables. ipw and aipw also run as passes without keeping rows (learnerscore.table_estimator: memory, passes, or auto = passes on a Citus distributed table or when the planner''s row estimate exceeds learnerscore.max_train_memory): one parallel aggregate query per pass (standardization, each Newton iteration, the kept rows, the variance), the same answer to 1e-9.';

-- ---------------------------------------------------------------- helpers
CREATE FUNCTION learnerscore.one_hot(value text, levels text[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    IF value IS NULL OR levels IS NULL THEN RETURN NULL; END IF;
    IF NOT value = ANY(levels) THEN
        RAISE EXCEPTION 'one_hot: value "%" is not one of the levels %', value, levels
            USING ERRCODE = '22023', HINT = 'Collect the levels with array_agg(DISTINCT col ORDER BY col).';
    END IF;
    RETURN ARRAY(SELECT (l = value)::int::float8 FROM unnest(levels[2:]) WITH ORDINALITY AS u(l, i) ORDER BY i);
END $$;
COMMENT ON FUNCTION learnerscore.one_hot(text, text[]) IS
  'Dummy coding of a categorical value for the covariate arrays: one 0/1 element per level after the first (the first level is the reference, so an intercept model stays identified). NULL value -> NULL (the row is skipped); an unknown value raises 22023.';

CREATE FUNCTION learnerscore.one_hot(value anyenum) RETURNS float8[]
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT learnerscore.one_hot(value::text, enum_range(value)::text[])
$$;
COMMENT ON FUNCTION learnerscore.one_hot(anyenum) IS
  'Dummy coding of an enum value (levels in enum order; the first is the reference).';

-- ---------------------------------------------------------------- A/B design
CREATE TYPE learnerscore.ab_size AS (
    n_control bigint, n_treatment bigint, n_total bigint, effect_size float8, n_control_exact float8);
COMMENT ON TYPE learnerscore.ab_size IS
  'A/B sample size: subjects per group (rounded up), the standardized effect size (Cohen''s d or h) and the exact fractional control-group size (statsmodels'' solve_power nobs1).';

CREATE FUNCTION learnerscore.ab_sample_size(kind text, baseline float8, mde float8, sd float8 DEFAULT NULL,
                                            alpha float8 DEFAULT 0.05, power float8 DEFAULT 0.8, ratio float8 DEFAULT 1,
                                            cluster_size float8 DEFAULT 1, icc float8 DEFAULT 0, cuped_rho float8 DEFAULT 0)
    RETURNS learnerscore.ab_size
    AS 'MODULE_PATHNAME', 'ls_ab_sample_size' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_sample_size(text, float8, float8, float8, float8, float8, float8, float8, float8, float8) IS
  'Subjects needed for a two-sided test: kind ''mean'' (two-sample t-test, effect mde / sd; as statsmodels TTestIndPower) or ''proportion'' (baseline rate, absolute lift mde; Cohen''s h, NormalIndPower). ratio = n_treatment / n_control. Randomizing whole teams multiplies by the design effect 1 + (cluster_size - 1) * icc; a CUPED pre-period covariate with correlation cuped_rho shrinks the variance by 1 - rho^2. alpha, power in (0, 1) or 22023.';

CREATE FUNCTION learnerscore.ab_power(kind text, baseline float8, mde float8, sd float8, n_control float8,
                                      alpha float8 DEFAULT 0.05, ratio float8 DEFAULT 1)
    RETURNS float8 AS 'MODULE_PATHNAME', 'ls_ab_power' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_power(text, float8, float8, float8, float8, float8, float8) IS
  'Power of a two-sided test with n_control subjects in control and ratio * n_control in treatment (statsmodels TTestIndPower / NormalIndPower.power).';

CREATE FUNCTION learnerscore.ab_mde(kind text, baseline float8, sd float8, n_control float8,
                                    alpha float8 DEFAULT 0.05, power float8 DEFAULT 0.8, ratio float8 DEFAULT 1)
    RETURNS float8 AS 'MODULE_PATHNAME', 'ls_ab_mde' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_mde(text, float8, float8, float8, float8, float8, float8) IS
  'Minimal detectable absolute effect (a difference in means, or a lift of the baseline proportion) at the given size, alpha and power.';

CREATE FUNCTION learnerscore.ab_design_effect(cluster_size float8, icc float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_ab_design_effect' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.ab_design_effect(float8, float8) IS
  'Design effect of randomizing whole teams of cluster_size members with intra-class correlation icc: 1 + (m - 1) * icc.';
