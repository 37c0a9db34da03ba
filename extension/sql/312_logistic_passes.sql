-- train('logistic') as passes (issue 12): the other way to run it, without keeping rows.
-- Every pass is one query over the source with the aggregate below, whose float8[] state
-- merges by summation, so the pass runs as Partial Aggregate on parallel workers and on
-- Citus workers: (1) the imputation means and the target's checks, (2) one pass per point
-- the Newton loop evaluates (log-likelihood, gradient, Hessian), (3) the in-sample metrics.
-- The driver (C++, src/core/models/logistic_passes.cpp) sends each pass its params.
CREATE FUNCTION learnerscore._logistic_pass_trans(state float8[], params float8[], target float8, features float8[])
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._logistic_pass_trans(float8[], float8[], float8, float8[]) IS
  'Internal: transition of logistic_pass (creates the state from params on the first row, then adds each row; a NULL target is counted, a NULL feature imputed).';
CREATE FUNCTION learnerscore._logistic_pass_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._logistic_pass_combine(float8[], float8[]) IS
  'Internal: merges two logistic_pass states of the same pass (checked).';

CREATE AGGREGATE learnerscore.logistic_pass(params float8[], target float8, features float8[]) (
    SFUNC = learnerscore._logistic_pass_trans, STYPE = float8[], INITCOND = '{}',
    COMBINEFUNC = learnerscore._logistic_pass_combine, PARALLEL = SAFE);
COMMENT ON AGGREGATE learnerscore.logistic_pass(float8[], float8, float8[]) IS
  'One pass of train(..., ''logistic'') run as passes (learnerscore.table_estimator = passes, or auto on a Citus distributed table '
  'or past learnerscore.max_train_memory): params (made by train: the pass kind, the imputation means, the current coefficients) in, '
  'the mergeable pass state out. Not meant to be called by hand; malformed params or states are an error (22P03).';

CREATE FUNCTION learnerscore.logistic_pass_score(params float8[], features float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_logistic_pass_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.logistic_pass_score(float8[], float8[]) IS
  'The probability of one row under the coefficients of a logistic_pass params array (NULL features imputed with the training mean): '
  'train(..., ''logistic'') as passes computes the exact in-sample AUC with auc(logistic_pass_score(...), target). Malformed params: 22P03.';
