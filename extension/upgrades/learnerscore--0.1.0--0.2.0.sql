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

COMMENT ON FUNCTION learnerscore.train(text, text, text, text[], text, jsonb) IS
  'Trains a model on a relation or a query (SELECT/WITH/VALUES/TABLE) and stores it in learnerscore.models; returns its id. '
  'algorithm: logistic (L2 Newton/IRLS; params l2 default 1, max_iterations, tolerance), linear (OLS, ridge with l2 > 0; standard errors), '
  'xgboost (params objective binary:logistic|reg:squarederror, inferred from a 0/1 target; num_round, max_depth, eta, ...; '
  'nthread defaults to the setting learnerscore.xgboost_nthread, else 1). Text features are one-hot encoded; NULL features are '
  'imputed (training mean / most frequent level, recorded) for linear models and missing for XGBoost; rows with a NULL target are skipped. '
  'The source is read with the caller''s privileges; the model is owned by the calling role. Training a name again adds its next version '
  '(learnerscore.models.version) and deploys it unless params has "deploy": false; params "validate": k (k-fold, seed 42) or '
  '"validate_group": column (leave-one-group-out) also records held-out metrics in metrics.validation, as cross_validate()''s '
  'pooled row (deploy(name, ''best'') uses them); a name taken by another role''s model is 42501; '
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

-- Learner models per training run (350_learner_models.sql): train_learner_models
-- keeps each run's models as new versions, records the run and appends its
-- metrics, with a deploy policy (a new argument: the procedure is re-created);
-- learner_scores scores the deployed versions; the data-schema tables come from
-- _ensure_learner_model_tables (upgrade_learning_schema calls it).
DROP PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[]);
-- The data-schema tables of the learner models, created or brought up to date
-- (a 0.1.0-layout learner_model_metrics gets its run columns, its rows become
-- run 1) without losing rows; idempotent. learnerscore.upgrade_learning_schema calls it.
CREATE FUNCTION learnerscore._ensure_learner_model_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    legacy_run bigint;
    weeks int;
    base text[];
