#!/usr/bin/env bash
# `learnerscore report` in a real browser: generates a small 1T cohort and a courses data set
# (learnerscore generate + load, as the other e2e tests), refreshes the features, trains three
# weeks of models, writes the report (en and ru), opens each in Debian's headless chromium
# through puppeteer-core (npm, installed under build/e2e-node at first run) and checks:
# no console error; every chart present with the number of data points the database implies
# (read with echarts.getInstanceByDom(el).getOption()); title, axis names and a reading per
# chart; no request leaves the file. PNG screenshots of every section: build/report-screenshots/.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster, `learnerscore` on PATH, chromium, npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
source tests/e2e/lib/scratch_db.sh
scratch_dir report-browser
DB=ls_report_browser
fresh_database $DB
SHOTS=$ROOT/build/report-screenshots
NODE_DIR=$ROOT/build/e2e-node
command -v chromium >/dev/null || { echo "FAIL: chromium is not installed (scripts/install-deps.sh)"; exit 1; }
if [ ! -d "$NODE_DIR/node_modules/puppeteer-core" ]; then
  echo "== npm install puppeteer-core (once, into build/e2e-node)"
  npm install --prefix "$NODE_DIR" puppeteer-core@24 --no-audit --no-fund --silent >/dev/null
fi
q() { $PSQL -A -t -c "$1"; }

echo "== a 600-learner cohort and 600 employees"
learnerscore generate --scenario 1t --learners 600 --seed 5 --out "$WORK/1t" >/dev/null
learnerscore generate --scenario courses --employees 600 --courses 4 --seed 5 --out "$WORK/courses" --quiet >/dev/null
$PSQL -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore CASCADE"
learnerscore load "$WORK/1t" --schema onet --dsn "dbname=$DB" --quiet
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_learner_daily('onet')"
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.train_learner_models('onet', 3)"
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.create_course_effects_schema('tk')"
learnerscore load "$WORK/courses" --schema tk --dsn "dbname=$DB" --quiet
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_course_effects('tk')"

echo "== learnerscore report"
learnerscore report --dsn "dbname=$DB" --schema onet --courses-schema tk --truth "$WORK/1t/_truth" \
  --courses-truth "$WORK/courses/_truth" --out "$WORK/report.html"
learnerscore report --dsn "dbname=$DB" --schema onet --courses-schema tk --lang ru --out "$WORK/report_ru.html" --quiet >/dev/null

fail=0
# bad invocations: exit status 2 and a message, no file
expect2() {  # description, args...
  local what=$1; shift
  set +e; learnerscore report --dsn "dbname=$DB" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; local rc=$?; set -e
  if [ $rc -eq 2 ] && [ -s "$WORK/err.txt" ]; then echo "ok   $what: exit 2 ($(head -1 "$WORK/err.txt"))"; else echo "FAIL $what: exit $rc"; fail=1; fi
}
expect2 "no --out" --schema onet
expect2 "no schema" --out "$WORK/x.html"
expect2 "missing schema" --schema no_such --out "$WORK/x.html"
expect2 "bad --as-of" --schema onet --as-of 2024-13-45 --out "$WORK/x.html"
expect2 "bad --lang" --schema onet --lang de --out "$WORK/x.html"
expect2 "--truth without state_spells.csv" --schema onet --truth "$WORK" --out "$WORK/x.html"
[ ! -e "$WORK/x.html" ] && echo "ok   no file written by a failed run" || { echo "FAIL a failed run wrote a file"; fail=1; }
# --as-of: the status charts stop at that date
EARLY=$(q "SELECT min(date_shown)::date + 7 * 4 - 1 FROM onet.schedule WHERE course_id = 3")
learnerscore report --dsn "dbname=$DB" --schema onet --as-of "$EARLY" --out "$WORK/early.html" --quiet >/dev/null
/usr/bin/python3 - "$WORK/early.html" "$EARLY" <<'PY' && echo "ok   --as-of $EARLY: course 3 up to week 4" || { echo "FAIL --as-of $EARLY"; fail=1; }
import json, re, sys
html = open(sys.argv[1], encoding='utf-8').read()
d = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1).replace('<\\/', '</'))
weeks = [r['week'] for r in d['status']['weeks'] if r['course_id'] == 3]
sys.exit(0 if d['meta']['as_of'] == sys.argv[2] and max(weeks) == 4 else 1)
PY
if grep -Eiq '(src|href|action)=["'"'"']?(https?:)?//' "$WORK/report.html"; then echo "FAIL an element refers to an external URL"; fail=1
else echo "ok   no element refers to an external URL"; fi
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$WORK/report.html" && echo "ok   CSP default-src 'none'" || { echo "FAIL no CSP"; fail=1; }

