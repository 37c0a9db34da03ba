-- Model registry (DESIGN §5): one row per trained model. An extension
-- configuration table, so pg_dump dumps its rows; a trained model is
-- immutable, and deleting one is explicit (learnerscore.drop_model).

CREATE TABLE learnerscore.models (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    algorithm       text NOT NULL CHECK (algorithm IN ('logistic', 'linear', 'xgboost')),
    target          text NOT NULL,
    features        text[] NOT NULL,
    hyperparameters jsonb NOT NULL DEFAULT '{}',
    trained_at      timestamptz NOT NULL DEFAULT now(),
    training_rows   bigint NOT NULL CHECK (training_rows > 0),
    metrics         jsonb NOT NULL DEFAULT '{}',
    model           bytea NOT NULL
);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train). Rows are immutable; remove one with learnerscore.drop_model(name). Dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.features IS 'Raw feature names, in the order predict() expects a float8[] of features.';
COMMENT ON COLUMN learnerscore.models.hyperparameters IS 'Effective hyper-parameters, defaults filled in.';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), coefficients with standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.model IS
  'Serialized model: versioned and checksummed learnerscore format (encoding, coefficients or XGBoost''s own UBJSON booster).';

SELECT pg_catalog.pg_extension_config_dump('learnerscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('learnerscore.models_id_seq', '');

CREATE FUNCTION learnerscore._models_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'trained models are immutable (model "%")', OLD.name
            USING ERRCODE = '55000', HINT = 'Train a new model under a new name, or drop this one with learnerscore.drop_model().';
    ELSIF TG_OP = 'TRUNCATE' OR coalesce(current_setting('learnerscore.allow_model_delete', true), '') <> 'on' THEN
        RAISE EXCEPTION 'models are deleted only through learnerscore.drop_model(name)'
            USING ERRCODE = '55000';
    END IF;
    RETURN OLD;
END
$fn$;
COMMENT ON FUNCTION learnerscore._models_guard() IS 'Internal: keeps learnerscore.models immutable.';

CREATE TRIGGER models_immutable BEFORE UPDATE OR DELETE ON learnerscore.models
    FOR EACH ROW EXECUTE FUNCTION learnerscore._models_guard();
CREATE TRIGGER models_no_truncate BEFORE TRUNCATE ON learnerscore.models
    FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._models_guard();

CREATE FUNCTION learnerscore._model_cache_evict(id bigint) RETURNS void
    AS 'MODULE_PATHNAME', 'ls_model_cache_evict' LANGUAGE C STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore._model_cache_evict(bigint) IS 'Internal: forgets a decoded model in this backend''s cache.';

CREATE FUNCTION learnerscore.drop_model(name text, if_exists boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    dropped bigint;
BEGIN
    PERFORM set_config('learnerscore.allow_model_delete', 'on', true);
    DELETE FROM learnerscore.models m WHERE m.name = drop_model.name RETURNING m.id INTO dropped;
    PERFORM set_config('learnerscore.allow_model_delete', 'off', true);
    IF dropped IS NULL THEN
        IF if_exists THEN RETURN false; END IF;
        RAISE EXCEPTION 'model "%" does not exist', name USING ERRCODE = '42704';
    END IF;
    PERFORM learnerscore._model_cache_evict(dropped);
    RETURN true;
END
$fn$;
COMMENT ON FUNCTION learnerscore.drop_model(text, boolean) IS
  'Deletes a trained model from the registry (the only way to delete one); with if_exists, a missing model returns false instead of an error.';
