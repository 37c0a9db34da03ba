#!/usr/bin/env bash
# The generator's planted truth, checked from the loaded data with plain SQL:
# the rejected lines are exactly the planted malformed ones, and the activity
# status computed in SQL from the loaded events (docs/features.md: <7 / 7-19 / >=20
# days since the last activity event or the course start) agrees with the
# planted daily state on the same number of learner-days the generator reports.
set -euo pipefail
tmp=$(mktemp -d /tmp/ls-gen1t-truth-XXXXXX)
S=gen1t_truth
trap 'rm -rf "$tmp"; psql -qX -c "DROP SCHEMA IF EXISTS '$S' CASCADE" >/dev/null 2>&1 || true' EXIT
psql() { command psql -X -v ON_ERROR_STOP=1 "$@"; }

echo "generate 1,000 learners (seed 11, malformed rate 0.003) and load them into $S"
learnerscore generate --scenario 1t --learners 1000 --seed 11 --malformed-rate 0.003 --out "$tmp/d" --quiet
psql -qc "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; DROP SCHEMA IF EXISTS $S CASCADE"
learnerscore load "$tmp/d" --schema "$S" --quiet

echo "rejects = planted malformed lines"
tail -n +2 "$tmp/d/_truth/malformed.csv" | cut -d, -f1,2 | sort > "$tmp/planted"
psql -Atc "SELECT file || ',' || line_number FROM $S.load_rejects" | sort > "$tmp/rejected"
diff "$tmp/planted" "$tmp/rejected" || { echo "rejected lines differ from the planted ones"; exit 1; }
echo "  $(wc -l < "$tmp/planted") planted, the same $(wc -l < "$tmp/rejected") rejected"

echo "observed status in SQL vs planted state spells"
psql -q <<SQL
CREATE TABLE $S.truth_spells (user_id int, state text, from_date date, to_date date);
\copy $S.truth_spells FROM '$tmp/d/_truth/state_spells.csv' WITH (FORMAT csv, HEADER true)
SQL
read -r days agree <<<"$(psql -At -F' ' <<SQL
WITH start AS (
  SELECT course_id, min(date_shown)::date AS d0 FROM $S.schedule GROUP BY course_id),
learner AS (
  SELECT u.user_id, s.d0 FROM $S.users u JOIN start s USING (course_id)),
act AS (  -- activity days: authorizations, views, results, webinar connections
  SELECT user_id, created_at::date AS d FROM $S."authorization"
  UNION SELECT user_id, created_at::date FROM $S.activity_history_viewed
  UNION SELECT user_id, created_at::date FROM $S.exercise_results
  UNION SELECT user_id, datetime::date FROM $S.webinars_logs WHERE event_name = 'Подключение'),
days AS (
  SELECT l.user_id, l.d0, (l.d0 + g)::date AS cur FROM learner l, generate_series(0, 209) g),
obs AS (  -- the generator never emits events before the course start, so a running max suffices
  SELECT d.user_id, d.cur,
         d.cur - coalesce(max(a.d) OVER (PARTITION BY d.user_id ORDER BY d.cur), d.d0) AS since
  FROM days d LEFT JOIN (SELECT DISTINCT user_id, d FROM act) a ON a.user_id = d.user_id AND a.d = d.cur)
SELECT count(*),
       count(*) FILTER (WHERE t.state = CASE WHEN o.since < 7 THEN 'active'
                                             WHEN o.since < 20 THEN 'falling_asleep' ELSE 'asleep' END)
FROM obs o JOIN $S.truth_spells t ON t.user_id = o.user_id AND o.cur BETWEEN t.from_date AND t.to_date
SQL
)"
want_days=$(grep '^learner_days,' "$tmp/d/_truth/summary.csv" | cut -d, -f2)
want_agree=$(grep '^agreeing_days,' "$tmp/d/_truth/summary.csv" | cut -d, -f2)
echo "  SQL: $agree of $days learner-days agree; generator reports $want_agree of $want_days"
[ "$days" -eq "$want_days" ] && [ "$agree" -eq "$want_agree" ] || { echo "mismatch"; exit 1; }
awk -v a="$agree" -v n="$days" 'BEGIN { exit !(a / n >= 0.9) }' || { echo "agreement below 90 %"; exit 1; }
echo "gen_1t_truth: all checks passed"
