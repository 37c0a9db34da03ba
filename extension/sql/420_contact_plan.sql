-- From risk to action (issue 14, items 4 and 5; docs/models.md "Contacts: whom to call today"):
-- what a contact by a tutor does, for whom, and today's list of whom to contact.
--
--   learnerscore.contact_effect(schema, as_of)        the average effect of a contact on dropout (randomized holdout)
--   learnerscore.train_contact_uplift(schema, as_of)  a T-learner of the effect, checked on a later flow
--   learnerscore.contact_policy_values(schema, k)     dropouts prevented by each way of choosing, on that later flow
--   learnerscore.contact_plan(schema, as_of, ...)     today's list per tutor, ranked by expected benefit, with a holdout
--
-- The experiment is <schema>.contact_assignments (who was assigned to a contact or to the holdout on which
-- day: loaded from contact_assignments.csv or written by contact_plan) of learners whose flow has ended by
-- as_of, so that their outcome is final. The covariates are what a tutor knows on the morning of the
-- contact day: the learner's state at the end of the day before (learnerscore._contact_features_sql).

-- The final outcomes (completion, dropout) of a schema's learners, one row per learner. With as_of ($1 of
-- the returned query), only learners whose flow has ended by as_of, with the status on the last day of their
-- flow; without (NULL), every learner, with the latest status (the targets before 0.2.0).
CREATE FUNCTION learnerscore._learner_outcomes_sql(schema_name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT u.user_id, u.course_id, st.status AS final_status,
               coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false)::int AS completion,
               (st.status = 'asleep' OR NOT coalesce(u.m2_attestation >= 50 AND u.m2_progress >= 50, false))::int AS dropout,
               u.m2_progress
          FROM %1$s.users u
          LEFT JOIN %1$s.learner_flows lf ON lf.user_id = u.user_id
          LEFT JOIN LATERAL (SELECT a.status FROM %1$s.learner_activity a
                              WHERE a.user_id = u.user_id
                                AND a.cur_date <= CASE WHEN $1::date IS NULL THEN 'infinity' ELSE lf.flow_end - 1 END
                              ORDER BY a.cur_date DESC LIMIT 1) st ON true
         WHERE $1::date IS NULL OR lf.flow_end <= $1::date$q$, quote_ident(schema_name))
$$;
COMMENT ON FUNCTION learnerscore._learner_outcomes_sql(text) IS
  'Internal: the query of the learners'' final outcomes (user_id, course_id, final_status, completion, dropout, m2_progress); its $1 is as_of '
  '(learners whose flow ended by then, status on their flow''s last day) or NULL (every learner, latest status).';

-- What a tutor knows about a learner on the morning of a day: the state at the end of the day before.
CREATE FUNCTION learnerscore.contact_features() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT ARRAY['course_week', 'falling_asleep', 'asleep', 'days_inactive', 'logins_14d', 'sum_exercise',
                 'progress', 'mean_result', 'm2_delay']
$$;
COMMENT ON FUNCTION learnerscore.contact_features() IS
  'The covariates of the contact models, as of the end of the day before the contact: course_week (of the learner''s flow), falling_asleep and '
  'asleep (0/1, the activity status), days_inactive, logins_14d (log-ins in the 14 days before), sum_exercise (exercises solved), progress, '
  'mean_result and m2_delay (learner_daily).';

CREATE FUNCTION learnerscore._contact_features_sql(schema_name text, pairs text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT p.*, lf.course_id AS flow_course_id, lf.flow_start,
               ((p.day - lf.flow_start) / 7 + 1)::float8 AS course_week,
               (a.status = 'falling_asleep')::int::float8 AS falling_asleep, (a.status = 'asleep')::int::float8 AS asleep,
               a.days_inactive::float8 AS days_inactive, a.status AS status_before,
               (d1.sum_auth - coalesce(d0.sum_auth, 0))::float8 AS logins_14d, d1.sum_exercise::float8 AS sum_exercise,
               d1.progress::float8 AS progress, d1.mean_result::float8 AS mean_result, d1.m2_delay::float8 AS m2_delay
          FROM (%2$s) p
          JOIN %1$s.learner_flows lf ON lf.user_id = p.user_id
          LEFT JOIN %1$s.learner_activity a ON a.user_id = p.user_id AND a.cur_date = p.day - 1
          LEFT JOIN %1$s.learner_daily d1 ON d1.user_id = p.user_id AND d1.cur_date = p.day - 1
          LEFT JOIN %1$s.learner_daily d0 ON d0.user_id = p.user_id AND d0.cur_date = p.day - 15$q$,
        quote_ident(schema_name), pairs)
