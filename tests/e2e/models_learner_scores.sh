#!/usr/bin/env bash
# Learner models on a generated cohort: per-week dropout / completion /
# m2_progress models validated on held-out courses; the week-5 dropout model
# must reach AUC >= 0.8 and the metrics must improve from week 1 to the last
# week; learner_scores must rank every learner within its course with reasons.
set -euo pipefail
source "$(dirname "$0")/lib/scratch_db.sh"
scratch_dir models-scores
DB=ls_models_scores
WEEKS=6
fresh_database $DB
echo "== generating and loading a 1,500-learner cohort"
learnerscore generate --scenario 1t --learners 1500 --seed 7 --out "$WORK/1t" >/dev/null
$PSQL -c "CREATE EXTENSION IF NOT EXISTS learnerscore"
learnerscore load "$WORK/1t" --schema onet --dsn "dbname=$DB" --no-progress >/dev/null
$PSQL -c "CALL learnerscore.refresh_learner_daily('onet')"
echo "== training $WEEKS weeks of models"
start=$(date +%s)
$PSQL -c "CALL learnerscore.train_learner_models('onet', $WEEKS)" 2>&1 | grep -v NOTICE || true
echo "   trained in $(( $(date +%s) - start )) s"
$PSQL -c "SELECT week, target, round(auc::numeric, 3) AS auc, round(brier::numeric, 3) AS brier,
                 round(calibration_error::numeric, 3) AS ece, round(mae::numeric, 2) AS mae, validation
          FROM onet.learner_model_metrics ORDER BY target, week"
fail=0
check() {  # name, SQL returning one boolean
  local got; got=$($PSQL -A -t -c "$2")
  if [ "$got" = "t" ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
check "week-5 dropout AUC >= 0.8 (held-out courses)" \
  "SELECT auc >= 0.8 FROM onet.learner_model_metrics WHERE target = 'dropout' AND week = 5"
# SQL: is metric $2 of target $1 at week $WEEKS $3 than at week 1?
last_vs_first() {
  echo "SELECT (SELECT $2 FROM onet.learner_model_metrics WHERE target = '$1' AND week = $WEEKS) $3
               (SELECT $2 FROM onet.learner_model_metrics WHERE target = '$1' AND week = 1)"
}
check "dropout AUC improves from week 1 to week $WEEKS" "$(last_vs_first dropout auc '>')"
check "dropout Brier score falls from week 1 to week $WEEKS" "$(last_vs_first dropout brier '<')"
check "completion AUC improves from week 1 to week $WEEKS" "$(last_vs_first completion auc '>')"
check "m2_progress MAE falls from week 1 to week $WEEKS" "$(last_vs_first m2_progress mae '<')"
check "validated on held-out courses" \
  "SELECT bool_and(validation = 'leave-one-course-out') FROM onet.learner_model_metrics"
check "3 models per week in the registry" \
  "SELECT count(*) = 3 * $WEEKS FROM learnerscore.models WHERE name LIKE 'onet.%'"
$PSQL -c "CREATE TABLE onet.scored AS SELECT * FROM onet.learner_scores"
check "learner_scores has every learner once" \
  "SELECT count(*) = (SELECT count(*) FROM onet.users) AND count(DISTINCT user_id) = count(*) FROM onet.scored s"
check "probabilities in [0,1], progress in [0,100]" \
  "SELECT bool_and(dropout_probability BETWEEN 0 AND 1 AND completion_probability BETWEEN 0 AND 1
                   AND predicted_m2_progress BETWEEN 0 AND 100) FROM onet.scored s"
check "risk_rank is 1..n within each course, highest risk first" \
  "SELECT bool_and(ok) FROM (SELECT min(risk_rank) = 1 AND max(risk_rank) <= count(*) AND
                                   (array_agg(dropout_probability ORDER BY risk_rank))[1] = max(dropout_probability) AS ok
                              FROM onet.scored s GROUP BY course_id) x"
check "top_reasons give up to three reasons in words" \
  "SELECT bool_and(cardinality(top_reasons) <= 3) AND avg((cardinality(top_reasons) = 3)::int) > 0.5
          AND bool_and(r LIKE '%: %') FROM onet.scored s, unnest(top_reasons) r"
check "scored learners who drop out rank higher (in-sample AUC of the scores >= 0.8)" \
  "SELECT learnerscore.auc(dropout_probability, t.dropout) >= 0.8 FROM onet.scored s JOIN onet.learner_targets t USING (user_id)"
check "model ids point at the registry" \
  "SELECT bool_and(m.name LIKE 'onet.dropout_w%') FROM onet.scored s JOIN learnerscore.models m ON m.id = s.dropout_model_id"
