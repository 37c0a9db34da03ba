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
    name            text NOT NULL,
    algorithm       text NOT NULL CHECK (algorithm IN ('logistic', 'linear', 'xgboost')),
    target          text NOT NULL,
    features        text[] NOT NULL,
    hyperparameters jsonb NOT NULL DEFAULT '{}',
    trained_at      timestamptz NOT NULL DEFAULT now(),
    training_rows   bigint NOT NULL CHECK (training_rows > 0),
    metrics         jsonb NOT NULL DEFAULT '{}',
    model           bytea NOT NULL,
    owner           regrole NOT NULL,
    version         int NOT NULL CHECK (version > 0),
    CONSTRAINT models_name_version_key UNIQUE (name, version)
);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train), one row per version of a name. Rows are immutable and written only by '
  'train(), drop_model(), drop_model_version() and prune_models(). Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.id IS 'The model''s id (never reused): predict(id, ...) scores exactly this version.';
COMMENT ON COLUMN learnerscore.models.name IS 'The model''s name; predict(name, ...) scores its deployed version (learnerscore.deployed_models).';
COMMENT ON COLUMN learnerscore.models.version IS
  'Version of the name: train() of a name that exists adds the next version (1, 2, ...; a number is never reused while the name exists).';
COMMENT ON COLUMN learnerscore.models.features IS 'Raw feature names, in the order predict() expects a float8[] of features.';
COMMENT ON COLUMN learnerscore.models.hyperparameters IS 'Effective hyper-parameters, defaults filled in.';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), held-out metrics ("validation", when train() cross-validated: params "validate"), coefficients with '
  'standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.model IS
  'Serialized model: versioned and checksummed learnerscore format (encoding, coefficients or XGBoost''s own UBJSON booster).';
COMMENT ON COLUMN learnerscore.models.owner IS
  'The name''s owner: the role that trained its first version (later versions keep it). Only it, its members and superusers may '
  'train new versions, deploy, roll back, prune or drop the model.';

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
  'Deletes a model from the registry: every version of the name and its deployment history, so the name is free again; '
  'with if_exists, a missing model returns false instead of an error. '
  'Only the model''s owner, a member of the owning role or a superuser may drop it (42501 otherwise).';


-- Versions and deployments (docs/models.md, "Versions and deployments"): one
-- deployed version per name, which predict(name, ...) and the learner_scores
-- views use; the history of every deployment. Written like the registry: only
-- by the extension's C code (train(), deploy(), rollback(), drop_model()),
-- as the table's owner; readable by everyone; dumped by pg_dump.
CREATE TABLE learnerscore.model_deployments (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    model_id    bigint NOT NULL,
    version     int NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT now(),
    deployed_by regrole NOT NULL,
    strategy    text NOT NULL CHECK (strategy IN ('trained', 'version', 'best', 'latest', 'rollback', 'upgrade')),
    note        text,
    previous_id bigint,
    rollback_to bigint,
    CONSTRAINT model_deployments_name_previous_key UNIQUE NULLS NOT DISTINCT (name, previous_id)
);
COMMENT ON TABLE learnerscore.model_deployments IS
  'History of model deployments, one row per deployment; the latest row of a name is its deployed version (learnerscore.deployed_models). '
  'Append-only, written only by train(), deploy() and rollback(); drop_model(name) deletes a name''s rows. Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.model_deployments.id IS 'Deployment number, increasing: the order of the deployments.';
COMMENT ON COLUMN learnerscore.model_deployments.name IS 'The model name.';
COMMENT ON COLUMN learnerscore.model_deployments.model_id IS 'The deployed model (learnerscore.models.id); kept when that version is dropped later.';
COMMENT ON COLUMN learnerscore.model_deployments.version IS 'The deployed version of the name.';
COMMENT ON COLUMN learnerscore.model_deployments.deployed_at IS 'When (the deploying transaction''s start).';
COMMENT ON COLUMN learnerscore.model_deployments.deployed_by IS 'The role that deployed (train(), deploy() or rollback() was called by it).';
COMMENT ON COLUMN learnerscore.model_deployments.strategy IS
  'How the version was chosen: trained (train() deployed its new version), version (deploy(name, version)), best or latest '
  '(deploy(name, strategy)), rollback (rollback(name)), upgrade (the model of a name when the registry was upgraded to 0.2.0).';
COMMENT ON COLUMN learnerscore.model_deployments.note IS 'Free text given to deploy() / rollback(), e.g. why train_learner_models deployed.';
COMMENT ON COLUMN learnerscore.model_deployments.previous_id IS
  'The deployment this one replaced (NULL for a name''s first); unique per name, so two concurrent deployments cannot both replace one.';
