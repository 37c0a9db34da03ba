-- Course effects (the course-effects brief, docs/course-effects.md): the five source tables, settings,
-- per-employee KPI windows, the employee x course panel, the course_effects
-- materialized view, verdicts and recommendations. Everything lives in a
-- schema the user owns; identifiers go through format('%I').

-- The five source tables and the two settings tables (with their default rows).
CREATE FUNCTION learnerscore._create_course_effects_tables(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    PERFORM learnerscore._create_schema_if_missing(schema_name);

    PERFORM learnerscore._create_table(schema_name, 'employees', $$
        employee_id int PRIMARY KEY,
        department  text NOT NULL,
        position    text,
        hire_date   date,
        team_id     int$$,
        'Call-centre employees: department, position, hire date and team (the unit of a team-randomized A/B test).',
        'employees_department_idx (department)');

    PERFORM learnerscore._create_table(schema_name, 'communications', $$
        communication_id bigint PRIMARY KEY,
        employee_id      int NOT NULL,
        started_at       timestamp NOT NULL,
        channel          text,
        duration_sec     int CHECK (duration_sec >= 0),
        csat             float8,
        resolved         boolean$$,
        'One row per customer call or chat with its KPIs: duration_sec (handle time, lower is better), csat (customer satisfaction score) and resolved (first-contact resolution).',
        'communications_employee_time_idx (employee_id, started_at)');

    PERFORM learnerscore._create_table(schema_name, 'courses_info', $$
        course_id int PRIMARY KEY,
        title     text,
        topic     text,
        duration  float8$$,
        'Training courses of the EdTech platform (duration in hours).');

    PERFORM learnerscore._create_table(schema_name, 'courses_passing', $$
        employee_id int NOT NULL,
        course_id   int NOT NULL,
        started_at  timestamp,
        finished_at timestamp,
        status      text,
        score       float8,
        PRIMARY KEY (employee_id, course_id)$$,
        'Course taking: status finished / dropped / in_progress; an employee is treated by a course when it was finished before the post-period.',
        'courses_passing_course_idx (course_id)');

    PERFORM learnerscore._create_table(schema_name, 'course_employee_sms', $$
        employee_id int NOT NULL,
        course_id   int NOT NULL,
        sent_at     timestamp,
        PRIMARY KEY (employee_id, course_id)$$,
        'Invitations to courses, sent at random: the instrument of the IV estimates.',
        'course_employee_sms_course_idx (course_id)');

    PERFORM learnerscore._create_table(schema_name, 'course_effect_settings', $$
        id             int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        pre_start      timestamp,
        pre_end        timestamp,
        post_start     timestamp,
        post_end       timestamp,
        primary_method text NOT NULL DEFAULT 'iv' CHECK (primary_method IN ('naive', 'regression', 'aipw', 'iv')),
        alpha          float8 NOT NULL DEFAULT 0.05 CHECK (alpha > 0 AND alpha < 1),
        power          float8 NOT NULL DEFAULT 0.8 CHECK (power > 0 AND power < 1)$$,
        'Study windows and verdict settings. NULL windows are derived from the first invitation date I: pre-period [I - 60 days, I), post-period [I + 30 days, I + 90 days). primary_method drives recommend_courses.');
    EXECUTE format('INSERT INTO %s.course_effect_settings (id) VALUES (1) ON CONFLICT DO NOTHING', s);

    PERFORM learnerscore._create_table(schema_name, 'kpi_settings', $$
        kpi               text PRIMARY KEY,
        higher_is_better  boolean NOT NULL,
        min_useful_effect float8 NOT NULL CHECK (min_useful_effect > 0)$$,
        'Per KPI: direction and the minimal useful effect (in KPI units: csat points, share of resolved contacts, seconds of handle time) against which verdicts are made.');
    EXECUTE format($$INSERT INTO %s.kpi_settings VALUES ('csat', true, 1.5), ('resolved_rate', true, 0.02),
        ('handle_time', false, 10) ON CONFLICT DO NOTHING$$, s);
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_tables(text) IS
  'Internal: creates (idempotently) the course-effects source tables (employees, communications, courses_info, courses_passing, course_employee_sms) and the settings tables with their defaults in the given schema; a step of create_course_effects_schema.';

-- The study windows, the per-employee KPIs and the employee x course x KPI panel.
CREATE FUNCTION learnerscore._create_course_effects_panel(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.study_windows AS
        SELECT coalesce(st.pre_start, i.d - interval '60 days') AS pre_start,
               coalesce(st.pre_end, i.d) AS pre_end,
               coalesce(st.post_start, i.d + interval '30 days') AS post_start,
               coalesce(st.post_end, i.d + interval '90 days') AS post_end
        FROM %1$s.course_effect_settings st,
             (SELECT date_trunc('day', min(sent_at)) AS d FROM %1$s.course_employee_sms) i$$, s);
    EXECUTE format('COMMENT ON VIEW %s.study_windows IS %L', s, 'The pre- and post-period windows in force (settings or derived from the first invitation).');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.employee_profile AS
        WITH w AS (SELECT * FROM %1$s.study_windows),
        a AS (
            SELECT c.employee_id,
                   avg(c.csat) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS csat_pre,
                   avg(c.resolved::int::float8) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS resolved_rate_pre,
                   avg(c.duration_sec::float8) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS handle_time_pre,
                   avg(c.csat) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS csat_post,
                   avg(c.resolved::int::float8) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS resolved_rate_post,
                   avg(c.duration_sec::float8) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS handle_time_post,
                   count(*) FILTER (WHERE c.started_at >= w.pre_start AND c.started_at < w.pre_end) AS n_pre,
                   count(*) FILTER (WHERE c.started_at >= w.post_start AND c.started_at < w.post_end) AS n_post
            FROM %1$s.communications c CROSS JOIN w
            GROUP BY c.employee_id)
        SELECT e.employee_id, e.department, e.position, e.team_id,
               extract(epoch FROM (w.pre_end - e.hire_date::timestamp)) / (365.25 * 86400) AS tenure_years,
               a.csat_pre, a.resolved_rate_pre, a.handle_time_pre, a.csat_post, a.resolved_rate_post, a.handle_time_post,
               coalesce(a.n_pre, 0) AS n_pre, coalesce(a.n_post, 0) AS n_post
        FROM %1$s.employees e CROSS JOIN w LEFT JOIN a USING (employee_id)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.employee_profile IS %L', s,
        'Per employee: tenure and the mean of each KPI (csat, resolved_rate, handle_time) in the pre-period and the post-period of study_windows, with communication counts.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.employee_kpis AS
        SELECT p.employee_id, p.department, k.kpi, k.pre_value, k.post_value, p.n_pre, p.n_post
        FROM %1$s.employee_profile p
        CROSS JOIN LATERAL (VALUES ('csat', p.csat_pre, p.csat_post),
                                   ('resolved_rate', p.resolved_rate_pre, p.resolved_rate_post),
                                   ('handle_time', p.handle_time_pre, p.handle_time_post)) k(kpi, pre_value, post_value)$$, s);
    EXECUTE format('COMMENT ON VIEW %s.employee_kpis IS %L', s, 'Per employee x KPI: the pre-period value (a covariate) and the post-period value (the outcome).');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.course_panel AS
        WITH w AS (SELECT * FROM %1$s.study_windows),
        lv AS (SELECT array_agg(DISTINCT department ORDER BY department) AS levels FROM %1$s.employees)
        SELECT ci.course_id, k.employee_id, k.department, k.kpi, k.pre_value, k.post_value,
               coalesce(cp.status = 'finished' AND cp.finished_at < w.post_start, false) AS treated,
               sms.employee_id IS NOT NULL AS invited,
               ARRAY[p.csat_pre, p.resolved_rate_pre, p.handle_time_pre, p.tenure_years]
                   || learnerscore.one_hot(p.department, lv.levels) AS covariates
        FROM %1$s.courses_info ci
        CROSS JOIN %1$s.employee_kpis k
        JOIN %1$s.employee_profile p USING (employee_id)
        CROSS JOIN w CROSS JOIN lv
        LEFT JOIN %1$s.courses_passing cp ON cp.employee_id = k.employee_id AND cp.course_id = ci.course_id
        LEFT JOIN %1$s.course_employee_sms sms ON sms.employee_id = k.employee_id AND sms.course_id = ci.course_id
        WHERE k.post_value IS NOT NULL$$, s);
    EXECUTE format('COMMENT ON VIEW %s.course_panel IS %L', s,
        'Employee x course x KPI: post-period outcome, treated (finished the course before the post-period), invited (random SMS: the instrument) and covariates [csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, department dummies].');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_panel(text) IS
  'Internal: creates (CREATE OR REPLACE) the views study_windows, employee_profile, employee_kpis and course_panel of a course-effects schema; a step of create_course_effects_schema.';

