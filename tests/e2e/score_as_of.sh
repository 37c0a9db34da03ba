#!/usr/bin/env bash
# End-to-end test of scoring the running cohort as of a day (issue 14, item 1; docs/models.md
# "Scoring as of a day"), on a generated cohort of 3 flows (the last one running at the cut-off):
#  1. train_learner_models(as_of => cut-off) trains only on learners of finished flows, and its
#     held-out metrics come from a later flow (trained on flow 1, tested on flow 2: validation later-flow);
#  2. score_learners(schema, cut-off) scores exactly the running learners, each with the models of the
#     course week it has completed, and appends one snapshot to learner_score_history;
#  3. no leak: giving the running learners other final outcomes changes neither the models trained
#     as of the cut-off nor the scores;
#  4. the nightly job trains as of the day after the data and scores the running learners;
#  5. bad input: NULL / infinite as_of, as_of after the data, an unknown schema, no deployed model.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster and `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-asof-XXXXXX)
DB=${PGDATABASE:-postgres}
S=e2e_asof_$$
cleanup() {
  psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S CASCADE;
                        SELECT learnerscore.drop_model(name, true) FROM learnerscore.models WHERE name LIKE '$S.%'" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -d "$DB" -c "$1"; }
# the SQLSTATE of a statement that must fail
state() { psql -qAtX -d "$DB" -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }

G=$TMP/flows
learnerscore generate --scenario 1t --learners 1500 --seed 11 --flows 3 --out "$G" --quiet
cutoff=$(awk -F, 'NR==2{print $5}' "$G/_truth/flows.csv")
learnerscore load --schema "$S" "$G" > "$TMP/load.txt" 2>&1 || { cat "$TMP/load.txt"; fail "load failed"; }
q "CALL learnerscore.refresh_learner_daily('$S')" >/dev/null
q "CREATE TABLE $S._truth_flows (user_id int, course_id int, flow_num int, flow_start date, cutoff_date date, running int,
                                 m2p text, m2a text, m2d text, completed int, dropout int)"
psql -qX -d "$DB" -c "\\copy $S._truth_flows FROM '$G/_truth/flows.csv' CSV HEADER"
running=$(q "SELECT count(*) FROM $S._truth_flows WHERE running = 1")
echo "   cohort: 1500 learners in 3 flows, cut-off $cutoff, $running running"

# 4a. no deployed model yet
[ "$(state "SELECT learnerscore.score_learners('$S', '$cutoff')")" = 42704 ] || fail "no deployed model: not 42704"

# 1. training as of the cut-off
TRAIN="CALL learnerscore.train_learner_models('$S', weeks => 3, algorithm => 'logistic', params => '{\"l2\": 1}', as_of => '$cutoff')"
q "SET client_min_messages = warning; $TRAIN" >/dev/null
bad=$(q "SELECT count(*) FROM $S.learner_targets t JOIN $S._truth_flows f USING (user_id) WHERE f.running = 1")
[ "$bad" -eq 0 ] || fail "$bad running learners among the training targets"
fin=$(q "SELECT count(*) FROM $S._truth_flows WHERE running = 0")
[ "$(q "SELECT count(*) FROM $S.learner_targets")" -eq "$fin" ] || fail "training targets are not the $fin finished learners"
[ "$(q "SELECT validation || ' ' || as_of FROM $S.learner_model_runs ORDER BY run_id DESC LIMIT 1")" = "later-flow $cutoff" ] \
  || fail "run: $(q "SELECT validation, as_of FROM $S.learner_model_runs")"
# the metrics come from the latest finished flow (flow 2), as many rows as it has learners
f2=$(q "SELECT count(*) FROM $S._truth_flows WHERE flow_num = 2")
rows=$(q "SELECT string_agg(DISTINCT rows::int::text, ',') FROM $S.learner_model_metrics_latest WHERE target <> 'm2_progress'")
[ "$rows" = "$f2" ] || fail "held-out rows $rows, flow 2 has $f2 learners"
auc=$(q "SELECT round(min(auc)::numeric, 3) FROM $S.learner_model_metrics_latest WHERE target = 'dropout'")
awk -v a="$auc" 'BEGIN{exit !(a > 0.6 && a <= 1)}' || fail "later-flow dropout AUC $auc"
[ "$(q "SELECT count(*) FROM learnerscore.models WHERE name LIKE '$S.%later_flow_check'")" -eq 0 ] || fail "check models left behind"
echo "ok: trained as of $cutoff on the $fin finished learners only; metrics from flow 2 ($f2 learners, dropout AUC >= $auc)"

