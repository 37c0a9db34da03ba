#!/usr/bin/env bash
# End-to-end test of the contacts pipeline (issue 14, items 4 and 5; docs/models.md "Contacts: whom to call
# today"), on generated cohorts with a planted, heterogeneous contact effect (docs/generator-1t.md "Contacts":
# `--flows 3 --contacts --contact-flows all`: a randomized contact experiment in every flow, the last running):
#  1. contact_effect: the 95 % interval of the difference in means covers the planted average effect;
#  2. train_contact_uplift: on the later flow (flow 2, the model trained on flow 1) the Qini coefficient of
#     the uplift model is above that of ranking by baseline risk;
#  3. contact_policy_values: by the planted individual effects, choosing by expected benefit prevents more
#     dropouts than choosing by risk at the same share; each policy's randomized estimate covers its planted value;
#  4. contact_plan: within capacity per tutor, only eligible running learners, the holdout is exactly the
#     learners the seeded draw holds out and is balanced on the covariates; planning again replaces the plan;
#  5. bad input: capacity <= 0, holdout outside [0, 1), a contact after as_of, no uplift model.
# Seeds: LS_CONTACT_SEEDS (default "5 6 7"). Needs PGHOST/PGPORT/PGUSER of a throw-away cluster and
# `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-plan-XXXXXX)
DB=${PGDATABASE:-postgres}
P=e2e_plan_$$
SEEDS=${LS_CONTACT_SEEDS:-5 6 7}
N=${LS_CONTACT_LEARNERS:-3000}
cleanup() {
  for seed in $SEEDS; do
    psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS ${P}_$seed CASCADE;
      SELECT learnerscore.drop_model(name, true) FROM learnerscore.models WHERE name LIKE '${P}_$seed.%'" >/dev/null 2>&1 || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -d "$DB" -c "$1"; }
state() { psql -qAtX -d "$DB" -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }

for seed in $SEEDS; do
  S=${P}_$seed
  G=$TMP/g$seed
  learnerscore generate --scenario 1t --learners "$N" --seed "$seed" --flows 3 --contacts --contact-flows all \
    --tutors 4 --tutor-capacity 5 --out "$G" --quiet
  cutoff=$(awk -F, 'NR==2{print $5}' "$G/_truth/flows.csv")
  learnerscore load --schema "$S" "$G" > "$TMP/load.txt" 2>&1 || { cat "$TMP/load.txt"; fail "seed $seed: load failed"; }
  q "CALL learnerscore.refresh_learner_daily('$S')" >/dev/null
  q "CREATE TABLE $S._truth (user_id int, course_id int, flow_num int, grp text, contact_date date, tutor text,
       status_at_contact text, wake float8, hazard float8, dropout_if_contacted int, dropout_if_not int, effect int)"
  psql -qX -d "$DB" -c "\\copy $S._truth FROM '$G/_truth/contacts_truth.csv' CSV HEADER"

  # no uplift model yet
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 5)")" = 42704 ] || fail "seed $seed: no uplift model: not 42704"

  # 1. the average effect of a contact on dropout (negative: prevents), against the planted one of the finished flows
  read -r est lo hi < <(q "SELECT estimate, ci_low, ci_high FROM learnerscore.contact_effect('$S', '$cutoff') WHERE method = 'diff'" | tr '|' ' ')
  planted=$(q "SELECT -avg(effect) FROM $S._truth WHERE flow_num < 3")
  awk -v e="$est" -v l="$lo" -v h="$hi" -v p="$planted" 'BEGIN{exit !(l <= p && p <= h && e < 0)}' \
    || fail "seed $seed: effect $est [$lo, $hi] does not cover the planted $planted"
  aipw=$(q "SELECT round(estimate::numeric, 4) || ' [' || round(ci_low::numeric, 4) || ', ' || round(ci_high::numeric, 4) || ']'
              FROM learnerscore.contact_effect('$S', '$cutoff') WHERE method = 'aipw'")
  echo "ok: seed $seed: effect on dropout $(printf '%.4f [%.4f, %.4f]' "$est" "$lo" "$hi") covers the planted $(printf '%.4f' "$planted"); AIPW $aipw"

  # 2. the uplift model, checked on flow 2
  q "SET client_min_messages = warning;
     CALL learnerscore.train_learner_models('$S', weeks => 3, algorithm => 'logistic', params => '{\"l2\": 1}', as_of => '$cutoff')" >/dev/null
  run=$(q "SELECT learnerscore.train_contact_uplift('$S', '$cutoff')")
  read -r qu qr vt < <(q "SELECT qini_uplift, qini_risk, validation FROM $S.contact_uplift_runs WHERE run_id = $run" | tr '|' ' ')
  [ "$vt" = later-flow ] || fail "seed $seed: validation $vt"
  awk -v a="$qu" -v b="$qr" 'BEGIN{exit !(a > b)}' || fail "seed $seed: Qini of the uplift model $qu not above ranking by risk $qr"
  echo "ok: seed $seed: later-flow Qini: uplift model $(printf '%.4f' "$qu") > risk $(printf '%.4f' "$qr")"

  # 3. policies at the share a day's capacity contacts: by the planted individual effects, choosing by expected
  #    benefit prevents more dropouts than choosing by risk; the randomized estimate of each (holdout minus
  #    contacted dropout rate within the learners it chooses) has an interval that covers its planted value
  share=0.3
  q "CREATE TABLE $S._pv AS SELECT * FROM learnerscore.contact_policy_values('$S', $share)"
  q "CREATE TABLE $S._pt AS
       WITH h AS (SELECT h.*, t.effect FROM $S.contact_uplift_holdout h JOIN $S._truth t USING (user_id) WHERE h.run_id = $run),
            n AS (SELECT ceil($share * count(*)) AS k FROM h)
       SELECT 'expected_benefit' AS policy, 100 * avg(effect) AS planted
         FROM (SELECT effect FROM h ORDER BY expected_benefit DESC NULLS LAST, user_id LIMIT (SELECT k FROM n)) x
       UNION ALL SELECT 'risk', 100 * avg(effect)
         FROM (SELECT effect FROM h ORDER BY baseline_risk DESC NULLS LAST, user_id LIMIT (SELECT k FROM n)) x
       UNION ALL SELECT 'random', 100 * avg(effect) FROM h"
  read -r tb tr < <(q "SELECT max(planted) FILTER (WHERE policy = 'expected_benefit'), max(planted) FILTER (WHERE policy = 'risk') FROM $S._pt" | tr '|' ' ')
  awk -v c="$tb" -v d="$tr" 'BEGIN{exit !(c > d)}' || fail "seed $seed: by the planted effects, choosing by expected benefit ($tb per 100) is not above by risk ($tr)"
  miss=$(q "SELECT count(*) FROM $S._pv v JOIN $S._pt t USING (policy) WHERE NOT (t.planted BETWEEN v.ci_low AND v.ci_high)")
  [ "$miss" -eq 0 ] || fail "seed $seed: $miss policy estimates whose interval misses the planted value: $(q "SELECT * FROM $S._pv")"
  echo "ok: seed $seed: dropouts prevented per 100 contacts, top $share of flow 2 (estimate [95 % interval] / planted):"
  q "SELECT format('     %-16s %s [%s, %s] / %s', v.policy, round(v.dropouts_prevented_per_100::numeric, 1), round(v.ci_low::numeric, 1),
                     round(v.ci_high::numeric, 1), round(t.planted::numeric, 1))
       FROM $S._pv v JOIN $S._pt t USING (policy) ORDER BY v.policy <> 'expected_benefit', v.policy <> 'risk'"

  # 4. the plan for the cut-off day
  q "CREATE TABLE $S._plan AS SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', capacity => 5, holdout => 0.1, seed => 1)"
  over=$(q "SELECT count(*) FROM (SELECT tutor, count(*) FROM $S._plan WHERE arm = 'contact' GROUP BY 1 HAVING count(*) > 5) x")
  [ "$over" -eq 0 ] || fail "seed $seed: a tutor over capacity"
  [ "$(q "SELECT count(*) FROM $S._plan WHERE arm = 'contact'")" -gt 0 ] || fail "seed $seed: empty plan"
  bad=$(q "SELECT count(*) FROM $S._plan p LEFT JOIN $S.learner_flows lf USING (user_id)
            WHERE NOT (lf.flow_start <= '$cutoff' AND '$cutoff' < lf.flow_end)
               OR EXISTS (SELECT 1 FROM $S.contacts c WHERE c.user_id = p.user_id)")
  [ "$bad" -eq 0 ] || fail "seed $seed: $bad planned learners not running or already contacted"
  # the holdout is the seeded draw over every eligible learner, and balanced
  q "CREATE TABLE $S._elig AS
       SELECT h.user_id, h.dropout_probability AS risk,
              ('x' || substr(md5('1:' || '$cutoff'::date || ':' || h.user_id), 1, 8))::bit(32)::bigint / 4294967296.0 < 0.1 AS held
         FROM $S.learner_score_history h
        WHERE h.scored_at = (SELECT max(scored_at) FROM $S.learner_score_history WHERE as_of = '$cutoff')
          AND NOT EXISTS (SELECT 1 FROM $S.contacts c WHERE c.user_id = h.user_id)
          AND NOT EXISTS (SELECT 1 FROM $S.contact_assignments a WHERE a.user_id = h.user_id AND a.plan_id IS NULL)"
  mism=$(q "SELECT count(*) FROM $S._elig e FULL JOIN (SELECT user_id FROM $S._plan WHERE arm = 'holdout') p USING (user_id)
             WHERE (e.held IS TRUE) IS DISTINCT FROM (p.user_id IS NOT NULL AND e.user_id IS NOT NULL)")
  [ "$mism" -eq 0 ] || fail "seed $seed: holdout differs from the seeded draw for $mism learners"
  smd=$(q "SELECT round(max(abs(smd_before))::numeric, 3) FROM (SELECT (unnest(learnerscore.balance(held, ARRAY[risk]))).* FROM $S._elig) b")
  awk -v s="$smd" 'BEGIN{exit !(s < 0.3)}' || fail "seed $seed: holdout unbalanced on risk (|SMD| $smd)"
  read -r ne nh < <(q "SELECT count(*), count(*) FILTER (WHERE held) FROM $S._elig" | tr '|' ' ')
  # planning the day again replaces its plan
  q "SELECT count(*) FROM learnerscore.contact_plan('$S', '$cutoff', capacity => 5, holdout => 0.1, seed => 1)" >/dev/null
  [ "$(q "SELECT count(*) FROM $S.contact_assignments WHERE plan_id IS NOT NULL")" -eq "$(q "SELECT count(*) FROM $S._plan")" ] \
    || fail "seed $seed: planning again did not replace the plan"
  pv=$(q "SELECT policy_values->'predicted_today' FROM $S.contact_plans ORDER BY plan_id DESC LIMIT 1")
  echo "ok: seed $seed: plan of $(q "SELECT count(*) FROM $S._plan WHERE arm = 'contact'") contacts within capacity; holdout $nh of $ne eligible = the seeded draw, |SMD| on risk $smd; predicted today: $pv"

  # 5. bad input
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 0)")" = 22023 ] || fail "capacity 0: not 22023"
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', -3)")" = 22023 ] || fail "capacity -3: not 22023"
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 5, holdout => 1)")" = 22023 ] || fail "holdout 1: not 22023"
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 5, holdout => -0.1)")" = 22023 ] || fail "holdout -0.1: not 22023"
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', NULL, 5)")" = 22023 ] || fail "NULL as_of: not 22023"
  [ "$(state "SELECT * FROM learnerscore.contact_effect('no_such_$$', '$cutoff')")" = 3F000 ] || fail "unknown schema: not 3F000"
  [ "$(state "SELECT * FROM learnerscore.contact_policy_values('$S', 0)")" = 22023 ] || fail "share 0: not 22023"
  [ "$(state "INSERT INTO $S.contacts VALUES (424242, '$cutoff', 't', 'телефон', NULL)")" = 23503 ] || fail "unknown learner: not 23503"
  q "INSERT INTO $S.contacts SELECT user_id, '$cutoff'::date + 3, 'Иванова Анна', 'телефон', NULL FROM $S.users LIMIT 1"
  [ "$(state "SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 5)")" = 22023 ] || fail "a contact after as_of: not 22023"
  echo "ok: seed $seed: bad input: 22023 for capacity 0 / -3, holdout 1 / -0.1, NULL as_of, a contact after as_of, share 0; 3F000; 23503"
  q "DELETE FROM $S.contacts WHERE contacted_at >= '$cutoff'::date + 1"

  # 6. who may do what (first seed): an analyst estimates, only an owner plans; a reader does neither
  if [ "$seed" = "${SEEDS%% *}" ]; then
    for k in reader analyst owner; do
      r=ls_e2e_plan_${k}_$$
      # an owner role owns its schemas; on this one (the superuser's) it gets the kind and the tables' rights
      q "SET client_min_messages = warning; DROP ROLE IF EXISTS $r; CREATE ROLE $r;
         CALL learnerscore.grant_access('$r', '$k'$( [ $k = owner ] || echo ", schema_name => '$S'"))" >/dev/null
    done
    A=ls_e2e_plan_analyst_$$; R=ls_e2e_plan_reader_$$; O=ls_e2e_plan_owner_$$
    [ "$(q "SET ROLE $A; SELECT count(*) FROM learnerscore.contact_effect('$S', '$cutoff')")" -eq 2 ] || fail "an analyst cannot estimate the effect"
    [ "$(q "SET ROLE $A; SELECT count(*) FROM learnerscore.contact_policy_values('$S', 0.3)")" -eq 3 ] || fail "an analyst cannot read the policy values"
    [ "$(state "SET ROLE $R; SELECT * FROM learnerscore.contact_effect('$S', '$cutoff')")" = 42501 ] || fail "a reader estimates the effect"
    [ "$(state "SET ROLE $A; SELECT * FROM learnerscore.contact_plan('$S', '$cutoff', 5)")" = 42501 ] || fail "an analyst plans contacts"
    [ "$(state "SET ROLE $A; SELECT learnerscore.train_contact_uplift('$S', '$cutoff')")" = 42501 ] || fail "an analyst trains the schema's uplift model"
    # the owner role plans as the schema's owner would (the schema was made by the superuser: grant it the schema's tables)
    q "GRANT ALL ON ALL TABLES IN SCHEMA $S TO $O; GRANT ALL ON ALL SEQUENCES IN SCHEMA $S TO $O; GRANT ALL ON SCHEMA $S TO $O" >/dev/null
    n_own=$(q "SET ROLE $O; SELECT count(*) FROM learnerscore.contact_plan('$S', '$cutoff', 5, seed => 2)") || fail "the owner role cannot plan"
    [ "$n_own" -gt 0 ] || fail "the owner role's plan is empty"
    for k in reader analyst owner; do q "DROP OWNED BY ls_e2e_plan_${k}_$$; DROP ROLE ls_e2e_plan_${k}_$$" >/dev/null; done
    echo "ok: roles: an analyst estimates (contact_effect, contact_policy_values), only an owner trains and plans ($n_own rows), a reader gets 42501"
  fi
done
echo "contact_plan: all checks passed"
