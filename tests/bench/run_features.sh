#!/usr/bin/env bash
# Benchmark (not a test) of learnerscore.learner_daily: N learners x 210 days
# from raw events, one backend (one core), against the plain-SQL reference
# (tests/e2e/features_reference.sql) in the same run, plus the backend's peak
# memory (VmHWM). Data: `learnerscore generate --scenario 1t` when available,
# else the SQL fixture of the e2e test.
#   tests/bench/run_features.sh [N ...]      (default: 2734; the reference runs
#                                             only for N <= FEATURES_REF_MAX, default 2734)
# Needs PGHOST/PGPORT/PGUSER of a cluster with the extension installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
e2e="$here/../e2e"
ref_max=${FEATURES_REF_MAX:-2734}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(2734)
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
export PGOPTIONS="-c client_min_messages=warning"
exec 3>&2
psql -c "CREATE EXTENSION IF NOT EXISTS learnerscore"

have_generator() { learnerscore generate --help 2>&1 | grep -q -- '--scenario' && learnerscore load --help >/dev/null 2>&1; }

# Runs SQL in one backend and prints "<seconds> <peak RSS kB of that backend>".
timed() {
  local sql=$1
  local out
  out=$(psql -A -t <<SQL
SELECT pg_backend_pid() AS pid \gset
SELECT clock_timestamp() AS t0 \gset
$sql;
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS secs \gset
\echo :secs
\setenv LS_BACKEND_PID :pid
\! awk '/VmHWM/ {print \$2}' /proc/\$LS_BACKEND_PID/status
SQL
)
  echo "$(echo "$out" | tail -2 | head -1) $(echo "$out" | tail -1)"
}

for n in "${sizes[@]}"; do
  s="fbench_$n"
  echo "== $n learners"
  t0=$(date +%s.%N)
  if have_generator; then
    work=$(mktemp -d /tmp/features-bench-XXXXXX)
    learnerscore generate --scenario 1t --learners "$n" --seed 11 --out "$work" >/dev/null
    psql -c "CALL learnerscore.create_learning_schema('$s')"
    learnerscore load "$work" --schema "$s" >/dev/null
    rm -rf "$work"
    src="learnerscore generate --scenario 1t"
  else
    psql -v s="$s" -v n="$n" -v seed=0.11 -f "$e2e/features_fixture.sql" >/dev/null
    src="SQL fixture"
  fi
  psql -c "ANALYZE"
  from=$(psql -A -t -c "SELECT min(date_shown)::date FROM $s.schedule")
  to=$(psql -A -t -c "SELECT '$from'::date + 209")
  events=$(psql -A -t -c "SELECT (SELECT count(*) FROM $s.\"authorization\") + (SELECT count(*) FROM $s.activity_history_viewed)
                               + (SELECT count(*) FROM $s.exercise_results) + (SELECT count(*) FROM $s.webinars_logs) + (SELECT count(*) FROM $s.users_logs)")
  echo "data ($src): $events events, prepared in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s; range $from .. $to"
  # warm the cache once, then measure
  psql -c "SELECT count(*) FROM learnerscore.learner_daily('$s', '$from', '$from')" >/dev/null
  read -r eng_s eng_kb <<<"$(timed "SELECT count(*) FROM learnerscore.learner_daily('$s', '$from', '$to')")"
  rows=$((n * 210))
  echo "engine: learner_daily $rows rows in ${eng_s} s ($(echo "$rows / $eng_s" | bc) rows/s), backend peak RSS ${eng_kb} kB"
  read -r one_s one_kb <<<"$(timed "SELECT count(*) FROM learnerscore.learner_daily('$s', '$from', '$from')")"
  echo "engine, same cohort, 1 day: ${one_s} s, backend peak RSS ${one_kb} kB"
  if [ "$n" -le "$ref_max" ]; then
    t1=$(date +%s.%N)
    psql -v s="$s" -v from="$from" -v to="$to" -f "$e2e/features_reference.sql"
    ref_s=$(echo "$(date +%s.%N) - $t1" | bc)
    echo "SQL reference: ${ref_s} s  ->  engine is $(echo "scale=1; $ref_s / $eng_s" | bc)x faster"
    psql -c "DROP SCHEMA features_ref CASCADE" 2>/dev/null
  fi
  psql -c "DROP SCHEMA $s CASCADE" 2>/dev/null
done
