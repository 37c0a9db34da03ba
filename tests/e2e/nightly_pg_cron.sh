#!/usr/bin/env bash
# The nightly procedure scheduled with pg_cron (Debian's postgresql-15-cron), as a
# DBA would set it up (docs/scheduling.md): a cluster with
# shared_preload_libraries = 'pg_cron', a non-superuser owner of a loaded
# learning schema schedules CALL learnerscore.nightly(...) and the job is seen
# to succeed in cron.job_run_details, with every step logged in
# <schema>.nightly_log. A job on a schema that does not exist is seen to fail
# there, with learnerscore's message. A retrain run (retrain => true) deploys
# only where the held-out metric did not get worse.
set -euo pipefail
: "${LS_PG_BINDIR:?source the sandbox env (scripts/pg-sandbox.sh)}"
command -v learnerscore >/dev/null || { echo "learnerscore CLI not on PATH"; exit 1; }
SYS_LIB=$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir); SYS_SHARE=$(/usr/lib/postgresql/15/bin/pg_config --sharedir)
[ -f "$SYS_LIB/pg_cron.so" ] || { echo "postgresql-15-cron is not installed (scripts/install-deps.sh installs it)"; exit 1; }
# The sandbox's copy of the PostgreSQL installation (which has learnerscore) needs pg_cron too.
ROOT=${LS_PG_BINDIR%/usr/lib/postgresql/15/bin}
if [ ! -f "$ROOT$SYS_LIB/pg_cron.so" ]; then
  cp "$SYS_LIB/pg_cron.so" "$ROOT$SYS_LIB/"
  cp "$SYS_SHARE"/extension/pg_cron* "$ROOT$SYS_SHARE/extension/"
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

