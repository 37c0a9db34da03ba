-- The model lifecycle (docs/models.md, "Versions and deployments"): training a
-- name again adds a version; one version per name is deployed and used by
-- predict(name, ...); deploy by version, 'latest', 'best'; rollback steps back
-- through the history; the history is append-only; prune and drop one
-- version; bad inputs; other roles (42501); a deploy made by another session
-- applies from the next statement, and one statement uses one version.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET extra_float_digits = 0;

CREATE TABLE m49 AS
SELECT g AS id, (g % 7)::float8 AS a, ((g * 37) % 11)::float8 AS b,
       ((g % 7) + ((g * 37) % 11) / 2.0 + (g * 7919) % 5 > 7)::int AS y
FROM generate_series(1, 400) g;

-- version 1 on (a, b), version 2 on a only: both deployed in turn by train()
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a', 'b'], 'logistic') AS v1_id \gset
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a'], 'logistic') AS v2_id \gset
SELECT version, features, id = :v1_id AS is_v1, id = :v2_id AS is_v2 FROM learnerscore.models WHERE name = 'm49' ORDER BY version;
SELECT version, model_id = :v2_id AS is_v2, strategy FROM learnerscore.deployed_models WHERE name = 'm49';
-- predict by name scores the deployed version (2); by id exactly that row
SELECT learnerscore.predict('m49', '{"a": 3, "b": 9}'::jsonb) = learnerscore.predict(:v2_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS name_is_v2,
       learnerscore.predict(:v1_id::bigint, '{"a": 3, "b": 9}'::jsonb) <> learnerscore.predict(:v2_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS versions_differ;

-- deploy by version: the next statement uses version 1
SELECT learnerscore.deploy('m49', 1, 'back to both features') AS deployed;
SELECT learnerscore.predict('m49', '{"a": 3, "b": 9}'::jsonb) = learnerscore.predict(:v1_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS name_is_v1,
       learnerscore.predict_columns('m49', 3, 9) = learnerscore.predict(:v1_id::bigint, ARRAY[3, 9]::float8[]) AS columns_is_v1,
       (SELECT count(*) FROM learnerscore.model_coefficients('m49')) AS v1_terms;
-- the same version again changes nothing (no history row)
SELECT learnerscore.deploy('m49', 1) AS deployed_again;
SELECT learnerscore.deploy('m49', 'latest') AS latest;
-- best: no version has held-out metrics, so the in-sample AUC decides (version 1 sees b too)
SELECT version, (metrics->'train'->>'auc')::float8 > 0.5 AS has_auc, metrics ? 'validation' AS held_out
FROM learnerscore.models WHERE name = 'm49' ORDER BY version;
SELECT learnerscore.deploy('m49', 'best') AS best;

-- with held-out metrics (params "validate", the same numbers as cross_validate's pooled row), best
-- compares the validated versions only: 3 (a and b) beats 2 (a); 1 has in-sample metrics only
SELECT learnerscore.train('m49_b', 'm49', 'y', ARRAY['a', 'b'], 'logistic') > 0 AS v1;
SELECT learnerscore.train('m49_b', 'm49', 'y', ARRAY['a'], 'logistic', '{"validate": 4}') > 0 AS v2;
SELECT learnerscore.train('m49_b', 'm49', 'y', ARRAY['a', 'b'], 'logistic', '{"validate": 4, "deploy": false}') > 0 AS v3;
SELECT version, metrics->'validation'->>'method' AS method, (metrics->'validation'->>'folds')::int AS folds,
       abs((metrics->'validation'->>'auc')::float8 - (SELECT c.auc FROM learnerscore.cross_validate('m49', 'y', features, 'logistic', k => 4) c
                                                        WHERE c.fold = 'pooled')) < 1e-12 AS same_as_cross_validate
FROM learnerscore.models WHERE name = 'm49_b' ORDER BY version;
SELECT learnerscore.deploy('m49_b', 'best') AS best_held_out;
SELECT learnerscore.train('m49_b', 'm49', 'y', ARRAY['a'], 'logistic', '{"validate": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m49_b', 'm49', 'y', ARRAY['a'], 'logistic', '{"validate_group": "a"}');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model('m49_b') AS dropped;

-- rollback steps one deployment further back each time: 2, 1, 2, 1, then nothing earlier
SELECT learnerscore.rollback('m49') AS r1;
SELECT learnerscore.predict('m49', '{"a": 3, "b": 9}'::jsonb) = learnerscore.predict(:v2_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS rolled_back_to_v2;
SELECT learnerscore.rollback('m49') AS r2;
SELECT learnerscore.rollback('m49') AS r3;
SELECT learnerscore.rollback('m49', 'to the first') AS r4;
SELECT learnerscore.rollback('m49');
\echo :LAST_ERROR_SQLSTATE

-- the history: one row per deployment, in order
SELECT row_number() OVER (ORDER BY id) AS n, version, strategy, note, deployed_by,
       previous_id IS NULL AS first, deployed_at <= now() AS dated
FROM learnerscore.model_deployments WHERE name = 'm49' ORDER BY id;
SELECT version, strategy FROM learnerscore.deployed_models WHERE name = 'm49';
-- append-only, even for the table's owner; written only by the extension's functions
UPDATE learnerscore.model_deployments SET version = 2 WHERE name = 'm49';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM learnerscore.model_deployments WHERE name = 'm49';
\echo :LAST_ERROR_SQLSTATE
TRUNCATE learnerscore.model_deployments;
\echo :LAST_ERROR_SQLSTATE

-- a version trained with "deploy": false is kept but not deployed
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['b'], 'logistic', '{"deploy": false}') AS v3_id \gset
SELECT version FROM learnerscore.models WHERE id = :v3_id;
SELECT version FROM learnerscore.deployed_models WHERE name = 'm49';

-- prune: keep the newest version and, always, the deployed one (1): version 2 goes
SELECT learnerscore.prune_models('m49', 1) AS pruned;
SELECT version FROM learnerscore.models WHERE name = 'm49' ORDER BY version;
SELECT learnerscore.prune_models('m49', 0) AS pruned_again;  -- 3 goes; 1 is deployed
SELECT version FROM learnerscore.models WHERE name = 'm49' ORDER BY version;
-- the next version is one past the highest the name has or had deployed (2): 3 again, as 3 was never deployed
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a'], 'logistic') AS v4_id \gset
SELECT version AS v4 FROM learnerscore.models WHERE id = :v4_id \gset
\echo :v4
-- rollback skips the deployments of dropped versions: back to 1
SELECT learnerscore.rollback('m49') AS rolled_back_past_pruned;
-- drop one version: not the deployed one
SELECT learnerscore.drop_model_version('m49', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model_version('m49', :v4) AS dropped_v4;
SELECT learnerscore.drop_model_version('m49', :v4);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY sqlstate
SELECT learnerscore.predict(:v4_id::bigint, ARRAY[1]::float8[]);
\set VERBOSITY terse

-- bad inputs
SELECT learnerscore.deploy('m49_nope', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49', 99);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49', 'worst');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49', 'rollback');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy(NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49', NULL::int);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.rollback(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.rollback('m49_nope');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.prune_models('m49', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.prune_models('m49', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.prune_models('m49_nope');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model_version('m49', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model_version('m49_nope', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a'], 'logistic', '{"deploy": "maybe"}');
\echo :LAST_ERROR_SQLSTATE
-- a name whose only version was never deployed cannot be scored by name (by id it can)
SELECT learnerscore.train('m49_nd', 'm49', 'y', ARRAY['a'], 'logistic', '{"deploy": false}') AS nd_id \gset
SELECT learnerscore.predict('m49_nd', ARRAY[1]::float8[]);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.predict(:nd_id::bigint, ARRAY[1]::float8[]) BETWEEN 0 AND 1 AS scores_by_id;
SELECT learnerscore.rollback('m49_nd');
\echo :LAST_ERROR_SQLSTATE

-- another session's deploy applies from the next statement, also inside one transaction and
-- through a PL/pgSQL expression (kept for the transaction); one statement uses one version
SELECT format('host=%s port=%s dbname=%s', split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port'), current_database()) AS conninfo \gset
SELECT dblink_connect('c49', :'conninfo') AS c49;
SELECT learnerscore.deploy('m49', 1) AS v1_deployed;
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a'], 'logistic', '{"deploy": false}') AS v5_id \gset
SELECT version AS v5 FROM learnerscore.models WHERE id = :v5_id \gset
CREATE FUNCTION pg_temp.score() RETURNS float8 LANGUAGE plpgsql AS $$
BEGIN RETURN learnerscore.predict('m49', '{"a": 3, "b": 9}'::jsonb); END $$;
-- scores, has c49 deploy `version`, scores again: both scores in one statement
CREATE FUNCTION pg_temp.score_deploy_score(version int, OUT before float8, OUT after float8) LANGUAGE plpgsql AS $$
BEGIN
    before := pg_temp.score();
    PERFORM * FROM dblink('c49', format('SELECT learnerscore.deploy(%L, %s)', 'm49', version)) AS t(v int);
    after := pg_temp.score();
END $$;
BEGIN;
SELECT pg_temp.score() = learnerscore.predict(:v1_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS uses_v1;
SELECT v = :v5 AS c49_deployed_v5 FROM dblink('c49', format('SELECT learnerscore.deploy(%L, %s)', 'm49', :v5)) AS t(v int);
SELECT pg_temp.score() = learnerscore.predict(:v5_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS next_statement_uses_v5;
COMMIT;
SELECT before = after AS one_version_per_statement,
       before = learnerscore.predict(:v5_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS statement_used_v5
FROM pg_temp.score_deploy_score(1);
SELECT pg_temp.score() = learnerscore.predict(:v1_id::bigint, '{"a": 3, "b": 9}'::jsonb) AS then_v1;
SELECT dblink_disconnect('c49');

-- other roles: an analyst may not deploy, roll back, prune or drop another role's versions (42501),
-- nor train a new version of it; a member of the owning role may
CREATE ROLE regress_lc_owner;
CREATE ROLE regress_lc_other;
CREATE ROLE regress_lc_member;
CREATE ROLE regress_lc_none;
GRANT learnerscore_analyst TO regress_lc_owner, regress_lc_other, regress_lc_member;
GRANT regress_lc_owner TO regress_lc_member;
GRANT SELECT ON m49 TO regress_lc_owner, regress_lc_other, regress_lc_member;
SET ROLE regress_lc_owner;
SELECT learnerscore.train('m49_o', 'm49', 'y', ARRAY['a'], 'logistic') > 0 AS v1_trained;
SELECT learnerscore.train('m49_o', 'm49', 'y', ARRAY['a', 'b'], 'logistic') > 0 AS v2_trained;
SELECT learnerscore.deploy('m49_o', 1) AS owner_deploys;
RESET ROLE;
SET ROLE regress_lc_other;
SELECT learnerscore.deploy('m49_o', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.deploy('m49_o', 'latest');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.rollback('m49_o');
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.prune_models('m49_o', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.drop_model_version('m49_o', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('m49_o', 'm49', 'y', ARRAY['a'], 'logistic');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO learnerscore.model_deployments (name, model_id, version, deployed_by, strategy)
SELECT 'm49_o', id, version, 'regress_lc_other', 'version' FROM learnerscore.models WHERE name = 'm49_o' AND version = 2;
\echo :LAST_ERROR_SQLSTATE
-- anyone scores with the deployed version
SELECT learnerscore.predict('m49_o', '{"a": 3, "b": 9}'::jsonb) BETWEEN 0 AND 1 AS other_scores;
RESET ROLE;
SET ROLE regress_lc_none;
SELECT learnerscore.deploy('m49_o', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM learnerscore.deployed_models WHERE name = 'm49_o';
RESET ROLE;
SET ROLE regress_lc_member;
SELECT learnerscore.deploy('m49_o', 2) AS member_deploys;
SELECT learnerscore.train('m49_o', 'm49', 'y', ARRAY['b'], 'logistic') AS m3_id \gset
SELECT version, owner FROM learnerscore.models WHERE id = :m3_id;
SELECT deployed_by, strategy FROM learnerscore.deployed_models WHERE name = 'm49_o';
SELECT learnerscore.rollback('m49_o') AS member_rolls_back;
SELECT learnerscore.prune_models('m49_o', 0) AS member_prunes;
RESET ROLE;

-- drop_model drops every version and the history: the name is free, versions start again at 1
SELECT learnerscore.drop_model('m49') AS dropped, learnerscore.drop_model('m49_o') AS dropped_o,
       learnerscore.drop_model('m49_nd') AS dropped_nd;
SELECT count(*) AS versions_left FROM learnerscore.models WHERE name LIKE 'm49%';
SELECT count(*) AS history_left FROM learnerscore.model_deployments WHERE name LIKE 'm49%';
SELECT learnerscore.train('m49', 'm49', 'y', ARRAY['a'], 'logistic') AS again_id \gset
SELECT version FROM learnerscore.models WHERE id = :again_id;
SELECT learnerscore.drop_model('m49') AS dropped;
DROP TABLE m49;

-- the learner-model tables of a data schema: a 0.1.0-layout learner_model_metrics (per week and
-- target, no runs) is brought up to date without losing rows; its rows become run 1; idempotent
CREATE SCHEMA m49s;
CREATE TABLE m49s.learner_model_metrics (
    week int, target text, algorithm text, validation text, rows float8,
    auc float8, brier float8, calibration_error float8, log_loss float8, accuracy float8, mae float8, rmse float8,
    model_id bigint, trained_at timestamptz DEFAULT now(), PRIMARY KEY (week, target));
INSERT INTO m49s.learner_model_metrics (week, target, algorithm, validation, rows, auc, mae, model_id, trained_at)
VALUES (1, 'dropout', 'xgboost', 'leave-one-course-out', 100, 0.7, NULL, 11, '2026-01-01'),
       (1, 'm2_progress', 'xgboost', 'leave-one-course-out', 100, NULL, 20, 12, '2026-01-01');
SELECT learnerscore._ensure_learner_model_tables('m49s');
SELECT learnerscore._ensure_learner_model_tables('m49s');
SELECT run_id, week, target, auc, mae, model_id, model_name, model_version, deployed, deploy_decision
FROM m49s.learner_model_metrics ORDER BY target;
SELECT run_id, trained_at, weeks, deploy_policy, models, models_deployed FROM m49s.learner_model_runs;
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'm49s.learner_model_metrics'::regclass;
SELECT count(*) AS latest_rows FROM m49s.learner_model_metrics_latest;
SELECT to_regclass('m49s.learner_targets') IS NOT NULL AS targets_table;
SELECT learnerscore._ensure_learner_model_tables('m49s_new');
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA m49s CASCADE;
-- a role without the owner kind may not call it
SET ROLE regress_lc_other;
SELECT learnerscore._ensure_learner_model_tables('m49s');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_lc_owner, regress_lc_other, regress_lc_member, regress_lc_none;
