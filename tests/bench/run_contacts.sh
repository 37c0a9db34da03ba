#!/usr/bin/env bash
# Benchmark (not a test) of the contact pipeline end to end, at LS_BENCH_LEARNERS learners
# (default 100,000): generate (3 flows, contacts in every flow) -> load -> refresh_learner_daily
# (again with nothing new, and the series computed without writing it)
# -> train_learner_models (xgboost, 10 weeks) -> score_learners (twice: the second is the
# steady-state cost) -> train_contact_uplift -> contact_plan -> contact_effect and
# contact_policy_values, at the cut-off of the generated export. Prints seconds per step and
# rows/s where a row count means something. Figures depend on the machine's load (printed).
#   LS_BENCH_LEARNERS=3000 tests/bench/run_contacts.sh
# Starts (and stops) its own throw-away cluster in build/pgbench-contacts.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
N=${LS_BENCH_LEARNERS:-100000}
SANDBOX=build/pgbench-contacts
export PATH="$ROOT/build/release:$PATH"
command -v learnerscore >/dev/null || { echo "build the CLI first (cmake --build build/release)"; exit 2; }

echo "== $N learners; load at start: $(uptime | sed 's/.*load average: //') on $(nproc) cores"
scripts/pg-sandbox.sh start "$SANDBOX" >/dev/null
DIR="$ROOT/$SANDBOX/gen_$N"
cleanup() { rm -rf "$DIR"; scripts/pg-sandbox.sh stop "$ROOT/$SANDBOX" >/dev/null || true; }
trap cleanup EXIT
# shellcheck disable=SC1091
source "$SANDBOX/env"
export PGOPTIONS="-c client_min_messages=warning"
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION learnerscore'

now() { date +%s.%N; }
secs() { awk "BEGIN{printf \"%.2f\", $2 - $1}"; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
# Seconds of one statement (psql \timing: no connection set-up); its output goes to $OUT.
OUT=$(mktemp /tmp/ls-bench-contacts-XXXXXX)
stmt() {
  local log
  log=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c '\timing on' -c "$1") || { echo "FAILED: $1" >&2; echo "$log" >&2; exit 1; }
  echo "$log" | grep -v '^Time: ' >"$OUT" || true
  echo "$log" | grep -oP '^Time: \K[0-9.]+' | tail -1 | awk '{printf "%.2f", $1 / 1000}'
}
row() {  # row STEP SECONDS [ROWS]
  if [ -n "${3:-}" ]; then
    printf '%-44s %9s s %10s rows %10s rows/s\n' "$1" "$2" "$3" "$(awk "BEGIN{ if ($2 > 0) printf \"%.0f\", $3 / $2; else print \"-\" }")"
  else
    printf '%-44s %9s s\n' "$1" "$2"
  fi
}

t0=$(now)
learnerscore generate --scenario 1t --learners "$N" --seed 5 --flows 3 --contacts --contact-flows all \
  --tutors 4 --tutor-capacity 5 --out "$DIR" --quiet >/dev/null
t1=$(now)
lines=$(cat "$DIR"/*.csv | wc -l)
row "1 generate ($(du -cm "$DIR"/*.csv | tail -1 | cut -f1) MB of CSV)" "$(secs "$t0" "$t1")" "$lines"
CUTOFF=$(sed -n 2p "$DIR/_truth/flows.csv" | cut -d, -f5)

t0=$(now)
learnerscore load --schema b "$DIR" --quiet
t1=$(now)
row "2 load (incl. the view-cache refresh)" "$(secs "$t0" "$t1")" "$(q "SELECT sum(lines_read) FROM b.load_log")"

t=$(stmt "CALL learnerscore.refresh_learner_daily('b')")
row "3 refresh_learner_daily (learner_daily rows)" "$t" "$(q "SELECT count(*) FROM b.learner_daily")"
t=$(stmt "SELECT count(*) FROM learnerscore._learner_daily_all('b', (SELECT min(cur_date) FROM b.learner_daily), (SELECT max(cur_date) FROM b.learner_daily), '1 day', 7, 20)")
row "3a   (computing the series alone)" "$t"
t=$(stmt "CALL learnerscore.refresh_learner_daily('b')")
row "3b refresh_learner_daily with nothing new" "$t"
running=$(q "SELECT count(*) FROM b.learner_flows WHERE flow_start <= '$CUTOFF' AND '$CUTOFF' < flow_end")

t=$(stmt "CALL learnerscore.train_learner_models('b', weeks => 10, as_of => '$CUTOFF')")
row "4 train_learner_models (xgboost, 10 weeks)" "$t"

t=$(stmt "SELECT learnerscore.score_learners('b', '$CUTOFF')")
row "5a score_learners (first)" "$t" "$(cat "$OUT")"
t=$(stmt "SELECT learnerscore.score_learners('b', '$CUTOFF')")
row "5b score_learners (second, steady state)" "$t" "$(cat "$OUT")"

t=$(stmt "SELECT learnerscore.train_contact_uplift('b', '$CUTOFF')")
run=$(cat "$OUT")
row "6 train_contact_uplift (training rows)" "$t" "$(q "SELECT training_rows FROM b.contact_uplift_runs WHERE run_id = $run")"
echo "   (of which the later-flow check's test flow: $(q "SELECT test_rows FROM b.contact_uplift_runs WHERE run_id = $run") rows)"

t=$(stmt "SELECT count(*) FROM learnerscore.contact_plan('b', '$CUTOFF', capacity => 5, holdout => 0.1, seed => 1)")
planned=$(cat "$OUT")
row "7 contact_plan ($planned planned; eligible)" "$t" "$(q "SELECT eligible FROM b.contact_plans ORDER BY plan_id DESC LIMIT 1")"

t=$(stmt "SELECT * FROM learnerscore.contact_effect('b', '$CUTOFF')")
row "8a contact_effect" "$t"
t=$(stmt "SELECT * FROM learnerscore.contact_policy_values('b', 0.3)")
row "8b contact_policy_values(0.3)" "$t"

echo "   cut-off $CUTOFF; running learners on it: $running"
rm -f "$OUT"
echo "== load at end: $(uptime | sed 's/.*load average: //')"
