#!/usr/bin/env bash
# Uplift (docs/models.md, "Uplift: whom does contacting help"):
# 1. qini_coefficient, uplift_auc and uplift_at_k equal a reference written
#    here in numpy from scikit-uplift 0.5's published definitions
#    (sklift.metrics.qini_auc_score with negative_effect=True, uplift_auc_score,
#    uplift_at_k with strategy='overall'; scikit-uplift itself is not
#    installed), to 1e-9, on scores with ties, serially and under a parallel plan.
# 2. The whole chain on data made in SQL with a PLANTED heterogeneous effect,
#    3 seeds x 20,000 rows: a randomized contact lowers dropout by 0.30 * x1
#    (x1 uniform in [0, 1]: nothing for x1 = 0, 30 points for x1 = 1), while
#    the baseline risk depends mostly on x2. train_uplift + predict_uplift
#    trained on the even rows ranks the odd rows better than the baseline
#    risk does (Qini above), and ate_diff's 95 % interval over the odd rows
#    covers their planted average effect.
set -euo pipefail
PY=/usr/bin/python3
source "$(dirname "$0")/lib/scratch_db.sh"
scratch_dir uplift
DB=ls_uplift
fresh_database $DB
STARTED=$(psql -X -A -t -c "SELECT pg_postmaster_start_time()")
$PSQL -c "CREATE EXTENSION IF NOT EXISTS learnerscore"

echo "== 1. the metrics against a numpy reference of scikit-uplift's definitions"
$PY - "$WORK" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(7)
for name, n, ties in [("a", 3000, False), ("b", 2500, True), ("c", 400, True)]:
    t = rng.random(n) < 0.4
    x = rng.random(n)
    y = (rng.random(n) < 0.3 + 0.3 * x * t).astype(int)
    s = x + rng.normal(scale=0.3, size=n)
    if ties:
        s = np.round(s, 1)
    yc = y + rng.normal(size=n)  # a continuous outcome for uplift_at_k
    np.savetxt(f"{sys.argv[1]}/{name}.csv", np.c_[np.arange(n), s, t.astype(int), y, yc], delimiter=",", fmt="%.17g")
