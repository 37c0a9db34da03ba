#!/usr/bin/env bash
# Benchmark (not a test): ate_aipw over N rows x K covariates (default 1,000,000 x 20)
#  (a) one scan summing the K + 1 columns (the reference),
#  (b) the ate_aipw aggregate over ARRAY[x1..xK], serial and with 2 parallel workers,
#  (c) ate_from_table(), which reads the columns directly,
#  (d) Python (pandas + scikit-learn/numpy AIPW) after a COPY export,
# all in the same run, as ratios to (a). Needs PGHOST/PGPORT/PGUSER.
set -euo pipefail
N=${N:-1000000}
K=${K:-20}
export PGDATABASE=${PGDATABASE:-postgres}
PSQL="psql -X -q -v ON_ERROR_STOP=1"
WORK=$(mktemp -d /tmp/causal-bench-XXXXXX); trap 'rm -rf "$WORK"' EXIT
cols=$(for i in $(seq 1 $K); do printf 'x%d%s' $i $([ $i -lt $K ] && echo ,); done)
arr="ARRAY[$cols]"
$PSQL <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS learnerscore;
DROP TABLE IF EXISTS causal_bench;
SELECT setseed(0.42);
CREATE TABLE causal_bench AS
SELECT $(for i in $(seq 1 $K); do printf 'random() - 0.5 AS x%d, ' $i; done) random() AS u, random() AS v FROM generate_series(1, $N);
ALTER TABLE causal_bench ADD t boolean, ADD y float8;
UPDATE causal_bench SET t = u < 1 / (1 + exp(-(x1 + x2 - x3))), y = 2 * (u < 1 / (1 + exp(-(x1 + x2 - x3))))::int + x1 + 0.5 * x2 - x4 + v;
VACUUM ANALYZE causal_bench;
SQL
timeit() {  # sql -> best of 3, ms
  local best=
  for r in 1 2 3; do
    local ms; ms=$($PSQL -At -c "\\timing on" -c "$1" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
    if [ -z "$best" ] || awk "BEGIN{exit !($ms < $best)}"; then best=$ms; fi
  done
  echo "$best"
}
SER="SET max_parallel_workers_per_gather = 0;"
PAR="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
sumsql="SELECT sum(y) $(for i in $(seq 1 $K); do printf ', sum(x%d)' $i; done) FROM causal_bench"
ref=$(timeit "$SER $sumsql")
refp=$(timeit "$PAR $sumsql")
agg=$(timeit "$SER SELECT learnerscore.ate_aipw(y, t, $arr) FROM causal_bench")
aggp=$(timeit "$PAR SELECT learnerscore.ate_aipw(y, t, $arr) FROM causal_bench")
tab=$(timeit "SELECT learnerscore.ate_from_table('causal_bench', 'y', 't', '{$cols}')")
PASSES="SET learnerscore.table_estimator = passes;"
pas=$(timeit "$SER $PASSES SELECT learnerscore.ate_from_table('causal_bench', 'y', 't', '{$cols}')")
pasp=$(timeit "SET max_parallel_workers_per_gather = 2; $PASSES SELECT learnerscore.ate_from_table('causal_bench', 'y', 't', '{$cols}')")
$PSQL -c "SELECT 'memory' AS way, (learnerscore.ate_from_table('causal_bench', 'y', 't', '{$cols}')).*" \
      -c "$PASSES SELECT 'passes' AS way, (learnerscore.ate_from_table('causal_bench', 'y', 't', '{$cols}')).*"
$PSQL -c "$PAR SELECT (learnerscore.ate_aipw(y, t, $arr)).* FROM causal_bench"
# Python after COPY export
t0=$(date +%s.%N)
$PSQL -c "\\copy (SELECT y, t::int AS t, $cols FROM causal_bench) TO '$WORK/x.csv' CSV HEADER"
t1=$(date +%s.%N)
/usr/bin/python3 - "$WORK/x.csv" "$K" > "$WORK/py.txt" 2>/dev/null <<'PY'
import sys, time
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
t0 = time.time()
d = pd.read_csv(sys.argv[1])
t1 = time.time()
y = d["y"].to_numpy(); t = d["t"].to_numpy().astype(float); X = d[[f"x{i}" for i in range(1, int(sys.argv[2]) + 1)]].to_numpy()
e = LogisticRegression(penalty="none", solver="newton-cg", tol=1e-10, max_iter=100).fit(X, t).predict_proba(X)[:, 1]
Z = np.column_stack([np.ones(len(y)), X])
b1 = np.linalg.lstsq(Z[t == 1], y[t == 1], rcond=None)[0]; b0 = np.linalg.lstsq(Z[t == 0], y[t == 0], rcond=None)[0]
m1, m0 = Z @ b1, Z @ b0
psi = m1 - m0 + t * (y - m1) / e - (1 - t) * (y - m0) / (1 - e)
t2 = time.time()
print(f"{(t1-t0)*1000:.0f} {(t2-t1)*1000:.0f} {psi.mean():.6f} {psi.std()/np.sqrt(len(y)):.6f}")
PY
read -r py_read py_fit py_est py_se < "$WORK/py.txt"
export_ms=$(awk "BEGIN{printf \"%.0f\", ($t1-$t0)*1000}")
$PSQL -c "DROP TABLE causal_bench"
r() { awk "BEGIN{printf \"%.2f\", $1/$ref}"; }
echo
echo "== ate_aipw over $N rows x $K covariates (best of 3, ms; ratio to one serial scan summing the $((K + 1)) columns)"
printf "  %-58s %9s %7s\n" "query" "ms" "ratio"
printf "  %-58s %9.0f %7s\n" "one scan: sum(y), sum(x1..x$K), serial" "$ref" "1.00"
printf "  %-58s %9.0f %7s\n" "one scan: sum(y), sum(x1..x$K), 2 parallel workers" "$refp" "$(r $refp)"
printf "  %-58s %9.0f %7s\n" "ate_aipw(y, t, ARRAY[x1..x$K]) aggregate, serial" "$agg" "$(r $agg)"
printf "  %-58s %9.0f %7s\n" "ate_aipw(y, t, ARRAY[x1..x$K]) aggregate, 2 workers" "$aggp" "$(r $aggp)"
printf "  %-58s %9.0f %7s\n" "ate_from_table(...) reading the columns directly" "$tab" "$(r $tab)"
printf "  %-58s %9.0f %7s\n" "ate_from_table as passes (no rows kept), serial" "$pas" "$(r $pas)"
printf "  %-58s %9.0f %7s\n" "ate_from_table as passes, 2 parallel workers" "$pasp" "$(r $pasp)"
printf "  %-58s %9.0f %7s\n" "python: COPY export to CSV" "$export_ms" "$(r $export_ms)"
printf "  %-58s %9.0f %7s\n" "python: pandas read_csv" "$py_read" "$(r $py_read)"
printf "  %-58s %9.0f %7s\n" "python: sklearn logit + numpy OLS + AIPW" "$py_fit" "$(r $py_fit)"
printf "  %-58s %9.0f %7s\n" "python total (export + read + estimate)" "$((export_ms + py_read + py_fit))" "$(r $((export_ms + py_read + py_fit)))"
echo "  python AIPW estimate $py_est (se $py_se)"
