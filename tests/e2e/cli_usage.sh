#!/usr/bin/env bash
# End-to-end test of the CLI's option parsing (getopt_long, src/cli/options.cpp):
#  1. an unknown option or a missing value is a usage error: exit 2, the command's usage on stderr;
#  2. -q is --quiet, never the folder;
#  3. -h / --help print every option (generate: each scenario's too) and exit 0 without connecting.
# Uses `learnerscore` from PATH. Part 2's last check loads tests/data/1t_small into the cluster of
# PGHOST/PGPORT/PGUSER (the sandbox) when one answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-cli-XXXXXX)
S=e2e_cli_quiet_$$
DB=${PGDATABASE:-postgres}
cleanup() {
  psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S CASCADE" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# A server that is not there: a command that tries to connect fails (exit 1, a connection error).
NOSERVER=(env PGHOST="$TMP/no-such-socket-dir" PGPORT=1)

# run NAME CMD...: output of CMD in $TMP/NAME.out / .err, exit status in RC.
run() {
  local name=$1; shift
  RC=0
  "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" || RC=$?
}
expect() {  # name rc
  [ "$RC" -eq "$2" ] || { cat "$TMP/$1.out" "$TMP/$1.err"; fail "$1: exit status $RC, expected $2"; }
}
has() {  # name file-suffix text
  grep -q -F -- "$3" "$TMP/$1.$2" || { cat "$TMP/$1.out" "$TMP/$1.err"; fail "$1: '$3' not in its std$2"; }
}
lacks() {  # name file-suffix text
  if grep -q -F -- "$3" "$TMP/$1.$2"; then cat "$TMP/$1.$2"; fail "$1: '$3' in its std$2"; fi
}

echo "== usage errors exit 2 with the command's usage on stderr"
run bogus "${NOSERVER[@]}" learnerscore load tests/data/1t_small --bogus
expect bogus 2; has bogus err "--bogus"; has bogus err "usage: learnerscore load"; has bogus err "--max-reject-ratio"
lacks bogus err "needs a value"
run bogus_eq "${NOSERVER[@]}" learnerscore load tests/data/1t_small --bogus=1
expect bogus_eq 2; has bogus_eq err "unknown option --bogus"
run schema "${NOSERVER[@]}" learnerscore load tests/data/1t_small --schema
expect schema 2; has schema err "--schema needs a value"; has schema err "usage: learnerscore load"
run nodir "${NOSERVER[@]}" learnerscore load --schema x
expect nodir 2; has nodir err "expected one folder"; has nodir err "usage: learnerscore load"
run twodirs "${NOSERVER[@]}" learnerscore load a b
expect twodirs 2; has twodirs err "expected one folder"
run gen_bogus learnerscore generate --scenario 1t --out "$TMP/g" --bogus 3
expect gen_bogus 2; has gen_bogus err "--bogus"; has gen_bogus err "usage: learnerscore generate"
[ ! -e "$TMP/g" ] || fail "generate wrote files despite a usage error"
run gen_other learnerscore generate --scenario 1t --out "$TMP/g" --employees 5
expect gen_other 2; has gen_other err "--employees"
run gen_noout learnerscore generate --scenario 1t
expect gen_noout 2; has gen_noout err "--out DIR is required"
run demo_bogus "${NOSERVER[@]}" learnerscore demo --bogus
expect demo_bogus 2; has demo_bogus err "usage: learnerscore demo"
run top_bogus learnerscore no-such-command
expect top_bogus 2; has top_bogus err "unknown command"
echo "ok"

echo "== -q is --quiet, not the folder"
# Alone it leaves no folder (a usage error, before any connection) ...
run q_alone "${NOSERVER[@]}" learnerscore load -q
expect q_alone 2; has q_alone err "expected one folder"
# ... and with a folder it is not a second one: the load goes on to connect (and fails there).
run q_dir "${NOSERVER[@]}" learnerscore load -q tests/data/1t_small --schema "$S"
expect q_dir 1; lacks q_dir err "expected one folder"; lacks q_dir err "usage:"
if psql -qAtX -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
  run q_load learnerscore load -q tests/data/1t_small --schema "$S"
  expect q_load 0
  [ ! -s "$TMP/q_load.out" ] || { cat "$TMP/q_load.out"; fail "load -q printed on stdout"; }
  n=$(psql -qAtX -d "$DB" -c "SELECT count(*) FROM $S.load_log")
  [ "$n" -gt 0 ] || fail "load -q loaded nothing"
  echo "ok (and load -q loaded $n files silently)"
else
  echo "ok (no server at PGHOST: the quiet load itself skipped)"
fi

echo "== -h / --help: every option, exit 0, no connection"
for h in -h --help; do
  run "load$h" "${NOSERVER[@]}" learnerscore load "$h"
  expect "load$h" 0
  for o in --schema --dsn --force --no-refresh --max-reject-ratio --allow-empty --allow-extra-columns --quiet --no-progress --help; do
    has "load$h" out "$o"
  done
  lacks "load$h" err "connect"
  [ ! -s "$TMP/load$h.err" ] || { cat "$TMP/load$h.err"; fail "load $h wrote to stderr"; }
  # help wins over the rest of the line, even a folder and options that would load
  run "loaddir$h" "${NOSERVER[@]}" learnerscore load tests/data/1t_small --schema x "$h"
  expect "loaddir$h" 0; has "loaddir$h" out "usage: learnerscore load"

  run "gen$h" learnerscore generate "$h"
  expect "gen$h" 0
  for o in --scenario --out --seed --quiet "scenario 1t" --learners --malformed-rate --duplicate-rate \
           "scenario courses" --employees --courses --invite-rate; do
    has "gen$h" out "$o"
  done

  run "demo$h" "${NOSERVER[@]}" learnerscore demo "$h"
  expect "demo$h" 0
  for o in --dsn --learners --seed --schema --workdir --keep-data --employees --courses; do has "demo$h" out "$o"; done

  run "top$h" learnerscore "$h"
  expect "top$h" 0
  for o in load generate demo --max-reject-ratio --learners --invite-rate --keep-data; do has "top$h" out "$o"; done
done
echo "ok"
echo "cli_usage: all checks passed"