# 2. scoring as of the cut-off
n=$(q "SELECT learnerscore.score_learners('$S', '$cutoff')")
[ "$n" -eq "$running" ] || fail "score_learners stored $n rows, $running learners are running"
bad=$(q "SELECT count(*) FROM $S.learner_scores_latest h LEFT JOIN $S._truth_flows f USING (user_id)
          WHERE f.running IS DISTINCT FROM 1 OR h.as_of <> '$cutoff'
             OR h.model_week <> least(3, greatest(1, ('$cutoff'::date - f.flow_start + 1) / 7))
             OR h.dropout_probability IS NULL OR h.band IS NULL OR h.risk_rank IS NULL")
[ "$bad" -eq 0 ] || fail "$bad stored scores: not running, wrong as_of or model week, or no probability"
[ "$(q "SELECT count(*) FROM $S.learner_scores_latest WHERE reason_1 LIKE '%typical for this course%'")" -gt 0 ] \
  || fail "no reason compares with the course norm"
echo "ok: score_learners as of $cutoff: $n running learners, model week $(q "SELECT string_agg(DISTINCT model_week::text, ',') FROM $S.learner_scores_latest")"
q "SELECT band, count(*) FROM $S.learner_scores_latest GROUP BY 1 ORDER BY 1" | sed 's/^/   band: /'
q "SELECT reason_1 FROM $S.learner_scores_latest WHERE reason_1 IS NOT NULL ORDER BY dropout_probability DESC LIMIT 2" | sed 's/^/   reason: /'

# 3. no leak: the running learners' outcomes become known (all completed, then all failed): the models
#    trained as of the cut-off and the scores as of it stay the same
q "CREATE TABLE $S._scores1 AS SELECT user_id, dropout_probability, completion_probability, predicted_m2_progress, reason_1
     FROM $S.learner_scores_latest"
q "UPDATE $S.users u SET m2_progress = 100, m2_attestation = 100 FROM $S._truth_flows f WHERE f.user_id = u.user_id AND f.running = 1"
same_scores() {
  local diffs
  diffs=$(q "SELECT count(*) FROM $S._scores1 a FULL JOIN $S.learner_scores_latest b USING (user_id)
              WHERE a.dropout_probability IS DISTINCT FROM b.dropout_probability
                 OR a.completion_probability IS DISTINCT FROM b.completion_probability
                 OR a.predicted_m2_progress IS DISTINCT FROM b.predicted_m2_progress OR a.reason_1 IS DISTINCT FROM b.reason_1")
  [ "$diffs" -eq 0 ] || fail "$1: $diffs scores changed when the running learners' outcomes changed"
}
q "SELECT learnerscore.score_learners('$S', '$cutoff')" >/dev/null
same_scores "re-scored"
q "SET client_min_messages = warning; $TRAIN" >/dev/null
q "SELECT learnerscore.score_learners('$S', '$cutoff')" >/dev/null
same_scores "retrained and re-scored"
[ "$(q "SELECT count(DISTINCT scored_at) FROM $S.learner_score_history WHERE as_of = '$cutoff'")" -eq 3 ] || fail "not 3 snapshots"
echo "ok: no leak: other final outcomes of the running learners, retrained and re-scored as of $cutoff: identical scores"

# 3b. the nightly job on a flows cohort: trains as of the day after the data (finished flows only) and scores
#     the running learners as of it
q "CALL learnerscore.nightly('$S', retrain => true, weeks => 3)" >/dev/null
last=$(q "SELECT max(cur_date) + 1 FROM $S.learner_daily")
[ "$(q "SELECT as_of FROM $S.learner_model_runs ORDER BY run_id DESC LIMIT 1")" = "$last" ] || fail "nightly did not train as of $last"
[ "$(q "SELECT count(*) FROM $S.learner_scores_latest WHERE as_of = '$last'")" -eq "$running" ] || fail "nightly did not score the $running running learners"
echo "ok: nightly on a flows cohort: trained as of $last (finished flows), scored the $running running learners"

# 4. bad input
[ "$(state "SELECT learnerscore.score_learners('$S', NULL)")" = 22023 ] || fail "NULL as_of: not 22023"
[ "$(state "SELECT learnerscore.score_learners('$S', 'infinity')")" = 22023 ] || fail "infinite as_of: not 22023"
[ "$(state "SELECT learnerscore.score_learners('$S', '$cutoff'::date + 30)")" = 22023 ] || fail "as_of after the data: not 22023"
[ "$(state "SELECT learnerscore.score_learners('no_such_schema_$$', '$cutoff')")" = 3F000 ] || fail "unknown schema: not 3F000"
[ "$(state "SELECT learnerscore.score_learners('', '$cutoff')")" = 22023 ] || fail "empty schema: not 22023"
[ "$(state "CALL learnerscore.train_learner_models('$S', weeks => 3, as_of => '2000-01-01')")" = 22023 ] \
  || fail "training as of a day before any flow ended: not 22023"
# before any flow starts nothing runs: an empty snapshot, not an error
[ "$(q "SELECT learnerscore.score_learners('$S', '2000-01-01')")" -eq 0 ] || fail "as_of before every flow: rows stored"
echo "ok: bad input: 42704 without a deployed model, 22023 for NULL, infinite or future as_of and an empty schema name, 3F000 for an unknown schema"
echo "score_as_of: all checks passed"