$$;
COMMENT ON FUNCTION learnerscore._contact_features_sql(text, text) IS
  'Internal: the query of learnerscore.contact_features() for (user_id, day) pairs (the query pairs, with at least those columns).';

-- The randomized experiment of the finished flows: every learner assigned to a contact or to the holdout,
-- with its covariates on the assignment day and its final outcome.
CREATE FUNCTION learnerscore._contact_experiment_sql(schema_name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $$
    SELECT format($q$SELECT f.*, (f.arm = 'contact') AS contacted, o.dropout, 1 - o.dropout AS retained
          FROM (%2$s) f JOIN (%3$s) o ON o.user_id = f.user_id$q$,
        quote_ident(schema_name),
        learnerscore._contact_features_sql(schema_name,
            format('SELECT ca.user_id, ca.assigned_on AS day, ca.arm, ca.tutor FROM %s.contact_assignments ca', quote_ident(schema_name))),
        learnerscore._learner_outcomes_sql(schema_name))
$$;
COMMENT ON FUNCTION learnerscore._contact_experiment_sql(text) IS
  'Internal: the query of the contact experiment of learners whose flow ended by $1 (as_of): contact_assignments with the contact covariates and the final dropout.';

CREATE FUNCTION learnerscore._require_contact_schema(schema_name text, as_of date) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    later timestamp;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF as_of IS NULL OR as_of = 'infinity' OR as_of = '-infinity' THEN
        RAISE EXCEPTION 'as_of must be a finite date, not %', coalesce(as_of::text, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.contact_assignments') IS NULL OR to_regclass(s || '.learner_daily') IS NULL
       OR to_regclass(s || '.learner_flows') IS NULL THEN
        RAISE EXCEPTION 'schema % has no contact_assignments, learner_flows or learner_daily', s USING ERRCODE = '42P01',
            HINT = format('Run CALL learnerscore.upgrade_learning_schema(%L) or create_learning_schema, then refresh_learner_daily.', schema_name);
    END IF;
    -- a contact after as_of: the log knows a future the estimate would have to ignore; say so instead
    EXECUTE format('SELECT max(contacted_at) FROM %s.contacts WHERE contacted_at >= $1::date + 1', s) INTO later USING as_of;
    IF later IS NOT NULL THEN
        RAISE EXCEPTION 'the intervention log has a contact on % (after as_of %)', later, as_of USING ERRCODE = '22023',
            HINT = 'Give as_of on or after the latest contact in <schema>.contacts.';
    END IF;
    RETURN s;
END
$fn$;
COMMENT ON FUNCTION learnerscore._require_contact_schema(text, date) IS
  'Internal: validates the arguments of the contact functions (22023 NULL/empty schema, NULL/infinite as_of, a contact after as_of; 3F000; 42P01) and returns the quoted schema.';

CREATE FUNCTION learnerscore.contact_effect(schema_name text, as_of date DEFAULT current_date)
RETURNS SETOF learnerscore.effect
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    covs text;
BEGIN
    SELECT 'ARRAY[' || string_agg(format('coalesce(x.%I, 0)', f), ', ') || ']' INTO covs FROM unnest(learnerscore.contact_features()) f;
    -- the effect of a contact on dropout (negative: fewer dropouts): difference in means, valid because
    -- the holdout is random; AIPW with the contact covariates (the same target, smaller error when they
    -- predict dropout; consistent for observational contacts when they hold every reason for contacting)
    RETURN QUERY EXECUTE format($q$
        WITH x AS MATERIALIZED (%1$s)
        SELECT (learnerscore.ate_diff(x.dropout::float8, x.contacted)).* FROM x
        UNION ALL
        SELECT (learnerscore.ate_aipw(x.dropout::float8, x.contacted, %2$s)).* FROM x$q$,
        learnerscore._contact_experiment_sql(schema_name), covs) USING as_of;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_effect(text, date) IS
  'The average effect of a contact on the dropout probability (negative = contacts prevent dropouts) among the learners of flows ended by as_of '
  'who were assigned to a contact or to the random holdout (<schema>.contact_assignments): two rows of learnerscore.effect, method diff '
  '(difference in means: unbiased because the holdout is random) and aipw (doubly robust, covariates learnerscore.contact_features() on the '
  'morning of the assignment day). 95 % normal intervals. NULL estimates when an arm is empty.';

CREATE FUNCTION learnerscore._ensure_contact_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
    c text[];
BEGIN
    IF to_regclass(s || '.contact_uplift_runs') IS NULL THEN
        EXECUTE format($q$CREATE TABLE %s.contact_uplift_runs (
            run_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trained_at timestamptz NOT NULL DEFAULT now(),
            as_of date NOT NULL, algorithm text NOT NULL, params jsonb NOT NULL, validation text NOT NULL,
            training_rows bigint, test_rows bigint, treated_model_id bigint, control_model_id bigint,
            qini_uplift float8, qini_risk float8, effect_test jsonb)$q$, s);
        EXECUTE format($q$CREATE TABLE %s.contact_uplift_holdout (
            run_id bigint NOT NULL, user_id int NOT NULL, course_id int, contacted boolean NOT NULL, dropout int NOT NULL,
            expected_benefit float8, baseline_risk float8, PRIMARY KEY (run_id, user_id))$q$, s);
        EXECUTE format($q$CREATE TABLE %s.contact_plans (
            plan_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, planned_at timestamptz NOT NULL DEFAULT now(),
            as_of date NOT NULL, capacity int NOT NULL, holdout float8 NOT NULL, seed int NOT NULL, uplift_run_id bigint,
            eligible int NOT NULL, contacts int NOT NULL, held_out int NOT NULL, policy_values jsonb)$q$, s);
    END IF;
    FOREACH c SLICE 1 IN ARRAY ARRAY[
        ['contact_uplift_runs', '', 'One row per learnerscore.train_contact_uplift: the T-learner of the effect of a contact (models <schema>.contact_uplift.treated / .control), '
        'its later-flow check (trained on the earlier finished flows, tested on the latest: test_rows, Qini coefficients of ranking by the uplift '
        'and by the baseline risk, the effect on that flow).'],
        ['contact_uplift_holdout', '', 'The later-flow check of each contact_uplift run: per learner of the test flow its arm, final dropout, the expected benefit (reduction of the '
        'dropout probability if contacted) and the baseline risk (dropout probability if not) of the model of the earlier flows; what contact_policy_values reads.'],
        ['contact_plans', '', 'One row per learnerscore.contact_plan: the day, capacity per tutor, holdout share, seed, the uplift run used, how many learners were eligible, '
        'planned for a contact and held out, and the estimated dropouts prevented by choosing by expected benefit, by risk and at random.'],
        ['contact_uplift_runs', 'run_id', 'Run number (increasing); contact_uplift_holdout.run_id, contact_plans.uplift_run_id.'],
        ['contact_uplift_runs', 'trained_at', 'When the run started.'],
        ['contact_uplift_runs', 'as_of', 'The day it trained as of: the experiment of the flows ended by then (learner_flows.flow_end <= as_of).'],
        ['contact_uplift_runs', 'algorithm', 'logistic or xgboost (each arm of the T-learner).'],
        ['contact_uplift_runs', 'params', 'The training parameters (learnerscore.train).'],
        ['contact_uplift_runs', 'validation', 'later-flow (checked on the latest finished flow of each course with two) or none (why not).'],
        ['contact_uplift_runs', 'training_rows', 'Learners of the experiment the kept models learned from (both arms).'],
        ['contact_uplift_runs', 'test_rows', 'Learners of the later-flow check (0 when there was none).'],
        ['contact_uplift_runs', 'treated_model_id', 'learnerscore.models.id of <schema>.contact_uplift.treated trained by the run.'],
        ['contact_uplift_runs', 'control_model_id', 'learnerscore.models.id of <schema>.contact_uplift.control trained by the run.'],
        ['contact_uplift_runs', 'qini_uplift', 'Qini coefficient on the later flow of ranking by the predicted benefit (learnerscore.qini_coefficient; 0 = random); NULL without a check.'],
        ['contact_uplift_runs', 'qini_risk', 'Qini coefficient on the later flow of ranking by the baseline risk (dropout probability if not contacted); NULL without a check.'],
        ['contact_uplift_runs', 'effect_test', 'learnerscore.ate_diff of dropout on the later flow (contacted vs holdout) as jsonb; NULL without a check.'],
        ['contact_uplift_holdout', 'run_id', 'The run (contact_uplift_runs.run_id).'],
        ['contact_uplift_holdout', 'user_id', 'A learner of the later flow''s experiment.'],
        ['contact_uplift_holdout', 'course_id', 'Its course.'],
        ['contact_uplift_holdout', 'contacted', 'true: assigned to a contact; false: the random holdout.'],
        ['contact_uplift_holdout', 'dropout', 'Its final dropout (1) or not (0).'],
        ['contact_uplift_holdout', 'expected_benefit', 'Predicted fall of its dropout probability if contacted, by the model of the earlier flows.'],
        ['contact_uplift_holdout', 'baseline_risk', 'Predicted dropout probability if not contacted, by the same model.'],
        ['contact_plans', 'plan_id', 'Plan number (increasing); contact_assignments.plan_id.'],
        ['contact_plans', 'planned_at', 'When contact_plan ran.'],
        ['contact_plans', 'as_of', 'The day planned for.'],
        ['contact_plans', 'capacity', 'Contacts per tutor on that day.'],
        ['contact_plans', 'holdout', 'Share of the eligible learners kept uncontacted at random.'],
        ['contact_plans', 'seed', 'Seed of the holdout draw (the same seed, day and learners give the same holdout).'],
        ['contact_plans', 'uplift_run_id', 'The latest contact_uplift_runs row with a later-flow check, behind measured_on_later_flow; NULL when none.'],
        ['contact_plans', 'eligible', 'Running learners neither contacted nor assigned before.'],
        ['contact_plans', 'contacts', 'Learners planned for a contact.'],
        ['contact_plans', 'held_out', 'Eligible learners kept in the holdout.'],
        ['contact_plans', 'policy_values', 'Dropouts prevented by choosing as many learners by expected benefit, by risk or at random: predicted_today (sums of '
                                            'predicted benefits, today''s eligible learners) and measured_on_later_flow (contact_policy_values rows, per 100 contacts, with intervals).']]
    LOOP  -- only a comment that changed: COMMENT takes a lock readers would wait on
        IF c[2] = '' THEN  -- the table's own
            IF obj_description(to_regclass(s || '.' || c[1]), 'pg_class') IS DISTINCT FROM c[3] THEN
                EXECUTE format('COMMENT ON TABLE %s.%I IS %L', s, c[1], c[3]);
            END IF;
        ELSIF col_description(to_regclass(s || '.' || c[1]),
                           (SELECT attnum FROM pg_attribute WHERE attrelid = to_regclass(s || '.' || c[1]) AND attname = c[2]))
           IS DISTINCT FROM c[3] THEN
            EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', s, c[1], c[2], c[3]);
        END IF;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION learnerscore._ensure_contact_tables(text) IS
  'Internal: creates <schema>.contact_uplift_runs, contact_uplift_holdout and contact_plans (idempotent; no DDL when they exist but the comments).';

CREATE FUNCTION learnerscore.train_contact_uplift(schema_name text, as_of date DEFAULT current_date,
                                                  algorithm text DEFAULT 'logistic', params jsonb DEFAULT '{"l2": 1}')
RETURNS bigint
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    feats text[] := learnerscore.contact_features();
    uplift_name text := schema_name || '.contact_uplift';
    check_name text := schema_name || '.contact_uplift_later_flow_check';
    run bigint;
    n_train bigint;
    n_test bigint := 0;
    ids bigint[];
    q_up float8;
    q_risk float8;
    eff jsonb;
BEGIN
    IF algorithm IS NULL OR algorithm NOT IN ('logistic', 'xgboost') THEN
        RAISE EXCEPTION 'unknown algorithm "%" for the contact uplift model', algorithm USING ERRCODE = '22023',
            HINT = 'Use logistic or xgboost.';
    END IF;
    PERFORM learnerscore._ensure_contact_tables(schema_name);
    DROP TABLE IF EXISTS _ls_contact_exp;
    EXECUTE format('CREATE TEMP TABLE _ls_contact_exp AS %s', learnerscore._contact_experiment_sql(schema_name)) USING as_of;
    SELECT count(*) INTO n_train FROM _ls_contact_exp;
    IF n_train = 0 OR NOT EXISTS (SELECT 1 FROM _ls_contact_exp WHERE contacted)
       OR NOT EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT contacted) THEN
        RAISE EXCEPTION 'no contact experiment with both arms among the flows of schema % ended by %', schema_name, as_of
            USING ERRCODE = '22023',
            HINT = 'The model learns from contact_assignments (arm contact and holdout) of learners whose flow has ended (learner_flows.flow_end <= as_of).';
    END IF;
    -- the later-flow check: a model of the earlier flows ranks the latest finished flow's learners
    ALTER TABLE _ls_contact_exp ADD COLUMN is_test boolean;
    UPDATE _ls_contact_exp e SET is_test = (e.flow_start = (SELECT max(flow_start) FROM _ls_contact_exp e2
                                                            WHERE e2.flow_course_id = e.flow_course_id)
                                            AND (SELECT count(DISTINCT flow_start) FROM _ls_contact_exp e3
                                                  WHERE e3.flow_course_id = e.flow_course_id) >= 2);
    SELECT count(*) INTO n_test FROM _ls_contact_exp WHERE is_test;
    IF NOT (EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT is_test AND contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE NOT is_test AND NOT contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE is_test AND contacted)
            AND EXISTS (SELECT 1 FROM _ls_contact_exp WHERE is_test AND NOT contacted)) THEN
        n_test := 0;
    END IF;
    EXECUTE format('INSERT INTO %s.contact_uplift_runs (as_of, algorithm, params, validation, training_rows, test_rows) '
                   'VALUES ($1, $2, $3, $4, $5, $6) RETURNING run_id', s)
        INTO run USING as_of, algorithm, params,
                       CASE WHEN n_test > 0 THEN 'later-flow' ELSE 'none: no course has two finished flows with both arms' END,
                       n_train, n_test;
    IF n_test > 0 THEN
        PERFORM learnerscore.drop_model(check_name || '.treated', true), learnerscore.drop_model(check_name || '.control', true);
        PERFORM learnerscore.train_uplift(check_name, 'SELECT * FROM pg_temp._ls_contact_exp WHERE NOT is_test',
                                          'contacted', 'retained', feats, algorithm, params || '{"deploy": true}');
        -- the benefit of a contact = the rise in the retention probability = the fall in the dropout probability
        EXECUTE format($q$INSERT INTO %s.contact_uplift_holdout
            SELECT $1, e.user_id, e.flow_course_id, e.contacted, e.dropout, learnerscore.predict_uplift($2, e),
                   1 - learnerscore.predict($2 || '.control', e)
              FROM pg_temp._ls_contact_exp e WHERE e.is_test$q$, s) USING run, check_name;
        EXECUTE format($q$SELECT learnerscore.qini_coefficient(expected_benefit, contacted, 1 - dropout),
                                 learnerscore.qini_coefficient(baseline_risk, contacted, 1 - dropout),
                                 to_jsonb(learnerscore.ate_diff(dropout::float8, contacted))
                            FROM %s.contact_uplift_holdout WHERE run_id = $1$q$, s)
            INTO q_up, q_risk, eff USING run;
        PERFORM learnerscore.drop_model(check_name || '.treated'), learnerscore.drop_model(check_name || '.control');
    END IF;
    SELECT array_agg(u.model_id ORDER BY u.arm DESC) INTO ids
      FROM learnerscore.train_uplift(uplift_name, 'SELECT * FROM pg_temp._ls_contact_exp', 'contacted', 'retained', feats,
                                     algorithm, params || '{"deploy": true}') u;
    EXECUTE format('UPDATE %s.contact_uplift_runs SET treated_model_id = $2, control_model_id = $3, qini_uplift = $4, '
                   'qini_risk = $5, effect_test = $6 WHERE run_id = $1', s)
        USING run, ids[1], ids[2], q_up, q_risk, eff;
    DROP TABLE _ls_contact_exp;
    RETURN run;