$PSQL -c "SELECT course_id, risk_rank, user_id, status, round(dropout_probability::numeric, 3) AS p, top_reasons
          FROM onet.scored s WHERE risk_rank <= 2 ORDER BY course_id, risk_rank"
echo "== reasons a tutor can act on (docs/models.md, Reasons): sentences against the course norm, bands, reachable"
check "reasons are sentences with the course norm, no log-odds" \
  "SELECT bool_and(r LIKE '%; typical for this course: %' AND r !~ '[(][+-][0-9]') FROM onet.scored s, unnest(top_reasons) r"
check "reason_contributions match top_reasons, with a positive contribution each" \
  "SELECT bool_and(s.top_reasons = ARRAY(SELECT e->>'sentence' FROM jsonb_array_elements(s.reason_contributions) e))
          AND (SELECT bool_and((e->>'contribution')::numeric > 0) FROM onet.scored x, jsonb_array_elements(x.reason_contributions) e)
     FROM onet.scored s"
check "the norm is the course median of the feature at the same week, the direction compares the value with it" \
  "SELECT count(*) > 0 AND bool_and(abs((e->>'norm')::float8 - m.med) < 1e-9)
          AND bool_and(e->>'direction' = CASE WHEN (e->>'value')::float8 < m.med THEN 'below'
                                              WHEN (e->>'value')::float8 > m.med THEN 'above' ELSE 'typical' END)
     FROM onet.scored s, jsonb_array_elements(s.reason_contributions) e,
          LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (to_jsonb(w)->>substring(e->>'feature' FROM '^(.*)_[0-9]+_week\$'))::float8) AS med
                     FROM onet.learner_weekly w
                    WHERE w.course_id = s.course_id AND w.week = substring(e->>'feature' FROM '_([0-9]+)_week\$')::int) m
    WHERE s.risk_rank <= 30 AND e->>'feature' LIKE '%\\_week' AND e->>'value' IS NOT NULL"
check "static features (age, time_zone, tg_bot) compare with the course median" \
  "SELECT bool_and(abs((e->>'norm')::float8 - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (to_jsonb(f)->>(e->>'feature'))::float8)
                                               FROM (SELECT u.user_id, u.course_id, a.age::float8 AS age, learnerscore.tz_hours(a.time_zone) AS time_zone,
                                                            u.tg_bot::float8 AS tg_bot FROM onet.users u
                                                       LEFT JOIN onet.users_age_timezone a ON a.user_id = u.user_id) f
                                              WHERE f.course_id = s.course_id)) < 1e-9)
     FROM onet.scored s, jsonb_array_elements(s.reason_contributions) e
    WHERE e->>'feature' IN ('age', 'time_zone', 'tg_bot') AND e->>'norm' IS NOT NULL"
check "band follows the settings (risk_band_high 0.7, medium 0.4)" \
  "SELECT bool_and(band = CASE WHEN dropout_probability >= 0.7 THEN 'high' WHEN dropout_probability >= 0.4 THEN 'medium' ELSE 'low' END)
     FROM onet.scored"
check "reachable = not asleep (learner_status)" \
  "SELECT bool_and(s.reachable = (ls.status IS DISTINCT FROM 'asleep')) AND bool_or(s.reachable) AND bool_or(NOT s.reachable)
     FROM onet.scored s LEFT JOIN onet.learner_status ls USING (user_id)"
check "in Russian with learnerscore.language = ru, other bands with other settings" \
  "SET learnerscore.language = 'ru'; SET learnerscore.risk_band_high = 0.9; SET learnerscore.risk_band_medium = 0.1;
   SELECT bool_and(r LIKE '%; обычно на курсе: %' AND r !~ 'typical|by week|log-in')
          AND (SELECT bool_and(band = CASE WHEN dropout_probability >= 0.9 THEN 'high' WHEN dropout_probability >= 0.1 THEN 'medium' ELSE 'low' END)
                 FROM onet.learner_scores WHERE course_id = (SELECT min(course_id) FROM onet.scored))
     FROM onet.learner_scores s, unnest(top_reasons) r WHERE s.course_id = (SELECT min(course_id) FROM onet.scored)"
$PSQL -c "SET learnerscore.language = 'ru'; SELECT user_id, band, reachable, top_reasons FROM onet.learner_scores
          WHERE course_id = (SELECT min(course_id) FROM onet.scored) AND risk_rank <= 2 ORDER BY risk_rank"
check "medium > high is refused when bands are computed (22023)" \
  "DO \$\$ BEGIN SET LOCAL learnerscore.risk_band_medium = 0.8; PERFORM band FROM onet.learner_scores LIMIT 1;
     RAISE EXCEPTION 'not refused'; EXCEPTION WHEN invalid_parameter_value THEN NULL; END \$\$; SELECT true"
