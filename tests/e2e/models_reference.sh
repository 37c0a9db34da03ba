#!/usr/bin/env bash
# learnerscore models against reference implementations (Debian's
# scikit-learn, statsmodels and xgboost through /usr/bin/python3):
#   logistic (L2 and unpenalized) and linear (OLS, ridge) coefficients to 1e-6
#   relative, standard errors of OLS and Logit, auc/log_loss/mae to 1e-9, and
#   XGBoost predictions from the registry equal the same booster in Python.
set -euo pipefail
PY=/usr/bin/python3
source "$(dirname "$0")/lib/scratch_db.sh"
scratch_dir models-ref
DB=ls_models_ref
fresh_database $DB
# A backend crash (even at exit) restarts the server: compare start times at the end.
STARTED=$(psql -X -A -t -c "SELECT pg_postmaster_start_time()")

echo "== generating reference data (2,000 rows, 5 numeric features, a text feature)"
$PY - "$WORK" <<'PY'
import sys, numpy as np, pandas as pd
rng = np.random.default_rng(20240611)
n = 2000
X = rng.normal(size=(n, 5)) * [1, 2, 0.5, 3, 1] + [0, 1, -1, 2, 0]
city = rng.choice(["berlin", "kazan", "omsk"], size=n, p=[0.5, 0.3, 0.2]).astype(object)
eta = -0.3 + X @ [0.8, -0.4, 1.2, 0.1, 0.0] + np.where(city == "kazan", 0.7, np.where(city == "omsk", -0.5, 0))
y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
yreal = 3 + X @ [1.5, -0.7, 0.2, 0.05, 0.0] + np.where(city == "kazan", 1.0, 0) + rng.normal(scale=0.8, size=n)
df = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 6)])
df["city"] = city
df["y"] = y
df["yreal"] = yreal
df.insert(0, "id", np.arange(1, n + 1))
df.to_csv(f"{sys.argv[1]}/data.csv", index=False, float_format="%.17g")
PY
$PSQL <<SQL
CREATE EXTENSION IF NOT EXISTS learnerscore;
CREATE TABLE ref (id int, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, city text, y int, yreal float8);
\copy ref FROM '$WORK/data.csv' CSV HEADER
SELECT learnerscore.train('ref_logit', 'ref', 'y', ARRAY['x1','x2','x3','x4','x5','city'], 'logistic', '{"l2": 1, "tolerance": 1e-12}');
SELECT learnerscore.train('ref_logit0', 'ref', 'y', ARRAY['x1','x2','x3','x4','x5','city'], 'logistic', '{"l2": 0, "tolerance": 1e-12}');
SELECT learnerscore.train('ref_ols', 'ref', 'yreal', ARRAY['x1','x2','x3','x4','x5','city'], 'linear');
SELECT learnerscore.train('ref_ridge', 'ref', 'yreal', ARRAY['x1','x2','x3','x4','x5','city'], 'linear', '{"l2": 25}');
SELECT learnerscore.train('ref_xgb', 'ref', 'y', ARRAY['x1','x2','x3','x4','x5','city'], 'xgboost',
                          '{"num_round": 40, "max_depth": 4, "eta": 0.2}');
SQL
for m in ref_logit ref_logit0 ref_ols ref_ridge; do
  $PSQL -A -F, -c "\\copy (SELECT term, estimate, std_error FROM learnerscore.model_coefficients('$m')) TO '$WORK/$m.csv' CSV HEADER"
done
$PSQL -c "\\copy (SELECT id, learnerscore.predict('ref_logit', r) AS p, learnerscore.predict('ref_ols', r) AS q, learnerscore.predict('ref_xgb', r) AS px FROM ref r ORDER BY id) TO '$WORK/pred.csv' CSV HEADER"
# XGBoost with missing values (NULL numbers and NULL text), scored row by row
# by the native tree evaluator, against python-xgboost on NaN below.
$PSQL -c "\\copy (SELECT id, learnerscore.predict('ref_xgb', s) AS pxm FROM (SELECT id, CASE WHEN id % 3 = 0 THEN NULL ELSE x1 END AS x1, CASE WHEN id % 4 = 1 THEN NULL ELSE x2 END AS x2, CASE WHEN id % 5 = 2 THEN NULL ELSE x3 END AS x3, x4, CASE WHEN id % 2 = 0 THEN NULL ELSE x5 END AS x5, CASE WHEN id % 7 = 0 THEN NULL ELSE city END AS city FROM ref) s ORDER BY id) TO '$WORK/predm.csv' CSV HEADER"
$PSQL -c "\\copy (SELECT learnerscore.auc(learnerscore.predict('ref_logit', r), y) AS auc, learnerscore.log_loss(learnerscore.predict('ref_logit', r), y) AS log_loss, learnerscore.mae(learnerscore.predict('ref_ols', r), yreal) AS mae, learnerscore.brier(learnerscore.predict('ref_logit', r), y) AS brier, learnerscore.accuracy(learnerscore.predict('ref_logit', r), y) AS accuracy, learnerscore.rmse(learnerscore.predict('ref_ols', r), yreal) AS rmse FROM ref r) TO '$WORK/metrics.csv' CSV HEADER"
# a rounded-score AUC exercises ties
$PSQL -c "\\copy (SELECT learnerscore.auc(round(learnerscore.predict('ref_logit', r)::numeric, 1)::float8, y) AS auc_ties FROM ref r) TO '$WORK/ties.csv' CSV HEADER"
$PSQL -A -t -c "SELECT encode(learnerscore.xgboost_booster('ref_xgb'), 'hex')" > "$WORK/booster.hex"