# What the database says each chart must hold (computed here, not by the report's queries).
AS_OF=$(q "SELECT max(cur_date) FROM onet.learner_activity")
# The kind of a reject reason, as the report groups them (the 12 most frequent kinds, then "other").
KIND="regexp_replace(regexp_replace(regexp_replace(reason, '\"[^\"]*\"?', '\"…\"', 'g'), 'expected [0-9]+ fields, found [0-9]+', 'wrong number of fields'), ' (hour|day|month|minute|second) [0-9]+ out of range.*\$', ' date/time out of range')"
expected() {  # $1 = 1 with the planted truth series
  q "WITH st AS (SELECT course_id, min(date_shown)::date AS d0 FROM onet.schedule WHERE isfinite(date_shown) GROUP BY 1),
     wk AS (SELECT u.course_id, count(DISTINCT a.cur_date) AS weeks
              FROM onet.learner_activity a JOIN onet.users u USING (user_id) JOIN st USING (course_id)
             WHERE a.cur_date >= st.d0 + 6 AND (a.cur_date - st.d0 + 1) % 7 = 0 GROUP BY 1),
     cp AS (SELECT course_id, least(10, count(DISTINCT task_id)) AS tasks FROM onet.learner_critical_points
             WHERE task_id IS NOT NULL GROUP BY 1),
     sc AS (SELECT * FROM onet.learner_scores),
     m AS (SELECT target, count(*) AS n FROM onet.learner_model_metrics GROUP BY 1),
     v AS (SELECT * FROM tk.course_verdicts WHERE department = 'ALL' AND method IN ('naive', 'aipw', 'iv'))
     SELECT json_build_object('prefix', '$2', 'charts',
       (SELECT json_object_agg(k, n) FROM (
          SELECT 'load-files' AS k, 2 * count(*) AS n FROM onet.load_log
          UNION ALL SELECT 'load-rejects', least(13, count(DISTINCT $KIND)) FROM onet.load_rejects HAVING count(*) > 0
          UNION ALL SELECT 'status-' || course_id, weeks * (3 + 3 * $1) FROM wk
          UNION ALL SELECT 'critical-' || course_id, 2 * tasks FROM cp
          UNION ALL SELECT 'bands', 3 * count(DISTINCT course_id) FROM sc
          UNION ALL SELECT 'reliability', 2 + count(DISTINCT least(9, floor(dropout_probability * 10))) FROM sc
          UNION ALL SELECT 'quality', 3 * sum(n) FROM m WHERE target IN ('dropout', 'completion')
          UNION ALL SELECT 'mae', n + 1 + (SELECT count(*) FROM onet.learner_model_metrics WHERE target = 'm2_progress' AND week = 10) FROM m WHERE target = 'm2_progress'
          UNION ALL SELECT 'forest-' || kpi, count(estimate) + $1 * count(DISTINCT course_id) FROM v GROUP BY kpi
          UNION ALL SELECT 'ab', count(*) FROM v WHERE method = 'iv' AND ab_n_per_group IS NOT NULL HAVING count(*) > 0
       ) x),
       'text', json_build_array($3))"
}
expected 1 "" "'ab_n', 'ECE', 'Coverage', 'minimal useful effect'" > "$WORK/expected.json"
expected 0 "ru-" "'Что значат числа', 'Список для связи', 'засыпает'" > "$WORK/expected_ru.json"
echo "   expected: $(cat "$WORK/expected.json")"
rm -rf "$SHOTS"; mkdir -p "$SHOTS"
echo "== chromium: the English report"
NODE_PATH=$NODE_DIR/node_modules node tests/e2e/report_browser.js "$WORK/report.html" "$WORK/expected.json" "$SHOTS" || fail=1
echo "== chromium: the Russian report"
NODE_PATH=$NODE_DIR/node_modules node tests/e2e/report_browser.js "$WORK/report_ru.html" "$WORK/expected_ru.json" "$SHOTS" || fail=1
cp "$WORK/report.html" "$SHOTS/report.html"
ls "$SHOTS"
if [ $fail -ne 0 ]; then echo "report_browser: FAILED"; exit 1; fi
echo "report_browser: all checks passed"