$PSQL -A -t -c "SELECT learnerscore.store_learner_scores('onet')" >/dev/null
check "store_learner_scores keeps band and reachable (learner_scores_latest)" \
  "SELECT bool_and(l.band = s.band AND l.reachable = s.reachable AND l.reason_1 = s.top_reasons[1])
     FROM onet.learner_scores_latest l JOIN onet.scored s USING (user_id)"
echo "== a second run (weaker trees) with deploy => 'if_not_worse': versions, history, per-model decisions"
$PSQL -c "CALL learnerscore.train_learner_models('onet', $WEEKS, params => '{\"num_round\": 4, \"max_depth\": 1, \"max_bin\": 32}',
                                                   deploy => 'if_not_worse')" 2>&1 | grep -v NOTICE || true
$PSQL -c "SELECT run_id, week, target, model_version AS v, round(auc::numeric, 3) AS auc, round(mae::numeric, 2) AS mae, deployed
          FROM onet.learner_model_metrics WHERE week IN (1, $WEEKS) ORDER BY target, week, run_id"
check "two runs recorded, each with its 3 x $WEEKS models" \
  "SELECT count(*) = 2 AND bool_and(jsonb_array_length(models) = 3 * $WEEKS) FROM onet.learner_model_runs"
check "metrics appended per run (the first run's rows kept)" \
  "SELECT count(*) = 2 * 3 * $WEEKS AND count(DISTINCT run_id) = 2 AND count(DISTINCT trained_at) = 2 FROM onet.learner_model_metrics"
check "both versions of every model kept" \
  "SELECT count(*) = 6 * $WEEKS AND max(version) = 2 FROM learnerscore.models WHERE name LIKE 'onet.%'"
check "if_not_worse deployed a new model exactly when its held-out metric was not worse" \
  "SELECT bool_and(n.deployed = CASE WHEN n.target = 'm2_progress' THEN n.mae <= o.mae ELSE n.auc >= o.auc END)
          AND bool_and(n.deploy_decision LIKE 'if_not_worse: held-out %')
     FROM onet.learner_model_metrics n JOIN onet.learner_model_metrics o USING (week, target)
    WHERE n.run_id = 2 AND o.run_id = 1"
check "the deployed versions are the ones the decisions say" \
  "SELECT bool_and(d.version = CASE WHEN m.deployed THEN 2 ELSE 1 END)
     FROM onet.learner_model_metrics m JOIN learnerscore.deployed_models d ON d.name = m.model_name WHERE m.run_id = 2"
check "learner_scores scores with the deployed versions" \
  "SELECT bool_and(d.model_id = s.dropout_model_id) FROM onet.learner_scores s
     JOIN learnerscore.deployed_models d ON d.name = format('onet.dropout_w%s', lpad(s.model_week::text, 2, '0'))"
check "an unknown deploy policy is refused (22023)" \
  "DO \$\$ BEGIN CALL learnerscore.train_learner_models('onet', 1, deploy => 'sometimes');
     EXCEPTION WHEN invalid_parameter_value THEN RAISE NOTICE 'refused'; END \$\$; SELECT true"
echo "== BI roles: the README's grant line, and the two plain GRANT lines, let a non-superuser read learner_scores"
for r in ls_e2e_bi_grant ls_e2e_bi_plain; do
  $PSQL -c "DO \$\$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$r') THEN DROP OWNED BY $r; DROP ROLE $r; END IF; END \$\$"
  $PSQL -c "CREATE ROLE $r"
done
$PSQL -c "CALL learnerscore.grant_access('ls_e2e_bi_grant', 'reader', schema_name => 'onet')"
$PSQL -c "GRANT USAGE ON SCHEMA onet TO ls_e2e_bi_plain; GRANT SELECT ON ALL TABLES IN SCHEMA onet TO ls_e2e_bi_plain;"
for r in ls_e2e_bi_grant ls_e2e_bi_plain; do
  check "$r reads every row of learner_scores, the same as the owner" \
    "SET ROLE $r; SELECT count(*) = (SELECT count(*) FROM onet.scored) AND bool_and(dropout_probability BETWEEN 0 AND 1)
       FROM onet.learner_scores"
  got=$($PSQL -A -t -c "SET ROLE $r; INSERT INTO onet.users (user_id) VALUES (-1)" 2>&1 || true)
  case "$got" in *"permission denied"*) echo "ok   $r cannot write";; *) echo "FAIL $r could write: $got"; fail=1;; esac
done
for r in ls_e2e_bi_grant ls_e2e_bi_plain; do $PSQL -c "DROP OWNED BY $r; DROP ROLE $r"; done
psql -X -q -d postgres -c "DROP DATABASE $DB"
[ "$fail" -eq 0 ] && echo "models_learner_scores: all checks passed"
exit $fail
