#!/usr/bin/env bash
# ALTER EXTENSION learnerscore UPDATE from the frozen 0.1.0 install script
# (extension/releases/) gives the catalog of a fresh install of the current
# version: functions, aggregates, types, tables, views, comments and privileges
# compared line by line (tests/e2e/lib/extension_catalog.sql). Models trained
# under 0.1.0 score the same after the upgrade.
set -euo pipefail
source "$(dirname "$0")/lib/scratch_db.sh"
scratch_dir upgrade
LIB="$(cd "$(dirname "$0")/lib" && pwd)"
CURRENT=$(cat "$(dirname "$0")/../../VERSION")
STARTED=$(psql -X -A -t -d postgres -c "SELECT pg_postmaster_start_time()")

echo "== fresh install of $CURRENT"
fresh_database ls_upgrade_fresh
$PSQL -c "CREATE EXTENSION learnerscore"
psql -X -A -t -v ON_ERROR_STOP=1 -f "$LIB/extension_catalog.sql" >"$WORK/fresh.txt"

echo "== 0.1.0, models trained, then ALTER EXTENSION UPDATE"
fresh_database ls_upgrade_old
$PSQL >/dev/null <<'SQL'
CREATE EXTENSION learnerscore VERSION '0.1.0';
CREATE TABLE ref AS
  SELECT i AS id, (i % 7) / 3.0 AS x1, ((i * 37) % 11) / 5.0 AS x2, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS city,
         ((i * 13) % 10 < 4 + (i % 7) / 3)::int AS y, (i % 7) * 1.5 + ((i * 37) % 11) * 0.2 AS yreal
  FROM generate_series(1, 600) i;
SELECT learnerscore.train('up_logit', 'ref', 'y', ARRAY['x1', 'x2', 'city'], 'logistic');
SELECT learnerscore.train('up_ols', 'ref', 'yreal', ARRAY['x1', 'x2', 'city'], 'linear');
SELECT learnerscore.train('up_xgb', 'ref', 'y', ARRAY['x1', 'x2', 'city'], 'xgboost', '{"num_round": 5}');
CREATE TABLE before_upgrade AS
  SELECT id, learnerscore.predict('up_logit', r) AS logit, learnerscore.predict('up_ols', r) AS ols,
         learnerscore.predict('up_xgb', r) AS xgb FROM ref r;
SQL
echo "== the new library on the 0.1.0 objects: predict by name and id works (above), the lifecycle asks for the upgrade"
lifecycle_before=$(psql -X -A -t <<'SQL'
\set VERBOSITY terse
SELECT learnerscore.predict((SELECT id FROM learnerscore.models WHERE name = 'up_ols'), '{"x1": 1, "x2": 2, "city": "a"}'::jsonb)
     = learnerscore.predict('up_ols', '{"x1": 1, "x2": 2, "city": "a"}'::jsonb) AS by_id;
SELECT learnerscore.train('up_new', 'ref', 'yreal', ARRAY['x1'], 'linear', '{"deploy": false}');
\echo deploy :LAST_ERROR_SQLSTATE
SELECT learnerscore.train('up_ols', 'ref', 'yreal', ARRAY['x1'], 'linear');
\echo retrain :LAST_ERROR_SQLSTATE
SQL
)
echo "$lifecycle_before"
[ "$(echo "$lifecycle_before" | tr '\n' ' ')" = "t deploy 55000 retrain 42710 " ] || { echo "unexpected behaviour on the 0.1.0 layout"; exit 1; }
echo "== data schemas made under 0.1.0: a learning schema (300 learners) and a course-effects schema"
learnerscore generate --scenario 1t --learners 300 --seed 3 --out "$WORK/1t" >/dev/null
learnerscore generate --scenario courses --employees 300 --courses 4 --seed 3 --out "$WORK/courses" --quiet
learnerscore load "$WORK/1t" --schema onet_old --no-progress >/dev/null
learnerscore load "$WORK/courses" --schema courses_old --no-progress >/dev/null
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_learner_daily('onet_old')" \
      -c "SET client_min_messages = warning; CALL learnerscore.train_learner_models('onet_old', 2)" \
      -c "SET client_min_messages = error; CALL learnerscore.refresh_course_effects('courses_old')" >/dev/null
