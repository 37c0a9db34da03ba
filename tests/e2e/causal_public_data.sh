#!/usr/bin/env bash
# Public data next to published figures (the data sets: docs/architecture.md, "Public data sets"):
# Card (1995) 2SLS, Mroz (1987) 2SLS, LaLonde/Dehejia-Wahba NSW with PSID-1 and
# CPS-1 comparison groups, IHDP (true ATE/ATT computable from the data).
# Prints every figure; fails when an exactly reproducible one is off.
set -euo pipefail
EXT=${LS_EXTERNAL:-/work/shared/external}
if [ ! -d "$EXT/card1995" ]; then echo "SKIP: the public data sets are not in $EXT (set LS_EXTERNAL)"; exit 77; fi
export PGDATABASE=${PGDATABASE:-postgres}
PSQL="psql -v ON_ERROR_STOP=1 -X -q -P footer=off"
$PSQL -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore; DROP SCHEMA IF EXISTS causal_public CASCADE; CREATE SCHEMA causal_public"
# a float8 table from a CSV header (rownames kept as text)
load_csv() {  # table file
  local cols; cols=$(head -1 "$2" | tr -d '"\r' | tr ',' '\n' | awk '{printf "%s\"%s\" %s", (NR>1?", ":""), $0, ($0=="rownames"?"text":"float8")}')
  $PSQL -c "CREATE TABLE causal_public.$1 ($cols)"
  $PSQL -c "\\copy causal_public.$1 FROM '$2' CSV HEADER"
}
load_csv card "$EXT/card1995/rdatasets_wooldridge_card.csv"
load_csv mroz "$EXT/mroz1987/rdatasets_wooldridge_mroz.csv"
load_csv nsw "$EXT/lalonde_nsw/nsw_dw.csv"
load_csv psid "$EXT/lalonde_nsw/nsw_treated_psid1.csv"
load_csv cps "$EXT/lalonde_nsw/nsw_treated_cps1.csv"
$PSQL -c "CREATE TABLE causal_public.ihdp (rep int, treatment float8, y_factual float8, y_cfactual float8, mu0 float8, mu1 float8, $(for i in $(seq 1 25); do printf 'x%d float8%s' $i $([ $i -lt 25 ] && echo ,); done))"
for r in $(seq 1 10); do
  $PSQL <<SQL
CREATE TEMP TABLE t AS SELECT * FROM causal_public.ihdp WHERE false;
ALTER TABLE t DROP COLUMN rep;
\\copy t FROM '$EXT/ihdp/ihdp_npci_$r.csv' CSV
INSERT INTO causal_public.ihdp SELECT $r, * FROM t;
SQL
done

$PSQL <<'SQL'
SET search_path = causal_public, public;
SET client_min_messages = warning;
CREATE TEMP TABLE fig (source text, quantity text, published text, ours text, ok boolean);
-- Card 1995 (Wooldridge Example 15.4)
INSERT INTO fig SELECT 'Card 1995', '2SLS return to educ (IV nearc4)', '.132 (.055); recomputed 0.1315 (0.0550)',
    format('%s (%s)', round(e.estimate::numeric, 4), round(e.std_error::numeric, 4)),
    abs(e.estimate - 0.1315) < 5e-5 AND abs(e.std_error - 0.0550) < 5e-5
FROM (SELECT (learnerscore.ate_iv(lwage, educ, nearc4, ARRAY[exper, expersq, black, smsa, south, smsa66,
        reg662, reg663, reg664, reg665, reg666, reg667, reg668, reg669])).* FROM card) e;
INSERT INTO fig SELECT 'Card 1995', 'first-stage F of nearc4 (t = 3.64)', 'F = t^2 = 13.25',
    round(learnerscore.first_stage_f(educ, nearc4, ARRAY[exper, expersq, black, smsa, south, smsa66,
        reg662, reg663, reg664, reg665, reg666, reg667, reg668, reg669])::numeric, 2)::text,
    abs(learnerscore.first_stage_f(educ, nearc4, ARRAY[exper, expersq, black, smsa, south, smsa66,
        reg662, reg663, reg664, reg665, reg666, reg667, reg668, reg669]) - 13.25) < 0.05 FROM card;
