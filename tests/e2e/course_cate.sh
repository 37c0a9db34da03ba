#!/usr/bin/env bash
# Per-employee course effects (issue 14, item 6; docs/course-effects.md "Per-employee effects (CATE)") on
# generated call-centre data with planted per-department effects (`learnerscore generate --scenario courses`,
# _truth/course_effects.csv), over 3 seeds:
#  1. course_cate trains a T-learner per course x KPI (models <schema>.cate_<course>_<kpi>.treated/.control,
#     really in learnerscore.models) and scores every employee into <schema>.course_cate;
#  2. per department x course, the mean CATE over the department's employees tracks the planted effect:
#     Pearson correlation >= CORR_MIN (0.85) for every seed and KPI, and for every course planted as useful in
#     one department only, the CATE benefit is highest in that department (the heterogeneity is found);
#  3. the ranking of courses per department (pairwise concordance with the planted ranking over the pairs of
#     courses whose planted effects differ) is at least as good as that of today's department-level shrinkage
#     (course_effects_shrunk with the primary method, what recommend_courses ranks by), per KPI and for the
#     combined score, pooled over departments and seeds; the figures of both, and of the shrunk regression
#     estimates for reference, are printed;
#  4. course_recommendations_cate: no finished course, positive scores, ranks 1..top_n, and its department
#     side is exactly recommend_courses' list for the same employee; the planted benefit of the first CATE
#     recommendation is at least that of the first department-level one (both printed, with the best possible);
#  5. bad input SQLSTATEs; a course nobody took is skipped with a NOTICE and status 'skipped';
#  6. roles (first seed): course_cate writes to the schema, so it is for owners: a reader and an analyst get
#     42501, an owner role runs it; a reader and an analyst read the recommendations. Then, for the record, the
#     xgboost T-learner on csat (r >= CORR_MIN too).
# About 70-80 s on 2 shared cores.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster (a superuser) and `learnerscore` on PATH.
# LS_CATE_SEEDS (default "11 12 13"), LS_CATE_EMPLOYEES (default 1500), LS_CATE_CORR_MIN (default 0.85).
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-cate-XXXXXX)
DB=${PGDATABASE:-postgres}
P=e2e_cate_$$
SEEDS=${LS_CATE_SEEDS:-11 12 13}
N=${LS_CATE_EMPLOYEES:-1500}
CORR_MIN=${LS_CATE_CORR_MIN:-0.85}
ROLES="ls_e2e_cate_reader_$$ ls_e2e_cate_analyst_$$ ls_e2e_cate_owner_$$"
cleanup() {
  for seed in $SEEDS empty; do
    psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS ${P}_$seed CASCADE;
      SELECT learnerscore.drop_model(name, true) FROM (SELECT DISTINCT name FROM learnerscore.models WHERE name LIKE '${P}\_$seed.%') m" \
      >/dev/null 2>&1 || true
  done
  for r in $ROLES; do psql -qX -d "$DB" -c "DROP OWNED BY $r; DROP ROLE $r" >/dev/null 2>&1 || true; done
  psql -qX -d "$DB" -c "DROP TABLE IF EXISTS public.${P}_results, public.${P}_results_rank, public.${P}_employees" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
state() { psql -qAtX -d "$DB" -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }
t0=$(date +%s)
q "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore" >/dev/null
# per seed x KPI x department x course: the planted effect, the mean CATE, the shrunk department estimates
q "CREATE TABLE public.${P}_results (seed int, course_id int, kpi text, department text, archetype text, planted float8,
     planted_benefit float8, delta float8, cate float8, cate_benefit float8, shrunk_primary float8, shrunk_regression float8,
     higher_is_better boolean, se_regression float8)"
q "CREATE TABLE public.${P}_employees (seed int, kpi text, r_employee float8, within_sd float8, sign_agree float8)"

