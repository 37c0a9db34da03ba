#!/usr/bin/env bash
# The BI views through the drivers BI tools use: a generated cohort and course data set, a stored
# score snapshot, a read-only LOGIN role (grant_access reader), then every BI view read through
# psqlODBC (unixODBC's isql: SQLColumns via "help", and SELECT) and psycopg2 (tests/e2e/bi_drivers.py).
# Checks: no array column; no unbounded text in the sized views (learner_scores_latest,
# learner_score_history, status_daily, course_effects_v, data_dictionary) and, in the others, text
# only for the free-text names in FREE_TEXT (titles, departments, themes, tasks: as loaded, no
# length to promise; every categorical column is varchar(n)); every column in the
# schema's data_dictionary with a description; Russian text intact; the reader cannot write.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster, `learnerscore` on PATH, odbc-postgresql,
# unixodbc, python3-psycopg2 (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/e2e/lib/scratch_db.sh
scratch_dir bi-drivers
DB=ls_bi_drivers
READER=ls_bi_reader
fresh_database $DB
command -v isql >/dev/null || { echo "FAIL: isql (unixodbc) is not installed"; exit 1; }
q() { $PSQL -A -t -c "$1"; }

echo "== a 400-learner cohort, 400 employees, two weeks of models, a score snapshot"
learnerscore generate --scenario 1t --learners 400 --seed 9 --out "$WORK/1t" >/dev/null
learnerscore generate --scenario courses --employees 400 --courses 3 --seed 9 --out "$WORK/courses" --quiet >/dev/null
$PSQL -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore CASCADE"
learnerscore load "$WORK/1t" --schema onet --dsn "dbname=$DB" --quiet
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_learner_daily('onet')"
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.train_learner_models('onet', 2)"
$PSQL -c "SELECT learnerscore.store_learner_scores('onet')" >/dev/null
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.create_course_effects_schema('tk')"
learnerscore load "$WORK/courses" --schema tk --dsn "dbname=$DB" --quiet
$PSQL -c "SET client_min_messages = warning; CALL learnerscore.refresh_course_effects('tk')"
$PSQL -c "SET client_min_messages = warning; DROP OWNED BY $READER" 2>/dev/null || true
$PSQL -c "SET client_min_messages = warning; DROP ROLE IF EXISTS $READER; CREATE ROLE $READER LOGIN"
$PSQL -c "CALL learnerscore.grant_access('$READER', 'reader', 'onet')" -c "CALL learnerscore.grant_access('$READER', 'reader', 'tk')"
cleanup_role() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $READER" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup_role EXIT

STRICT="learner_scores_latest learner_score_history status_daily data_dictionary"
LEGACY="learner_status critical_points learner_model_metrics learner_model_metrics_latest"
TK_STRICT="course_effects_v data_dictionary"
TK_LEGACY="course_verdicts"
RUSSIAN=$(q "SELECT task FROM onet.critical_points WHERE task ~ '[А-Яа-я]' ORDER BY learners_asleep DESC, task LIMIT 1")
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

