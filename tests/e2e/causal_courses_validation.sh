#!/usr/bin/env bash
# Course effects on generated data over repeated seeds: IV and AIPW 95 %
# intervals must cover the planted effect in >= 90 % of course x KPI x
# department cells, the naive difference must be visibly biased, and the
# verdicts must match the planted truth for the clearly useful course 1 and
# the clearly harmful course 4. Prints the figures. Needs PGHOST/PGPORT/PGUSER
# and the learnerscore CLI on PATH. SEEDS="1 2 3" to change the seeds.
set -euo pipefail
SEEDS=${SEEDS:-"11 12 13"}
EMPLOYEES=${EMPLOYEES:-2000}
WORK=$(mktemp -d /tmp/causal-validate-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export PGDATABASE=${PGDATABASE:-postgres}
PSQL="psql -v ON_ERROR_STOP=1 -X -q"
$PSQL -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore"
$PSQL -c "DROP TABLE IF EXISTS causal_validation; CREATE TABLE causal_validation (seed int, course_id int, kpi text, department text, method text, estimate float8, ci_low float8, ci_high float8, truth float8, verdict text, harmful boolean)"
for seed in $SEEDS; do
  s="cv_$seed"
  learnerscore generate --scenario courses --employees "$EMPLOYEES" --courses 8 --seed "$seed" --out "$WORK/$seed" --quiet
  $PSQL -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $s CASCADE"
  learnerscore load "$WORK/$seed" --schema "$s" >/dev/null
  $PSQL -c "SET client_min_messages = error; CALL learnerscore.refresh_course_effects('$s')"
  $PSQL <<SQL
CREATE TEMP TABLE truth (course_id int, kpi text, department text, archetype text, true_effect float8);
\copy truth FROM '$WORK/$seed/_truth/course_effects.csv' CSV HEADER
INSERT INTO causal_validation
SELECT $seed, v.course_id, v.kpi, v.department, v.method, v.estimate, v.ci_low, v.ci_high,
       CASE WHEN v.department = 'ALL' THEN NULL ELSE t.true_effect END, v.verdict, v.harmful
FROM $s.course_verdicts v LEFT JOIN truth t USING (course_id, kpi, department);
SQL
  $PSQL -c "SET client_min_messages = warning; DROP SCHEMA $s CASCADE"
  echo "seed $seed done"
done
$PSQL -P footer=off <<'SQL'
\echo '== 95 % interval coverage of the planted effect, course x KPI x department cells'
SELECT method, count(*) AS cells,
       round(avg((ci_low <= truth AND truth <= ci_high)::int)::numeric, 3) AS coverage,
       round((avg(estimate - truth) FILTER (WHERE kpi = 'csat'))::numeric, 3) AS mean_bias_csat,
       round((avg(estimate - truth) FILTER (WHERE kpi = 'handle_time'))::numeric, 2) AS mean_bias_handle_time
FROM causal_validation WHERE truth IS NOT NULL AND estimate IS NOT NULL GROUP BY method ORDER BY method;
\echo '== verdicts for the clearly useful course 1 and the clearly harmful course 4 (all departments)'
SELECT course_id, method, string_agg(DISTINCT verdict, ',') AS verdicts, bool_and(harmful) AS all_harmful, count(*) AS cells
FROM causal_validation WHERE department = 'ALL' AND course_id IN (1, 4) AND method IN ('iv', 'aipw')
GROUP BY 1, 2 ORDER BY 1, 2;
SQL
fail=0
check() { if [ "$($PSQL -At -c "$2")" = t ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
check "IV coverage >= 0.90" "SELECT avg((ci_low <= truth AND truth <= ci_high)::int) >= 0.90 FROM causal_validation WHERE method = 'iv' AND truth IS NOT NULL AND estimate IS NOT NULL"
check "AIPW coverage >= 0.90" "SELECT avg((ci_low <= truth AND truth <= ci_high)::int) >= 0.90 FROM causal_validation WHERE method = 'aipw' AND truth IS NOT NULL AND estimate IS NOT NULL"
check "naive csat bias > 1 point" "SELECT avg(estimate - truth) > 1 FROM causal_validation WHERE method = 'naive' AND kpi = 'csat' AND truth IS NOT NULL"
check "naive coverage < 0.6" "SELECT avg((ci_low <= truth AND truth <= ci_high)::int) < 0.6 FROM causal_validation WHERE method = 'naive' AND truth IS NOT NULL"
check "course 1 recommended (IV, AIPW, every KPI, every seed)" "SELECT bool_and(verdict = 'recommend') FROM causal_validation WHERE course_id = 1 AND department = 'ALL' AND method IN ('iv', 'aipw')"
check "course 4 removed (IV, AIPW, every KPI, every seed)" "SELECT bool_and(verdict = 'remove') FROM causal_validation WHERE course_id = 4 AND department = 'ALL' AND method IN ('iv', 'aipw')"
check "course 4 flagged harmful by AIPW everywhere, by IV in most cells" "SELECT bool_and(harmful) FILTER (WHERE method = 'aipw') AND avg(harmful::int) FILTER (WHERE method = 'iv') >= 0.5 FROM causal_validation WHERE course_id = 4 AND department = 'ALL'"
$PSQL -c "DROP TABLE causal_validation"
exit $fail