for seed in $SEEDS; do
  S=${P}_$seed
  G=$TMP/g$seed
  learnerscore generate --scenario courses --employees "$N" --courses 8 --seed "$seed" --out "$G" --quiet
  learnerscore load "$G" --schema "$S" > "$TMP/load.txt" 2>&1 || { cat "$TMP/load.txt"; fail "seed $seed: load failed"; }
  q "SET client_min_messages = error; CALL learnerscore.refresh_course_effects('$S')"
  q "CREATE TABLE $S._truth (course_id int, kpi text, department text, archetype text, true_effect float8)"
  psql -qX -d "$DB" -c "\\copy $S._truth FROM '$G/_truth/course_effects.csv' CSV HEADER"
  # a course nobody took: skipped (both arms are needed), reported with a NOTICE and in the status column
  q "INSERT INTO $S.courses_info (course_id, title, topic, duration) VALUES (99, 'Course 99: nobody took it', 'none', 1)"

  # 1. the models and the per-employee effects, every KPI
  psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" -c "CREATE TABLE $S._run AS SELECT * FROM learnerscore.course_cate('$S')" \
    2> "$TMP/notice.txt" >/dev/null || { cat "$TMP/notice.txt"; fail "seed $seed: course_cate failed"; }
  grep -q 'course 99 skipped for csat: 0 treated' "$TMP/notice.txt" || fail "seed $seed: no NOTICE for the course nobody took: $(cat "$TMP/notice.txt")"
  [ "$(q "SELECT count(*) FROM $S._run WHERE course_id = 99 AND status = 'skipped' AND rows_written = 0")" -eq 3 ] \
    || fail "seed $seed: course 99 not reported as skipped for the 3 KPIs"
  n_emp=$(q "SELECT count(*) FROM $S.employee_profile WHERE n_post > 0")
  [ "$(q "SELECT count(*) FROM $S._run WHERE status = 'trained' AND rows_written = $n_emp AND n_treated >= 30 AND n_control >= 30")" -eq 24 ] \
    || fail "seed $seed: not 8 courses x 3 KPIs trained with $n_emp rows each: $(q "SELECT * FROM $S._run")"
  [ "$(q "SELECT count(*) FROM $S.course_cate")" -eq $((24 * n_emp)) ] || fail "seed $seed: course_cate rows"
  [ "$(q "SELECT count(*) FROM $S.course_cate WHERE cate IS NULL")" -eq 0 ] || fail "seed $seed: NULL CATE"
  # the models are real registry entries, and the CATE is their difference at the employee's covariates
  [ "$(q "SELECT count(*) FROM learnerscore.models m JOIN $S._run r ON m.id IN (r.treated_model_id, r.control_model_id)
           WHERE m.name = format('%s.cate_%s_%s.%s', '$S', r.course_id, r.kpi_name, CASE WHEN m.id = r.treated_model_id THEN 'treated' ELSE 'control' END)
             AND m.algorithm = 'linear'")" -eq 48 ] || fail "seed $seed: the 48 arm models are not in learnerscore.models"
  [ "$(q "SELECT count(*) FROM $S.course_cate c JOIN $S.course_panel p USING (course_id, employee_id, kpi)
           WHERE c.employee_id % 97 = 0
             AND abs(c.cate - (learnerscore.predict('$S.cate_' || c.course_id || '_' || c.kpi || '.treated', p.covariates)
                              - learnerscore.predict('$S.cate_' || c.course_id || '_' || c.kpi || '.control', p.covariates))) > 1e-9")" -eq 0 ] \
    || fail "seed $seed: course_cate differs from predict_uplift of the deployed models"
  nt=$(q "SELECT count(*) FROM $S.course_cate WHERE took_course")
  [ "$nt" -eq "$(q "SELECT count(*) FROM $S.course_panel WHERE treated AND kpi IN ('csat', 'resolved_rate', 'handle_time')")" ] \
    || fail "seed $seed: took_course differs from the panel's treated"
  # a run for one KPI replaces only that KPI's rows (first seed)
  if [ "$seed" = "${SEEDS%% *}" ]; then
    q "SET client_min_messages = warning; SELECT count(*) FROM learnerscore.course_cate('$S', 'csat')" >/dev/null
    [ "$(q "SELECT count(*) FROM $S.course_cate")" -eq $((24 * n_emp)) ] || fail "seed $seed: a one-KPI run changed the row count"
    [ "$(q "SELECT count(DISTINCT computed_at) FROM $S.course_cate WHERE kpi = 'csat'")" -eq 1 ] || fail "seed $seed: csat rows of two runs"
    [ "$(q "SELECT count(DISTINCT computed_at) FROM $S.course_cate")" -eq 2 ] || fail "seed $seed: the other KPIs' rows were rewritten"
  fi

  # the comparison table
  q "INSERT INTO public.${P}_results
       SELECT $seed, t.course_id, t.kpi, t.department, t.archetype, t.true_effect,
              CASE WHEN ks.higher_is_better THEN t.true_effect ELSE -t.true_effect END, ks.min_useful_effect,
              c.cate, CASE WHEN ks.higher_is_better THEN c.cate ELSE -c.cate END, sp.effect, sr.effect, ks.higher_is_better, sr.std_error
         FROM $S._truth t
         JOIN $S.kpi_settings ks USING (kpi)
         JOIN (SELECT course_id, kpi, department, avg(cate) AS cate FROM $S.course_cate GROUP BY 1, 2, 3) c USING (course_id, kpi, department)
         JOIN learnerscore.course_effects_shrunk('$S') sp USING (course_id, kpi, department)
         JOIN learnerscore.course_effects_shrunk('$S', 'regression') sr USING (course_id, kpi, department)"
  [ "$(q "SELECT count(*) FROM public.${P}_results WHERE seed = $seed")" -eq 96 ] || fail "seed $seed: not 8 courses x 3 KPIs x 4 departments compared"
  # per employee: the planted effect is the department's (constant inside a department), so the spread of the
  # CATE inside a department is estimation noise
  q "INSERT INTO public.${P}_employees
       SELECT $seed, c.kpi, corr(c.cate, t.true_effect),
              (SELECT avg(sd) FROM (SELECT stddev(x.cate) AS sd FROM $S.course_cate x WHERE x.kpi = c.kpi GROUP BY x.course_id, x.department) y),
              avg((sign(c.cate) = sign(t.true_effect))::int) FILTER (WHERE t.true_effect <> 0)
         FROM $S.course_cate c JOIN $S._truth t USING (course_id, kpi, department) GROUP BY c.kpi"

  # 4. the recommendations
  q "CREATE TABLE $S._rec AS SELECT * FROM learnerscore.course_recommendations_cate('$S', top_n => 3)"
  [ "$(q "SELECT count(*) FROM $S._rec r JOIN $S.courses_passing cp ON cp.employee_id = r.employee_id AND cp.status = 'finished'
           AND cp.course_id IN (r.course_id, r.department_course_id)")" -eq 0 ] || fail "seed $seed: a finished course recommended"
  [ "$(q "SELECT count(*) FROM $S._rec WHERE cate_score <= 0 OR department_score <= 0 OR rank NOT BETWEEN 1 AND 3
           OR (course_id IS NULL AND department_course_id IS NULL)")" -eq 0 ] || fail "seed $seed: a non-positive score or a bad rank"
  [ "$(q "SELECT count(*) FROM (SELECT employee_id FROM $S._rec WHERE course_id IS NOT NULL GROUP BY 1
           HAVING count(*) <> max(rank) FILTER (WHERE course_id IS NOT NULL)) x")" -eq 0 ] || fail "seed $seed: CATE ranks with holes"
  [ "$(q "SELECT count(*) FROM (SELECT employee_id, rank, cate_score, lag(cate_score) OVER (PARTITION BY employee_id ORDER BY rank) AS prev
           FROM $S._rec WHERE course_id IS NOT NULL) x WHERE prev < cate_score")" -eq 0 ] || fail "seed $seed: CATE ranks not by score"
  [ "$(q "SELECT count(DISTINCT employee_id) FROM $S._rec WHERE course_id IS NOT NULL")" -gt $((n_emp / 2)) ] \
    || fail "seed $seed: fewer than half the employees get a CATE recommendation"
  # the department side is today's recommend_courses for the same employee (40 employees, every department)
  diff=$(q "WITH e AS (SELECT employee_id FROM (SELECT employee_id, row_number() OVER (PARTITION BY department ORDER BY employee_id) AS k
                                                  FROM $S.employees) x WHERE k <= 10)
            SELECT count(*) FROM e WHERE
              (SELECT coalesce(array_agg(rc.course_id ORDER BY rc.score DESC, rc.course_id), '{}') FROM learnerscore.recommend_courses('$S', e.employee_id, 3) rc)
              IS DISTINCT FROM
              (SELECT coalesce(array_agg(r.department_course_id ORDER BY r.rank), '{}') FROM $S._rec r
                WHERE r.employee_id = e.employee_id AND r.department_course_id IS NOT NULL)")
  [ "$diff" -eq 0 ] || fail "seed $seed: the department side differs from recommend_courses for $diff employees"
  # one KPI: only that KPI's effects
  [ "$(q "SELECT count(*) FROM learnerscore.course_recommendations_cate('$S', 'handle_time', 1)
           WHERE (cate_effects IS NOT NULL AND NOT (cate_effects ?& ARRAY['handle_time'] AND cate_effects - 'handle_time' = '{}'))
              OR (cate_effects->>'handle_time')::float8 >= 0")" -eq 0 ] || fail "seed $seed: the handle_time list"
  # the planted benefit (in minimal useful effects, summed over the KPIs) of the recommended courses
  q "CREATE TABLE $S._ps AS SELECT t.course_id, t.department,
       sum(CASE WHEN ks.higher_is_better THEN t.true_effect ELSE -t.true_effect END / ks.min_useful_effect) AS score
       FROM $S._truth t JOIN $S.kpi_settings ks USING (kpi) GROUP BY 1, 2"
  q "CREATE TABLE $S._pb AS
       WITH best AS (SELECT e.employee_id, max(o.score) AS score FROM $S.employees e JOIN $S._ps o ON o.department = e.department
                      LEFT JOIN $S.courses_passing cp ON cp.employee_id = e.employee_id AND cp.course_id = o.course_id AND cp.status = 'finished'
                     WHERE cp.employee_id IS NULL GROUP BY 1)
       SELECT r.employee_id, r.rank, pc.score AS planted_cate, pd.score AS planted_department, b.score AS planted_best
         FROM $S._rec r JOIN $S.employees e USING (employee_id)
         LEFT JOIN best b ON b.employee_id = r.employee_id
         LEFT JOIN $S._ps pc ON pc.course_id = r.course_id AND pc.department = e.department
         LEFT JOIN $S._ps pd ON pd.course_id = r.department_course_id AND pd.department = e.department"
  [ "$(q "SELECT avg(planted_cate) >= avg(planted_department) FROM $S._pb WHERE rank = 1 AND planted_cate IS NOT NULL AND planted_department IS NOT NULL")" = t ] \
    || fail "seed $seed: the first CATE recommendations have a lower planted benefit than the department-level ones"
  echo "ok: seed $seed: $(q "SELECT count(*) FROM $S._run WHERE status = 'trained'") T-learners, $(q "SELECT count(*) FROM $S.course_cate") per-employee effects; recommendations of $(q "SELECT count(DISTINCT employee_id) FROM $S._rec") employees; mean planted benefit of the first recommendation (min. useful effects summed over KPIs; employees with both): CATE $(q "SELECT round(avg(planted_cate)::numeric, 2) FROM $S._pb WHERE rank = 1 AND planted_cate IS NOT NULL AND planted_department IS NOT NULL"), department $(q "SELECT round(avg(planted_department)::numeric, 2) FROM $S._pb WHERE rank = 1 AND planted_cate IS NOT NULL AND planted_department IS NOT NULL"), best possible $(q "SELECT round(avg(planted_best)::numeric, 2) FROM $S._pb WHERE rank = 1 AND planted_cate IS NOT NULL AND planted_department IS NOT NULL"); share of first CATE recommendations with a positive planted benefit $(q "SELECT round(avg((planted_cate > 0)::int)::numeric, 3) FROM $S._pb WHERE rank = 1 AND planted_cate IS NOT NULL") (department $(q "SELECT round(avg((planted_department > 0)::int)::numeric, 3) FROM $S._pb WHERE rank = 1 AND planted_department IS NOT NULL"))"

  # 5. bad input
  [ "$(state "SELECT * FROM learnerscore.course_cate(NULL)")" = 22023 ] || fail "NULL schema: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('  ')")" = 22023 ] || fail "empty schema: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('no_such_schema_$$')")" = 3F000 ] || fail "unknown schema: not 3F000"
  [ "$(state "SELECT * FROM learnerscore.course_cate('$S', 'nps')")" = 22023 ] || fail "unknown KPI: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('$S', 'csat', 'logistic')")" = 22023 ] || fail "logistic on a continuous KPI: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('$S', 'csat', params => '[1]')")" = 22023 ] || fail "params not an object: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('$S', 'csat', min_per_arm => 0)")" = 22023 ] || fail "min_per_arm 0: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_cate('public')")" = 42P01 ] || fail "not a course-effects schema: not 42P01"
  [ "$(state "SELECT * FROM learnerscore.course_recommendations_cate(NULL)")" = 22023 ] || fail "recommendations, NULL schema: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_recommendations_cate('no_such_schema_$$')")" = 3F000 ] || fail "recommendations, unknown schema: not 3F000"
  [ "$(state "SELECT * FROM learnerscore.course_recommendations_cate('$S', 'nps')")" = 22023 ] || fail "recommendations, unknown KPI: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_recommendations_cate('$S', top_n => 0)")" = 22023 ] || fail "recommendations, top_n 0: not 22023"
  [ "$(state "SELECT * FROM learnerscore.course_effects_shrunk('$S', 'bogus')")" = 22023 ] || fail "shrunk, unknown method: not 22023"
  if [ "$seed" = "${SEEDS%% *}" ]; then
    q "SET client_min_messages = warning; CALL learnerscore.create_course_effects_schema('${P}_empty')" >/dev/null
    [ "$(state "SELECT * FROM learnerscore.course_cate('${P}_empty')")" = 22023 ] || fail "no courses: not 22023"
    [ "$(state "SELECT * FROM learnerscore.course_recommendations_cate('${P}_empty')")" = 42P01 ] || fail "recommendations before course_cate: not 42P01"
  fi
  echo "ok: seed $seed: bad input: 22023 (NULL/empty schema, unknown KPI, algorithm, params, min_per_arm, no courses, top_n 0, method), 3F000, 42P01"

  # 6. who may do what (first seed)
  if [ "$seed" = "${SEEDS%% *}" ]; then
    R=ls_e2e_cate_reader_$$; A=ls_e2e_cate_analyst_$$; O=ls_e2e_cate_owner_$$
    for k in reader analyst owner; do
      r=ls_e2e_cate_${k}_$$
      q "SET client_min_messages = warning; DROP ROLE IF EXISTS $r; CREATE ROLE $r;
         CALL learnerscore.grant_access('$r', '$k'$( [ $k = owner ] || echo ", schema_name => '$S'"))" >/dev/null
    done
    [ "$(state "SET ROLE $R; SELECT * FROM learnerscore.course_cate('$S', 'csat')")" = 42501 ] || fail "a reader runs course_cate"
    [ "$(state "SET ROLE $A; SELECT * FROM learnerscore.course_cate('$S', 'csat')")" = 42501 ] || fail "an analyst runs course_cate"
    [ "$(q "SET ROLE $R; SELECT count(*) FROM learnerscore.course_recommendations_cate('$S')")" -eq "$(q "SELECT count(*) FROM $S._rec")" ] \
      || fail "a reader cannot read the recommendations"
    [ "$(q "SET ROLE $A; SELECT count(*) FROM learnerscore.course_effects_shrunk('$S')")" -eq 96 ] || fail "an analyst cannot read the shrunk effects"
    # the owner role works as the schema's owner would (the schema was made by the superuser: grant it the schema's
    # tables), on models of its own (a name taken by another role's model is 42501: the superuser's are dropped first)
    q "GRANT ALL ON ALL TABLES IN SCHEMA $S TO $O; GRANT ALL ON SCHEMA $S TO $O;
       SELECT count(learnerscore.drop_model(name)) FROM (SELECT DISTINCT name FROM learnerscore.models WHERE name LIKE '$S.cate\_%\_resolved_rate.%') m" >/dev/null
    n_own=$(q "SET ROLE $O; SET client_min_messages = warning; SELECT count(*) FROM learnerscore.course_cate('$S', 'resolved_rate') WHERE status = 'trained'") \
      || fail "the owner role cannot run course_cate: $n_own"
    [ "$n_own" -eq 8 ] || fail "the owner role trained $n_own courses, not 8"
    [ "$(q "SELECT count(*) FROM learnerscore.models m JOIN (SELECT DISTINCT treated_model_id, control_model_id FROM $S.course_cate
             WHERE kpi = 'resolved_rate') c ON m.id IN (c.treated_model_id, c.control_model_id) WHERE m.owner = '$O'::regrole")" -eq 16 ] \
      || fail "the resolved_rate rows are not scored by 16 models of the owner role"
    echo "ok: roles: course_cate (writes to the schema) is for owners: the owner role trained $n_own courses; a reader and an analyst get 42501 and read the recommendations"
    # the other algorithm, for the record: regression trees per arm on csat (replaces this seed's csat rows, after the checks above)
    q "SET client_min_messages = warning;
       SELECT count(*) FROM learnerscore.course_cate('$S', 'csat', 'xgboost', '{\"num_round\": 50, \"max_depth\": 3, \"eta\": 0.1}')" >/dev/null
    rx=$(q "SELECT round(corr(c.cate, t.true_effect)::numeric, 3) FROM (SELECT course_id, kpi, department, avg(cate) AS cate
              FROM $S.course_cate WHERE kpi = 'csat' AND method = 't_learner_xgboost' GROUP BY 1, 2, 3) c JOIN $S._truth t USING (course_id, kpi, department)")
    awk -v r="$rx" -v m="$CORR_MIN" 'BEGIN{exit !(r >= m)}' || fail "seed $seed: xgboost T-learner, csat: r = $rx < $CORR_MIN"
    echo "ok: seed $seed: xgboost T-learner (50 rounds, depth 3), csat: mean CATE vs planted r = $rx (linear: $(q "SELECT round(corr(cate, planted)::numeric, 3) FROM public.${P}_results WHERE seed = $seed AND kpi = 'csat'"))"
  fi