INSERT INTO fig SELECT 'Card 1995', 'Wald ratio without controls', '0.1881 (test value)',
    round((learnerscore.ate_iv(lwage, educ, nearc4)).estimate::numeric, 4)::text,
    abs((learnerscore.ate_iv(lwage, educ, nearc4)).estimate - 0.1881) < 5e-5 FROM card;
-- Mroz 1987 (Wooldridge 15.1, 15.5), inlf = 1
INSERT INTO fig SELECT 'Mroz 1987', 'IV lwage ~ educ, instrument fatheduc', '.059 (.035)',
    format('%s (%s)', round(e.estimate::numeric, 4), round(e.std_error::numeric, 4)),
    abs(e.estimate - 0.0592) < 5e-5 AND abs(e.std_error - 0.0351) < 5e-5
FROM (SELECT (learnerscore.ate_iv(lwage, educ, fatheduc)).* FROM mroz WHERE inlf = 1) e;
INSERT INTO fig SELECT 'Mroz 1987', '2SLS educ, exper, expersq; IV motheduc+fatheduc', '.0614 (.0314)',
    format('%s (%s)', round(e.estimate::numeric, 4), round(e.std_error::numeric, 4)),
    abs(e.estimate - 0.0614) < 5e-5 AND abs(e.std_error - 0.0314) < 5e-5
FROM (SELECT (learnerscore.ate_iv(lwage, educ, ARRAY[motheduc, fatheduc], ARRAY[exper, expersq])).* FROM mroz WHERE inlf = 1) e;
-- LaLonde NSW (Dehejia & Wahba 1999, Table 3)
INSERT INTO fig SELECT 'LaLonde NSW', 'experimental difference in means', '1,794 (633); Neyman SE 671.00',
    format('%s (%s)', round(e.estimate::numeric, 2), round(e.std_error::numeric, 2)),
    abs(e.estimate - 1794.34) < 0.005 AND abs(e.std_error - 671.00) < 0.005
FROM (SELECT (learnerscore.ate_diff(re78, treat = 1)).* FROM nsw) e;
-- the three samples with the Dehejia-Wahba regression covariates
CREATE TEMP VIEW lalonde AS
    SELECT 'NSW' AS sample, re78, treat, ARRAY[age, age*age, educ, nodegree, black, hisp, re74, re75] AS x FROM nsw
    UNION ALL SELECT 'PSID-1', re78, treat, ARRAY[age, age*age, educ, nodegree, black, hisp, re74, re75] FROM psid
    UNION ALL SELECT 'CPS-1', re78, treat, ARRAY[age, age*age, educ, nodegree, black, hisp, re74, re75] FROM cps;
INSERT INTO fig SELECT 'LaLonde ' || w.sample, w.quantity, w.published,
    format('%s (%s)', round(e.estimate::numeric, 2), round(e.std_error::numeric, 2)),
    abs(e.estimate - w.estimate) < 0.005 AND abs(e.std_error - w.std_error) < 0.005
FROM (VALUES ('NSW', 'experimental, regression-adjusted', '1,672 (638); 1,672.20 (638.40)', 1672.20, 638.40),
             ('PSID-1', 'regression-adjusted', '218 (866); 217.94 (866.20)', 217.94, 866.20),
             ('CPS-1', 'regression-adjusted', '(not published) 738.83 (547.05)', 738.83, 547.05))
     w(sample, quantity, published, estimate, std_error),
LATERAL (SELECT (learnerscore.ate_regression(re78, treat = 1, x)).* FROM lalonde l WHERE l.sample = w.sample) e;
INSERT INTO fig SELECT 'LaLonde ' || w.sample, w.quantity, w.published,
    round(e.estimate::numeric, 2)::text, abs(e.estimate - w.estimate) < 0.005
FROM (VALUES ('PSID-1', 'NSW treated vs PSID-1, unadjusted', '-15,205; -15,204.78', -15204.78),
             ('CPS-1', 'NSW treated vs CPS-1, unadjusted', '-8,498; -8,497.52', -8497.52))
     w(sample, quantity, published, estimate),
LATERAL (SELECT (learnerscore.ate_diff(re78, treat = 1)).* FROM lalonde l WHERE l.sample = w.sample) e;
-- propensity methods, DW-style specification; published PS estimates are ~1,500-1,800 (no exact target)
INSERT INTO fig SELECT 'LaLonde ' || src, m || CASE WHEN t > 0 THEN ', trimmed at 0.01' ELSE '' END, 'PS methods: ~1,500-1,800; benchmark 1,794',
    format('%s (%s)', round(e.estimate::numeric, 0), round(e.std_error::numeric, 0)), NULL