PY
$PY - "$WORK" > "$WORK/reference.txt" <<'PY'
import sys, numpy as np
# scikit-uplift 0.5 sklift/metrics/metrics.py, written out in numpy
def trapz(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
def _points(y, u, t):
    o = np.argsort(u, kind="mergesort")[::-1]
    y, u, t = y[o], u[o], t[o]
    idx = np.r_[np.where(np.diff(u))[0], u.size - 1]
    nt = np.cumsum(t)[idx]; yt = np.cumsum(y * t)[idx]
    na = idx + 1.0; nc = na - nt; yc = np.cumsum(y * (1 - t))[idx]
    return nt, yt, na, nc, yc
def _prepend(x, v):
    if x.size == 0 or v[0] != 0 or x[0] != 0:
        x = np.r_[0, x]; v = np.r_[0, v]
    return x, v
def uplift_curve(y, u, t):
    nt, yt, na, nc, yc = _points(y, u, t)
    v = (np.divide(yt, nt, out=np.zeros_like(yt, dtype=float), where=nt != 0)
         - np.divide(yc, nc, out=np.zeros_like(yc, dtype=float), where=nc != 0)) * na
    return _prepend(na, v)
def qini_curve(y, u, t):
    nt, yt, na, nc, yc = _points(y, u, t)
    v = yt - yc * np.divide(nt, nc, out=np.zeros_like(nt, dtype=float), where=nc != 0)
    return _prepend(na, v)
def normalized(actual, perfect):
    xb, yb = [0, perfect[0][-1]], [0, perfect[1][-1]]
    base = trapz(xb, yb)
    return (trapz(*actual) - base) / (trapz(*perfect) - base)
def qini_auc_score(y, u, t):  # negative_effect=True
    return normalized(qini_curve(y, u, t), qini_curve(y, y * t - y * (1 - t), t))
def uplift_auc_score(y, u, t):
    cr = np.sum((y == 1) & (t == 0)); tn = np.sum((y == 0) & (t == 1))
    summand = y if cr > tn else t
    return normalized(uplift_curve(y, u, t), uplift_curve(y, 2 * (y == t) + summand, t))
def uplift_at_k(y, u, t, k):  # strategy='overall'; distinct scores (ties at the cut depend on row order there)
    o = np.argsort(u, kind="mergesort")[::-1]
    n = int(len(y) * k)
    yy, tt = y[o][:n], t[o][:n]
    return yy[tt == 1].mean() - yy[tt == 0].mean()
for name in ["a", "b", "c"]:
    d = np.loadtxt(f"{sys.argv[1]}/{name}.csv", delimiter=",")
    s, t, y, yc = d[:, 1], d[:, 2], d[:, 3], d[:, 4]
    print(name, "qini", repr(qini_auc_score(y, s, t)))
    print(name, "uplift_auc", repr(uplift_auc_score(y, s, t)))
    if name == "a":
        for k in (0.1, 0.3, 1.0):
            print(name, f"at_k_{k}", repr(uplift_at_k(y, s, t, k)))
            print(name, f"at_k_cont_{k}", repr(uplift_at_k(yc, s, t, k)))
PY
for f in a b c; do
  $PSQL <<SQL
CREATE TABLE $f (i int, s float8, t int, y float8, yc float8);
\copy $f FROM '$WORK/$f.csv' CSV
SQL
done
compare() {  # compare SETTINGS: every reference value against the SQL aggregate
  local fails=0
  while read -r tab what ref; do
    case $what in
      qini) q="learnerscore.qini_coefficient(s, t = 1, y)";;
      uplift_auc) q="learnerscore.uplift_auc(s, t = 1, y)";;
      at_k_cont_*) q="learnerscore.uplift_at_k(s, t = 1, yc, ${what#at_k_cont_})";;
      at_k_*) q="learnerscore.uplift_at_k(s, t = 1, y, ${what#at_k_})";;
    esac
    got=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1" -c "SELECT $q FROM $tab")
    ok=$($PY -c "import sys; r, g = float(sys.argv[1]), float(sys.argv[2]); print(abs(r - g) <= 1e-9 * max(1, abs(r)))" "$ref" "$got")
    echo "  $tab $what reference $ref sql $got $ok"
    [ "$ok" = True ] || fails=$((fails + 1))
  done < "$WORK/reference.txt"
  [ $fails -eq 0 ] || { echo "FAIL: $fails values differ from the reference"; exit 1; }
}
echo "-- serial"
compare "SET max_parallel_workers_per_gather = 0"
echo "-- parallel (2 workers, forced)"
compare "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET force_parallel_mode = on"
plan=$(psql -X -q -A -t -c "SET max_parallel_workers_per_gather = 2" -c "SET parallel_setup_cost = 0" -c "SET parallel_tuple_cost = 0" \
            -c "SET min_parallel_table_scan_size = 0" -c "EXPLAIN (COSTS OFF) SELECT learnerscore.qini_coefficient(s, t = 1, y) FROM a")
echo "$plan" | grep -q "Partial Aggregate" || { echo "FAIL: no partial aggregate in the plan:"; echo "$plan"; exit 1; }
echo "  the parallel plan has a Partial Aggregate"

echo "== 2. the planted chain, 3 seeds x 20,000 rows"
for seed in 0.11 0.42 0.77; do
  $PSQL -q <<SQL > /dev/null
SELECT setseed($seed);
DROP TABLE IF EXISTS planted;
CREATE TABLE planted AS
SELECT i, x1, x2, t, p0, tau,
       (random() >= p0 - CASE WHEN t THEN tau ELSE 0 END)::int AS retained
