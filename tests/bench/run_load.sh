#!/usr/bin/env bash
# Load throughput of `learnerscore load` (not a pass/fail test).
# For each cohort size (default: the seed's 2,734 learners and 100,000) it generates the 1T files,
# loads them (typed, normalized, rejects, logged tables with their indexes, one transaction per
# file) and, as the reference in the same run, times a plain server-side
#   COPY ref FROM '<file>' (FORMAT csv, HEADER)
# of the same files into UNLOGGED all-text tables (malformed lines removed first, since plain
# COPY stops at the first one). Prints rows/s for both and the ratio.
# Usage: tests/bench/run_load.sh [sizes...]     e.g. tests/bench/run_load.sh 2734
# Uses PGHOST/PGPORT/PGUSER when set, else starts (and stops) the build/pgtest sandbox.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(2734 100000)
export PATH="$ROOT/build/release:$PATH"
command -v learnerscore >/dev/null || { echo "build the CLI first (cmake --build build/release)"; exit 2; }
STARTED=""
if [ -z "${PGHOST:-}" ]; then
  scripts/pg-sandbox.sh start build/pgtest >/dev/null; STARTED=1
  # shellcheck disable=SC1091
  source build/pgtest/env
fi
WORK=$(mktemp -d /tmp/ls-bench-load-XXXXXX); chmod 755 "$WORK"   # the server reads the reference files
cleanup() { rm -rf "$WORK"; [ -z "$STARTED" ] || scripts/pg-sandbox.sh stop build/pgtest >/dev/null; }
trap cleanup EXIT
q() { psql -qAtX -c "$1"; }
now() { date +%s.%N; }

printf '%-9s %12s %10s | %10s %12s | %10s %12s | %6s\n' learners rows MB "load s" "load rows/s" "COPY s" "COPY rows/s" ratio
for N in "${SIZES[@]}"; do
  D=$WORK/gen_$N; S=bench_load_$N
  learnerscore generate --scenario 1t --learners "$N" --seed 11 --out "$D" --quiet >/dev/null
  chmod -R a+rX "$D"
  q "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S CASCADE; DROP SCHEMA IF EXISTS ${S}_ref CASCADE; CREATE SCHEMA ${S}_ref"
  mb=$(du -cm "$D"/*.csv | tail -1 | cut -f1)

  t0=$(now)
  learnerscore load "$D" --schema "$S" --quiet
  t1=$(now)
  rows=$(q "SELECT sum(lines_read) FROM $S.load_log")

  # Reference: plain server-side COPY of the same files (minus the planted bad lines).
  mkdir -p "$D/clean"
  for f in "$D"/*.csv; do
    b=$(basename "$f")
    awk -F, -v B="$b" 'NR==FNR { if ($1==B) bad[$2]=1; next } !(FNR in bad)' "$D/_truth/malformed.csv" "$f" > "$D/clean/$b"
  done
  chmod -R a+rX "$D/clean"
  tref=0; refrows=0
  for f in "$D"/clean/*.csv; do
    b=$(basename "$f" .csv)
    ncol=$(head -1 "$f" | awk -F, '{print NF}')
    cols=$(seq -s, -f 'c%g text' 1 "$ncol")
    q "CREATE UNLOGGED TABLE ${S}_ref.\"$b\" ($cols)"
    a=$(now)
    q "COPY ${S}_ref.\"$b\" FROM '$f' (FORMAT csv, HEADER)"
    z=$(now)
    tref=$(echo "$tref + $z - $a" | bc -l)
    refrows=$((refrows + $(q "SELECT count(*) FROM ${S}_ref.\"$b\"")))
  done
  tload=$(echo "$t1 - $t0" | bc -l)
  printf '%-9s %12s %10s | %10.2f %12.0f | %10.2f %12.0f | %6.2f\n' "$N" "$rows" "$mb" "$tload" "$(echo "$rows / $tload" | bc -l)" \
    "$tref" "$(echo "$refrows / $tref" | bc -l)" "$(echo "$tload / $tref" | bc -l)"
  q "SET client_min_messages=warning; DROP SCHEMA $S CASCADE; DROP SCHEMA ${S}_ref CASCADE"
  rm -rf "$D"
done
echo "ratio = learnerscore load time / plain server COPY time of the same rows (same run, same machine)"