# row counts of every table of both schemas
ROWS_SQL="SELECT string_agg(format('%s.%s %s', n.nspname, c.relname,
                 (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text),
                 E'\\n' ORDER BY n.nspname, c.relname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('onet_old', 'courses_old') AND c.relkind IN ('r', 'm') AND c.relname NOT IN ('learnerscore_layout', 'learner_model_runs')"
psql -X -A -t -v ON_ERROR_STOP=1 -c "$ROWS_SQL" >"$WORK/rows-before.txt"
$PSQL -c "ALTER EXTENSION learnerscore UPDATE"

echo "== data schemas after ALTER EXTENSION UPDATE"
psql -X -A -t -v ON_ERROR_STOP=1 -c "SELECT schema_name, part, layout_version, current_layout, up_to_date, upgrade_with
                                      FROM learnerscore.data_schemas ORDER BY 1, 2" | tee "$WORK/layouts.txt"
[ "$(grep -c '|1|.*|f|CALL learnerscore.upgrade_' "$WORK/layouts.txt")" = 2 ] || { echo "both schemas should be listed as layout 1"; exit 1; }
# re-creating an outdated schema is refused with a hint, not done over its rows
out=$(psql -X -A -t -c "CALL learnerscore.create_learning_schema('onet_old')" 2>&1 || true)
echo "$out" | grep -q "upgrade_learning_schema" || { echo "create_learning_schema on an old schema: $out"; exit 1; }
out=$(learnerscore load "$WORK/1t" --schema onet_old --no-progress 2>&1 || true)
echo "$out" | grep -q "upgrade_learning_schema" || { echo "a load into an old schema should name the upgrade: $out"; exit 1; }
echo "create_learning_schema and the loader refuse an outdated schema and name the upgrade"
$PSQL -c "CALL learnerscore.upgrade_learning_schema('onet_old')" -c "CALL learnerscore.upgrade_course_effects_schema('courses_old')"
$PSQL -c "CALL learnerscore.upgrade_learning_schema('onet_old')" 2>&1 | grep -q "already has the current layout"
psql -X -A -t -v ON_ERROR_STOP=1 -c "$ROWS_SQL" >"$WORK/rows-after.txt"
# every table that was there keeps its rows (the upgrade may add tables, e.g. learner_score_history)
if lost=$(comm -23 <(sort "$WORK/rows-before.txt") <(sort "$WORK/rows-after.txt")) && [ -n "$lost" ]; then
  echo "the upgrade changed the row counts of:"; echo "$lost"; diff -u "$WORK/rows-before.txt" "$WORK/rows-after.txt"; exit 1
fi
echo "row counts of $(wc -l <"$WORK/rows-before.txt") tables unchanged by the upgrade ($(comm -13 <(sort "$WORK/rows-before.txt") <(sort "$WORK/rows-after.txt") | wc -l) tables added)"
[ "$(psql -X -A -t -c "SELECT count(*) FROM learnerscore.data_schemas WHERE up_to_date")" = 2 ]

echo "== the upgraded schemas have the structure of schemas made fresh by $CURRENT"
learnerscore load "$WORK/1t" --schema onet_new --no-progress >/dev/null
learnerscore load "$WORK/courses" --schema courses_new --no-progress >/dev/null
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_learner_daily('onet_new')" \
      -c "SET client_min_messages = warning; CALL learnerscore.train_learner_models('onet_new', 2)" >/dev/null
