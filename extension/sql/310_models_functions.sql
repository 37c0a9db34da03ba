-- Training, cross-validation, scoring and explanations (docs/models.md).

CREATE FUNCTION learnerscore.train(name text, source text, target text, features text[], algorithm text,
                                   params jsonb DEFAULT '{}') RETURNS bigint
    AS 'MODULE_PATHNAME', 'ls_train' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. Training a name again adds its next version '
  '(learnerscore.models.version) and deploys it unless params has "deploy": false; params "validate": k (k-fold, seed 42) or '
  '"validate_group": column (leave-one-group-out) also records held-out metrics in metrics.validation, as cross_validate()''s '
  '(with "validate", "fold_key": column draws the folds from a hash of that column, see cross_validate) '
  'pooled row (deploy(name, ''best'') uses them); a name taken by another role''s model is 42501; '
  'two train() calls of one name run one after the other. C++ buffers are bounded by learnerscore.max_train_memory (53200).';

CREATE FUNCTION learnerscore.cross_validate(source text, target text, features text[], algorithm text,
                                            params jsonb DEFAULT '{}', k int DEFAULT 5, seed bigint DEFAULT 42,
                                            group_column text DEFAULT NULL)
    RETURNS TABLE (fold text, train_rows float8, test_rows float8, auc float8, log_loss float8, brier float8,
                   calibration_error float8, accuracy float8, mae float8, rmse float8)
    AS 'MODULE_PATHNAME', 'ls_cross_validate' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.cross_validate(text, text, text[], text, jsonb, int, bigint, text) IS
  'k-fold cross-validation (default 5 folds) with deterministic folds from seed (Fisher-Yates over mt19937_64, drawn over the rows sorted by their values, so the same data and seed give the same folds and metrics whatever order the rows arrive in), or, with '
  'group_column, leave-one-group-out (one fold per distinct value, e.g. per course: never tested on learners it trained on). '
  'One row per fold with held-out metrics (auc, log_loss, brier, calibration_error, accuracy for classifiers; mae, rmse for '
  'regression), then fold = ''mean'' (mean over folds) and fold = ''pooled'' (all held-out predictions together). '
  'params "fold_key": column (e.g. a learner id; not a feature) draws each row''s fold from a hash of its key and the seed instead: '
  'rows of one key share a fold, a row keeps its fold when rows are added, and the folds are the same on one machine and on Citus; a NULL key is an error.';

-- predict and explain take the model by name (text), id (bigint) or as its bytes (bytea: learnerscore.models.model,
-- shipped with the query to where it runs, e.g. Citus workers) and one row as
-- float8[], jsonb or a row value (record); one C entry point each serves every overload.
DO $$
DECLARE
    model_type text;
    features_type text;
BEGIN
    FOREACH model_type IN ARRAY ARRAY['text', 'bigint', 'bytea'] LOOP
        FOREACH features_type IN ARRAY ARRAY['float8[]', 'jsonb', 'record'] LOOP
            EXECUTE format($c$CREATE FUNCTION learnerscore.predict(model %s, features %s) RETURNS float8
                              AS 'MODULE_PATHNAME', 'ls_predict' LANGUAGE C STABLE PARALLEL SAFE STRICT$c$,
                           model_type, features_type);
            EXECUTE format($c$CREATE FUNCTION learnerscore.explain(model %s, features %s) RETURNS jsonb
                              AS 'MODULE_PATHNAME', 'ls_explain' LANGUAGE C STABLE PARALLEL SAFE STRICT$c$,
                           model_type, features_type);
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION learnerscore.predict(text, float8[]) IS
  'Scores one row with a model (by name: its deployed version, learnerscore.deployed_models): the probability for classifiers, the predicted value for regression. '
  'Features in the model''s order (learnerscore.models.features); NULL elements are missing values. The model is decoded once per query; '
  'one statement uses one version, a deployment made meanwhile applies from the next statement.';
COMMENT ON FUNCTION learnerscore.predict(bigint, float8[]) IS 'Scores one row with the model version given by id; see predict(text, float8[]).';
COMMENT ON FUNCTION learnerscore.predict(text, jsonb) IS
  'Scores one row given as a jsonb object {feature: value}; text features as strings; extra keys are ignored.';