done

# 2. and 3. against the planted truth, pooled over the seeds
R=public.${P}_results
psql -qX -d "$DB" -P footer=off <<SQL
\echo '== per department x course: mean CATE vs the planted effect (Pearson r), and the shrunk department estimates'
\echo '   (r_noise_ceiling: the r an unbiased estimate with the sampling error of the per-department regression would reach)'
SELECT seed, kpi, count(*) AS cells, round(corr(cate, planted)::numeric, 3) AS r_cate,
       round(corr(shrunk_primary, planted)::numeric, 3) AS r_shrunk_primary, round(corr(shrunk_regression, planted)::numeric, 3) AS r_shrunk_regression,
       round(sqrt(avg((cate - planted) ^ 2))::numeric, 4) AS rmse_cate, round(sqrt(avg((shrunk_primary - planted) ^ 2))::numeric, 4) AS rmse_shrunk_primary,
       round(sqrt(var_pop(planted) / (var_pop(planted) + avg(se_regression ^ 2)))::numeric, 3) AS r_noise_ceiling
  FROM $R GROUP BY ROLLUP (seed), kpi ORDER BY seed NULLS LAST, kpi;
\echo '== per employee: CATE vs the planted effect of the employee''s department'
SELECT coalesce(seed::text, 'all') AS seed, kpi, round(avg(r_employee)::numeric, 3) AS r_employee,
       round(avg(within_sd)::numeric, 4) AS within_department_sd, round(avg(sign_agree)::numeric, 3) AS sign_agrees
  FROM public.${P}_employees GROUP BY ROLLUP (seed), kpi ORDER BY seed NULLS LAST, kpi;
