-- Per-employee course effects (issue 14, item 6; docs/course-effects.md "Per-employee effects (CATE)"):
--
--   learnerscore.course_cate(schema, kpi, algorithm, params, min_per_arm)
--       a T-learner of each course's effect on a KPI (learnerscore.train_uplift: treated = finished the course
--       before the post-period, the covariates of course_panel), scored for every employee into <schema>.course_cate
--   learnerscore.course_effects_shrunk(schema, method)
--       the department estimates recommend_courses ranks by: course_effects shrunk toward the all-department estimate
--   learnerscore.course_recommendations_cate(schema, kpi, top_n)
--       per employee, the top_n courses not finished by the predicted per-employee benefit, next to the
--       department-level list of today's shrinkage (what recommend_courses returns for the same employee)

CREATE FUNCTION learnerscore.course_cate(schema_name text, kpi text DEFAULT NULL, algorithm text DEFAULT 'linear',
                                         params jsonb DEFAULT '{}', min_per_arm int DEFAULT 30)
RETURNS TABLE (course_id int, kpi_name text, status text, n_treated bigint, n_control bigint, rows_written bigint,
               mean_cate float8, treated_model_id bigint, control_model_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    kpis text[];
    feats text[];
    levels text[];
    known text;
    width int;
    need int;
    n_courses bigint;
    method_name text := 't_learner_' || algorithm;
    model_name text;
    ids bigint[];
    cols text;
    c text[];
    r record;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_cate: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_panel') IS NULL OR to_regclass(s || '.kpi_settings') IS NULL
       OR to_regclass(s || '.courses_info') IS NULL OR to_regclass(s || '.employees') IS NULL THEN
        RAISE EXCEPTION 'schema % is not a course-effects schema (no course_panel, kpi_settings, courses_info or employees)', s
            USING ERRCODE = '42P01', HINT = format('CALL learnerscore.create_course_effects_schema(%L) and load it first.', schema_name);
    END IF;
    PERFORM learnerscore._require_current_layout(schema_name, 'course_effects');
    IF algorithm IS NULL OR algorithm NOT IN ('linear', 'xgboost') THEN
        RAISE EXCEPTION 'course_cate: unknown algorithm "%"', algorithm USING ERRCODE = '22023',
            HINT = 'The KPIs are continuous: linear (OLS per arm, the default) or xgboost (regression trees per arm).';
    END IF;
    IF params IS NULL OR jsonb_typeof(params) <> 'object' THEN
        RAISE EXCEPTION 'course_cate: params must be a jsonb object (learnerscore.train''s), not %', coalesce(params::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF min_per_arm IS NULL OR min_per_arm < 1 THEN
        RAISE EXCEPTION 'course_cate: min_per_arm must be a positive number of employees, not %', coalesce(min_per_arm::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT array_agg(k.kpi ORDER BY k.kpi) FROM %s.kpi_settings k WHERE $1::text IS NULL OR k.kpi = $1', s)
        INTO kpis USING kpi;
    IF kpis IS NULL THEN
        EXECUTE format('SELECT string_agg(k.kpi, '', '' ORDER BY k.kpi) FROM %s.kpi_settings k', s) INTO known;
        RAISE EXCEPTION 'course_cate: unknown KPI "%"', coalesce(kpi, 'NULL') USING ERRCODE = '22023',
            HINT = format('The KPIs of %s.kpi_settings are: %s (NULL: all of them).', s, coalesce(known, 'none'));
    END IF;
    EXECUTE format('SELECT count(*) FROM %s.courses_info', s) INTO n_courses;
    IF n_courses = 0 THEN
        RAISE EXCEPTION 'course_cate: schema % has no courses (courses_info is empty)', s USING ERRCODE = '22023',
            HINT = 'Load courses_info.csv, courses_passing.csv and the other files with `learnerscore load DIR --schema S`.';
    END IF;
    -- one run per schema at a time (each replaces the rows of its KPIs)
    PERFORM pg_advisory_xact_lock(hashtext('learnerscore.course_cate'), hashtext(schema_name));

    -- The panel once: the view aggregates every communication; every model reads this copy.
    IF to_regclass('pg_temp._ls_cate_rows') IS NOT NULL THEN
        DROP VIEW pg_temp._ls_cate_rows;
    END IF;
    IF to_regclass('pg_temp._ls_cate_panel') IS NOT NULL THEN
        DROP TABLE pg_temp._ls_cate_panel;
    END IF;
    EXECUTE format($q$CREATE TEMP TABLE _ls_cate_panel AS
        SELECT p.course_id, p.employee_id, p.department, p.kpi, p.post_value, p.treated, p.covariates
          FROM %s.course_panel p WHERE p.kpi = ANY ($1)$q$, s) USING kpis;
    CREATE INDEX ON pg_temp._ls_cate_panel (course_id, kpi);
    ANALYZE pg_temp._ls_cate_panel;
    SELECT max(cardinality(p.covariates)) INTO width FROM pg_temp._ls_cate_panel p;
    -- their names, in the panel's order: [csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, one dummy per
    -- department after the first (learnerscore.one_hot over the sorted departments)]; positional names for a panel
    -- of another shape (its view changed): still exactly the panel's covariates
    EXECUTE format('SELECT array_agg(DISTINCT e.department ORDER BY e.department) FROM %s.employees e', s) INTO levels;
    feats := ARRAY['csat_pre', 'resolved_rate_pre', 'handle_time_pre', 'tenure_years']
             || ARRAY(SELECT 'department_' || u.l FROM unnest(levels[2:]) WITH ORDINALITY AS u(l, i) ORDER BY u.i);
    IF width IS NULL OR cardinality(feats) <> width OR (SELECT count(DISTINCT f) FROM unnest(feats) f) <> width THEN
        feats := ARRAY(SELECT 'covariate_' || i FROM generate_series(1, coalesce(width, 0)) i);
    END IF;
    -- the covariates as named columns (train() reads columns): exactly the array course_effects' estimators use
    SELECT string_agg(format('p.covariates[%s] AS %I', i, feats[i]), ', ' ORDER BY i) INTO cols
      FROM generate_series(1, cardinality(feats)) i;
    EXECUTE format('CREATE TEMP VIEW _ls_cate_rows AS SELECT p.*%s FROM pg_temp._ls_cate_panel p',
                   CASE WHEN cols IS NULL THEN '' ELSE ', ' || cols END);
    -- an arm smaller than the model's parameters cannot be fitted
    need := greatest(min_per_arm, coalesce(cardinality(feats), 0) + 2);

    PERFORM learnerscore._create_table(schema_name, 'course_cate', $$
        employee_id      int NOT NULL,
        department       text NOT NULL,
        course_id        int NOT NULL,
        kpi              text NOT NULL,
        took_course      boolean NOT NULL,
        cate             float8,
        method           text NOT NULL,
        treated_model_id bigint NOT NULL,
        control_model_id bigint NOT NULL,
        computed_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (employee_id, course_id, kpi)$$,
        'Per employee, course and KPI: the predicted effect of the course on the employee''s KPI (CATE), written by learnerscore.course_cate(schema, kpi): '
        'a T-learner (learnerscore.train_uplift) per course and KPI trained on course_panel (treated = finished the course before the post-period; '
        'features = the covariates of course_effects), scored for every employee of the panel. A run replaces the rows of its KPIs.',
        'course_cate_course_kpi_idx (course_id, kpi)');
    FOREACH c SLICE 1 IN ARRAY ARRAY[
        ['employee_id', 'The employee (employees.employee_id).'],
        ['department', 'The employee''s department.'],
        ['course_id', 'The course (courses_info.course_id).'],
        ['kpi', 'The KPI (kpi_settings.kpi): csat, resolved_rate or handle_time.'],
        ['took_course', 'true when the employee finished the course before the post-period (the treated arm of the model); the CATE is predicted for both arms.'],
        ['cate', 'Predicted effect of the course on the employee''s post-period KPI, in KPI units (csat points, share of resolved contacts, seconds of handle time; '
                 'for handle_time a negative value is an improvement): prediction of the treated-arm model minus that of the control-arm model at the employee''s covariates.'],
        ['method', 'How it was estimated: t_learner_linear (OLS per arm) or t_learner_xgboost (regression trees per arm).'],
        ['treated_model_id', 'learnerscore.models.id of the treated-arm model (<schema>.cate_<course_id>_<kpi>.treated) that scored the row.'],
        ['control_model_id', 'learnerscore.models.id of the control-arm model (<schema>.cate_<course_id>_<kpi>.control) that scored the row.'],
        ['computed_at', 'When the course_cate run that wrote the row started.']]
    LOOP  -- only a comment that changed: COMMENT needs ownership and takes a lock readers would wait on
        IF col_description(to_regclass(s || '.course_cate'),
                           (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = to_regclass(s || '.course_cate') AND a.attname = c[1]))
           IS DISTINCT FROM c[2] THEN
            EXECUTE format('COMMENT ON COLUMN %s.course_cate.%I IS %L', s, c[1], c[2]);
        END IF;
    END LOOP;
    EXECUTE format('DELETE FROM %s.course_cate x WHERE x.kpi = ANY ($1)', s) USING kpis;

    FOR r IN EXECUTE format($q$
        SELECT ci.course_id AS cid, k.kpi AS k,
               count(p.employee_id) FILTER (WHERE p.treated) AS n_t, count(p.employee_id) FILTER (WHERE NOT p.treated) AS n_c
          FROM %s.courses_info ci CROSS JOIN unnest($1::text[]) AS k(kpi)
          LEFT JOIN pg_temp._ls_cate_panel p ON p.course_id = ci.course_id AND p.kpi = k.kpi AND p.post_value IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2$q$, s) USING kpis
    LOOP
        course_id := r.cid;
        kpi_name := r.k;
        n_treated := r.n_t;
        n_control := r.n_c;
        IF r.n_t < need OR r.n_c < need THEN
            RAISE NOTICE 'course_cate: course % skipped for %: % treated and % untreated employees, at least % of each needed',
                r.cid, r.k, r.n_t, r.n_c, need;
            status := 'skipped';
            rows_written := 0;
            mean_cate := NULL;
            treated_model_id := NULL;
            control_model_id := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        model_name := schema_name || '.cate_' || r.cid || '_' || r.k;
        SELECT array_agg(u.model_id ORDER BY u.arm DESC) INTO ids   -- treated, control
          FROM learnerscore.train_uplift(model_name,
                   format('SELECT * FROM pg_temp._ls_cate_rows WHERE course_id = %s AND kpi = %L', r.cid, r.k),
                   'treated', 'post_value', feats, algorithm, params) u;
        -- scored with the versions just trained (by id), at the panel's covariate array (the models' feature order)
        EXECUTE format($q$INSERT INTO %s.course_cate (employee_id, department, course_id, kpi, took_course, cate, method,
                                                      treated_model_id, control_model_id, computed_at)
            SELECT p.employee_id, p.department, p.course_id, p.kpi, p.treated,
                   learnerscore.predict($1::bigint, p.covariates) - learnerscore.predict($2::bigint, p.covariates),
                   $3, $1, $2, $4
              FROM pg_temp._ls_cate_panel p WHERE p.course_id = $5 AND p.kpi = $6$q$, s)
            USING ids[1], ids[2], method_name, now(), r.cid, r.k;
        GET DIAGNOSTICS rows_written = ROW_COUNT;
        EXECUTE format('SELECT avg(x.cate) FROM %s.course_cate x WHERE x.course_id = $1 AND x.kpi = $2', s)
            INTO mean_cate USING r.cid, r.k;
        status := 'trained';
        treated_model_id := ids[1];
        control_model_id := ids[2];
        RETURN NEXT;
    END LOOP;
    DROP VIEW pg_temp._ls_cate_rows;
    DROP TABLE pg_temp._ls_cate_panel;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_cate(text, text, text, jsonb, int) IS
  'Per-employee effects of the courses (CATE) on a KPI (NULL: every KPI of kpi_settings): for each course of courses_info and KPI, a T-learner '
  '(learnerscore.train_uplift: models <schema>.cate_<course_id>_<kpi>.treated / .control) of the post-period KPI on the covariates course_effects '
  'uses (course_panel: csat_pre, resolved_rate_pre, handle_time_pre, tenure_years, department dummies), treated = finished the course before the '
  'post-period; each employee''s CATE = treated-arm minus control-arm prediction, written to <schema>.course_cate (replacing the rows of those KPIs). '
  'algorithm linear (OLS per arm, default) or xgboost; params as learnerscore.train''s. A course with fewer than min_per_arm treated or untreated '
  'employees (or fewer than the covariates + 2) is skipped with a NOTICE. Returns one row per course and KPI: status trained or skipped, arm sizes, '
  'rows written, mean CATE and the two model ids. Errors: 22023 NULL/empty schema, unknown KPI or algorithm, params not an object, no courses; '
  '3F000 unknown schema; 42P01 not a course-effects schema. Writes to the schema: for owners (learnerscore_owner).';

-- The department estimates of recommend_courses (410_course_effects_schema.sql), for every department at once.
CREATE FUNCTION learnerscore.course_effects_shrunk(schema_name text, method text DEFAULT NULL)
RETURNS TABLE (course_id int, kpi text, department text, estimate float8, std_error float8, overall_estimate float8,
               tau2 float8, weight_department float8, effect float8, benefit float8, score float8)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    m text := method;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_effects_shrunk: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_effects') IS NULL THEN
        RAISE EXCEPTION 'schema % has no course_effects', s USING ERRCODE = '42P01',
            HINT = format('CALL learnerscore.create_course_effects_schema(%L), load it, then refresh_course_effects.', schema_name);
    END IF;
    IF m IS NULL THEN
        EXECUTE format('SELECT st.primary_method FROM %s.course_effect_settings st', s) INTO m;
    END IF;
    IF m IS NULL OR m NOT IN ('naive', 'regression', 'aipw', 'iv') THEN
        RAISE EXCEPTION 'course_effects_shrunk: unknown method "%"', coalesce(m, 'NULL') USING ERRCODE = '22023',
            HINT = 'naive, regression, aipw or iv (NULL: the primary_method of course_effect_settings).';
    END IF;
    -- the same formulas as recommend_courses (tests/e2e/course_cate.sh checks that both rank alike)
    RETURN QUERY EXECUTE format($q$
        WITH e AS (SELECT ce.* FROM %1$s.course_effects ce WHERE ce.method = $1),
        tau AS (  -- between-department variance of the effect (method of moments, floored at 0)
            SELECT ce.course_id, ce.kpi,
                   greatest(coalesce(var_samp(ce.estimate), 0) - coalesce(avg(ce.std_error ^ 2), 0), 0) AS tau2
            FROM e ce WHERE ce.department <> 'ALL' GROUP BY 1, 2),
        depts AS (SELECT DISTINCT em.department FROM %1$s.employees em),
        shrunk AS (
            SELECT a.course_id, a.kpi, dp.department, d.estimate, d.std_error, a.estimate AS overall_estimate, t.tau2,
                   ks.min_useful_effect, ks.higher_is_better,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN a.estimate
                        ELSE (t.tau2 * d.estimate + d.std_error ^ 2 * a.estimate) / nullif(t.tau2 + d.std_error ^ 2, 0) END AS effect,
                   CASE WHEN d.estimate IS NULL OR d.std_error IS NULL THEN 0
                        ELSE t.tau2 / nullif(t.tau2 + d.std_error ^ 2, 0) END AS weight_department
            FROM e a
            CROSS JOIN depts dp
            JOIN %1$s.kpi_settings ks ON ks.kpi = a.kpi
            LEFT JOIN e d ON d.course_id = a.course_id AND d.kpi = a.kpi AND d.department = dp.department
            LEFT JOIN tau t ON t.course_id = a.course_id AND t.kpi = a.kpi
            WHERE a.department = 'ALL' AND a.estimate IS NOT NULL)
        SELECT sh.course_id, sh.kpi, sh.department, sh.estimate, sh.std_error, sh.overall_estimate, sh.tau2,
               sh.weight_department, sh.effect,
               CASE WHEN sh.higher_is_better THEN sh.effect ELSE -sh.effect END,
               CASE WHEN sh.higher_is_better THEN sh.effect ELSE -sh.effect END / sh.min_useful_effect
          FROM shrunk sh ORDER BY 1, 2, 3$q$, s) USING m;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_effects_shrunk(text, text) IS
  'The department-level course effects recommend_courses ranks by, for every course x KPI x department of employees: the department''s estimate of '
  'course_effects (method, NULL = primary_method of course_effect_settings) shrunk toward the all-department estimate with weight '
  'tau^2 / (tau^2 + se^2) (tau^2 = between-department variance, method of moments floored at 0; no department estimate: the overall one). '
  'estimate / std_error: the department''s own; overall_estimate: department ALL; effect: the shrunk effect in KPI units; benefit: signed so that '
  'positive is good; score: benefit / the KPI''s min_useful_effect (recommend_courses sums it over KPIs). 22023 NULL/empty schema or unknown '
  'method, 3F000 unknown schema, 42P01 no course_effects.';

CREATE FUNCTION learnerscore.course_recommendations_cate(schema_name text, kpi text DEFAULT NULL, top_n int DEFAULT 3)
RETURNS TABLE (employee_id int, department text, rank int, course_id int, title text, cate_score float8, cate_effects jsonb,
               department_course_id int, department_title text, department_score float8, department_effects jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, learnerscore, pg_temp AS $fn$
DECLARE
    s text;
    kpis text[];
    known text;
BEGIN
    IF schema_name IS NULL OR btrim(schema_name) = '' THEN
        RAISE EXCEPTION 'course_recommendations_cate: schema name must not be NULL or empty' USING ERRCODE = '22023';
    END IF;
    IF to_regnamespace(quote_ident(schema_name)) IS NULL THEN
        RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
    END IF;
    IF top_n IS NULL OR top_n < 1 THEN
        RAISE EXCEPTION 'course_recommendations_cate: top_n must be a positive integer, not %', coalesce(top_n::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    s := quote_ident(schema_name);
    IF to_regclass(s || '.course_cate') IS NULL THEN
        RAISE EXCEPTION 'schema % has no course_cate', s USING ERRCODE = '42P01',
            HINT = format('Run SELECT * FROM learnerscore.course_cate(%L) first (an owner of the schema).', schema_name);
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT x.kpi ORDER BY x.kpi) FROM %s.course_cate x WHERE $1::text IS NULL OR x.kpi = $1', s)
        INTO kpis USING kpi;
    IF kpis IS NULL THEN
        EXECUTE format('SELECT string_agg(k.kpi, '', '' ORDER BY k.kpi) FROM %s.kpi_settings k', s) INTO known;
        RAISE EXCEPTION 'course_recommendations_cate: no per-employee effects on KPI "%" in %.course_cate', coalesce(kpi, 'NULL'), s
            USING ERRCODE = '22023',
            HINT = format('KPIs of %s.kpi_settings: %s; SELECT * FROM learnerscore.course_cate(%L, kpi) computes them.', s,
                          coalesce(known, 'none'), schema_name);
    END IF;
    -- Both lists score a course as recommend_courses does: the sum over the KPIs of the benefit (effect signed so that
    -- positive is good) in units of the KPI's minimal useful effect; only courses the employee has not finished and
    -- with a positive score. Left: the employee's own CATE; right: the shrunk department estimate.
    RETURN QUERY EXECUTE format($q$
        WITH done AS (SELECT cp.employee_id, cp.course_id FROM %1$s.courses_passing cp WHERE cp.status = 'finished'),
        emp AS (SELECT DISTINCT x.employee_id, x.department FROM %1$s.course_cate x WHERE x.kpi = ANY ($1)),
        cate AS (
            SELECT x.employee_id, x.course_id,
                   sum(CASE WHEN ks.higher_is_better THEN x.cate ELSE -x.cate END / ks.min_useful_effect) AS score,
                   jsonb_object_agg(x.kpi, round(x.cate::numeric, 4)) AS effects
              FROM %1$s.course_cate x JOIN %1$s.kpi_settings ks ON ks.kpi = x.kpi
             WHERE x.kpi = ANY ($1) AND x.cate IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM done d WHERE d.employee_id = x.employee_id AND d.course_id = x.course_id)
             GROUP BY 1, 2),
        cate_ranked AS (
            SELECT c.*, row_number() OVER (PARTITION BY c.employee_id ORDER BY c.score DESC, c.course_id)::int AS r
              FROM cate c WHERE c.score > 0),
        dept AS (
            SELECT sh.department, sh.course_id, sum(sh.score) AS score,
                   jsonb_object_agg(sh.kpi, round(coalesce(sh.effect, 0)::numeric, 4)) AS effects
              FROM learnerscore.course_effects_shrunk($3) sh
             WHERE sh.kpi = ANY ($1) GROUP BY 1, 2),
        dept_ranked AS (
            SELECT e.employee_id, d.course_id, d.score, d.effects,
                   row_number() OVER (PARTITION BY e.employee_id ORDER BY d.score DESC, d.course_id)::int AS r
              FROM emp e JOIN dept d ON d.department = e.department
             WHERE d.score > 0 AND NOT EXISTS (SELECT 1 FROM done dn WHERE dn.employee_id = e.employee_id AND dn.course_id = d.course_id)),
        paired AS (
            SELECT coalesce(a.employee_id, b.employee_id) AS employee_id, coalesce(a.r, b.r) AS r,
                   a.course_id AS a_course, a.score AS a_score, a.effects AS a_effects,
                   b.course_id AS b_course, b.score AS b_score, b.effects AS b_effects
              FROM (SELECT * FROM cate_ranked WHERE r <= $2) a
              FULL JOIN (SELECT * FROM dept_ranked WHERE r <= $2) b ON b.employee_id = a.employee_id AND b.r = a.r)
        SELECT p.employee_id, e.department, p.r, p.a_course, ca.title, p.a_score, p.a_effects,
               p.b_course, cb.title, p.b_score, p.b_effects
          FROM paired p JOIN emp e ON e.employee_id = p.employee_id
          LEFT JOIN %1$s.courses_info ca ON ca.course_id = p.a_course
          LEFT JOIN %1$s.courses_info cb ON cb.course_id = p.b_course
         ORDER BY p.employee_id, p.r$q$, s) USING kpis, top_n, schema_name;
END
$fn$;
COMMENT ON FUNCTION learnerscore.course_recommendations_cate(text, text, int) IS
  'Per employee of <schema>.course_cate, the top_n courses not finished ranked by the employee''s own predicted effects (course_cate), next to the '
  'top_n of today''s department-level recommendation (the shrunk department estimates of course_effects_shrunk, i.e. what recommend_courses lists '
  'for the employee). One row per employee and rank 1..top_n: course_id, title, cate_score (sum over the KPIs of the CATE signed so that positive '
  'is good, in units of the KPI''s min_useful_effect), cate_effects ({kpi: CATE}) and department_course_id, department_title, department_score, '
  'department_effects ({kpi: shrunk effect}) on the same KPIs. Only positive scores; a side with fewer courses has NULLs. kpi: one KPI, or NULL for '
  'every KPI course_cate holds. Errors: 22023 NULL/empty schema, top_n < 1, no course_cate rows for the KPI; 3F000; 42P01 no course_cate.';