END
$fn$;
COMMENT ON FUNCTION learnerscore.train_contact_uplift(text, date, text, jsonb) IS
  'Trains the T-learner of the effect of a contact on retention (learnerscore.train_uplift: models <schema>.contact_uplift.treated and .control, '
  'deployed) on the contact experiment of the flows ended by as_of (contact_assignments: arm contact vs the random holdout; covariates '
  'learnerscore.contact_features() on the morning of the assignment day; outcome: not dropping out). Where a course has two such flows, a model '
  'of the earlier ones is first checked on the latest (Qini coefficients of ranking by its uplift and by its baseline risk; the per-learner '
  'predictions in <schema>.contact_uplift_holdout). Records the run in <schema>.contact_uplift_runs and returns its run_id. '
  'algorithm logistic (default, params l2) or xgboost. 22023 when there is no experiment with both arms.';

CREATE FUNCTION learnerscore.contact_policy_values(schema_name text, share float8, run_id bigint DEFAULT NULL)
RETURNS TABLE (policy text, top_share float8, learners bigint, selected bigint, dropouts_prevented_per_100 float8,
               ci_low float8, ci_high float8, contacted bigint, held_out bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    run bigint := run_id;
BEGIN
    IF schema_name IS NULL OR to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF share IS NULL OR share = 'NaN' OR share <= 0 OR share > 1 THEN
        RAISE EXCEPTION 'share must be in (0, 1], not %', share USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.contact_uplift_holdout') IS NULL THEN
        RAISE EXCEPTION 'schema % has no contact uplift run', s USING ERRCODE = '42P01',
            HINT = format('Run SELECT learnerscore.train_contact_uplift(%L, as_of) first.', schema_name);
    END IF;
    IF run IS NULL THEN
        EXECUTE format('SELECT max(h.run_id) FROM %s.contact_uplift_holdout h', s) INTO run;
    END IF;
    -- Each policy contacts the share of the test flow's learners it ranks first; within that top, the randomized
    -- arms still compare like with like, so holdout minus contacted dropout rate is the effect of contacting them.
    RETURN QUERY EXECUTE format($q$
        WITH h AS (SELECT * FROM %1$s.contact_uplift_holdout WHERE run_id = $1),
        n AS (SELECT count(*) AS n FROM h),
        ranked AS (
            SELECT h.*, row_number() OVER (ORDER BY h.expected_benefit DESC NULLS LAST, h.user_id) AS r_benefit,
                   row_number() OVER (ORDER BY h.baseline_risk DESC NULLS LAST, h.user_id) AS r_risk
              FROM h),
        picks AS (
            SELECT 'expected_benefit' AS policy, 1 AS o, r.* FROM ranked r, n WHERE r.r_benefit <= ceil($2 * n.n)
            UNION ALL SELECT 'risk', 2, r.* FROM ranked r, n WHERE r.r_risk <= ceil($2 * n.n)
            UNION ALL SELECT 'random', 3, r.* FROM ranked r)
        SELECT g.policy, $2, (SELECT n.n FROM n),
               CASE WHEN g.policy = 'random' THEN ceil($2 * (SELECT n.n FROM n))::bigint ELSE g.cnt END,
               -100 * (g.e).estimate, -100 * (g.e).ci_high, -100 * (g.e).ci_low, (g.e).n_treated, (g.e).n_control
          FROM (SELECT p.policy, min(p.o) AS o, count(*) AS cnt, learnerscore.ate_diff(p.dropout::float8, p.contacted) AS e
                  FROM picks p GROUP BY p.policy) g
         ORDER BY g.o$q$, s) USING run, share;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_policy_values(text, float8, bigint) IS
  'How many dropouts per 100 contacts each way of choosing whom to contact prevents, estimated on the later-flow check of a contact uplift run '
  '(default: the latest): policy expected_benefit (the learners of highest predicted benefit), risk (highest baseline risk) and random (everyone), '
  'each contacting the given share (top_share) of the test flow; within each choice the randomized arms give the effect (holdout minus contacted dropout '
  'rate) with a 95 % interval. learners: the test flow''s size; selected: how many the policy contacts; contacted / held_out: the arms inside it.';

CREATE FUNCTION learnerscore.contact_plan(schema_name text, as_of date DEFAULT current_date, capacity int DEFAULT 5,
                                          holdout float8 DEFAULT 0.1, seed int DEFAULT 0)
RETURNS TABLE (tutor text, priority int, user_id int, course_id int, arm text, dropout_probability float8,
               expected_benefit float8, status text, reason text)
LANGUAGE plpgsql SET client_min_messages = warning SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := learnerscore._require_contact_schema(schema_name, as_of);
    uplift_name text := schema_name || '.contact_uplift';
    snap timestamptz;
    plan bigint;
    n_elig int;
    n_contact int;
    n_held int;
    uplift_run bigint;
    pv jsonb;
BEGIN
    IF capacity IS NULL OR capacity <= 0 THEN
        RAISE EXCEPTION 'capacity must be a positive number of contacts per tutor and day, not %', coalesce(capacity::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF holdout IS NULL OR holdout = 'NaN' OR holdout < 0 OR holdout >= 1 THEN
        RAISE EXCEPTION 'holdout must be a share in [0, 1), not %', coalesce(holdout::text, 'NULL') USING ERRCODE = '22023',
            HINT = 'A holdout of 0.1 keeps one eligible learner in ten uncontacted, so that the effect can be measured.';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(*) FROM learnerscore.deployed_models d WHERE d.name IN (uplift_name || '.treated', uplift_name || '.control')) < 2 THEN
        RAISE EXCEPTION 'no deployed contact uplift model %', uplift_name USING ERRCODE = '42704',
            HINT = format('Run SELECT learnerscore.train_contact_uplift(%L, as_of) first.', schema_name);
    END IF;
    PERFORM learnerscore._ensure_contact_tables(schema_name);
    -- planning the same day again replaces that day's plan (not what was loaded)
    EXECUTE format('DELETE FROM %s.contact_assignments WHERE assigned_on = $1 AND plan_id IS NOT NULL', s) USING as_of;
    -- today's risk: the snapshot score_learners stored for as_of (made now when there is none)
    IF to_regclass(s || '.learner_score_history') IS NOT NULL THEN
        EXECUTE format('SELECT max(scored_at) FROM %s.learner_score_history WHERE as_of = $1', s) INTO snap USING as_of;
    END IF;
    IF snap IS NULL THEN
        PERFORM learnerscore.score_learners(schema_name, as_of);
        EXECUTE format('SELECT max(scored_at) FROM %s.learner_score_history WHERE as_of = $1', s) INTO snap USING as_of;
    END IF;
    -- eligible: scored (running on as_of) and neither contacted nor assigned before (one contact per learner and flow,
    -- and a held-out learner stays uncontacted)
    DROP TABLE IF EXISTS _ls_plan;
    EXECUTE format($q$CREATE TEMP TABLE _ls_plan AS
        SELECT f.*, h.dropout_probability AS risk, h.status AS snapshot_status, h.reason_1,
               learnerscore.predict_uplift($3, f) AS benefit,
               ('x' || substr(md5($4 || ':' || $1 || ':' || f.user_id), 1, 8))::bit(32)::bigint / 4294967296.0 AS draw
          FROM (%2$s) f
          JOIN %1$s.learner_score_history h ON h.scored_at = $2 AND h.user_id = f.user_id$q$,
        s, learnerscore._contact_features_sql(schema_name, format($p$
            SELECT h.user_id, $1::date AS day FROM %1$s.learner_score_history h
             WHERE h.scored_at = $2
               AND NOT EXISTS (SELECT 1 FROM %1$s.contacts c WHERE c.user_id = h.user_id AND c.contacted_at < $1::date + 1)
               AND NOT EXISTS (SELECT 1 FROM %1$s.contact_assignments a WHERE a.user_id = h.user_id AND a.assigned_on <= $1)$p$, s)))
        USING as_of, snap, uplift_name, seed;
    ALTER TABLE _ls_plan ADD COLUMN held_out boolean, ADD COLUMN tutor text, ADD COLUMN priority int;
    UPDATE _ls_plan SET held_out = draw < holdout;
    -- the course's tutors: those of its learners in the intervention log (else one, "tutor 1"); each takes
    -- `capacity` learners of the highest expected benefit, in turn
    EXECUTE format($q$WITH tutors AS (
            SELECT u.course_id, array_agg(DISTINCT c.tutor ORDER BY c.tutor) AS names
              FROM %1$s.contacts c JOIN %1$s.users u ON u.user_id = c.user_id
             WHERE c.tutor IS NOT NULL AND btrim(c.tutor) <> '' GROUP BY u.course_id),
        ranked AS (
            SELECT p.user_id, p.flow_course_id,
                   row_number() OVER (PARTITION BY p.flow_course_id ORDER BY p.benefit DESC NULLS LAST, p.user_id) AS k
              FROM _ls_plan p WHERE NOT p.held_out)
        UPDATE _ls_plan p SET tutor = (coalesce(t.names, ARRAY['tutor 1']))[(r.k - 1) / $1 + 1], priority = ((r.k - 1) %% $1 + 1)::int
          FROM ranked r LEFT JOIN tutors t ON t.course_id = r.flow_course_id
         WHERE p.user_id = r.user_id AND r.k <= $1 * coalesce(array_length(t.names, 1), 1)$q$, s) USING capacity;
    SELECT count(*), count(*) FILTER (WHERE p.tutor IS NOT NULL), count(*) FILTER (WHERE p.held_out)
      INTO n_elig, n_contact, n_held FROM _ls_plan p;
    -- what choosing by expected benefit, by risk or at random would prevent: on today's eligible learners by the
    -- model (sum of predicted benefits), and as measured on the later-flow check of the latest uplift run
    EXECUTE format('SELECT max(run_id) FROM %s.contact_uplift_runs WHERE test_rows > 0', s) INTO uplift_run;
    SELECT jsonb_build_object(
        'predicted_today', jsonb_build_object(
            'expected_benefit', (SELECT sum(b) FROM (SELECT p.benefit AS b FROM _ls_plan p WHERE NOT p.held_out
                                  ORDER BY p.benefit DESC NULLS LAST LIMIT n_contact) x),
            'risk', (SELECT sum(b) FROM (SELECT p.benefit AS b FROM _ls_plan p WHERE NOT p.held_out
                      ORDER BY p.risk DESC NULLS LAST, p.user_id LIMIT n_contact) x),
            'random', (SELECT avg(p.benefit) * n_contact FROM _ls_plan p WHERE NOT p.held_out)),
        'measured_on_later_flow', CASE WHEN uplift_run IS NOT NULL AND n_elig > n_held AND n_contact > 0 THEN
            (SELECT jsonb_agg(to_jsonb(v)) FROM learnerscore.contact_policy_values(schema_name,
                 least(1.0, n_contact::float8 / (n_elig - n_held)), uplift_run) v) END) INTO pv;
    EXECUTE format('INSERT INTO %s.contact_plans (as_of, capacity, holdout, seed, uplift_run_id, eligible, contacts, held_out, policy_values) '
                   'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING plan_id', s)
        INTO plan USING as_of, capacity, holdout, seed, uplift_run, n_elig, n_contact, n_held, pv;
    EXECUTE format($q$INSERT INTO %s.contact_assignments (user_id, assigned_on, arm, tutor, plan_id)
        SELECT p.user_id, $1, CASE WHEN p.held_out THEN 'holdout' ELSE 'contact' END, p.tutor, $2
          FROM _ls_plan p WHERE p.held_out OR p.tutor IS NOT NULL$q$, s) USING as_of, plan;
    RETURN QUERY
        SELECT p.tutor, p.priority, p.user_id, p.flow_course_id, CASE WHEN p.held_out THEN 'holdout' ELSE 'contact' END,
               p.risk, p.benefit, p.snapshot_status::text, p.reason_1::text
          FROM _ls_plan p WHERE p.held_out OR p.tutor IS NOT NULL
         ORDER BY p.held_out, p.flow_course_id, p.tutor, p.priority, p.user_id;
    DROP TABLE _ls_plan;
END
$fn$;
COMMENT ON FUNCTION learnerscore.contact_plan(text, date, int, float8, int) IS
  'Today''s contacts: the learners running on as_of (the score_learners snapshot of as_of, made when missing) who were neither contacted nor '
  'assigned before are eligible; a random share holdout of them (a hash of seed, as_of and the learner) is kept uncontacted; the others are '
  'ranked per course by expected benefit (the fall in dropout probability if contacted, learnerscore.predict_uplift of <schema>.contact_uplift) '
  'and given to the course''s tutors (those of its learners in <schema>.contacts, else "tutor 1"), capacity each. Returns the list (tutor, '
  'priority 1..capacity, learner, course, arm contact or holdout, dropout_probability, expected_benefit, status and the top reason of the '
  'snapshot), records both arms in <schema>.contact_assignments (plan_id) and the plan in <schema>.contact_plans with policy_values (dropouts '
  'prevented by choosing by expected benefit, by risk and at random: predicted for today, and measured on the later-flow check). Planning a day '
  'again replaces that day''s plan. Errors 22023: capacity <= 0, holdout outside [0, 1), a contact after as_of; 42704: no uplift model.';
