-- Model metrics as parallel-safe aggregates (docs/models.md, docs/architecture.md): float8[] or
-- bytea states with combine functions, so they run under parallel query
-- (Partial/Finalize Aggregate) and under Citus.

CREATE FUNCTION learnerscore._metric_accum(float8[], float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_accum(float8[], float8, float8, float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_metric_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._metric_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_metric_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._metric_accum(float8[], float8, float8) IS
  'Internal: transition of the metric aggregates; state[0] is the metric kind, state[1] the row count.';
COMMENT ON FUNCTION learnerscore._metric_accum(float8[], float8, float8, float8) IS 'Internal: transition of accuracy(score, label, threshold).';
COMMENT ON FUNCTION learnerscore._metric_combine(float8[], float8[]) IS 'Internal: combines two metric states (element-wise sum).';
COMMENT ON FUNCTION learnerscore._metric_final(float8[]) IS 'Internal: final function of the metric aggregates.';

-- The float8[] metrics share one transition, combine and final function; state[0] (the
-- first INITCOND element) tells the final function which metric to compute.
DO $$
DECLARE
    agg record;
BEGIN
    FOR agg IN SELECT * FROM (VALUES
        ('log_loss', 'score float8, label float8', '{1,0,0,0}',
         'Mean binary cross-entropy of probabilities against 0/1 labels (probabilities clipped to [eps, 1-eps], eps = 2.2e-16, as sklearn.metrics.log_loss).'),
        ('brier', 'score float8, label float8', '{2,0,0,0}',
         'Brier score: mean squared difference between probability and 0/1 label.'),
        ('accuracy', 'score float8, label float8', '{3,0,0,0}',
         'Share of rows where (score >= 0.5) equals the 0/1 label.'),
        ('accuracy', 'score float8, label float8, threshold float8', '{3,0,0,0}',
         'Share of rows where (score >= threshold) equals the 0/1 label.'),
        ('mae', 'prediction float8, actual float8', '{4,0,0,0}',
         'Mean absolute error.'),
        ('rmse', 'prediction float8, actual float8', '{5,0,0,0}',
         'Root mean squared error.'),
        ('calibration_error', 'score float8, label float8', '{6,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}',
         'Expected calibration error over 10 equal-width probability bins: sum over bins of (bin rows / rows) x |mean score - mean label|.'),
        ('auc_binned', 'score float8, label float8', '{7,0}',
         'Area under the ROC curve from a fixed-size, mergeable state (positives and negatives counted in 4096 bins uniform in log-odds over [-12, 12], 0 and 1 in bins of their own; 64 kB whatever the rows), for tables too large for the exact auc() or distributed ones (states add up across parallel workers and Citus shards). Pairs in one bin count one half, so it differs from auc() by at most auc_binned_error() (a worst case, typically 1e-4 to 1e-3; the actual difference is usually far smaller). Scores must be probabilities in [0, 1] (map other scores monotonically into it; the AUC does not change); NULL when a class is missing.'),
        ('auc_binned_error', 'score float8, label float8', '{8,0}',
         'The largest possible difference between auc_binned() and the exact AUC on the same rows: half the share of positive-negative pairs whose scores fall in one bin.'))
        AS t(name, args, initcond, doc)
    LOOP
        EXECUTE format('CREATE AGGREGATE learnerscore.%I(%s) (SFUNC = learnerscore._metric_accum, STYPE = float8[], INITCOND = %L, COMBINEFUNC = learnerscore._metric_combine, FINALFUNC = learnerscore._metric_final, PARALLEL = SAFE)',
                       agg.name, agg.args, agg.initcond);
        EXECUTE format('COMMENT ON AGGREGATE learnerscore.%I(%s) IS %L', agg.name,
                       regexp_replace(agg.args, '\w+ float8', 'float8', 'g'), agg.doc);
    END LOOP;
END $$;

CREATE FUNCTION learnerscore._auc_accum(bytea, float8, float8) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_auc_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION learnerscore._auc_combine(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_auc_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION learnerscore._auc_final(bytea) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._auc_accum(bytea, float8, float8) IS 'Internal: appends a (score, label) pair to the exact-AUC state.';
COMMENT ON FUNCTION learnerscore._auc_combine(bytea, bytea) IS 'Internal: concatenates two exact-AUC states.';
COMMENT ON FUNCTION learnerscore._auc_final(bytea) IS 'Internal: sorts the pairs and computes the AUC.';

CREATE AGGREGATE learnerscore.auc(score float8, label float8) (
    SFUNC = learnerscore._auc_accum, STYPE = bytea,
    COMBINEFUNC = learnerscore._auc_combine, FINALFUNC = learnerscore._auc_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.auc(float8, float8) IS
  'Exact area under the ROC curve (ties count one half, as sklearn.metrics.roc_auc_score): keeps every (score, label) pair '
  '(16 bytes a row, at most about 67 million rows) and sorts them once; NULL when a class is missing. Rows with a NULL are ignored.';
