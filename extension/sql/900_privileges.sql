-- The privilege model (docs/security.md): three group roles, one call that
-- grants each kind of user, and nothing internal executable by PUBLIC.
--
--   learnerscore_reader   BI tools: the analyst and scored views (and the functions they call)
--   learnerscore_analyst  + train, cross-validate and drop its own models (predict, explain and
--                           the metric and causal aggregates are open to every role)
--   learnerscore_owner    + create schemas, load, refresh, the learner-model pipeline
--
-- Each kind includes the one before it. Group roles are cluster-wide and NOLOGIN;
-- they are created once and kept (DROP EXTENSION leaves roles alone, as it must:
-- other databases of the cluster may use them).
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['learnerscore_reader', 'learnerscore_analyst', 'learnerscore_owner'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;
GRANT learnerscore_reader TO learnerscore_analyst;
GRANT learnerscore_analyst TO learnerscore_owner;

-- What each kind may execute beyond what PUBLIC may. An internal function (name
-- starting with "_") not listed here is executable by nobody but the extension's
-- owner: aggregate support functions (PostgreSQL checks the aggregate owner's
-- right to call them, not the caller's) and trigger functions (not checked when
-- they fire). tests/regress/sql/security/60_privileges.sql fails when a function is missing from this list.
CREATE FUNCTION learnerscore._routine_access(OUT routine text, OUT kind text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r, k FROM (VALUES
        -- training and cross-validation (train() and cross_validate() are the public entry points)
        ('analyst', ARRAY['train', 'cross_validate', 'drop_model', '_read_source', '_models_normal_cdf',
                          '_weekly_feature_names', '_weekly_features_sql', '_learner_daily_all']),
        -- the model lifecycle (300_models_registry.sql): versions, deployments, pruning
        ('analyst', ARRAY['deploy', 'rollback', 'prune_models', 'drop_model_version']),
        -- uplift models (330_uplift.sql)
        ('analyst', ARRAY['train_uplift']),
        -- contacts: their effect, the uplift model and today's plan (420_contact_plan.sql)
        ('analyst', ARRAY['contact_effect', 'contact_policy_values', '_learner_outcomes_sql', '_contact_features_sql',
                          '_contact_experiment_sql', '_require_contact_schema']),
        ('owner', ARRAY['train_contact_uplift', 'contact_plan', '_ensure_contact_tables']),
        -- per-employee course effects (430_course_cate.sql; the recommendations read with the caller's rights)
        ('owner', ARRAY['course_cate']),
        -- learning schemas (100_learning_schema.sql, 130_create_learning_schema.sql)
        ('owner', ARRAY['create_learning_schema', '_create_load_tables', '_create_learning_tables',
                        '_create_table', '_create_schema_if_missing', '_comment_table',
                        '_learning_schema_relations', '_learning_schema_fingerprint', '_extension_fingerprint',
                        '_relations_fingerprint', '_lock_learning_schema',
                        '_layout_version', '_recorded_layout', '_stamp_layout', '_require_current_layout']),
        -- upgrading data schemas (800_schema_upgrades.sql)
        ('owner', ARRAY['upgrade_learning_schema', 'upgrade_course_effects_schema', '_upgrade_target',
                        '_data_schema_parts']),
        -- the nightly work of a schema (810_nightly.sql)
        ('owner', ARRAY['nightly', '_nightly_log', '_nightly_steps', '_nightly_step']),
        -- the analyst views and their caches (115_view_cache.sql, 120_learning_views.sql)
        ('owner', ARRAY['refresh_analyst_views', '_cached_views', '_view_base_tables', '_view_definitions',
                        '_create_view_cache', '_invalidate_view_caches', '_lock_analyst_view_caches',
                        '_create_learning_views', '_create_view_course_flows',
                        '_create_view_m_user_tags_history_live', '_create_view_m_online_students_live',
                        '_create_view_students_v3', '_create_view_dataset_h_live', '_create_view_dataset_v',
                        '_create_view_m_course_params', '_create_view_m_online_users_exercise',
                        '_create_view_m_date_interval', '_create_view_m_exercise_lag_time_series',
                        '_comment_learning_views', '_tag_intervals_sql']),
        -- learner features and the learner-model pipeline (200_features.sql, 350_learner_models.sql)
        ('owner', ARRAY['refresh_learner_daily', 'create_weekly_features_view', 'train_learner_models',
                        '_create_feature_objects', '_feature_relations', '_create_learner_weekly_view',
                        '_create_learner_scores_view', '_learner_features_sql', '_learner_feature_names',
                        '_ensure_learner_model_tables', '_recreate_learner_scores_view', '_course_norms_sql',
                        'score_learners', '_learner_model_base_features']),
        -- course effects (410_course_effects_schema.sql)
        ('owner', ARRAY['create_course_effects_schema', 'refresh_course_effects', '_create_course_effects_tables',
                        '_create_course_effects_panel', '_create_course_effects_results']),
        -- views for dashboards (190_bi_views.sql)
        ('owner', ARRAY['create_bi_views', 'store_learner_scores', '_comment_bi_views', '_bi_column_comments']),
        -- CREATE TRIGGER needs EXECUTE on the trigger function (firing it does not)
        ('owner', ARRAY['_mark_view_cache_stale', '_check_contact']),
        -- the intervention log (100_learning_schema.sql)
        ('owner', ARRAY['_create_contacts_table']),
        -- a learning schema on Citus (135_distribute_learning_schema.sql, 100_learning_schema.sql, 115_view_cache.sql)
        ('owner', ARRAY['distribute_learning_schema', '_learning_schema_placement', '_schema_distributed',
                        '_caches_off_cause', '_place_learning_tables']))
        AS t(k, routines)
     CROSS JOIN LATERAL unnest(t.routines) AS u(r);
END;
COMMENT ON FUNCTION learnerscore._routine_access() IS
  'Internal: which kind of user (reader, analyst, owner) may execute each learnerscore routine that PUBLIC may not; internal routines not listed are for the extension owner only.';

DO $grants$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.prokind, a.kind
          FROM pg_catalog.pg_proc p
          LEFT JOIN learnerscore._routine_access() a ON a.routine = p.proname
         WHERE p.pronamespace = 'learnerscore'::regnamespace
           AND (p.proname LIKE '\_%' OR a.kind IS NOT NULL)
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON %s %s FROM PUBLIC',
                                  CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig);
        IF f.kind IS NOT NULL THEN
            EXECUTE pg_catalog.format('GRANT EXECUTE ON %s %s TO %I',
                                      CASE f.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, f.sig,
                                      'learnerscore_' || f.kind);
        END IF;
    END LOOP;
END
$grants$;

-- The DBA's list of data schemas and their layouts (800_schema_upgrades.sql).
REVOKE ALL ON learnerscore.data_schemas FROM PUBLIC;
GRANT SELECT ON learnerscore.data_schemas TO learnerscore_owner;

-- One documented call per user: grant_access(role, kind [, schema]).
CREATE PROCEDURE learnerscore.grant_access(role_name text, kind text, schema_name text DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    grantee regrole;
    schema_owner regrole;
BEGIN
    IF kind IS NULL OR kind NOT IN ('reader', 'analyst', 'owner') THEN
        RAISE EXCEPTION 'unknown kind of user "%"', kind USING ERRCODE = '22023',
            HINT = 'Use reader (BI tools), analyst or owner.';
    END IF;
    grantee := to_regrole(quote_ident(role_name));
    IF grantee IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
    END IF;
    IF kind IN ('reader', 'analyst') AND schema_name IS NULL THEN
        RAISE EXCEPTION 'a % needs the schema it reads', kind USING ERRCODE = '22023',
            HINT = 'CALL learnerscore.grant_access(role, kind, schema_name => ''onet'').';
    END IF;
    EXECUTE format('GRANT %I TO %I', 'learnerscore_' || kind, role_name);
    IF kind = 'owner' THEN
        -- an owner creates (and so owns) its own schemas
        EXECUTE format('GRANT CREATE ON DATABASE %I TO %I', current_database(), role_name);
    END IF;
    IF schema_name IS NULL THEN
        RETURN;
    END IF;
    SELECT nspowner::regrole INTO schema_owner FROM pg_namespace WHERE nspname = schema_name;
    IF kind = 'owner' THEN
        IF schema_owner IS NULL THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', schema_name, role_name);
        ELSIF schema_owner <> grantee THEN
            RAISE EXCEPTION 'schema "%" is owned by %, not by %', schema_name, schema_owner, role_name
                USING ERRCODE = '42501',
                HINT = 'Loads and refreshes replace tables and views, which takes ownership: '
                       'ALTER SCHEMA ... OWNER TO and REASSIGN OWNED, or grant owner on a new schema.';
        END IF;
        RETURN;
    END IF;
    IF schema_owner IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, role_name);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', schema_name, role_name);
    -- tables and views the schema's owner creates later (refreshes, new views) too
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                   schema_owner, schema_name, role_name);
END
$fn$;
COMMENT ON PROCEDURE learnerscore.grant_access(text, text, text) IS
  'Grants a role one kind of access (docs/security.md): reader (read every table and view of schema_name: the analyst views, learner_scores, course_effects, ...), '
  'analyst (reader + train, cross_validate and drop its own models), owner (create schemas, load, refresh, train the learner models; '
  'with schema_name, a new schema it owns). Run it as a superuser or a role that may grant these privileges.';

CREATE PROCEDURE learnerscore.revoke_access(role_name text, kind text, schema_name text DEFAULT NULL)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    schema_owner regrole;
BEGIN
    IF kind IS NULL OR kind NOT IN ('reader', 'analyst', 'owner') THEN
        RAISE EXCEPTION 'unknown kind of user "%"', kind USING ERRCODE = '22023',
            HINT = 'Use reader (BI tools), analyst or owner.';
    END IF;
    IF to_regrole(quote_ident(role_name)) IS NULL THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name USING ERRCODE = '42704';
    END IF;
    EXECUTE format('REVOKE %I FROM %I', 'learnerscore_' || kind, role_name);
    IF schema_name IS NOT NULL AND kind <> 'owner' THEN
        SELECT nspowner::regrole INTO schema_owner FROM pg_namespace WHERE nspname = schema_name;
        IF schema_owner IS NULL THEN
            RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
        END IF;
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I REVOKE SELECT ON TABLES FROM %I',
                       schema_owner, schema_name, role_name);
        EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA %I FROM %I', schema_name, role_name);
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM %I', schema_name, role_name);
    END IF;
END
$fn$;
COMMENT ON PROCEDURE learnerscore.revoke_access(text, text, text) IS
  'Undoes grant_access(role, kind, schema_name): the kind''s group role and, for reader and analyst, the schema''s read grants.';
