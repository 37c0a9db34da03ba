-- The multi-pass propensity estimators (issue 12): ate_from_table's other way to run
-- ipw and aipw, without keeping rows. Every pass is one query over the table with
-- the aggregate below, whose float8[] state merges (sums, Chan's update for moments,
-- co-moment merges), so the pass runs as Partial Aggregate on parallel workers and on
-- Citus workers. The driver (C++, src/core/causal/propensity_passes.cpp) sends each
-- pass its params: standardization, current coefficients, arm models.
CREATE FUNCTION learnerscore._propensity_pass_trans(state float8[], params float8[], outcome float8, treated boolean,
                                                    covariates float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_propensity_pass_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._propensity_pass_trans(float8[], float8[], float8, boolean, float8[]) IS
  'Internal: transition of propensity_pass (creates the state from params on the first row, then adds each row; a row with a NULL covariate is skipped).';
CREATE FUNCTION learnerscore._propensity_pass_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_propensity_pass_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._propensity_pass_combine(float8[], float8[]) IS
  'Internal: merges two propensity_pass states of the same pass (checked).';

CREATE AGGREGATE learnerscore.propensity_pass(params float8[], outcome float8, treated boolean, covariates float8[]) (
    SFUNC = learnerscore._propensity_pass_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._propensity_pass_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.propensity_pass(float8[], float8, boolean, float8[]) IS
  'One pass of the multi-pass propensity estimators that ate_from_table runs with learnerscore.table_estimator = passes (or auto on a '
  'Citus distributed table or past learnerscore.max_train_memory): params (made by ate_from_table: the pass kind, the standardization, '
  'the current coefficients) in, the mergeable pass state out. Not meant to be called by hand; malformed params or states are an error (22P03).';

-- The diagnostics of balance() and propensity_overlap() as passes over a table.
CREATE FUNCTION learnerscore.balance_from_table(relation regclass, treatment text, covariates text[], trim_level float8 DEFAULT 0)
    RETURNS learnerscore.balance_row[]
    AS 'MODULE_PATHNAME', 'ls_balance_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.balance_from_table(regclass, text, text[], float8) IS
  'Covariate balance of a table, as the aggregate balance(treated, covariates, trim_level) gives it (one balance_row per covariate: '
  'standardized mean differences before and after IPW weighting), computed as passes over the table (propensity_pass: no rows kept, '
  'each pass a parallel or Citus distributed aggregate; the same figures to 1e-9). treatment boolean or 0/1 (non-zero = treated), '
  'covariates cast to float8; rows with a NULL are skipped, NaN or infinity is an error. NULL with a WARNING when no row qualifies. '
  'Use SELECT (unnest(learnerscore.balance_from_table(...))).*';
CREATE FUNCTION learnerscore.overlap_from_table(relation regclass, treatment text, covariates text[])
    RETURNS learnerscore.overlap_summary
    AS 'MODULE_PATHNAME', 'ls_overlap_from_table' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION learnerscore.overlap_from_table(regclass, text, text[]) IS
  'Propensity-score overlap of a table, as the aggregate propensity_overlap(treated, covariates) gives it, computed as passes over '
  'the table (propensity_pass: no rows kept, each pass a parallel or Citus distributed aggregate; the same figures to 1e-9). '
  'Rows with a NULL are skipped; without treated or control rows only the counts are set (WARNING).';