echo "== comparing with scikit-learn / statsmodels / xgboost"
$PY - "$WORK" <<'PY'
import sys, numpy as np, pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn import metrics
import xgboost as xgb
w = sys.argv[1]
df = pd.read_csv(f"{w}/data.csv")
# one-hot with the first (sorted) level as reference, as learnerscore encodes linear models
X = df[[f"x{i}" for i in range(1, 6)]].copy()
for lvl in ["kazan", "omsk"]:
    X[f"city={lvl}"] = (df["city"] == lvl).astype(float)
failures = 0
def check(name, got, want, tol, rel=True):
    global failures
    got, want = np.asarray(got, float), np.asarray(want, float)
    err = np.abs(got - want) / (np.abs(want) if rel else 1)
    if rel:
        err = np.where(np.abs(want) < 1e-12, np.abs(got - want), err)
    ok = np.all(err <= tol)
    print(f"{'ok ' if ok else 'BAD'} {name}: max {'relative ' if rel else ''}difference {err.max():.2e} (tolerance {tol:g})")
    if not ok:
        print("   learnerscore:", got); print("   reference:   ", want)
        failures += 1
def ours(m):
    return pd.read_csv(f"{w}/{m}.csv")
cols = ["(intercept)"] + list(X.columns)
for m in ["ref_logit", "ref_logit0", "ref_ols", "ref_ridge"]:
    assert list(ours(m)["term"]) == cols, (m, list(ours(m)["term"]))
# L2 logistic: sklearn minimizes 1/2 ||w||^2 + C * sum(log loss), intercept unpenalized: C = 1 / l2
lr = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000, solver="newton-cg").fit(X, df.y)
check("logistic l2=1 vs sklearn LogisticRegression(C=1)", ours("ref_logit").estimate, np.r_[lr.intercept_, lr.coef_[0]], 1e-6)
Xc = sm.add_constant(X)
logit = sm.Logit(df.y, Xc).fit(disp=0, method="newton", tol=1e-12, maxiter=200)
check("logistic l2=0 vs statsmodels Logit", ours("ref_logit0").estimate, logit.params, 1e-6)
check("logistic l2=0 standard errors vs statsmodels", ours("ref_logit0").std_error, logit.bse, 1e-6)
ols = sm.OLS(df.yreal, Xc).fit()
check("linear vs statsmodels OLS", ours("ref_ols").estimate, ols.params, 1e-6)
check("linear standard errors vs statsmodels OLS", ours("ref_ols").std_error, ols.bse, 1e-6)
ridge = Ridge(alpha=25, tol=1e-14, solver="cholesky").fit(X, df.yreal)
check("ridge l2=25 vs sklearn Ridge(alpha=25)", ours("ref_ridge").estimate, np.r_[ridge.intercept_, ridge.coef_], 1e-6)
pred = pd.read_csv(f"{w}/pred.csv")
m = pd.read_csv(f"{w}/metrics.csv").iloc[0]
check("predict(logistic) vs sklearn predict_proba", pred.p, lr.predict_proba(X)[:, 1], 1e-6)
check("auc vs sklearn roc_auc_score", [m.auc], [metrics.roc_auc_score(df.y, pred.p)], 1e-9, rel=False)
check("log_loss vs sklearn log_loss", [m.log_loss], [metrics.log_loss(df.y, pred.p)], 1e-9, rel=False)
check("mae vs sklearn mean_absolute_error", [m.mae], [metrics.mean_absolute_error(df.yreal, pred.q)], 1e-9, rel=False)
check("brier vs sklearn brier_score_loss", [m.brier], [metrics.brier_score_loss(df.y, pred.p)], 1e-9, rel=False)
check("accuracy vs sklearn accuracy_score", [m.accuracy], [metrics.accuracy_score(df.y, pred.p >= 0.5)], 1e-12, rel=False)
check("rmse vs sklearn mean_squared_error", [m.rmse], [metrics.mean_squared_error(df.yreal, pred.q) ** 0.5], 1e-9, rel=False)
ties = pd.read_csv(f"{w}/ties.csv").iloc[0].auc_ties
check("auc with ties vs sklearn", [ties], [metrics.roc_auc_score(df.y, np.round(pred.p, 1))], 1e-9, rel=False)
# XGBoost: the registry's booster, loaded in Python, on the same encoded input
raw = bytes.fromhex(open(f"{w}/booster.hex").read().strip())
bst = xgb.Booster()
bst.load_model(bytearray(raw))
Xx = df[[f"x{i}" for i in range(1, 6)]].copy()
for lvl in ["berlin", "kazan", "omsk"]:   # xgboost: every level has a column
    Xx[f"city={lvl}"] = (df["city"] == lvl).astype(float)
px = bst.predict(xgb.DMatrix(Xx.values.astype(np.float32)))
check("xgboost predict from the registry vs the same booster in python-xgboost", pred.px, px, 1e-6, rel=False)
predm = pd.read_csv(f"{w}/predm.csv")
ids = df["id"].values
Xm = Xx.values.astype(np.float32).copy()
for col, mask in [(0, ids % 3 == 0), (1, ids % 4 == 1), (2, ids % 5 == 2), (4, ids % 2 == 0)]:
    Xm[mask, col] = np.nan
Xm[ids % 7 == 0, 5:8] = np.nan   # NULL text: every level column missing
pxm = bst.predict(xgb.DMatrix(Xm, missing=np.nan))
check("xgboost predict with NULL features vs python-xgboost on NaN", predm.pxm, pxm, 1e-6, rel=False)
sys.exit(1 if failures else 0)
PY
sleep 0.5
if [ "$(psql -X -A -t -d postgres -c "SELECT pg_postmaster_start_time()")" != "$STARTED" ]; then
  echo "FAILED: the server restarted (a backend crashed)"; exit 1
fi
psql -X -q -d postgres -c "DROP DATABASE $DB"
echo "models_reference: all comparisons passed"
