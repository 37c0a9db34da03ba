#!/usr/bin/env bash
# Benchmark (not a test): the uplift metric aggregates over N rows (default
# 1,000,000), serial and with 2 parallel workers; best of 3 runs each.
# Needs the sandbox env sourced (scripts/pg-sandbox.sh).
set -euo pipefail
N=${N:-1000000}
DB=ls_bench_uplift
psql -X -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export PGDATABASE=$DB
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION learnerscore;
SELECT setseed(0.5) \gset
CREATE TABLE u AS SELECT random() AS s, random() < 0.5 AS t, (random() < 0.3)::int::float8 AS y FROM generate_series(1, $N);
ANALYZE u;
SQL
run() {  # run LABEL WORKERS AGGREGATE
  local best=""
  for _ in 1 2 3; do
    local ms
    ms=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c "SET max_parallel_workers_per_gather = $2" -c "SET parallel_setup_cost = 0" \
              -c "SET min_parallel_table_scan_size = 0" -c "\\timing on" -c "SELECT $3 FROM u" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    if [ -z "$best" ] || awk "BEGIN{exit !($ms < $best)}"; then best=$ms; fi
  done
  printf '%-40s workers %d  %8.0f ms  %6.2f M rows/s\n' "$1" "$2" "$best" "$(awk "BEGIN{print $N / $best / 1000}")"
}
for w in 0 2; do
  run "qini_coefficient" $w "learnerscore.qini_coefficient(s, t, y)"
  run "uplift_auc" $w "learnerscore.uplift_auc(s, t, y)"
  run "uplift_at_k(k = 0.3)" $w "learnerscore.uplift_at_k(s, t, y, 0.3)"
  run "auc (exact, for comparison)" $w "learnerscore.auc(s, y)"
done
psql -X -q -d postgres -c "DROP DATABASE $DB"