FROM (SELECT i, x1, x2, random() < 0.5 AS t,
             1 / (1 + exp(-(-0.2 + 1.8 * x2 + 0.3 * x1))) * 0.55 + 0.35 AS p0,  -- baseline dropout in [0.35, 0.9]
             0.30 * x1 AS tau                                                -- the planted effect of a contact
      FROM (SELECT i, random() AS x1, 2 * random() - 1 AS x2 FROM generate_series(1, 20000) i) r) s;
SQL
  $PSQL -c "SELECT * FROM learnerscore.train_uplift('up', 'SELECT * FROM public.planted WHERE i % 2 = 0', 't', 'retained', ARRAY['x1', 'x2'], 'logistic')" > /dev/null
  $PSQL -c "SELECT * FROM learnerscore.train_uplift('upx', 'SELECT * FROM public.planted WHERE i % 2 = 0', 't', 'retained', ARRAY['x1', 'x2'], 'xgboost', '{\"num_round\": 30, \"max_depth\": 3}')" > /dev/null
  psql -X -A -t -F ' ' -v ON_ERROR_STOP=1 <<'SQL' > "$WORK/chain.txt"
SELECT learnerscore.qini_coefficient(learnerscore.predict_uplift('up', ARRAY[x1, x2]), t, retained),
       learnerscore.qini_coefficient(learnerscore.predict_uplift('upx', ARRAY[x1, x2]), t, retained),
       learnerscore.qini_coefficient(p0, t, retained),
       learnerscore.qini_coefficient(tau, t, retained),
       (learnerscore.ate_diff(retained, t)).*, avg(tau)
FROM planted WHERE i % 2 = 1;
SQL
  read -r q_up q_upx q_risk q_true est se lo hi p n_t n_c method planted_ate < "$WORK/chain.txt"
  echo "  seed $seed: qini T-learner logistic $q_up, xgboost $q_upx, by baseline risk $q_risk, by the true effect $q_true;" \
       "ate_diff $est [$lo, $hi], planted $planted_ate"
  $PY - "$q_up" "$q_upx" "$q_risk" "$lo" "$hi" "$planted_ate" <<'PY'
import sys
q_up, q_upx, q_risk, lo, hi, ate = map(float, sys.argv[1:])
assert q_up > q_risk, "the logistic T-learner does not rank better than the baseline risk"
assert q_upx > q_risk, "the xgboost T-learner does not rank better than the baseline risk"
assert lo <= ate <= hi, "the 95 % interval of ate_diff misses the planted average effect"
PY
done

echo "== bad inputs"
expect() {  # expect SQLSTATE SQL
  local out
  out=$(psql -X -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -c "$2" 2>&1 || true)
  echo "$out" | grep -q "ERROR:  $1" || { echo "FAIL: expected $1 from $2, got: $out"; exit 1; }
  echo "  $1 <- $2"
}
$PSQL -c "CREATE TABLE bad AS SELECT x1, x2, (i % 3)::int AS t3, i % 2 AS t01, 'yes'::text AS tt, true AS allt, retained FROM planted LIMIT 500 OFFSET 0" \
      -c "ALTER TABLE bad ADD i int; UPDATE bad SET i = 1"
