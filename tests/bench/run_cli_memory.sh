#!/usr/bin/env bash
# Client memory of the CLI (not a pass/fail test: it prints figures; issue 12, "flat client memory").
# Generates both scenarios (1t, courses) at LS_BENCH_LEARNERS learners / employees (default 100000)
# and loads them, one file per `learnerscore load` run (into the same schema, in the loader's order,
# --no-refresh), so each file gets its own figures. Per step it prints the wall time and the peak
# memory of the CLI process:
#   anon MB   peak private anonymous memory (RssAnon of /proc/PID/status, sampled every 50 ms):
#             the heap, what the target "under 50 MB" is about;
#   hwm MB    the kernel's peak resident set (VmHWM), which also counts the pages of the mmap'ed
#             CSV file the loader reads (clean, shared with the page cache, given back on demand).
# Usage: LS_BENCH_LEARNERS=20000 tests/bench/run_cli_memory.sh
# Uses PGHOST/PGPORT/PGUSER when set, else starts (and stops) the build/pgbench-mem sandbox.
# LS_BENCH_FOLDERS=1 also loads each whole folder in one run (into fresh schemas).
# LS_BENCH_KEEP=1 keeps the generated folders (printed) and the schemas.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
N=${LS_BENCH_LEARNERS:-100000}
SEED=${LS_BENCH_SEED:-11}
BIN=${LEARNERSCORE:-$ROOT/build/release/learnerscore}
[ -x "$BIN" ] || { echo "build the CLI first (cmake --build build/release)"; exit 2; }
STARTED=""
if [ -z "${PGHOST:-}" ]; then
  scripts/pg-sandbox.sh start build/pgbench-mem >/dev/null; STARTED=1
  # shellcheck disable=SC1091
  source build/pgbench-mem/env
fi
WORK=$(mktemp -d /tmp/ls-bench-mem-XXXXXX)
S1=bench_mem_1t_$$; S2=bench_mem_courses_$$
q() { psql -qAtX -c "$1"; }
cleanup() {
  if [ -z "${LS_BENCH_KEEP:-}" ]; then
    q "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S1 CASCADE; DROP SCHEMA IF EXISTS $S2 CASCADE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  else
    echo "kept: $WORK, schemas $S1 $S2"
  fi
  [ -z "$STARTED" ] || scripts/pg-sandbox.sh stop build/pgbench-mem >/dev/null
}
trap cleanup EXIT

# measure LABEL CMD...: runs CMD, prints LABEL, seconds, peak RssAnon and VmHWM (MB); CMD's output
# goes to $WORK/last.out. Returns CMD's exit status.
measure() {
  local label=$1; shift
  local t0 t1 pid anon=0 hwm=0 a h rc
  t0=$(date +%s.%N)
  "$@" > "$WORK/last.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if read -r a h < <(awk '/^RssAnon:/ {a=$2} /^VmHWM:/ {h=$2} END {print a+0, h+0}' "/proc/$pid/status" 2>/dev/null); then
      [ "$a" -le "$anon" ] || anon=$a
      [ "$h" -le "$hwm" ] || hwm=$h
    fi
    sleep 0.05
  done
  rc=0; wait "$pid" || rc=$?
  t1=$(date +%s.%N)
  printf '  %-50s %9.1f s %9.1f anon MB %9.1f hwm MB%s\n' "$label" "$(echo "$t1 - $t0" | bc)" \
    "$(echo "scale=1; $anon / 1024" | bc)" "$(echo "scale=1; $hwm / 1024" | bc)" "$([ $rc -eq 0 ] || echo "   (exit $rc)")"
  return $rc
}

# load_each DIR SCHEMA: one load per file, in the loader's order (the order of the file specs).
load_each() {
  local dir=$1 schema=$2 f one
  for f in users_age_timezone.csv authorization.csv schedule.csv activity_history_viewed.csv webinars_logs.csv \
           exercise_results.csv users_logs.csv users.csv activities_guide.csv contacts.csv contact_assignments.csv \
           employees.csv communications.csv courses_info.csv courses_passing.csv course_employee_sms.csv; do
    [ -f "$dir/$f" ] || continue
    one=$WORK/one_$f; rm -rf "$one"; mkdir "$one"; ln "$dir/$f" "$one/$f" 2>/dev/null || cp "$dir/$f" "$one/$f"
    local lines; lines=$(( $(wc -l < "$dir/$f") - 1 ))
    measure "load $f ($(printf "%'d" "$lines") lines)" "$BIN" load "$one" --schema "$schema" --no-refresh --no-progress \
      --max-reject-ratio 1 || { cat "$WORK/last.out"; exit 1; }
    rm -rf "$one"
  done
}

echo "CLI memory at $N learners / employees (seed $SEED), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
echo "== scenario 1t"
measure "generate --scenario 1t --learners $N" "$BIN" generate --scenario 1t --learners "$N" --seed "$SEED" --out "$WORK/1t" --quiet
echo "     $(du -sm "$WORK/1t" | cut -f1) MB"
load_each "$WORK/1t" "$S1"
echo "== scenario courses"
measure "generate --scenario courses --employees $N" "$BIN" generate --scenario courses --employees "$N" --seed "$SEED" \
  --out "$WORK/courses" --quiet
echo "     $(du -sm "$WORK/courses" | cut -f1) MB"
load_each "$WORK/courses" "$S2"
[ -n "${LS_BENCH_FOLDERS:-}" ] || exit 0
echo "== whole folders (one load each, as a nightly job runs it)"
q "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S1 CASCADE; DROP SCHEMA IF EXISTS $S2 CASCADE" >/dev/null
measure "load 1t folder (--no-refresh)" "$BIN" load "$WORK/1t" --schema "$S1" --no-refresh --no-progress --max-reject-ratio 1 ||
  { cat "$WORK/last.out"; exit 1; }
measure "load courses folder" "$BIN" load "$WORK/courses" --schema "$S2" --no-progress --max-reject-ratio 1 ||
  { cat "$WORK/last.out"; exit 1; }