BEGIN
    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_targets (
        user_id int PRIMARY KEY, course_id int, final_status text, completion int, dropout int, m2_progress float8)$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_targets IS %L', s,
        'Training targets of the learner models: completion = m2_attestation >= 50 and m2_progress >= 50; dropout = ends asleep (latest status) or does not complete module 2.');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_runs (
        run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(),
        weeks int, algorithm text, params jsonb, base_features text[], validation text, deploy_policy text,
        models jsonb NOT NULL DEFAULT '[]', models_deployed int)$q$, s);
    EXECUTE format('COMMENT ON TABLE %s.learner_model_runs IS %L', s,
        'One row per learnerscore.train_learner_models run: when, with what, and the models it trained (name, version, id, deployed).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.run_id IS %L', s, 'Run number (increasing); learner_model_metrics.run_id.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.deploy_policy IS %L', s,
        'always (every new model deployed), if_not_worse (deployed only when its held-out metric is not worse than the deployed version''s), never; legacy for metrics kept from before 0.2.0.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models IS %L', s,
        'The run''s models: [{"name", "version", "id", "deployed"}], one per target and week.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_runs.models_deployed IS %L', s, 'How many of the run''s models were deployed.');

    EXECUTE format($q$CREATE TABLE IF NOT EXISTS %1$s.learner_model_metrics (
        week int, target text, algorithm text, validation text, rows float8,
        auc float8, brier float8, calibration_error float8, log_loss float8, accuracy float8, mae float8, rmse float8,
        model_id bigint, trained_at timestamptz DEFAULT now())$q$, s);
    -- the 0.2.0 columns (a 0.1.0 table has none of them)
    EXECUTE format($q$ALTER TABLE %1$s.learner_model_metrics
        ADD COLUMN IF NOT EXISTS run_id bigint, ADD COLUMN IF NOT EXISTS model_name text,
        ADD COLUMN IF NOT EXISTS model_version int, ADD COLUMN IF NOT EXISTS deployed boolean,
        ADD COLUMN IF NOT EXISTS deploy_decision text$q$, s);
    -- rows from before 0.2.0 (one run, models that became version 1 and stayed deployed) become a run of their own
    EXECUTE format('SELECT 1 FROM %s.learner_model_metrics WHERE run_id IS NULL LIMIT 1', s) INTO legacy_run;
    IF legacy_run IS NOT NULL THEN
        EXECUTE format($q$INSERT INTO %1$s.learner_model_runs (trained_at, weeks, algorithm, validation, deploy_policy, models, models_deployed)
            SELECT min(trained_at), max(week), min(algorithm), min(validation), 'legacy',
                   coalesce(jsonb_agg(jsonb_build_object('name', format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                                                         'version', 1, 'id', model_id, 'deployed', true) ORDER BY target, week), '[]'),
                   count(*)
              FROM %1$s.learner_model_metrics WHERE run_id IS NULL RETURNING run_id$q$, s, schema_name) INTO legacy_run;
        EXECUTE format($q$UPDATE %1$s.learner_model_metrics
            SET run_id = $1, model_name = format('%%s.%%s_w%%s', %2$L, target, lpad(week::text, 2, '0')),
                model_version = 1, deployed = true, deploy_decision = 'trained before 0.2.0'
            WHERE run_id IS NULL$q$, s, schema_name) USING legacy_run;
    END IF;
    EXECUTE format('ALTER TABLE %s.learner_model_metrics ALTER COLUMN run_id SET NOT NULL', s);
    -- a learner_scores view made by 0.1.0 scores fixed model ids: re-create it over the deployed versions,
    -- with the weeks and the base features its models were trained with
    IF legacy_run IS NOT NULL AND to_regclass(s || '.learner_scores') IS NOT NULL THEN
        EXECUTE format('SELECT max(week) FROM %s.learner_model_metrics', s) INTO weeks;
        SELECT array_agg(substring(u.f FROM '^(.*)_1_week$') ORDER BY u.o) INTO base
          FROM learnerscore.models m, unnest(m.features) WITH ORDINALITY AS u(f, o)
         WHERE m.id = (SELECT d.model_id FROM learnerscore.deployed_models d
                        WHERE d.name = format('%s.dropout_w01', schema_name))
           AND u.f LIKE '%\_1\_week';
        IF weeks IS NOT NULL AND base IS NOT NULL THEN
            PERFORM learnerscore._create_learner_scores_view(schema_name, weeks,
                CASE WHEN base = learnerscore.learner_model_features() THEN NULL ELSE base END);
        END IF;
    END IF;
    -- one row per run, week and target (0.1.0: per week and target)
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = to_regclass(s || '.learner_model_metrics') AND contype = 'p'
                      AND pg_get_constraintdef(oid) = 'PRIMARY KEY (run_id, week, target)') THEN
        EXECUTE format('ALTER TABLE %s.learner_model_metrics DROP CONSTRAINT IF EXISTS learner_model_metrics_pkey', s);
        EXECUTE format('ALTER TABLE %s.learner_model_metrics ADD CONSTRAINT learner_model_metrics_pkey PRIMARY KEY (run_id, week, target)', s);
    END IF;
    EXECUTE format('COMMENT ON TABLE %s.learner_model_metrics IS %L', s,
        'Per-run, per-week held-out metrics of the learner models (dropout, completion: AUC, Brier, calibration error; m2_progress: MAE, RMSE), '
        'from predictions on courses the model did not train on (leave-one-course-out), the model trained on all courses (name, version, id) '
        'and whether it was deployed. Every run of train_learner_models appends its rows: plot a metric over trained_at.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.run_id IS %L', s, 'The run (learner_model_runs.run_id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.trained_at IS %L', s, 'When the run started.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_id IS %L', s, 'The model trained on all courses (learnerscore.models.id).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_name IS %L', s, 'Its name, <schema>.<target>_w<kk>.');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.model_version IS %L', s, 'Its version (learnerscore.models.version).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deployed IS %L', s, 'Whether the run deployed it (the deploy policy''s decision).');
    EXECUTE format('COMMENT ON COLUMN %s.learner_model_metrics.deploy_decision IS %L', s, 'Why it was or was not deployed.');

    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_model_metrics_latest AS
        SELECT * FROM %1$s.learner_model_metrics WHERE run_id = (SELECT max(run_id) FROM %1$s.learner_model_metrics)$q$, s);
    EXECUTE format('COMMENT ON VIEW %s.learner_model_metrics_latest IS %L', s,
        'learner_model_metrics of the latest train_learner_models run.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._ensure_learner_model_tables(text) IS
  'Internal: creates the learner-model tables of a data schema (learner_targets, learner_model_runs, learner_model_metrics, '
  'learner_model_metrics_latest) or brings 0.1.0-layout ones up to date without losing rows; idempotent.';

CREATE PROCEDURE learnerscore.train_learner_models(
    schema_name text, weeks int DEFAULT 10, algorithm text DEFAULT 'xgboost',
    params jsonb DEFAULT '{"num_round": 60, "max_depth": 3, "eta": 0.15, "subsample": 0.9, "max_bin": 32}',
    base_features text[] DEFAULT NULL, deploy text DEFAULT 'always')
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
DECLARE
    s text;
    k int;
    tgt text;
    feats text[];
    cv record;
    model_name text;
    new_id bigint;
    new_version int;
    ncourses int;
    validation text;
    run bigint;
    run_models jsonb := '[]';
    n_deployed int := 0;
    old_id bigint;
    old_metric float8;
    new_metric float8;
    higher_better boolean;
    metric_name text;
    do_deploy boolean;
    decision text;
BEGIN
    IF schema_name IS NULL OR weeks IS NULL OR weeks < 1 OR weeks > 52 THEN
        RAISE EXCEPTION 'schema must be given and weeks between 1 and 52' USING ERRCODE = '22023';
    END IF;
    IF deploy IS NULL OR deploy NOT IN ('always', 'if_not_worse', 'never') THEN
        RAISE EXCEPTION 'unknown deploy policy "%"', deploy USING ERRCODE = '22023',
            HINT = 'Use always, if_not_worse or never.';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.learner_daily') IS NULL OR to_regclass(s || '.learner_status') IS NULL THEN
        RAISE EXCEPTION 'relation %.learner_daily does not exist', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.refresh_learner_daily(%L) first.', schema_name);
    END IF;
    PERFORM learnerscore._create_learner_weekly_view(schema_name, weeks);
    PERFORM learnerscore._ensure_learner_model_tables(schema_name);

    -- Targets: final status on the latest materialized date, completion and dropout.
    EXECUTE format('TRUNCATE %s.learner_targets', s);
    EXECUTE format($q$INSERT INTO %1$s.learner_targets
        SELECT u.user_id, u.course_id, st.status,
               coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false)::int,
               (st.status = 'asleep' OR NOT coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false))::int,
               u.m2_progress
          FROM %1$s.users u LEFT JOIN %1$s.learner_status st ON st.user_id = u.user_id$q$, s);

    EXECUTE format('SELECT count(DISTINCT course_id) FROM %s.learner_targets', s) INTO ncourses;
    validation := CASE WHEN ncourses >= 2 THEN 'leave-one-course-out' ELSE '5-fold' END;
    EXECUTE format('INSERT INTO %s.learner_model_runs (weeks, algorithm, params, base_features, validation, deploy_policy) '
                   'VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id', s)
        INTO run USING weeks, algorithm, params, base_features, validation, deploy;

    -- Aggregating straight over the learner_weekly view is slow (its expressions are
    -- re-evaluated per aggregate); materialize the week-end rows once.
    DROP TABLE IF EXISTS _ls_weekly;
    EXECUTE format('CREATE TEMP TABLE _ls_weekly AS SELECT * FROM %s.learner_weekly', s);
    FOR k IN 1..weeks LOOP
        DROP TABLE IF EXISTS _ls_learner_features;
        EXECUTE format('CREATE TEMP TABLE _ls_learner_features AS SELECT f.*, t.dropout, t.completion, t.m2_progress '
                       'FROM (%s) f JOIN %s.learner_targets t USING (user_id, course_id)',
                       learnerscore._learner_features_sql(schema_name, k, NULL, '_ls_weekly', base_features), s);
        feats := learnerscore._learner_feature_names(k, base_features);
        FOREACH tgt IN ARRAY ARRAY['dropout', 'completion', 'm2_progress'] LOOP
            model_name := format('%s.%s_w%s', schema_name, tgt, lpad(k::text, 2, '0'));
            -- a new version of the name, deployed below as the policy says; train() validates it on
            -- held-out courses (leave-one-course-out; 5-fold with one course) and records that in its metrics
            new_id := learnerscore.train(model_name, '_ls_learner_features', tgt, feats, algorithm,
                                         params || jsonb_build_object('deploy', false) ||
                                         CASE WHEN ncourses >= 2 THEN '{"validate_group": "course_id"}'
                                              ELSE '{"validate": 5}' END::jsonb);
            SELECT m.version, (v->>'rows')::float8 AS test_rows, (v->>'auc')::float8 AS auc, (v->>'brier')::float8 AS brier,
                   (v->>'calibration_error')::float8 AS calibration_error, (v->>'log_loss')::float8 AS log_loss,
                   (v->>'accuracy')::float8 AS accuracy, (v->>'mae')::float8 AS mae, (v->>'rmse')::float8 AS rmse
              INTO cv
              FROM learnerscore.models m, LATERAL (SELECT m.metrics->'validation' AS v) x WHERE m.id = new_id;
            new_version := cv.version;
            -- the held-out metric: AUC (higher is better) for the classifiers, MAE (lower is better) for m2_progress
            higher_better := tgt <> 'm2_progress';
            metric_name := CASE WHEN higher_better THEN 'auc' ELSE 'mae' END;
            new_metric := CASE WHEN higher_better THEN cv.auc ELSE cv.mae END;
            SELECT d.model_id INTO old_id FROM learnerscore.deployed_models d WHERE d.name = model_name;
            old_metric := NULL;
            IF old_id IS NOT NULL THEN
                EXECUTE format('SELECT CASE WHEN $2 THEN auc ELSE mae END FROM %s.learner_model_metrics '
                               'WHERE model_id = $1 ORDER BY run_id DESC LIMIT 1', s)
                    INTO old_metric USING old_id, higher_better;
            END IF;
            IF deploy = 'always' THEN
                do_deploy := true;
                decision := 'always';
            ELSIF deploy = 'never' THEN
                do_deploy := false;
                decision := 'never';
            ELSIF old_id IS NULL THEN
                do_deploy := true;
                decision := 'if_not_worse: no version deployed';
            ELSIF old_metric IS NULL OR old_metric = 'NaN' THEN
                do_deploy := true;
                decision := 'if_not_worse: no held-out ' || metric_name || ' recorded for the deployed model ' || old_id;
            ELSE
                do_deploy := new_metric IS NOT NULL AND new_metric <> 'NaN' AND
                             CASE WHEN higher_better THEN new_metric >= old_metric ELSE new_metric <= old_metric END;
                decision := format('if_not_worse: held-out %s %s %s than %s of the deployed model %s',
                                   metric_name, round(new_metric::numeric, 4),
                                   CASE WHEN do_deploy THEN 'not worse' ELSE 'worse' END, round(old_metric::numeric, 4), old_id);
            END IF;
            IF do_deploy THEN
                PERFORM learnerscore.deploy(model_name, new_version, format('train_learner_models run %s: %s', run, decision));
                n_deployed := n_deployed + 1;
            END IF;
            run_models := run_models || jsonb_build_object('name', model_name, 'version', new_version, 'id', new_id,
                                                           'deployed', do_deploy);
            EXECUTE format('INSERT INTO %s.learner_model_metrics (week, target, algorithm, validation, rows, auc, brier, '
                           'calibration_error, log_loss, accuracy, mae, rmse, model_id, trained_at, run_id, model_name, '
                           'model_version, deployed, deploy_decision) '
                           'SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13, r.trained_at, r.run_id, $14, $15, $16, $17 '
                           'FROM %s.learner_model_runs r WHERE r.run_id = $18', s, s)
                USING k, tgt, algorithm, validation, cv.test_rows, cv.auc, cv.brier, cv.calibration_error, cv.log_loss,
                      cv.accuracy, cv.mae, cv.rmse, new_id, model_name, new_version, do_deploy, decision, run;
        END LOOP;
    END LOOP;
    DROP TABLE IF EXISTS _ls_learner_features;
    DROP TABLE IF EXISTS _ls_weekly;
    EXECUTE format('UPDATE %s.learner_model_runs SET models = $1, models_deployed = $2 WHERE run_id = $3', s)
        USING run_models, n_deployed, run;
    IF EXISTS (SELECT 1 FROM generate_series(1, weeks) j, unnest(ARRAY['dropout', 'completion', 'm2_progress']) t
                WHERE NOT EXISTS (SELECT 1 FROM learnerscore.deployed_models d
                                   WHERE d.name = format('%s.%s_w%s', schema_name, t, lpad(j::text, 2, '0')))) THEN
        RAISE NOTICE 'learner models of schema % are not all deployed: %.learner_scores was not (re)created', schema_name, s
            USING HINT = 'Deploy them with learnerscore.deploy(name, version), or train with deploy => ''always''.';
    ELSE
        PERFORM learnerscore._create_learner_scores_view(schema_name, weeks, base_features);
    END IF;