expect 22023 "SELECT * FROM learnerscore.train_uplift('b', 'public.bad', 't3', 'retained', ARRAY['x1'], 'logistic')"
expect 42804 "SELECT * FROM learnerscore.train_uplift('b', 'public.bad', 'tt', 'retained', ARRAY['x1'], 'logistic')"
expect 22023 "SELECT * FROM learnerscore.train_uplift('b', 'public.bad', 'allt', 'retained', ARRAY['x1'], 'logistic')"
expect 42703 "SELECT * FROM learnerscore.train_uplift('b', 'public.bad', 'nope', 'retained', ARRAY['x1'], 'logistic')"
expect 42P01 "SELECT * FROM learnerscore.train_uplift('b', 'no_such_table', 't01', 'retained', ARRAY['x1'], 'logistic')"
expect 22023 "SELECT * FROM learnerscore.train_uplift('b', 'public.bad', 't01', 'retained', ARRAY['t01'], 'logistic')"
expect 22023 "SELECT * FROM learnerscore.train_uplift('b', 'SELECT * FROM public.bad WHERE t01 = 1', 't01', 'retained', ARRAY['x1'], 'logistic')"
expect 42704 "SELECT learnerscore.predict_uplift('no_such_model', ARRAY[0.5, 0.5])"
$PSQL -c "SELECT * FROM learnerscore.train_uplift('q01', 'SELECT * FROM public.bad', 't01', 'retained', ARRAY['x1', 'x2'], 'logistic')" > /dev/null
v=$(psql -X -A -t -c "SELECT round(learnerscore.predict_uplift('q01', b)::numeric, 12) = round((learnerscore.predict('q01.treated', b) - learnerscore.predict('q01.control', b))::numeric, 12) AND learnerscore.predict_uplift('q01', '{\"x1\": 0.5, \"x2\": 0}'::jsonb) IS NOT NULL FROM (SELECT x1, x2 FROM bad LIMIT 1) b")
[ "$v" = t ] || { echo "FAIL: predict_uplift(record) is not predict(treated) - predict(control): $v"; exit 1; }
echo "  a 0/1 integer treatment and a query source train; predict_uplift over a record and jsonb"
expect 22023 "SELECT learnerscore.uplift_at_k(x1, true, x2, 0) FROM bad"
expect 22023 "SELECT learnerscore.uplift_at_k(x1, true, x2, 1.01) FROM bad"
expect 22023 "SELECT learnerscore.uplift_at_k(x1, true, x2, 'NaN') FROM bad"
expect 22023 "SELECT learnerscore.uplift_at_k(x1, true, x2, x1) FROM bad"
expect 22023 "SELECT learnerscore.qini_coefficient('NaN', true, 1)"
expect 22023 "SELECT learnerscore.uplift_auc(0.5, true, 2)"
expect 22023 "SELECT learnerscore.uplift_at_k(0.5, true, 'Infinity', 0.5)"
expect 22P03 "SELECT learnerscore._uplift_final('\\x09000000')"
echo "== privileges: train_uplift is for analysts"
$PSQL -c "DROP ROLE IF EXISTS ls_uplift_plain; DROP ROLE IF EXISTS ls_uplift_analyst" \
      -c "CREATE ROLE ls_uplift_plain LOGIN; CREATE ROLE ls_uplift_analyst LOGIN" \
      -c "GRANT learnerscore_analyst TO ls_uplift_analyst" \
      -c "GRANT SELECT ON public.bad TO ls_uplift_plain, ls_uplift_analyst"
expect 42501 "SET ROLE ls_uplift_plain; SELECT * FROM learnerscore.train_uplift('p', 'public.bad', 't01', 'retained', ARRAY['x1'], 'logistic')"
n=$(psql -X -A -t -v ON_ERROR_STOP=1 -c "SET ROLE ls_uplift_analyst" -c "SELECT count(*) FROM learnerscore.train_uplift('pa', 'public.bad', 't01', 'retained', ARRAY['x1'], 'logistic')" -c "SELECT learnerscore.predict_uplift('pa', ARRAY[0.5]) IS NOT NULL" | tr '\n' ' ')
[ "$n" = "SET 2 t " ] || { echo "FAIL: an analyst cannot train_uplift / predict_uplift: $n"; exit 1; }
echo "  an analyst trains and predicts an uplift model"
$PSQL -c "REVOKE SELECT ON public.bad FROM ls_uplift_plain, ls_uplift_analyst" -c "DROP ROLE ls_uplift_plain" -c "DROP ROLE ls_uplift_analyst"
[ "$(psql -X -A -t -c "SELECT pg_postmaster_start_time()")" = "$STARTED" ] || { echo "FAIL: the server restarted"; exit 1; }
echo "PASS uplift_planted"