DIR=$(mktemp -d /tmp/ls-cron-XXXXXX); chmod 755 "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
PORT=$(( 20000 + (RANDOM % 20000) ))
cleanup() { as_pg "$LS_PG_BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
as_pg "$LS_PG_BINDIR/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$LS_PG_BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "-p $PORT -k $DIR -c listen_addresses='' \
   -c shared_preload_libraries=pg_cron -c cron.database_name=postgres -c cron.host=$DIR \
   -c max_worker_processes=16 -c fsync=off" start >/dev/null
export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
PSQL="psql -X -q -v ON_ERROR_STOP=1"
echo "== cluster with pg_cron on $DIR (port $PORT)"

$PSQL <<'SQL'
CREATE EXTENSION pg_cron;
CREATE EXTENSION learnerscore;
CREATE ROLE ls_cron_owner LOGIN;
CALL learnerscore.grant_access('ls_cron_owner', 'owner', schema_name => 'onet');
GRANT USAGE ON SCHEMA cron TO ls_cron_owner;
SQL
WORK="$DIR/work"; mkdir -p "$WORK"
learnerscore generate --scenario 1t --learners 300 --seed 11 --out "$WORK/1t" >/dev/null
learnerscore load "$WORK/1t" --schema onet --dsn "host=$DIR port=$PORT dbname=postgres user=ls_cron_owner" --no-progress >/dev/null
echo "== loaded 300 learners into onet as ls_cron_owner"

# The job runs as the role that scheduled it: the schema's owner, not a superuser.
psql -X -q -v ON_ERROR_STOP=1 -U ls_cron_owner <<'SQL'
SELECT cron.schedule('learnerscore-nightly-onet', '* * * * *', $$CALL learnerscore.nightly('onet')$$) > 0 AS scheduled;
SELECT cron.schedule('learnerscore-nightly-missing', '* * * * *', $$CALL learnerscore.nightly('no_such_schema')$$) > 0 AS scheduled;
SELECT cron.schedule('learnerscore-retrain-onet', '30 3 * * 0', $$CALL learnerscore.nightly('onet', retrain => true, weeks => 2)$$) > 0 AS weekly;
SQL
echo "== waiting for the next minute's run (up to 150 s)"
for i in $(seq 1 150); do
  done_jobs=$(psql -X -A -t -c "SELECT count(DISTINCT jobid) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")
  [ "$done_jobs" -ge 2 ] && break
  sleep 1
done
psql -X -c "SELECT j.jobname, j.username, d.status, left(d.return_message, 110) AS return_message
            FROM cron.job_run_details d JOIN cron.job j USING (jobid) ORDER BY j.jobname, d.start_time"
ok=$(psql -X -A -t -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                       WHERE j.jobname = 'learnerscore-nightly-onet' AND d.status = 'succeeded' AND j.username = 'ls_cron_owner'")
bad=$(psql -X -A -t -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                        WHERE j.jobname = 'learnerscore-nightly-missing' AND d.status = 'failed'
                          AND d.return_message LIKE '%schema \"no_such_schema\" does not exist%'")
[ "$ok" -ge 1 ] || { echo "the nightly job did not succeed"; tail -30 "$DIR/server.log"; exit 1; }
[ "$bad" -ge 1 ] || { echo "the job on a missing schema was not recorded as failed with learnerscore's message"; exit 1; }
echo "cron.job_run_details: the nightly job succeeded as ls_cron_owner; the job on a missing schema failed with its message"
psql -X -c "SELECT step, status, detail FROM onet.nightly_log ORDER BY run_id, started_at"
steps=$(psql -X -A -t -c "SELECT string_agg(step || ':' || status, ' ' ORDER BY started_at) FROM onet.nightly_log
                          WHERE run_id = (SELECT min(run_id) FROM onet.nightly_log)")
[ "$steps" = "refresh_analyst_views:ok refresh_learner_daily:ok store_learner_scores:skipped" ] || { echo "unexpected steps: $steps"; exit 1; }
psql -X -q -U ls_cron_owner -c "SELECT cron.unschedule('learnerscore-nightly-onet'), cron.unschedule('learnerscore-nightly-missing')" >/dev/null

echo "== the weekly retrain, run by hand: first run deploys, a second deploys only where not worse"
psql -X -q -v ON_ERROR_STOP=1 -U ls_cron_owner -c "SET client_min_messages = warning" \
     -c "CALL learnerscore.nightly('onet', retrain => true, weeks => 2)"
psql -X -c "SELECT step, status, detail FROM onet.nightly_log WHERE run_id = (SELECT max(run_id) FROM onet.nightly_log) ORDER BY started_at"
last=$(psql -X -A -t -c "SELECT string_agg(step || ':' || status, ' ' ORDER BY started_at) FROM onet.nightly_log
                         WHERE run_id = (SELECT max(run_id) FROM onet.nightly_log)")
[ "$last" = "refresh_analyst_views:ok refresh_learner_daily:ok retrain_learner_models:ok store_learner_scores:ok" ] || { echo "retrain run: $last"; exit 1; }
# a second retrain: new versions, each deployed only where its held-out metric is not worse
psql -X -q -v ON_ERROR_STOP=1 -U ls_cron_owner -c "SET client_min_messages = warning" \
     -c "CALL learnerscore.nightly('onet', retrain => true, weeks => 2)"
psql -X -c "SELECT run_id, deploy_policy, models_deployed, jsonb_array_length(models) AS models FROM onet.learner_model_runs ORDER BY run_id"
decided=$(psql -X -A -t -c "SELECT count(*) FROM onet.learner_model_metrics m JOIN onet.learner_model_runs r USING (run_id)
                            WHERE r.run_id = (SELECT max(run_id) FROM onet.learner_model_runs) AND m.deploy_decision IS NOT NULL")
[ "$decided" = 6 ] || { echo "the second retrain recorded $decided deploy decisions (expected 6)"; exit 1; }
psql -X -c "SELECT week, target, model_version, deployed, deploy_decision FROM onet.learner_model_metrics_latest ORDER BY target, week"
scored=$(psql -X -A -t -c "SELECT count(*) FROM onet.learner_score_history")
[ "$scored" -ge 600 ] || { echo "two retrain runs stored $scored scores"; exit 1; }
echo "the retrain run deployed and stored $scored scores in onet.learner_score_history (read by learner_scores_latest)"
grep -E 'was terminated by signal|PANIC' "$DIR/server.log" && { echo "server crashed"; exit 1; }
echo "nightly_pg_cron: ok"
