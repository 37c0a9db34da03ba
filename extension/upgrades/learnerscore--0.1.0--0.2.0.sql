-- learnerscore 0.1.0 -> 0.2.0 (ALTER EXTENSION learnerscore UPDATE TO '0.2.0').
-- After this script an installation made with 0.1.0 has the same objects as a
-- fresh 0.2.0 install; tests/e2e/upgrade_catalog.sh compares the two catalogs.
-- Data schemas made by create_learning_schema / create_course_effects_schema
-- are not touched here: learnerscore.upgrade_learning_schema(schema) and
-- learnerscore.upgrade_course_effects_schema(schema) bring each one up to date.
\echo Use "ALTER EXTENSION learnerscore UPDATE TO '0.2.0'" to load this file. \quit


-- ---------------------------------------------------------------------------
-- The model lifecycle (issue 13, item 4; docs/models.md "Versions and deployments"):
-- models.version with UNIQUE (name, version) instead of UNIQUE (name), the
-- deployment history learnerscore.model_deployments (every existing model is
-- version 1 of its name and deployed, strategy 'upgrade'), the view
-- learnerscore.deployed_models, deploy(), rollback(), prune_models(),
-- drop_model_version().
-- ---------------------------------------------------------------------------
-- a column added with a default fills existing rows without an UPDATE (the
-- registry's immutability trigger would refuse one); the default goes after
ALTER TABLE learnerscore.models ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version > 0);
ALTER TABLE learnerscore.models ALTER COLUMN version DROP DEFAULT;
ALTER TABLE learnerscore.models DROP CONSTRAINT models_name_key;
ALTER TABLE learnerscore.models ADD CONSTRAINT models_name_version_key UNIQUE (name, version);
COMMENT ON TABLE learnerscore.models IS
  'Registry of trained models (learnerscore.train), one row per version of a name. Rows are immutable and written only by '
  'train(), drop_model(), drop_model_version() and prune_models(). Readable by everyone; dumped by pg_dump.';
COMMENT ON COLUMN learnerscore.models.id IS 'The model''s id (never reused): predict(id, ...) scores exactly this version.';
COMMENT ON COLUMN learnerscore.models.name IS 'The model''s name; predict(name, ...) scores its deployed version (learnerscore.deployed_models).';
COMMENT ON COLUMN learnerscore.models.version IS
  'Version of the name: train() of a name that exists adds the next version (1, 2, ...; a number is never reused while the name exists).';
COMMENT ON COLUMN learnerscore.models.metrics IS
  'In-sample metrics ("train"), held-out metrics ("validation", when train() cross-validated: params "validate"), coefficients with '
  'standard errors for linear models, encoded column count, skipped NULL-target rows.';
COMMENT ON COLUMN learnerscore.models.owner IS
  'The name''s owner: the role that trained its first version (later versions keep it). Only it, its members and superusers may '
  'train new versions, deploy, roll back, prune or drop the model.';
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

-- every model of 0.1.0 is version 1 of its name, deployed
INSERT INTO learnerscore.model_deployments (name, model_id, version, deployed_at, deployed_by, strategy, note)
SELECT name, id, version, trained_at, owner, 'upgrade', 'deployed when the registry was upgraded to 0.2.0'
  FROM learnerscore.models ORDER BY id;
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
    AS 'MODULE_PATHNAME', 'ls_deploy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION learnerscore.deploy(text, int, text) IS
  'Deploys a version of a model name: predict(name, ...) uses it from the next statement on (in every session); returns the version. '
  'Deploying the version already deployed changes nothing. Recorded in learnerscore.model_deployments with the note. '
  'Only the model''s owner, its members and superusers may deploy (42501); an unknown name or version is 42704.';
CREATE FUNCTION learnerscore.deploy(name text, strategy text, note text DEFAULT NULL) RETURNS int
    AS 'MODULE_PATHNAME', 'ls_deploy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
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

COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. Training a name again adds its next version '
  '(learnerscore.models.version) and deploys it unless params has "deploy": false; a name taken by another role''s model is 42501; '
  'two train() calls of one name run one after the other. C++ buffers are bounded by learnerscore.max_train_memory (53200).';

CREATE OR REPLACE FUNCTION learnerscore.model_coefficients(model text)
    RETURNS TABLE (term text, estimate float8, std_error float8, z float8, p_value float8)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
COMMENT ON FUNCTION learnerscore.predict(text, float8[]) IS
  'Scores one row with a model (by name: its deployed version, learnerscore.deployed_models): the probability for classifiers, the predicted value for regression. '
  'Features in the model''s order (learnerscore.models.features); NULL elements are missing values. The model is decoded once per query; '
  'one statement uses one version, a deployment made meanwhile applies from the next statement.';
COMMENT ON FUNCTION learnerscore.predict(bigint, float8[]) IS 'Scores one row with the model version given by id; see predict(text, float8[]).';

REVOKE EXECUTE ON FUNCTION learnerscore._model_deployments_guard() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION learnerscore.deploy(text, int, text), learnerscore.deploy(text, text, text),
    learnerscore.rollback(text, text), learnerscore.prune_models(text, int), learnerscore.drop_model_version(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore.deploy(text, int, text), learnerscore.deploy(text, text, text),
    learnerscore.rollback(text, text), learnerscore.prune_models(text, int), learnerscore.drop_model_version(text, int)
    TO learnerscore_analyst;
-- (the routine list of 900_privileges.sql, with the lifecycle's functions)
CREATE OR REPLACE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
        -- the model lifecycle (300_models_registry.sql): versions, deployments, pruning
        ('analyst', ARRAY['deploy', 'rollback', 'prune_models', 'drop_model_version']),
        -- learning schemas (100_learning_schema.sql, 130_create_learning_schema.sql)
        ('owner', ARRAY['create_learning_schema', '_create_load_tables', '_create_learning_tables',
                        '_create_table', '_create_schema_if_missing', '_comment_table',
                        '_learning_schema_relations', '_learning_schema_fingerprint', '_extension_fingerprint',
                        '_relations_fingerprint', '_lock_learning_schema']),
        -- the analyst views and their caches (115_view_cache.sql, 120_learning_views.sql)
        ('owner', ARRAY['refresh_analyst_views', '_cached_views', '_view_base_tables', '_view_definitions',
                        '_create_view_cache', '_invalidate_view_caches', '_lock_analyst_view_caches',
                        '_create_learning_views',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;