END
$proc$;
COMMENT ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text) IS
  'Trains, for each week k = 1..weeks, models of dropout, completion and m2_progress on the leak-free week-k features '
  'as new versions of <schema>.<target>_w<kk> in learnerscore.models (earlier versions are kept: prune them with prune_models), '
  'records the run in <schema>.learner_model_runs and appends its leave-one-course-out metrics to <schema>.learner_model_metrics, '
  'deploys the new models as deploy says (always; if_not_worse: per target and week, only when the held-out AUC, or MAE for '
  'm2_progress, is not worse than that of the deployed version; never), and creates the view <schema>.learner_scores over the deployed versions. '
  'base_features (default learnerscore.learner_model_features()) are the learner_daily columns used per week. '
  'Run CALL learnerscore.refresh_learner_daily(schema) first.';

CREATE OR REPLACE FUNCTION learnerscore._create_learner_scores_view(schema_name text, weeks int, base_features text[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    branches text := '';
    k int;
    d text; c text; p text;
BEGIN
    FOR k IN 1..weeks LOOP
        d := format('%s.dropout_w%s', schema_name, lpad(k::text, 2, '0'));
        c := format('%s.completion_w%s', schema_name, lpad(k::text, 2, '0'));
        p := format('%s.m2_progress_w%s', schema_name, lpad(k::text, 2, '0'));
        IF (SELECT count(*) FROM learnerscore.deployed_models dm WHERE dm.name IN (d, c, p)) < 3 THEN
            RAISE EXCEPTION 'the week-% learner models of schema % are missing', k, schema_name USING ERRCODE = '42704',
                HINT = 'Run CALL learnerscore.train_learner_models(schema) first.';
        END IF;
        branches := branches || CASE WHEN k > 1 THEN ' UNION ALL ' ELSE '' END || format(
            $q$SELECT f.user_id, f.course_id, %2$s AS week,
                      learnerscore.predict(%3$L::text, f) AS dropout_probability,
                      learnerscore.predict(%4$L::text, f) AS completion_probability,
                      greatest(0, least(100, learnerscore.predict(%5$L::text, f))) AS predicted_m2_progress,
                      learnerscore.top_reasons(learnerscore.explain(%3$L::text, f), to_jsonb(f), 3) AS top_reasons,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %3$L) AS dropout_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %4$L) AS completion_model_id,
                      (SELECT dm.model_id FROM learnerscore.deployed_models dm WHERE dm.name = %5$L) AS progress_model_id
                 FROM (%1$s) f$q$,
            learnerscore._learner_features_sql(schema_name, k,
                format('u.course_id IN (SELECT course_id FROM cw WHERE cw.week = %s)', k), 'lw', base_features),
            k, d, c, p);
    END LOOP;
    -- A course is scored with the models of its last completed week (at most `weeks`, at least 1).
    EXECUTE format($q$CREATE OR REPLACE VIEW %1$s.learner_scores AS
        WITH lw AS MATERIALIZED (SELECT * FROM %1$s.learner_weekly),
        cw AS (
            SELECT st.course_id,
                   least(%2$s, greatest(1, ((SELECT max(cur_date) FROM %1$s.learner_daily) - st.course_start + 1) / 7))::int AS week
              FROM (SELECT course_id, min(date_shown)::date AS course_start FROM %1$s.schedule
                     WHERE isfinite(date_shown) GROUP BY course_id) st),
        scored AS (%3$s)
        SELECT sc.user_id, sc.course_id, ls.status, sc.dropout_probability, sc.completion_probability,
               sc.predicted_m2_progress,
               rank() OVER (PARTITION BY sc.course_id ORDER BY sc.dropout_probability DESC)::int AS risk_rank,
               sc.top_reasons, sc.week AS model_week,
               sc.dropout_model_id, sc.completion_model_id, sc.progress_model_id
          FROM scored sc LEFT JOIN %1$s.learner_status ls ON ls.user_id = sc.user_id$q$, s, weeks, branches);
    EXECUTE format('COMMENT ON VIEW %s.learner_scores IS %L', s,
        'Scored learners on the latest date: activity status, dropout and completion probabilities, predicted m2_progress, '
        'risk_rank within the course (1 = contact first), top_reasons (the three features that raise the dropout risk most), '
        'the course week whose models were used and the model ids: the deployed versions (learnerscore.deployed_models) at the time of the query. '
        'Made by learnerscore.train_learner_models.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_learner_scores_view(text, int, text[]) IS 'Internal: (re)creates <schema>.learner_scores over the deployed versions of the weekly models.';

REVOKE EXECUTE ON FUNCTION learnerscore._ensure_learner_model_tables(text) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION learnerscore._ensure_learner_model_tables(text) TO learnerscore_owner;
GRANT EXECUTE ON PROCEDURE learnerscore.train_learner_models(text, int, text, jsonb, text[], text) TO learnerscore_owner;

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
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names',
                        '_ensure_learner_model_tables']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;