SQL
bad=$(q "SELECT string_agg(seed || '/' || kpi || ': ' || round(r::numeric, 3), ', ') FROM
           (SELECT seed, kpi, corr(cate, planted) AS r FROM $R GROUP BY 1, 2) x WHERE NOT r >= $CORR_MIN")
[ -z "$bad" ] || fail "mean CATE vs planted: correlation below $CORR_MIN for $bad"
echo "ok: mean CATE vs planted effect: Pearson r >= $CORR_MIN for every seed and KPI"
# the heterogeneous courses: planted useful in one department only; the CATE benefit must be highest there
miss=$(q "SELECT string_agg(DISTINCT seed || '/' || course_id || '/' || kpi, ', ') FROM $R r
           WHERE r.archetype LIKE 'useful\_in\_%' AND r.department = substr(r.archetype, 11)
             AND EXISTS (SELECT 1 FROM $R o WHERE (o.seed, o.course_id, o.kpi) = (r.seed, r.course_id, r.kpi)
                           AND o.department <> r.department AND o.cate_benefit >= r.cate_benefit)")
n_het=$(q "SELECT count(DISTINCT (seed, course_id, kpi)) FROM $R WHERE archetype LIKE 'useful\_in\_%'")
[ "$n_het" -gt 0 ] || fail "no course planted as useful in one department"
[ -z "$miss" ] || fail "a course useful in one department only, whose CATE is not highest there: $miss"
q "SELECT format('ok: %s course x KPI x seed cells planted useful in one department only: the CATE benefit is highest there in all; mean CATE benefit there %s x the planted, elsewhere %s min. useful effects (planted 0)',
                 count(DISTINCT (seed, course_id, kpi)),
                 round((avg(cate_benefit / planted_benefit) FILTER (WHERE department = substr(archetype, 11)))::numeric, 2),
                 round((avg(cate_benefit / delta) FILTER (WHERE department <> substr(archetype, 11)))::numeric, 3))
     FROM $R WHERE archetype LIKE 'useful\_in\_%'"

# ranking per department: concordance with the planted ranking over the pairs of courses whose planted effects
# differ (a tie in the estimate counts 1/2), per KPI and for the combined score (sum over KPIs of benefit / delta)
q "CREATE TABLE ${R}_rank AS
     SELECT seed, kpi, department, course_id, planted_benefit / delta AS planted, cate_benefit / delta AS cate,
            CASE WHEN higher_is_better THEN shrunk_primary ELSE -shrunk_primary END / delta AS shrunk_primary,
            CASE WHEN higher_is_better THEN shrunk_regression ELSE -shrunk_regression END / delta AS shrunk_regression
       FROM $R
     UNION ALL
     SELECT seed, 'combined', department, course_id, sum(planted_benefit / delta), sum(cate_benefit / delta),
            sum(CASE WHEN higher_is_better THEN shrunk_primary ELSE -shrunk_primary END / delta),
            sum(CASE WHEN higher_is_better THEN shrunk_regression ELSE -shrunk_regression END / delta)
       FROM $R GROUP BY seed, department, course_id"
conc="SELECT a.seed, a.kpi, a.department, sign(a.planted - b.planted) AS p,
             sign(a.cate - b.cate) AS c, sign(a.shrunk_primary - b.shrunk_primary) AS s, sign(a.shrunk_regression - b.shrunk_regression) AS g
        FROM ${R}_rank a JOIN ${R}_rank b ON (b.seed, b.kpi, b.department) = (a.seed, a.kpi, a.department) AND b.course_id > a.course_id
       WHERE abs(a.planted - b.planted) > 1e-9"
psql -qX -d "$DB" -P footer=off <<SQL
\echo '== ranking of the courses per department: share of concordant pairs (planted effects differ; estimate tie = 1/2)'
SELECT coalesce(seed::text, 'all') AS seed, kpi, count(*) AS pairs,
       round(avg(CASE WHEN c = p THEN 1 WHEN c = 0 THEN 0.5 ELSE 0 END), 3) AS cate,
       round(avg(CASE WHEN s = p THEN 1 WHEN s = 0 THEN 0.5 ELSE 0 END), 3) AS shrunk_primary,
       round(avg(CASE WHEN g = p THEN 1 WHEN g = 0 THEN 0.5 ELSE 0 END), 3) AS shrunk_regression
  FROM ($conc) x GROUP BY ROLLUP (seed), kpi ORDER BY seed NULLS LAST, kpi;
\echo '== Spearman correlation of the ranking per department (mean over seed x department)'
SELECT kpi, round(avg(rc)::numeric, 3) AS cate, round(avg(rs)::numeric, 3) AS shrunk_primary, round(avg(rg)::numeric, 3) AS shrunk_regression,
       round(avg(rx)::numeric, 3) AS attainable_with_ties
  FROM (SELECT seed, kpi, department, corr(rp, rc) AS rc, corr(rp, rs) AS rs, corr(rp, rg) AS rg, corr(rp, rx) AS rx
          FROM (SELECT seed, kpi, department, rank() OVER w1 + (count(*) OVER w1p - 1) / 2.0 AS rp,
                       rank() OVER w2 AS rc, rank() OVER w3 AS rs, rank() OVER w4 AS rg, row_number() OVER w1 AS rx
                  FROM ${R}_rank
                WINDOW w1 AS (PARTITION BY seed, kpi, department ORDER BY planted),
                       w1p AS (PARTITION BY seed, kpi, department, planted),
                       w2 AS (PARTITION BY seed, kpi, department ORDER BY cate),
                       w3 AS (PARTITION BY seed, kpi, department ORDER BY shrunk_primary),
                       w4 AS (PARTITION BY seed, kpi, department ORDER BY shrunk_regression)) x
         GROUP BY 1, 2, 3) y
 GROUP BY kpi ORDER BY kpi;
SQL
worse=$(q "SELECT string_agg(kpi || ' ' || round(c, 3) || ' < ' || round(s, 3), ', ') FROM
             (SELECT kpi, avg(CASE WHEN c = p THEN 1 WHEN c = 0 THEN 0.5 ELSE 0 END) AS c,
                          avg(CASE WHEN s = p THEN 1 WHEN s = 0 THEN 0.5 ELSE 0 END) AS s
                FROM ($conc) x GROUP BY kpi) y WHERE c < s")
[ -z "$worse" ] || fail "the CATE ranks the courses worse than today's shrinkage: $worse"
echo "ok: the CATE ranking of courses per department agrees with the planted ranking at least as well as today's department-level shrinkage (every KPI and combined, pooled over departments and seeds)"
q "DROP TABLE ${R}_rank"
echo "course_cate: all checks passed in $(( $(date +%s) - t0 )) s"
