#!/usr/bin/env bash
# End-to-end test of a learning schema distributed with Citus (issue 12 item 4; docs/scale-out.md,
# "The learning schema on Citus"): the co-located forms of the analyst views give the same rows as
# the local forms, the view caches are off (never stale) and a write shows at once, the loader says
# so, create_learning_schema keeps the distributed forms, and distribute_learning_schema's bad
# inputs get their SQLSTATEs.
# On a Citus coordinator (CREATE EXTENSION citus done, workers added) it runs
# learnerscore.distribute_learning_schema for real. Without Citus (CI) it emulates the one thing
# the extension reads of Citus, pg_dist_partition, in a throw-away cluster: the views then take
# their co-located forms on one machine, and the rows are compared all the same.
# Needs PGHOST/PGPORT/PGUSER (a superuser) of a throw-away cluster and `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-dist-XXXXXX)
DB=${PGDATABASE:-postgres}
L=e2e_dist_local_$$; D=e2e_dist_$$
q() { psql -qAtX -d "$DB" -c "SET client_min_messages = error" -c "$1"; }
citus=$(q "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")
cleanup() {
  q "DROP SCHEMA IF EXISTS $L CASCADE; DROP SCHEMA IF EXISTS $D CASCADE; DROP OWNED BY ls_e2e_dist_$$; DROP ROLE IF EXISTS ls_e2e_dist_$$" >/dev/null 2>&1 || true
  [ "$citus" = 1 ] || q "SET allow_system_table_mods = on; DROP TABLE IF EXISTS pg_catalog.pg_dist_partition" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
state() { psql -qAtX -d "$DB" -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }

learnerscore generate --scenario 1t --learners 400 --seed 5 --out "$TMP/g" --quiet
for s in $L $D; do learnerscore load --schema "$s" "$TMP/g" --quiet >"$TMP/load_$s.txt" 2>&1 || { cat "$TMP/load_$s.txt"; fail "load $s"; }; done
# the series before the distribution (distribute_learning_schema places them too)
for s in $L $D; do q "CALL learnerscore.refresh_learner_daily('$s')" >/dev/null; done

# bad inputs
[ "$(state "SELECT learnerscore.distribute_learning_schema(NULL)")" = 22023 ] || fail "NULL schema"
[ "$(state "SELECT learnerscore.distribute_learning_schema(' ')")" = 22023 ] || fail "blank schema"
[ "$(state "SELECT learnerscore.distribute_learning_schema('no_such_schema_$$')")" = 3F000 ] || fail "missing schema"
q "CREATE SCHEMA ${D}_plain" >/dev/null
[ "$(state "SELECT learnerscore.distribute_learning_schema('${D}_plain')")" = 42P01 ] || fail "not a learning schema"
q "DROP SCHEMA ${D}_plain" >/dev/null
[ "$(state "SELECT learnerscore.distribute_learning_schema('$D', 0)")" = 22023 ] || fail "shard_count 0"
q "CREATE ROLE ls_e2e_dist_$$ LOGIN" >/dev/null
[ "$(state "SET ROLE ls_e2e_dist_$$; SELECT learnerscore.distribute_learning_schema('$D')")" = 42501 ] || fail "PUBLIC may execute it"
# a learnerscore_owner may call it (then Citus's own checks apply: ownership of the tables)
q "GRANT learnerscore_owner TO ls_e2e_dist_$$; GRANT USAGE ON SCHEMA $D TO ls_e2e_dist_$$" >/dev/null
want=0A000; [ "$citus" = 1 ] && want=42501   # on Citus: not the owner of the tables
[ "$(state "SET ROLE ls_e2e_dist_$$; SELECT learnerscore.distribute_learning_schema('$D')")" = $want ] || fail "learnerscore_owner: not $want"
q "REVOKE learnerscore_owner FROM ls_e2e_dist_$$; REVOKE USAGE ON SCHEMA $D FROM ls_e2e_dist_$$" >/dev/null
[ "$(q "SELECT learnerscore._schema_distributed('$D')")" = f ] || fail "distributed before distribution"

if [ "$citus" = 1 ]; then
  echo "   Citus: distribute_learning_schema('$D', 8)"
  q "SELECT learnerscore.distribute_learning_schema('$D', 8)" >/dev/null
  q "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE '$D.%' AND partmethod = 'h'" | grep -qx 11 || fail "not 11 distributed tables (9 learner tables and the 2 series)"
else
  [ "$(state "SELECT learnerscore.distribute_learning_schema('$D')")" = 0A000 ] || fail "no Citus: not 0A000"
  echo "   no Citus: pg_dist_partition emulated"
  # What distribute_learning_schema does besides Citus's own calls: the catalog entries, the
  # triggers dropped, the schema re-created (here by hand, with the emulated catalog).
  q "SET allow_system_table_mods = on;
     CREATE TABLE pg_catalog.pg_dist_partition (logicalrelid regclass, partmethod \"char\");
     INSERT INTO pg_catalog.pg_dist_partition
     SELECT to_regclass(format('%I.%I', '$D', t.table_name)), CASE t.placement WHEN 'reference' THEN 'n' ELSE 'h' END
       FROM learnerscore._learning_schema_placement() t
      WHERE to_regclass(format('%I.%I', '$D', t.table_name)) IS NOT NULL" >/dev/null
  q "DO \$\$ DECLARE r record; BEGIN
       FOR r IN SELECT t.tgname, t.tgrelid::regclass AS tbl FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = '$D'::regnamespace AND NOT t.tgisinternal LOOP
         EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.tbl);
       END LOOP; END \$\$;
     DELETE FROM $D.learning_schema_ddl WHERE part = 'learning_schema';
     CALL learnerscore.create_learning_schema('$D')" >/dev/null
fi
[ "$(q "SELECT learnerscore._schema_distributed('$D')")" = t ] || fail "not distributed"

# every view: same rows (sum_lag to 1e-9: Citus sums a group's floats in another order)
for v in m_user_tags_history m_online_students students_v3 dataset_h dataset_v m_course_params \
         m_online_users_exercise m_date_interval m_exercise_lag_time_series course_flows learner_flows; do
  row="row_to_json(t)::text"
  [ $v = m_exercise_lag_time_series ] && row="row_to_json(t)::jsonb - 'sum_lag' || jsonb_build_object('sum_lag', round(t.sum_lag::numeric, 9))"
  sql="SELECT count(*) || ' ' || md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM (SELECT md5(($row)::text) h FROM %s.$v t) x"
  a=$(q "$(printf "$sql" $L)"); b=$(q "$(printf "$sql" $D)")
  [ "$a" = "$b" ] || fail "$v differs: local $a, distributed $b"
  echo "   $v: same rows ($a)"
done
[ "$(q "SELECT count(*) FROM $L.dataset_h")" -gt 10000 ] || fail "dataset_h too small to compare"
q "SELECT pg_get_viewdef('$D.dataset_h')" | grep -q dataset_h_cache && fail "dataset_h reads its cache"
[ "$(q "SELECT string_agg(DISTINCT stale_cause, ',') || ' ' || bool_or(fresh) FROM $D.analyst_view_cache")" = "off: distributed schema false" ] \
  || fail "cache state: $(q "SELECT string_agg(view_name || ' ' || fresh || ' ' || coalesce(stale_cause, ''), '; ') FROM $D.analyst_view_cache")"
[ "$(q "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = '$D'::regnamespace AND NOT t.tgisinternal")" = 0 ] \
  || fail "triggers left on the distributed tables"
psql -qAtX -d "$DB" -c "SELECT count(*) FROM learnerscore.refresh_analyst_views('$D')" >"$TMP/refresh.txt" 2>&1
grep -qx 0 "$TMP/refresh.txt" && grep -q "caches of schema \"$D\" are off" "$TMP/refresh.txt" || { cat "$TMP/refresh.txt"; fail "refresh on a distributed schema"; }
# the series: co-located with their learners on Citus, the same rows and weekly features
if [ "$citus" = 1 ]; then
  [ "$(q "SELECT string_agg(partmethod::text, '' ORDER BY logicalrelid::text) FROM pg_dist_partition
           WHERE logicalrelid IN ('$D.learner_daily'::regclass, '$D.learner_activity'::regclass)")" = hh ] || fail "series not distributed"
fi
q "CALL learnerscore.refresh_learner_daily('$D')" >/dev/null   # nothing new: a no-op on the distributed schema
for x in "%s.learner_daily" "%s.learner_activity" "learnerscore.weekly_features('%s', 4)"; do
  sql="SELECT count(*) || ' ' || md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) FROM $x t"
  a=$(q "$(printf "$sql" $L)"); b=$(q "$(printf "$sql" $D)")
  [ "$a" = "$b" ] || fail "$x differs: local $a, distributed $b"
  echo "   $(printf "$x" S): same rows ($a)"
done
# the learner models: trained from the distributed tables, scored on the coordinator (the registry
# is there): the same scores and reasons in learner_scores and in score_learners' snapshot
asof=$(q "SELECT max(cur_date) - 30 FROM $L.learner_daily")
for s in $L $D; do
  q "CALL learnerscore.train_learner_models('$s', 3, params => '{\"num_round\": 20, \"max_depth\": 3, \"nthread\": 1}')" >/dev/null
  q "SELECT learnerscore.score_learners('$s', '$asof')" >/dev/null
done
for x in "SELECT user_id, round(dropout_probability::numeric, 12), top_reasons, band FROM %s.learner_scores" \
         "SELECT user_id, status, round(dropout_probability::numeric, 12), reason_1, risk_rank FROM %s.learner_score_history"; do
  sql="SELECT count(*) || ' ' || md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) FROM ($x) t"
  a=$(q "$(printf "$sql" $L)"); b=$(q "$(printf "$sql" $D)")
  [ "$a" = "$b" ] || fail "scores differ ($x): local $a, distributed $b"
done
[ "$(q "SELECT count(*) FROM $D.learner_score_history")" -gt 0 ] || fail "score_learners stored nothing"
echo "   learner models: the same scores and reasons ($(q "SELECT count(*) FROM $D.learner_scores") learners)"
# a write is visible at once: no cache can be stale
before=$(q "SELECT count(*) FROM $D.dataset_h")
u=$(q "SELECT max(user_id) + 1 FROM $D.users")
q "INSERT INTO $D.users (user_id, course_id) SELECT $u, min(course_id) FROM $D.schedule;
   INSERT INTO $D.users_logs (user_id, created_at, event, comment) VALUES ($u, '2020-01-01', 'x', 'Установлен хештег #онлайн')" >/dev/null
after=$(q "SELECT count(*) FROM $D.dataset_h")
[ "$after" -gt "$before" ] || fail "a learner made online is not in dataset_h at once ($before -> $after)"
[ "$(q "SELECT learnerscore.is_online('$D', $u, '2020-06-01')")" = t ] || fail "is_online of the changed learner"
echo "   a write shows at once: dataset_h $before -> $after rows"
# the loader: caches off, said once; create_learning_schema keeps the distributed forms
learnerscore load --schema "$D" "$TMP/g" --force >"$TMP/reload.txt" 2>&1 || { cat "$TMP/reload.txt"; fail "reload"; }
grep -q "dataset_h cache: off" "$TMP/reload.txt" || { cat "$TMP/reload.txt"; fail "the loader does not say the cache is off"; }
q "DELETE FROM $D.learning_schema_ddl; CALL learnerscore.create_learning_schema('$D')" >/dev/null
q "SELECT pg_get_viewdef('$D.m_online_students')" | grep -q _cache && fail "re-created with a cache"
[ "$(q "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = '$D'::regnamespace AND NOT t.tgisinternal")" = 0 ] \
  || fail "create_learning_schema put triggers back"
a=$(q "SELECT count(*) FROM $L.dataset_h"); b=$(q "SELECT count(*) FROM $D.dataset_h")
[ "$a" = "$b" ] || fail "after the reload: dataset_h $a local, $b distributed"
echo "PASS distributed_views"
