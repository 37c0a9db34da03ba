#!/usr/bin/env bash
# Concurrent deployments of one model name (docs/models.md, "Versions and
# deployments"): for LS_DEPLOY_SECONDS (default 15) pgbench clients deploy
# random versions, 'latest' and 'best', and roll back, in READ COMMITTED and in
# REPEATABLE READ (where a deployment this transaction cannot see is a
# serialization failure, 40001, retried by pgbench --max-tries; one still being
# retried when the time is up counts as failed and is accepted), while psql
# sessions hold a deployment open for a moment and scorers predict by name.
# Asserts: no failed transaction and no aborted client, no deadlock (pgbench's
# count and the server log), exactly one deployed version, and a consistent
# history: each deployment replaces the one before it (previous_id chain, no
# fork), deployed_models is the last row, every rollback re-deployed what its
# predecessor's rollback_to named, and every other row's rollback_to is the row
# it replaced. Needs PGHOST/PGPORT/PGUSER of a throw-away cluster
# (scripts/pg-sandbox.sh; its env gives LS_PG_LOG, the server log).
set -euo pipefail
source "$(dirname "$0")/lib/scratch_db.sh"
scratch_dir deploy-concurrency
SECONDS_TO_RUN=${LS_DEPLOY_SECONDS:-15}
BINDIR=${LS_PG_BINDIR:-/usr/lib/postgresql/15/bin}
LOG=${LS_PG_LOG:-$PGHOST/server.log}
[ -r "$LOG" ] || { echo "server log $LOG not readable (set LS_PG_LOG)"; exit 1; }
log_from=$(stat -c %s "$LOG")
DB=ls_deploy_conc
fresh_database $DB

$PSQL <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION learnerscore;
CREATE TABLE dc AS
SELECT g AS id, (g % 7)::float8 AS a, ((g * 37) % 11)::float8 AS b,
       ((g % 7) + ((g * 37) % 11) / 2.0 + (g * 7919) % 5 > 7)::int AS y
FROM generate_series(1, 300) g;
SELECT learnerscore.train('dc', 'dc', 'y', ARRAY['a', 'b'], 'logistic') > 0;
SELECT learnerscore.train('dc', 'dc', 'y', ARRAY['a'], 'logistic') > 0;
SELECT learnerscore.train('dc', 'dc', 'y', ARRAY['b'], 'logistic') > 0;
SELECT learnerscore.train('dc', 'dc', 'y', ARRAY['a', 'b'], 'logistic', '{"l2": 50}') > 0;
-- one step of a deployer: a version, latest, best or a rollback; "no earlier deployment" (55000) is an answer, not a failure
CREATE FUNCTION dc_step(r int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF r <= 4 THEN RETURN learnerscore.deploy('dc', r);
    ELSIF r = 5 THEN RETURN learnerscore.deploy('dc', 'latest');
    ELSIF r = 6 THEN RETURN learnerscore.deploy('dc', 'best');
    ELSE RETURN learnerscore.rollback('dc', 'concurrency test');
    END IF;
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    RETURN 0;
END $$;
-- a scorer: predict by name equals predict by the id of some version of the name
CREATE FUNCTION dc_score() RETURNS void LANGUAGE plpgsql AS $$
DECLARE p float8 := learnerscore.predict('dc', '{"a": 3, "b": 9}'::jsonb);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM learnerscore.models m WHERE m.name = 'dc'
                    AND learnerscore.predict(m.id, '{"a": 3, "b": 9}'::jsonb) = p) THEN
        RAISE EXCEPTION 'predict by name gave % which no version of dc gives', p;
    END IF;
END $$;
SQL

cat > "$WORK/deploy.sql" <<'EOF2'
\set r random(1, 8)
SELECT dc_step(:r);
EOF2
cat > "$WORK/deploy_rr.sql" <<'EOF2'
\set r random(1, 8)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM learnerscore.model_deployments;
SELECT dc_step(:r);
COMMIT;
EOF2
cat > "$WORK/score.sql" <<'EOF2'
SELECT dc_score();
EOF2

echo "== $SECONDS_TO_RUN s: 3 deployers, 2 repeatable-read deployers, 1 scorer, 1 session holding deployments open"
pids=()
"$BINDIR/pgbench" -n -c 3 -j 1 -T "$SECONDS_TO_RUN" -f "$WORK/deploy.sql" $DB >"$WORK/rc.out" 2>&1 & pids+=($!)
"$BINDIR/pgbench" -n -c 2 -j 1 -T "$SECONDS_TO_RUN" --max-tries=50 --failures-detailed -f "$WORK/deploy_rr.sql" $DB >"$WORK/rr.out" 2>&1 & pids+=($!)
"$BINDIR/pgbench" -n -c 1 -j 1 -T "$SECONDS_TO_RUN" -R 50 -f "$WORK/score.sql" $DB >"$WORK/score.out" 2>&1 & pids+=($!)
( end=$(( $(date +%s) + SECONDS_TO_RUN )); n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    psql -X -q -A -t -d $DB -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT dc_step(1 + $n % 8)" -c "SELECT pg_sleep(0.2)" -c "COMMIT" \
      >/dev/null 2>>"$WORK/holder.err" || echo "holder failed" >>"$WORK/holder.err"
    n=$((n + 1))
  done ) & pids+=($!)