echo "== psqlODBC (isql, PostgreSQL Unicode driver, TextAsLongVarchar=0, BoolsAsChar=0)"
dsn_for() {  # $1 = schema
  cat >"$WORK/odbc.ini" <<INI
[lsbi]
Driver = PostgreSQL Unicode
Servername = $PGHOST
Port = $PGPORT
Database = $DB
Username = $READER
TextAsLongVarchar = 0
BoolsAsChar = 0
UnknownsAsLongVarchar = 0
ConnSettings = SET search_path=$1
INI
}
odbc() { ODBCINI="$WORK/odbc.ini" LANG=C.UTF-8 isql lsbi -b -d'|' -c "$@"; }
# Free text (names as loaded, no length to promise): the only text columns a BI view may have.
FREE_TEXT="title department theme task model_name deploy_decision"
check_odbc() {  # schema view strict(0/1)
  local s=$1 v=$2 strict=$3 cols dict
  cols=$(echo "help $v" | odbc | awk -F'|' -v s="$s" -v v="$v" 'NR > 1 && $2 == s && $3 == v { print $4 "|" $6 "|" $7 }')
  if [ -z "$cols" ]; then bad "odbc $s.$v: SQLColumns lists no column"; return; fi
  local n; n=$(printf '%s\n' "$cols" | wc -l)
  local arrays; arrays=$(printf '%s\n' "$cols" | awk -F'|' '$2 ~ /^_/ || $2 ~ /\[\]/ { print $1 }' | tr '\n' ' ')
  [ -z "$arrays" ] && ok "odbc $s.$v: $n columns, no array" || bad "odbc $s.$v: array columns: $arrays"
  local text; text=$(printf '%s\n' "$cols" | awk -F'|' '$2 == "text" { print $1 }' | tr '\n' ' ')
  if [ "$strict" = 1 ]; then
    [ -z "$text" ] && ok "odbc $s.$v: categorical text sized (varchar(n)): $(printf '%s\n' "$cols" | awk -F'|' '$2 == "varchar" { printf "%s(%s) ", $1, $3 }')" \
                   || bad "odbc $s.$v: unbounded text columns: $text"
  else
    local categorical; categorical=$(for c in $text; do [[ " $FREE_TEXT " == *" $c "* ]] || printf '%s ' "$c"; done)
    [ -z "$categorical" ] && ok "odbc $s.$v: categorical text sized; free text only in: ${text:-none}" \
                          || bad "odbc $s.$v: unbounded categorical text columns: $categorical"
  fi
  dict=$(echo "SELECT column_name FROM data_dictionary WHERE relation_name = '$v' AND coalesce(description, '') <> ''" | odbc | tail -n +2 | sort)
  local missing; missing=$(comm -23 <(printf '%s\n' "$cols" | cut -d'|' -f1 | sort) <(printf '%s\n' "$dict") | tr '\n' ' ')
  [ -z "$missing" ] && ok "odbc $s.$v: every column described in data_dictionary" || bad "odbc $s.$v: not in data_dictionary: $missing"
  local rows; rows=$(echo "SELECT count(*) FROM $v" | odbc | tail -n +2)
  [[ "$rows" =~ ^[0-9]+$ ]] && ok "odbc $s.$v: SELECT count(*) = $rows" || bad "odbc $s.$v: cannot SELECT ($rows)"
}
dsn_for onet
for v in $STRICT; do check_odbc onet "$v" 1; done
for v in $LEGACY; do check_odbc onet "$v" 0; done
got=$(echo "SELECT task FROM critical_points WHERE task = '$RUSSIAN' LIMIT 1" | odbc | tail -n +2)
[ "$got" = "$RUSSIAN" ] && ok "odbc: Russian text intact ('$got')" || bad "odbc: Russian text changed: '$got' (expected '$RUSSIAN')"
got=$(echo "SELECT reason_1 FROM learner_scores_latest WHERE reason_1 IS NOT NULL LIMIT 1" | odbc | tail -n +2)
[ -n "$got" ] && [[ "$got" != "{"* ]] && ok "odbc: reason_1 is plain text ('${got:0:60}…')" || bad "odbc: reason_1 '$got'"
got=$(echo "DELETE FROM learner_score_history" | odbc -v 2>&1 || true)
[[ "$got" == *"permission denied"* ]] && ok "odbc: the reader cannot write (DELETE: permission denied)" || bad "odbc: the reader could write: $got"
[ "$(q "SELECT count(*) > 0 FROM onet.learner_score_history")" = t ] || bad "odbc: the snapshot was deleted"
dsn_for tk
for v in $TK_STRICT; do check_odbc tk "$v" 1; done
for v in $TK_LEGACY; do check_odbc tk "$v" 0; done
types=$(echo "help course_effects" | odbc | awk -F'|' 'NR > 1 { print $2 }' | sort -u)
echo "note odbc: course_effects (materialized) listed under schema: $types"

echo "== psycopg2"
specs=()
for v in $STRICT; do specs+=("onet:$v:strict"); done
for v in $LEGACY; do specs+=("onet:$v"); done
for v in $TK_STRICT; do specs+=("tk:$v:strict"); done
for v in $TK_LEGACY; do specs+=("tk:$v"); done
LS_FREE_TEXT="$FREE_TEXT" /usr/bin/python3 tests/e2e/bi_drivers.py "host=$PGHOST port=$PGPORT dbname=$DB user=$READER" "$RUSSIAN" "${specs[@]}" || fail=1

if [ $fail -ne 0 ]; then echo "bi_drivers: FAILED"; exit 1; fi
echo "bi_drivers: all checks passed"