FROM (VALUES ('PSID-1'), ('CPS-1')) s(src), (VALUES ('att_ipw'), ('att_aipw')) mm(m), (VALUES (0.0), (0.01)) tt(t),
LATERAL (SELECT CASE mm.m WHEN 'att_ipw' THEN learnerscore.att_ipw(re78, treat = 1, x, tt.t) ELSE learnerscore.att_aipw(re78, treat = 1, x, tt.t) END AS e
         FROM (SELECT re78, treat, ARRAY[age, age*age, educ, educ*educ, married, nodegree, black, hisp, re74, re75,
                      re74*re74, re75*re75, (re74 = 0)::int, (re75 = 0)::int, educ*re74] AS x
               FROM psid WHERE s.src = 'PSID-1' UNION ALL
               SELECT re78, treat, ARRAY[age, age*age, educ, educ*educ, married, nodegree, black, hisp, re74, re75,
                      re74*re74, re75*re75, (re74 = 0)::int, (re75 = 0)::int, educ*re74]
               FROM cps WHERE s.src = 'CPS-1') d) q, LATERAL (SELECT (q.e).*) e;
-- IHDP: truth from mu1 - mu0
INSERT INTO fig
SELECT 'IHDP rep ' || rep, 'ATE: true / AIPW / regression / naive',
       format('true ATE %s', round(avg(mu1 - mu0)::numeric, 4)),
       format('%s / %s / %s', round((learnerscore.ate_aipw(y_factual, treatment = 1, ARRAY[x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24,x25], 0.01)).estimate::numeric, 4),
              round((learnerscore.ate_regression(y_factual, treatment = 1, ARRAY[x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24,x25])).estimate::numeric, 4),
              round((learnerscore.ate_diff(y_factual, treatment = 1)).estimate::numeric, 4)),
       CASE WHEN rep <> 9 THEN abs((learnerscore.ate_aipw(y_factual, treatment = 1, ARRAY[x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24,x25], 0.01)).estimate - avg(mu1 - mu0)) < 0.5 END
FROM ihdp GROUP BY rep;
INSERT INTO fig
SELECT 'IHDP rep ' || rep, 'ATT: true / AIPW-ATT / IPW-ATT', format('true ATT %s', round((avg(mu1 - mu0) FILTER (WHERE treatment = 1))::numeric, 4)),
       format('%s / %s', round((learnerscore.att_aipw(y_factual, treatment = 1, ARRAY[x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24,x25])).estimate::numeric, 4),
              round((learnerscore.att_ipw(y_factual, treatment = 1, ARRAY[x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24,x25])).estimate::numeric, 4)),
       NULL
FROM ihdp WHERE rep IN (1, 5, 9) GROUP BY rep;
\pset format aligned
SELECT source, quantity, published, ours, coalesce(ok::text, '(reported)') AS match FROM fig ORDER BY source, quantity;
\o /dev/null
SELECT count(*) FROM fig;
\o
\echo
SELECT CASE WHEN bool_and(ok) FILTER (WHERE ok IS NOT NULL) THEN 'all reproducible figures match' ELSE 'MISMATCH' END AS verdict FROM fig \gset
\echo :verdict
SQL

out=$($PSQL -At <<'SQL'
SET search_path = causal_public;
SELECT abs((learnerscore.ate_iv(lwage, educ, nearc4, ARRAY[exper, expersq, black, smsa, south, smsa66, reg662, reg663, reg664, reg665, reg666, reg667, reg668, reg669])).estimate - 0.1315) < 5e-5
   AND (SELECT abs((learnerscore.ate_regression(re78, treat = 1, ARRAY[age, age*age, educ, nodegree, black, hisp, re74, re75])).estimate - 217.94) < 0.005 FROM psid)
   AND (SELECT abs((learnerscore.ate_diff(re78, treat = 1)).estimate - 1794.34) < 0.005 FROM nsw)
FROM card;
SQL
)
$PSQL -c "SET client_min_messages = warning; DROP SCHEMA causal_public CASCADE"
[ "$out" = t ] || { echo "FAIL: a published figure is not reproduced"; exit 1; }
echo "ok: Card 2SLS, LaLonde NSW and PSID-1 figures reproduced"
