#!/usr/bin/env bash
# Activity status vs the generator's planted latent state: generate a 1T
# cohort, load it, compute learnerscore.learner_activity for days 0..209 of
# each learner's course, and compare with _truth/state_spells.csv learner-day
# by learner-day. Requires >= 90 % agreement; prints the confusion matrix.
# Also checks that statement_timeout stops a large computation promptly.
set -euo pipefail
N=${FEATURES_TRUTH_LEARNERS:-1000}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
if ! learnerscore generate --help 2>&1 | grep -q -- '--scenario' || ! learnerscore load --help >/dev/null 2>&1; then
  echo "SKIP: learnerscore generate/load not available (build the CLI: cmake --build build/release)"; exit 77
fi
work=$(mktemp -d /tmp/features-truth-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
learnerscore generate --scenario 1t --learners "$N" --seed 42 --out "$work/data" --quiet
psql -c "CREATE EXTENSION IF NOT EXISTS learnerscore" -c "DROP SCHEMA IF EXISTS ftruth CASCADE" -c "CALL learnerscore.create_learning_schema('ftruth')"
learnerscore load "$work/data" --schema ftruth >/dev/null
psql -c "CREATE TABLE ftruth.truth_spells (user_id int, state text, from_date date, to_date date)"
psql -c "\\copy ftruth.truth_spells FROM '$work/data/_truth/state_spells.csv' CSV HEADER"

read -r from to <<<"$(psql -A -t -F' ' -c "SELECT min(date_shown)::date, max(date_shown)::date + 209 FROM ftruth.schedule")"
psql -A -F' ' <<SQL
CREATE TABLE ftruth.cmp AS
SELECT t.state AS planted, a.status AS observed
  FROM ftruth.users u
  JOIN (SELECT course_id, min(date_shown)::date AS d0 FROM ftruth.schedule GROUP BY course_id) c ON c.course_id = u.course_id
  JOIN learnerscore.learner_activity('ftruth', '$from', '$to') a
    ON a.user_id = u.user_id AND a.cur_date BETWEEN c.d0 AND c.d0 + 209
  JOIN ftruth.truth_spells t ON t.user_id = u.user_id AND a.cur_date BETWEEN t.from_date AND t.to_date;
\echo confusion matrix (rows: planted, columns: observed)
SELECT planted, count(*) FILTER (WHERE observed = 'active') AS active,
       count(*) FILTER (WHERE observed = 'falling_asleep') AS falling_asleep,
       count(*) FILTER (WHERE observed = 'asleep') AS asleep,
       count(*) FILTER (WHERE observed IS NULL) AS unknown
  FROM ftruth.cmp GROUP BY planted ORDER BY planted;
SQL
agree=$(psql -A -t -c "SELECT round(100.0 * count(*) FILTER (WHERE planted = observed) / count(*), 2) || ' ' || count(*) FROM ftruth.cmp")
read -r pct days <<<"$agree"
echo "status agreement with the planted state: $pct % of $days learner-days ($N learners, days 0..209 of each course)"
awk -v p="$pct" 'BEGIN { exit !(p >= 90) }' || { echo "agreement below 90 %"; exit 1; }

echo "== cancel: statement_timeout = 1s on learner_daily over a long range"
start=$(date +%s.%N)
if psql -c "SET statement_timeout = '1s'" -c "SELECT count(*) FROM learnerscore.learner_daily('ftruth', '2000-01-01', '2099-12-31')" 2>"$work/err"; then
  echo "expected a statement timeout"; exit 1
fi
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
grep -q "statement timeout" "$work/err" || { cat "$work/err"; exit 1; }
echo "cancelled after $elapsed s (timeout 1 s)"
awk -v e="$elapsed" 'BEGIN { exit !(e < 3.0) }' || { echo "cancel took too long"; exit 1; }
psql -A -t -c "SELECT 'backend alive: ' || 1"
psql -c "DROP SCHEMA ftruth CASCADE"
echo "features status truth: ok"