for pair in onet_old:onet_new courses_old:courses_new; do
  old=${pair%%:*}; new=${pair##*:}
  psql -X -A -t -v ON_ERROR_STOP=1 -v schema="$old" -f "$LIB/schema_catalog.sql" | sed -E "s/$old/SCHEMA/g; s/\(\(?[0-9]+\)::bigint/(ID)::bigint/g" >"$WORK/$old.txt"
  psql -X -A -t -v ON_ERROR_STOP=1 -v schema="$new" -f "$LIB/schema_catalog.sql" | sed -E "s/$new/SCHEMA/g; s/\(\(?[0-9]+\)::bigint/(ID)::bigint/g" >"$WORK/$new.txt"
  if ! diff -u "$WORK/$new.txt" "$WORK/$old.txt" >"$WORK/$old.diff"; then
    echo "$old (upgraded) differs from $new (fresh) ('-' fresh, '+' upgraded):"; head -80 "$WORK/$old.diff"; exit 1
  fi
  echo "$old upgraded = $new fresh ($(wc -l <"$WORK/$new.txt") catalog lines)"
done
psql -X -A -t -v ON_ERROR_STOP=1 -f "$LIB/extension_catalog.sql" >"$WORK/upgraded.txt"

echo "== catalogs: $(wc -l <"$WORK/fresh.txt") lines fresh, $(wc -l <"$WORK/upgraded.txt") upgraded"
grep -q "extension version $CURRENT" "$WORK/upgraded.txt" || { echo "upgrade did not reach $CURRENT"; exit 1; }
if ! diff -u "$WORK/fresh.txt" "$WORK/upgraded.txt" >"$WORK/catalog.diff"; then
  echo "0.1.0 + upgrade differs from a fresh $CURRENT install ('-' fresh, '+' upgraded):"
  head -150 "$WORK/catalog.diff"; exit 1
fi
echo "catalogs identical"

echo "== models trained under 0.1.0 score the same after the upgrade"
changed=$(psql -X -A -t -v ON_ERROR_STOP=1 -c "
  SELECT count(*) FROM before_upgrade b JOIN ref r USING (id)
  WHERE learnerscore.predict('up_logit', r) IS DISTINCT FROM b.logit
     OR learnerscore.predict('up_ols', r) IS DISTINCT FROM b.ols
     OR learnerscore.predict('up_xgb', r) IS DISTINCT FROM b.xgb")
rows=$(psql -X -A -t -c "SELECT count(*) FROM before_upgrade WHERE logit IS NOT NULL AND ols IS NOT NULL AND xgb IS NOT NULL")
echo "rows scored before: $rows; predictions changed by the upgrade: $changed"
[ "$rows" = 600 ] && [ "$changed" = 0 ]

echo "== after the upgrade: every 0.1.0 model is version 1, deployed ('upgrade'); a new version deploys; rollback returns"
after=$(psql -X -A -t -v ON_ERROR_STOP=1 <<'SQL'
SELECT count(*) = 3 AND bool_and(version = 1) FROM learnerscore.models WHERE name LIKE 'up\_%';
SELECT count(*) = 3 AND bool_and(d.strategy = 'upgrade' AND d.model_id = m.id AND d.deployed_by = m.owner)
  FROM learnerscore.model_deployments d JOIN learnerscore.models m USING (name) WHERE name LIKE 'up\_%';
SELECT learnerscore.train('up_ols', 'ref', 'yreal', ARRAY['x1'], 'linear') > 0;
SELECT version = 2 FROM learnerscore.deployed_models WHERE name = 'up_ols';
SELECT learnerscore.rollback('up_ols') = 1;
SELECT bool_and(learnerscore.predict('up_ols', r) = b.ols) FROM before_upgrade b JOIN ref r USING (id);
-- the learner models trained under 0.1.0: their metrics are run 1 (legacy), they stay deployed, learner_scores scores with them
SELECT count(*) = 6 AND bool_and(run_id = 1 AND model_version = 1 AND deployed) FROM onet_old.learner_model_metrics;
SELECT deploy_policy = 'legacy' AND models_deployed = 6 FROM onet_old.learner_model_runs;
SELECT count(*) = (SELECT count(*) FROM onet_old.users) AND bool_and(d.strategy = 'upgrade')
  FROM onet_old.learner_scores s JOIN learnerscore.deployed_models d ON d.model_id = s.dropout_model_id;
SQL
)
echo "$after" | tr '\n' ' '; echo
[ "$(echo "$after" | tr -d '\n')" = "ttttttttt" ] || { echo "the upgraded registry does not behave"; exit 1; }

# the catalog query is not vacuous: it sees a change (a comment edited in the fresh database)
$PSQL -d ls_upgrade_fresh -c "COMMENT ON FUNCTION learnerscore.version() IS 'edited'"
psql -X -A -t -d ls_upgrade_fresh -f "$LIB/extension_catalog.sql" >"$WORK/edited.txt"
! diff -q "$WORK/fresh.txt" "$WORK/edited.txt" >/dev/null || { echo "the catalog snapshot missed an edited comment"; exit 1; }
echo "an edited comment is seen by the comparison"

[ "$(psql -X -A -t -d postgres -c "SELECT pg_postmaster_start_time()")" = "$STARTED" ] || { echo "server restarted"; exit 1; }
psql -X -q -d postgres -c "DROP DATABASE ls_upgrade_fresh" -c "DROP DATABASE ls_upgrade_old"
echo "upgrade_catalog: ok"
