-- Model registry (docs/models.md): one row per trained model. An extension
-- configuration table, so pg_dump dumps its rows; a trained model is
-- immutable, and deleting one is explicit (learnerscore.drop_model).
--
-- Privileges (docs/models.md, "Who may do what"): the registry is written only
-- by the extension's C code (train(), drop_model()), which switches to the
-- table's owner around the one registry statement; no other role holds
-- INSERT, UPDATE, DELETE or TRUNCATE, so no one can store bytes train() did
-- not produce. Everyone may read it (the catalogue of models); scoring reads
-- it as its owner and needs no grant at all.

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
    model           bytea NOT NULL,
    owner           regrole NOT NULL
);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train). Rows are immutable and written only by train() and drop_model(); '
  'remove one with learnerscore.drop_model(name). Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.features IS 'Raw feature names, in the order predict() expects a float8[] of features.';
COMMENT ON COLUMN learnerscore.models.hyperparameters IS 'Effective hyper-parameters, defaults filled in.';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), coefficients with standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.model IS
  'Serialized model: versioned and checksummed learnerscore format (encoding, coefficients or XGBoost''s own UBJSON booster).';
COMMENT ON COLUMN learnerscore.models.owner IS
  'The role that trained the model (the current user inside train()). Only it, its members and superusers may drop the model or reuse its name.';

SELECT pg_catalog.pg_extension_config_dump('learnerscore.models', '');
SELECT pg_catalog.pg_extension_config_dump('learnerscore.models_id_seq', '');

REVOKE ALL ON TABLE learnerscore.models FROM PUBLIC;
REVOKE ALL ON SEQUENCE learnerscore.models_id_seq FROM PUBLIC;
GRANT SELECT ON TABLE learnerscore.models TO PUBLIC;

CREATE FUNCTION learnerscore._models_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ls_models_guard' LANGUAGE C;
COMMENT ON FUNCTION learnerscore._models_guard() IS
  'Internal: keeps learnerscore.models immutable; a row is deleted only by drop_model() (checked in C, no setting).';

CREATE TRIGGER models_immutable BEFORE UPDATE OR DELETE ON learnerscore.models
    FOR EACH ROW EXECUTE FUNCTION learnerscore._models_guard();
CREATE TRIGGER models_no_truncate BEFORE TRUNCATE ON learnerscore.models
    FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._models_guard();

CREATE FUNCTION learnerscore.drop_model(name text, if_exists boolean DEFAULT false) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_drop_model' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.drop_model(text, boolean) IS
  'Deletes a trained model from the registry (the only way to delete one); with if_exists, a missing model returns false instead of an error. '
  'Only the model''s owner, a member of the owning role or a superuser may drop it (42501 otherwise).';