COMMENT ON FUNCTION learnerscore.predict(bigint, jsonb) IS 'Scores one jsonb row with a model given by id.';
COMMENT ON FUNCTION learnerscore.predict(text, record) IS
  'Scores a row value (e.g. predict(''m'', t) for a table alias t) whose column names match the model''s features.';
COMMENT ON FUNCTION learnerscore.predict(bigint, record) IS 'Scores a row value with a model given by id.';

COMMENT ON FUNCTION learnerscore.predict(bytea, float8[]) IS
  'Scores one row with a model given as its bytes (learnerscore.models.model): for nodes without the registry, e.g. a Citus distributed '
  'table, where the registry row travels with the query (docs/scale-out.md, "Models on every node"); decoded once per distinct blob and cached. '
  'Linear and logistic models only: an XGBoost booster is handed to libxgboost only from the registry, which does not validate hand-made boosters '
  '(0A000). Bytes that are not an intact learnerscore model are an error (22000, corrupted model).';
COMMENT ON FUNCTION learnerscore.predict(bytea, jsonb) IS 'Scores one jsonb row with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.predict(bytea, record) IS 'Scores a row value with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.explain(bytea, float8[]) IS 'explain() with a model given as its bytes; see predict(bytea, float8[]).';
COMMENT ON FUNCTION learnerscore.explain(bytea, jsonb) IS 'explain() of a jsonb row with a model given as its bytes.';
COMMENT ON FUNCTION learnerscore.explain(bytea, record) IS 'explain() of a row value with a model given as its bytes.';
COMMENT ON FUNCTION learnerscore.explain(text, float8[]) IS
  'Per-feature contributions to one prediction on the margin (log-odds for classifiers): coefficient x value for linear models '
  '(summed over a text feature''s one-hot columns), XGBoost''s SHAP values for trees; "(intercept)" / "(bias)" holds the rest, so the values sum to the margin.';
COMMENT ON FUNCTION learnerscore.explain(bigint, float8[]) IS 'explain() with the model given by id.';
COMMENT ON FUNCTION learnerscore.explain(text, jsonb) IS 'explain() for a jsonb row {feature: value}.';
COMMENT ON FUNCTION learnerscore.explain(bigint, jsonb) IS 'explain() for a jsonb row, model by id.';
COMMENT ON FUNCTION learnerscore.explain(text, record) IS 'explain() for a row value whose column names match the model''s features.';
COMMENT ON FUNCTION learnerscore.explain(bigint, record) IS 'explain() for a row value, model by id.';

CREATE FUNCTION learnerscore.model_coefficients(model text)
    RETURNS TABLE (term text, estimate float8, std_error float8, z float8, p_value float8)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT c->>'term', (c->>'estimate')::float8, (c->>'std_error')::float8,
           (c->>'estimate')::float8 / nullif((c->>'std_error')::float8, 0),
           CASE WHEN (c->>'std_error')::float8 > 0 THEN
               2 * (1 - learnerscore._models_normal_cdf(abs((c->>'estimate')::float8 / (c->>'std_error')::float8))) END
    FROM learnerscore.models m, jsonb_array_elements(m.metrics->'coefficients') WITH ORDINALITY AS e(c, ord)
    WHERE m.id = (SELECT d.model_id FROM learnerscore.deployed_models d WHERE d.name = model_coefficients.model)
    ORDER BY ord
$$;
COMMENT ON FUNCTION learnerscore.model_coefficients(text) IS
  'Coefficients of a logistic or linear model (the deployed version of the name) with standard errors, Wald z and two-sided normal p-values.';

CREATE FUNCTION learnerscore._models_normal_cdf(z float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'ls_models_normal_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore._models_normal_cdf(float8) IS 'Internal: standard normal CDF.';

CREATE FUNCTION learnerscore.xgboost_booster(model text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ls_xgboost_booster' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION learnerscore.xgboost_booster(text) IS
  'The booster of an xgboost model in XGBoost''s own UBJSON format (load it with xgboost.Booster().load_model(bytearray(b))). '
  'Its input columns are the model''s encoded columns: numeric features as given, text features one-hot (one column per level, sorted).';

CREATE FUNCTION learnerscore._read_source(source text, target text, features text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ls_read_source' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION learnerscore._read_source(text, text, text[]) IS
  'Internal (benchmarks): reads a training source into column buffers exactly as train() does and returns the row count.';