-- The estimates (materialized: refresh_course_effects recomputes them) and the verdicts.
CREATE FUNCTION learnerscore._create_course_effects_results(schema_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text := quote_ident(schema_name);
BEGIN
    IF to_regclass(s || '.course_effects') IS NULL THEN
    EXECUTE format($$CREATE MATERIALIZED VIEW %1$s.course_effects AS
        SELECT g.course_id, g.kpi, coalesce(g.department, 'ALL') AS department, m.method,
               (m.e).estimate, (m.e).std_error, (m.e).ci_low, (m.e).ci_high, (m.e).p_value,
               (m.e).n_treated, (m.e).n_control, g.outcome_sd, g.n_rows
        FROM (SELECT course_id, kpi, department,
                     learnerscore.ate_diff(post_value, treated) AS naive,
                     learnerscore.ate_regression(post_value, treated, covariates) AS regression,
                     learnerscore.ate_aipw(post_value, treated, covariates, 0.01) AS aipw,
                     learnerscore.ate_iv(post_value, treated::int::float8, invited::int::float8, covariates) AS iv,
                     stddev(post_value) AS outcome_sd, count(*) AS n_rows
              FROM %1$s.course_panel
              GROUP BY GROUPING SETS ((course_id, kpi, department), (course_id, kpi))) g
        CROSS JOIN LATERAL (VALUES ('naive', g.naive), ('regression', g.regression), ('aipw', g.aipw), ('iv', g.iv)) m(method, e)
        WITH DATA$$, s);
    END IF;
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS course_effects_key ON %s.course_effects (course_id, kpi, department, method)', s);
    EXECUTE format('COMMENT ON MATERIALIZED VIEW %s.course_effects IS %L', s,
        'Course x KPI x department (ALL = every department) x method: naive difference in means, regression adjustment, AIPW (propensity trimmed at 0.01) and IV/2SLS with the random invitation as instrument; covariates are the pre-period KPIs, tenure and department. Refresh with CALL learnerscore.refresh_course_effects(schema) after loading.');

    EXECUTE format($$CREATE OR REPLACE VIEW %1$s.course_verdicts AS
        SELECT e.course_id, ci.title, e.kpi::varchar(32) AS kpi, e.department, e.method::varchar(16) AS method,
               e.estimate, e.ci_low, e.ci_high, ks.min_useful_effect, b.benefit, b.benefit_low, b.benefit_high,
               (CASE WHEN e.estimate IS NULL THEN 'inconclusive'
                     WHEN b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect THEN 'recommend'
                     WHEN b.benefit_high < ks.min_useful_effect THEN 'remove'
                     ELSE 'inconclusive' END)::varchar(16) AS verdict,
               b.benefit_high < 0 AS harmful,
               CASE WHEN e.estimate IS NULL OR NOT (b.benefit_low > 0 AND b.benefit >= ks.min_useful_effect)
                         AND NOT (b.benefit_high < ks.min_useful_effect)
                    THEN (learnerscore.ab_sample_size('mean', NULL, ks.min_useful_effect, nullif(e.outcome_sd, 0),
                                                      st.alpha, st.power)).n_control END AS ab_n_per_group
        FROM %1$s.course_effects e
        JOIN %1$s.kpi_settings ks USING (kpi)
        LEFT JOIN %1$s.courses_info ci USING (course_id)
        CROSS JOIN %1$s.course_effect_settings st
        CROSS JOIN LATERAL (SELECT CASE WHEN ks.higher_is_better THEN e.estimate ELSE -e.estimate END AS benefit,
                                   CASE WHEN ks.higher_is_better THEN e.ci_low ELSE -e.ci_high END AS benefit_low,
                                   CASE WHEN ks.higher_is_better THEN e.ci_high ELSE -e.ci_low END AS benefit_high) b$$, s);
    EXECUTE format('COMMENT ON VIEW %s.course_verdicts IS %L', s,
        'Verdict per course x KPI x department x method, benefit = effect signed so that positive is good: recommend when the interval excludes 0 and the estimate reaches the minimal useful effect; remove when the whole interval lies below the minimal useful effect (harmful when below 0); else inconclusive, with the per-group A/B sample size that would detect the minimal useful effect.');
END
$fn$;
COMMENT ON FUNCTION learnerscore._create_course_effects_results(text) IS
  'Internal: creates the materialized view course_effects (if missing) with its key index and the view course_verdicts of a course-effects schema; a step of create_course_effects_schema.';

CREATE PROCEDURE learnerscore.create_course_effects_schema(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $proc$
BEGIN
    PERFORM learnerscore._require_current_layout(schema_name, 'course_effects');
    PERFORM learnerscore._create_course_effects_tables(schema_name);
    PERFORM learnerscore._create_course_effects_panel(schema_name);
    PERFORM learnerscore._create_course_effects_results(schema_name);
    PERFORM learnerscore.create_bi_views(schema_name);  -- the dashboards' objects (190_bi_views.sql)
    PERFORM learnerscore._stamp_layout(schema_name, 'course_effects');
END
$proc$;
COMMENT ON PROCEDURE learnerscore.create_course_effects_schema(text) IS
  'Creates (idempotently) the course-effects tables employees, communications, courses_info, courses_passing, course_employee_sms, the settings tables, the views study_windows, employee_profile, employee_kpis, course_panel, course_verdicts and the materialized view course_effects in the given schema.';

CREATE PROCEDURE learnerscore.refresh_course_effects(schema_name text)
LANGUAGE plpgsql SET search_path = pg_catalog, learnerscore, pg_temp AS $$
BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.course_effects', schema_name);
END $$;
COMMENT ON PROCEDURE learnerscore.refresh_course_effects(text) IS
  'Recomputes <schema>.course_effects (all estimators for every course x KPI x department) after new data is loaded.';

CREATE FUNCTION learnerscore.recommend_courses(schema_name text, employee_id int, k int DEFAULT 5)
RETURNS TABLE (course_id int, title text, score float8, effects jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    dept text;
BEGIN
    IF k IS NULL OR k < 1 THEN
        RAISE EXCEPTION 'recommend_courses: k must be a positive integer' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT department FROM %I.employees WHERE employee_id = $1', schema_name) INTO dept USING employee_id;
    IF dept IS NULL THEN
        RAISE EXCEPTION 'recommend_courses: no employee % in %.employees', employee_id, schema_name USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH st AS (SELECT primary_method FROM %1$I.course_effect_settings),
        e AS (SELECT ce.* FROM %1$I.course_effects ce, st WHERE ce.method = st.primary_method),
        tau AS (  -- between-department variance of the effect (method of moments, floored at 0)
            SELECT ce.course_id, ce.kpi,
                   greatest(coalesce(var_samp(ce.estimate), 0) - coalesce(avg(ce.std_error ^ 2), 0), 0) AS tau2
            FROM e ce WHERE ce.department <> 'ALL' GROUP BY 1, 2),
        shrunk AS (
            SELECT a.course_id, a.kpi, ks.min_useful_effect, ks.higher_is_better,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN a.estimate
                        ELSE (t.tau2 * d.estimate + d.std_error ^ 2 * a.estimate) / nullif(t.tau2 + d.std_error ^ 2, 0) END AS effect,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN 0
                        ELSE t.tau2 / nullif(t.tau2 + d.std_error ^ 2, 0) END AS weight_department
            FROM e a
            JOIN %1$I.kpi_settings ks ON ks.kpi = a.kpi
            LEFT JOIN e d ON d.course_id = a.course_id AND d.kpi = a.kpi AND d.department = $1
            LEFT JOIN tau t ON t.course_id = a.course_id AND t.kpi = a.kpi
            WHERE a.department = 'ALL' AND a.estimate IS NOT NULL),
        scored AS (
            SELECT s.course_id,
                   sum(CASE WHEN s.higher_is_better THEN s.effect ELSE -s.effect END / s.min_useful_effect) AS score,
                   jsonb_object_agg(s.kpi, jsonb_build_object('effect', round(coalesce(s.effect, 0)::numeric, 4),
                                    'weight_department', round(coalesce(s.weight_department, 0)::numeric, 3))) AS effects
            FROM shrunk s GROUP BY s.course_id)
        SELECT sc.course_id, ci.title, sc.score, sc.effects
        FROM scored sc LEFT JOIN %1$I.courses_info ci ON ci.course_id = sc.course_id
        WHERE sc.score > 0
          AND NOT EXISTS (SELECT 1 FROM %1$I.courses_passing cp
                          WHERE cp.employee_id = $2 AND cp.course_id = sc.course_id AND cp.status = 'finished')
        ORDER BY sc.score DESC, sc.course_id
        LIMIT $3$q$, schema_name) USING dept, employee_id, k;
END
$fn$;
COMMENT ON FUNCTION learnerscore.recommend_courses(text, int, int) IS
  'Top k courses the employee has not finished, ranked by the estimated benefit for the employee''s department (sum over KPIs of the signed effect in units of the minimal useful effect, from the primary method of course_effect_settings). Department estimates are shrunk toward the all-department estimate with weight tau^2 / (tau^2 + se^2) (empirical Bayes, tau^2 the between-department variance), so a department with little data gets the overall effect. Only courses with a positive score are listed.';