wait "${pids[@]}"

fail=0
for g in rc rr score; do
  out=$WORK/$g.out
  tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
  dl=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$out")
  retried=$(sed -n 's/^number of transactions retried: \([0-9]*\).*/\1/p' "$out")
  serial=$(sed -n 's/^number of serialization failures: \([0-9]*\).*/\1/p' "$out")
  aborted=$(grep -c 'aborted in command' "$out" || true)
  echo "$g: ${tx:-?} transactions, ${failed:-?} failed (${dl:-0} deadlocks, ${serial:-0} serialization failures), ${retried:-0} retried, $aborted clients aborted"
  # a repeatable-read transaction still retrying its 40001 when the time is up counts as failed: only those are accepted
  accepted=0; [ "$g" = rr ] && accepted=${serial:-0}
  if [ -z "$tx" ] || [ "$tx" -eq 0 ] || [ "${failed:-1}" != "$accepted" ] || [ "${dl:-0}" != 0 ] || [ "$aborted" != 0 ]; then
    fail=1; grep -m5 -E "ERROR|error|aborted|failures" "$out" || true
  fi
done
if [ -s "$WORK/holder.err" ]; then echo "FAIL the holding session: $(head -3 "$WORK/holder.err")"; fail=1; else echo "ok   the holding session"; fi
log_dl=$(tail -c +$(( log_from + 1 )) "$LOG" | grep -c 'deadlock detected' || true)
if [ "$log_dl" -ne 0 ]; then echo "FAIL server log: $log_dl 'deadlock detected'"; fail=1; else echo "ok   no deadlock in the server log"; fi

check() {  # name, SQL returning one boolean
  local got; got=$($PSQL -A -t -c "$2")
  if [ "$got" = "t" ]; then echo "ok   $1"; else echo "FAIL $1 ($got)"; fail=1; fi
}
$PSQL -c "SELECT count(*) AS deployments, count(*) FILTER (WHERE strategy = 'rollback') AS rollbacks,
                 count(DISTINCT deployed_by) AS roles FROM learnerscore.model_deployments WHERE name = 'dc'"
check "exactly one deployed version" "SELECT count(*) = 1 FROM learnerscore.deployed_models WHERE name = 'dc'"
check "each deployment replaces the one before it (previous_id = the preceding row)" "
  SELECT bool_and(previous_id IS NOT DISTINCT FROM prev) FROM (
    SELECT previous_id, lag(id) OVER (ORDER BY id) AS prev FROM learnerscore.model_deployments WHERE name = 'dc') x"
check "no two rows replace the same deployment" "
  SELECT count(*) = count(DISTINCT coalesce(previous_id, -1)) FROM learnerscore.model_deployments WHERE name = 'dc'"
check "deployed_models is the last row" "
  SELECT d.model_id = l.model_id AND d.version = l.version FROM learnerscore.deployed_models d,
    (SELECT * FROM learnerscore.model_deployments WHERE name = 'dc' ORDER BY id DESC LIMIT 1) l WHERE d.name = 'dc'"
check "consecutive deployments differ (re-deploying the deployed version writes nothing)" "
  SELECT coalesce(bool_and(r.model_id <> p.model_id), true) FROM learnerscore.model_deployments r
    JOIN learnerscore.model_deployments p ON p.id = r.previous_id WHERE r.name = 'dc'"
check "a rollback re-deploys what its predecessor's rollback_to named, and inherits that row's rollback_to" "
  SELECT coalesce(bool_and(r.model_id = t.model_id AND r.version = t.version AND r.rollback_to IS NOT DISTINCT FROM t.rollback_to), true)
    FROM learnerscore.model_deployments r JOIN learnerscore.model_deployments p ON p.id = r.previous_id
    JOIN learnerscore.model_deployments t ON t.id = p.rollback_to
   WHERE r.name = 'dc' AND r.strategy = 'rollback'"
check "every rollback had a target" "
  SELECT coalesce(bool_and(p.rollback_to IS NOT NULL), true) FROM learnerscore.model_deployments r
    JOIN learnerscore.model_deployments p ON p.id = r.previous_id WHERE r.name = 'dc' AND r.strategy = 'rollback'"
check "any other deployment's rollback_to is the row it replaced" "
  SELECT bool_and(rollback_to IS NOT DISTINCT FROM previous_id) FROM learnerscore.model_deployments
   WHERE name = 'dc' AND strategy <> 'rollback'"
check "predict by name scores the deployed version" "
  SELECT learnerscore.predict('dc', '{\"a\": 3, \"b\": 9}'::jsonb) = learnerscore.predict(d.model_id, '{\"a\": 3, \"b\": 9}'::jsonb)
    FROM learnerscore.deployed_models d WHERE d.name = 'dc'"
psql -X -q -d postgres -c "DROP DATABASE $DB"
[ "$fail" -eq 0 ] && echo "models_deploy_concurrency: all checks passed"
exit $fail
