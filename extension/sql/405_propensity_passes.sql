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