COMMENT ON COLUMN learnerscore.model_deployments.rollback_to IS
  'The deployment rollback(name) re-deploys from this one: the one it replaced, or for a rollback the one before the one it restored.';
CREATE INDEX model_deployments_name_id_idx ON learnerscore.model_deployments (name, id);

SELECT pg_catalog.pg_extension_config_dump('learnerscore.model_deployments', '');
SELECT pg_catalog.pg_extension_config_dump('learnerscore.model_deployments_id_seq', '');

REVOKE ALL ON TABLE learnerscore.model_deployments FROM PUBLIC;
REVOKE ALL ON SEQUENCE learnerscore.model_deployments_id_seq FROM PUBLIC;
GRANT SELECT ON TABLE learnerscore.model_deployments TO PUBLIC;

CREATE FUNCTION learnerscore._model_deployments_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ls_models_guard' LANGUAGE C;
COMMENT ON FUNCTION learnerscore._model_deployments_guard() IS
  'Internal: keeps learnerscore.model_deployments append-only; rows are deleted only by drop_model(name) (checked in C, no setting).';
CREATE TRIGGER model_deployments_append_only BEFORE UPDATE OR DELETE ON learnerscore.model_deployments
    FOR EACH ROW EXECUTE FUNCTION learnerscore._model_deployments_guard();
CREATE TRIGGER model_deployments_no_truncate BEFORE TRUNCATE ON learnerscore.model_deployments
    FOR EACH STATEMENT EXECUTE FUNCTION learnerscore._model_deployments_guard();

CREATE VIEW learnerscore.deployed_models AS
    SELECT DISTINCT ON (d.name) d.name, d.version, d.model_id, d.deployed_at, d.deployed_by, d.strategy, d.note
      FROM learnerscore.model_deployments d
     ORDER BY d.name, d.id DESC;
COMMENT ON VIEW learnerscore.deployed_models IS
  'The deployed version of each model name (its latest deployment): what predict(name, ...), explain(name, ...) and the learner_scores views use.';
COMMENT ON COLUMN learnerscore.deployed_models.name IS 'The model name.';
COMMENT ON COLUMN learnerscore.deployed_models.version IS 'The deployed version.';
COMMENT ON COLUMN learnerscore.deployed_models.model_id IS 'Its id in learnerscore.models.';
COMMENT ON COLUMN learnerscore.deployed_models.deployed_at IS 'When it was deployed.';
COMMENT ON COLUMN learnerscore.deployed_models.deployed_by IS 'Who deployed it.';
COMMENT ON COLUMN learnerscore.deployed_models.strategy IS 'How it was chosen (see learnerscore.model_deployments.strategy).';
COMMENT ON COLUMN learnerscore.deployed_models.note IS 'The note given when it was deployed.';
GRANT SELECT ON learnerscore.deployed_models TO PUBLIC;

CREATE FUNCTION learnerscore.deploy(name text, version int, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_deploy_version' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.deploy(text, int, text) IS
  'Deploys a version of a model name: predict(name, ...) uses it from the next statement on (in every session); returns the version. '
  'Deploying the version already deployed changes nothing. Recorded in learnerscore.model_deployments with the note. '
  'Only the model''s owner, its members and superusers may deploy (42501); an unknown name or version is 42704.';
CREATE FUNCTION learnerscore.deploy(name text, strategy text, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_deploy_strategy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.deploy(text, text, text) IS
  'Deploys the version a strategy picks and returns it: latest (the highest version) or best (the best held-out metric in '
  'models.metrics->''validation'' — AUC for classifiers, MAE for regression — or, when no version of the name has one, the '
  'in-sample metrics->''train''; a tie goes to the newer version). See deploy(text, int, text).';

CREATE FUNCTION learnerscore.rollback(name text, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_rollback' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.rollback(text, text) IS
  'Re-deploys the version deployed before the current one and returns it; each rollback steps one deployment further back '
  '(after deploying 1, 2, 3: rollback gives 2, then 1, then an error). Deployments of since-dropped versions are skipped. '
  'No earlier deployment: 55000. Owner, members and superusers only (42501).';

CREATE FUNCTION learnerscore.prune_models(name text, keep int DEFAULT 3) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_prune_models' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.prune_models(text, int) IS
  'Drops all but the keep newest versions of a model name, never the deployed version; returns how many versions were dropped. '
  'The deployment history stays. Owner, members and superusers only (42501).';

CREATE FUNCTION learnerscore.drop_model_version(name text, version int) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ls_drop_model_version' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.drop_model_version(text, int) IS
  'Drops one version of a model name; the deployed version is refused (55000: deploy another first, or drop_model(name) drops all). '
  'Unknown name or version: 42704. Owner, members and superusers only (42501).';
