#!/usr/bin/env bash
# End-to-end test: `learnerscore load` fails a bad file safely (docs/loading.md, "When a file fails").
# In a database of its own, owned by a non-superuser role that has planted trap functions and an
# operator in public (CVE-2018-1058 style), a superuser loads a generated cohort, then folders holding
# one doctored users_logs.csv each:
#   1. an extra header column                -> exit 1, message names it; table, rejects, load_log unchanged;
#      the other file of the folder still loads; with data in that column --allow-extra-columns loads it;
#   2. users_logs.csv in windows-1251 / koi8-r -> exit 1, message names the encoding and iconv; unchanged;
#   3. a header-only file                     -> exit 1, unchanged; --allow-empty empties the table;
#   4. three bad lines (well under 10 %)      -> exit 0, exactly those lines in load_rejects;
#   5. every fifth line bad (20 %)            -> exit 1 by default, unchanged; --max-reject-ratio 0.25 loads it;
#      --max-reject-ratio 0 fails the three-bad-lines file; an out-of-range ratio is a usage error (exit 2);
#   6. the file with CRLF line ends (every line ends in a quoted field) -> load_rejects has the right
#      line numbers and no blank lines are counted;
#   7. none of the planted public functions ever ran (a positive control shows they do run for a
#      session whose search_path has public).
# Needs PGHOST/PGPORT/PGUSER (a superuser) of a throw-away cluster and `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-failsafe-XXXXXX)
DB=ls_failsafe_$$
OWNER=ls_failsafe_owner_$$
S=onet_fs
ADMIN_DB=${PGDATABASE:-postgres}
cleanup() {
  psql -qX -d "$ADMIN_DB" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  psql -qX -d "$ADMIN_DB" -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1 || true
  if [ "${LS_E2E_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }

# Runs `learnerscore load DIR --schema $S ...` as the superuser; output (stdout and stderr) in
# $TMP/$name.out, exit status in RC.
run_load() {
  local name=$1 dir=$2; shift 2
  RC=0
  learnerscore load "$dir" --schema "$S" --dsn "dbname=$DB" --no-progress "$@" > "$TMP/$name.out" 2>&1 || RC=$?
}
expect_rc() {  # name want
  [ "$RC" -eq "$2" ] || { cat "$TMP/$1.out"; fail "$1: exit status $RC, expected $2"; }
}
expect_out() {  # name pattern (grep -E)
  grep -qE -- "$2" "$TMP/$1.out" || { cat "$TMP/$1.out"; fail "$1: output lacks /$2/"; }
}
# Everything a load of users_logs.csv can change: the table's rows (count and checksum), the
# file's rejects and its load_log entry.
state() {
  q "SELECT count(*) || ' rows ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '-') FROM $S.users_logs t"
  q "SELECT count(*) || ' rejects ' || coalesce(md5(string_agg(line_number || reason || raw_line, E'\n' ORDER BY line_number)), '-')
       FROM $S.load_rejects WHERE file = 'users_logs.csv'"
  q "SELECT coalesce(string_agg(sha256 || ' ' || loaded || ' ' || rejected || ' ' || blank_lines, ','), 'none') FROM $S.load_log WHERE file = 'users_logs.csv'"
}
expect_unchanged() {  # name before
  local now; now=$(state)
  [ "$now" = "$2" ] || { echo "before: $2"; echo "after:  $now"; fail "$1: users_logs (rows, rejects or load_log) changed"; }
}
# A folder for one case.
folder() { mkdir -p "$TMP/$1"; echo "$TMP/$1"; }
# Replaces the created_a field of the given physical lines with a value that is no timestamp.
spoil() {  # lines-awk-condition in out
  awk -v OFS=, "$1 { sub(/,[^,]*,/, \",not-a-date,\") } { print }" "$2" > "$3"
}

echo "== setup: database $DB owned by $OWNER (not a superuser), traps planted in its public schema"
psql -qX -v ON_ERROR_STOP=1 -d "$ADMIN_DB" -c "CREATE ROLE $OWNER LOGIN" -c "CREATE DATABASE $DB OWNER $OWNER" >/dev/null
[ "$(q "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = t ] || fail "the loads must run as a superuser ($(q 'SELECT current_user'))"
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SET ROLE $OWNER;
-- Each trap counts itself in a sequence (not rolled back with the load's transaction), logs and
-- warns, then does what the real function does so that nothing else gives it away.
CREATE SEQUENCE public.trap_seq;
CREATE TABLE public.trap_log (trap text, by_role text);
GRANT USAGE ON SEQUENCE public.trap_seq TO PUBLIC;
GRANT INSERT ON public.trap_log TO PUBLIC;
CREATE FUNCTION public.ls_trap(what text) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog AS \$\$
BEGIN
  PERFORM nextval('public.trap_seq');
  INSERT INTO public.trap_log VALUES (what, current_user);
  RAISE WARNING 'learnerscore-trap: % ran as %', what, current_user;
END \$\$;
-- More exact argument types than pg_catalog's, so these win over pg_catalog's for a session whose
-- search_path has public, even though pg_catalog is searched first.
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('format(text,text)'); RETURN pg_catalog.format(\$1, \$2); END \$\$;
CREATE FUNCTION public.format(text, text, text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('format(text,text,text)'); RETURN pg_catalog.format(\$1, \$2, \$3); END \$\$;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('quote_ident(name)'); RETURN pg_catalog.quote_ident(\$1::text); END \$\$;
CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('lower(varchar)'); RETURN pg_catalog.lower(\$1::text); END \$\$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('lower(text)'); RETURN pg_catalog.lower(\$1); END \$\$;
CREATE FUNCTION public.trap_cat(name, text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  \$\$ BEGIN PERFORM public.ls_trap('||(name,text)'); RETURN pg_catalog.textcat(\$1::text, \$2); END \$\$;
CREATE OPERATOR public.|| (LEFTARG = name, RIGHTARG = text, FUNCTION = public.trap_cat);
SQL
# Positive control: the traps are live for a session whose search_path has public (the default).
psql -qAtX -v ON_ERROR_STOP=1 -d "$DB" -c "SELECT format('%s', 'a'::text), format('%s%s', 'a'::text, 'b'::text),
    quote_ident(nspname), lower(nspname::varchar), nspname || 'x'::text FROM pg_namespace WHERE nspname = 'public'" > "$TMP/control.out" 2>&1
fired=$(q "SELECT string_agg(DISTINCT trap, ', ' ORDER BY trap) FROM public.trap_log")
[ "$fired" = "format(text,text), format(text,text,text), lower(varchar), quote_ident(name), ||(name,text)" ] ||
  { cat "$TMP/control.out"; fail "positive control: the traps did not all fire for a default search_path (fired: $fired)"; }
grep -q "learnerscore-trap" "$TMP/control.out" || fail "positive control: no trap warning printed"
q "TRUNCATE public.trap_log; ALTER SEQUENCE public.trap_seq RESTART" >/dev/null
[ "$(q "SELECT is_called FROM public.trap_seq")" = f ] || fail "trap sequence not reset"
echo "ok: traps live in public for a default search_path (positive control), then reset"

echo "== baseline: a generated cohort (300 learners, seed 11, no planted malformed lines)"
learnerscore generate --scenario 1t --learners 300 --seed 11 --malformed-rate 0 --out "$TMP/base" --quiet
BASE=$TMP/base/users_logs.csv
head -1 "$BASE" | grep -q '^user_id,created_a,event,comment$' || fail "unexpected users_logs.csv header: $(head -1 "$BASE")"
run_load base "$TMP/base"
expect_rc base 0
[ "$(q "SELECT count(*) FROM $S.load_rejects")" -eq 0 ] || fail "baseline has rejects"
N=$(( $(wc -l < "$BASE") - 1 ))
[ "$(q "SELECT count(*) FROM $S.users_logs")" -eq "$N" ] || fail "baseline: users_logs does not hold the file's $N lines"
grep -q 'хештег' "$BASE" || fail "users_logs.csv has no Cyrillic text to mis-encode"
echo "ok: baseline loaded ($N users_logs lines)"

echo "== 1. an extra header column"
before=$(state)
d=$(folder extra)
sed '1s/$/,extra/' "$BASE" > "$d/users_logs.csv"
tz_before=$(q "SELECT count(*) FROM $S.users_age_timezone")
sed '$d' "$TMP/base/users_age_timezone.csv" > "$d/users_age_timezone.csv"   # a changed good file beside it
run_load extra "$d"
expect_rc extra 1
expect_out extra 'users_logs.csv +FAILED: header has an unexpected column "extra" \(column 5\)'
expect_out extra 'users_logs is unchanged'
expect_unchanged extra "$before"
[ "$(q "SELECT count(*) FROM $S.users_age_timezone")" -eq $((tz_before - 1)) ] || fail "extra: the good file beside the failed one was not loaded"
echo "ok: extra header column -> exit 1, message names it, users_logs unchanged; the other file loaded"
awk 'NR == 1 { print $0 ",extra"; next } { print $0 ",x" }' "$BASE" > "$d/users_logs.csv"
rm "$d/users_age_timezone.csv"
run_load extra_data "$d"
expect_rc extra_data 1
expect_unchanged extra_data "$before"
run_load extra_allowed "$d" --allow-extra-columns --no-refresh
expect_rc extra_allowed 0
[ "$(q "SELECT count(*) FROM $S.users_logs")" -eq "$N" ] || fail "--allow-extra-columns did not load the $N lines"
[ "$(q "SELECT md5(string_agg(t::text, E'\n' ORDER BY t::text)) FROM $S.users_logs t")" = "$(echo "$before" | head -1 | cut -d' ' -f3)" ] ||
  fail "--allow-extra-columns: the rows differ from the file without the column"
run_load restore1 "$TMP/base" --no-refresh
expect_rc restore1 0
expect_unchanged restore1 "$before"
echo "ok: with data in it, the column fails the file too; --allow-extra-columns loads the same rows"

echo "== 2. users_logs.csv in windows-1251 and in koi8-r"
for enc in WINDOWS-1251 KOI8-R; do
  d=$(folder "enc-$enc")
  iconv -f UTF-8 -t "$enc" "$BASE" > "$d/users_logs.csv"
  name=$(echo "$enc" | tr 'A-Z' 'a-z')
  run_load "enc-$enc" "$d"
  expect_rc "enc-$enc" 1
  expect_out "enc-$enc" "users_logs.csv +FAILED: not UTF-8 text: [0-9]+ of $((N + 1)) lines hold bytes that are not UTF-8 \(the first is line [0-9]+\); it looks like $name \(Cyrillic\)"
  expect_out "enc-$enc" "iconv -f $enc -t UTF-8 users_logs.csv > users_logs.csv.utf8 && mv users_logs.csv.utf8 users_logs.csv"
  expect_unchanged "enc-$enc" "$before"
  # The advice works: the converted file is the original.
  (cd "$d" && iconv -f "$enc" -t UTF-8 users_logs.csv > users_logs.csv.utf8 && mv users_logs.csv.utf8 users_logs.csv)
  cmp -s "$d/users_logs.csv" "$BASE" || fail "$enc: the suggested iconv command does not give back the UTF-8 file"
  echo "ok: $name file -> exit 1, message names $name and the iconv command (which converts it back), users_logs unchanged"
done

echo "== 3. a header-only file"
d=$(folder header_only)
head -1 "$BASE" > "$d/users_logs.csv"
run_load header_only "$d"
expect_rc header_only 1
expect_out header_only 'users_logs.csv +FAILED: no data lines \(header only\): loading it would empty onet_fs.users_logs, which has rows \(--allow-empty'
expect_unchanged header_only "$before"
run_load header_only_allowed "$d" --allow-empty --no-refresh
expect_rc header_only_allowed 0
[ "$(q "SELECT count(*) FROM $S.users_logs")" -eq 0 ] || fail "--allow-empty did not empty users_logs"
run_load restore3 "$TMP/base" --no-refresh
expect_rc restore3 0
expect_unchanged restore3 "$before"
echo "ok: header-only file -> exit 1, users_logs unchanged; with --allow-empty it empties the table"

echo "== 4. three bad lines (well under 10 %)"
d=$(folder few_bad)
L3=$((N - 5))
spoil "NR == 10 || NR == 200 || NR == $L3" "$BASE" "$d/users_logs.csv"
run_load few_bad "$d" --no-refresh
expect_rc few_bad 0
[ "$(q "SELECT string_agg(line_number::text, ',' ORDER BY line_number) FROM $S.load_rejects WHERE file = 'users_logs.csv'")" = "10,200,$L3" ] ||
  fail "few_bad: load_rejects lines are $(q "SELECT string_agg(line_number::text, ',' ORDER BY line_number) FROM $S.load_rejects")"
[ "$(q "SELECT count(*) FROM $S.users_logs")" -eq $((N - 3)) ] || fail "few_bad: users_logs should have $((N - 3)) rows"
few_state=$(state)
echo "ok: 3 bad lines of $N -> exit 0, exactly lines 10, 200, $L3 in load_rejects, $((N - 3)) rows"

echo "== 5. every fifth line bad (20 %): the threshold decides"
d=$(folder fifth_bad)
spoil 'NR > 1 && NR % 5 == 0' "$BASE" "$d/users_logs.csv"
bad=$(awk 'NR > 1 && NR % 5 == 0' "$BASE" | wc -l)
run_load fifth_default "$d" --no-refresh
expect_rc fifth_default 1
expect_out fifth_default 'users_logs.csv +FAILED: (stopped at line [0-9]+: )?[0-9,]+ of (the first )?[0-9,]+ data lines rejected.*more than 10.0 %'
expect_out fifth_default 'created_at: .*not-a-date'
expect_unchanged fifth_default "$few_state"
run_load fifth_quarter "$d" --max-reject-ratio 0.25 --no-refresh
expect_rc fifth_quarter 0
[ "$(q "SELECT count(*) FROM $S.load_rejects WHERE file = 'users_logs.csv'")" -eq "$bad" ] || fail "fifth_quarter: expected $bad rejects"
[ "$(q "SELECT count(*) FROM $S.users_logs")" -eq $((N - bad)) ] || fail "fifth_quarter: expected $((N - bad)) rows"
quarter_state=$(state)
run_load few_zero "$(folder few_bad)" --max-reject-ratio 0 --no-refresh
expect_rc few_zero 1
expect_out few_zero 'more than 0.0 %'
expect_unchanged few_zero "$quarter_state"
run_load bad_ratio "$d" --max-reject-ratio 1.5
expect_rc bad_ratio 2
expect_out bad_ratio 'max-reject-ratio must be between 0 and 1'
expect_unchanged bad_ratio "$quarter_state"
echo "ok: 20 % bad -> exit 1 and unchanged by default; loads with --max-reject-ratio 0.25 ($bad rejects);"
echo "    --max-reject-ratio 0 fails 3 bad lines; --max-reject-ratio 1.5 is a usage error (exit 2)"

echo "== 6. CRLF line ends after a quoted last field"
d=$(folder crlf)
L2=$((N - 2))
spoil "NR == 7 || NR == $L2" "$BASE" "$d/lf.csv"
sed 's/$/\r/' "$d/lf.csv" > "$d/users_logs.csv" && rm "$d/lf.csv"
[ "$(grep -c $'"\r$' "$d/users_logs.csv")" -gt 100 ] || fail "crlf: too few lines end in a quoted field"
run_load crlf "$d" --no-refresh
expect_rc crlf 0
[ "$(q "SELECT string_agg(line_number::text, ',' ORDER BY line_number) FROM $S.load_rejects WHERE file = 'users_logs.csv'")" = "7,$L2" ] ||
  fail "crlf: load_rejects lines are $(q "SELECT string_agg(line_number::text, ',' ORDER BY line_number) FROM $S.load_rejects WHERE file = 'users_logs.csv'"), expected 7,$L2"
[ "$(q "SELECT blank_lines || ' ' || lines_read FROM $S.load_log WHERE file = 'users_logs.csv'")" = "0 $N" ] ||
  fail "crlf: load_log has blank_lines, lines_read = $(q "SELECT blank_lines || ' ' || lines_read FROM $S.load_log WHERE file = 'users_logs.csv'"), expected 0 $N"
[ "$(q "SELECT count(*) FROM $S.users_logs WHERE comment LIKE E'%\r'")" -eq 0 ] || fail "crlf: a comment kept the CR"
echo "ok: CRLF file -> rejects on lines 7 and $L2 (of $((N + 1))), no phantom blank lines, no stray CR in values"

echo "== 7. the planted functions never ran"
run_load final "$TMP/base"   # reloads users_logs and refreshes the view caches
expect_rc final 0
if grep -l "learnerscore-trap" "$TMP"/*.out | grep -v control.out; then fail "a trap warned during a load (see the files above)"; fi
[ "$(q "SELECT is_called FROM public.trap_seq")" = f ] || fail "a planted public function ran: $(q "SELECT string_agg(trap, ', ') FROM public.trap_log")"
[ "$(q "SELECT count(*) FROM public.trap_log")" -eq 0 ] || fail "trap_log: $(q "SELECT string_agg(trap, ', ') FROM public.trap_log")"
echo "ok: after $(ls "$TMP"/*.out | grep -vc control.out) loads as a superuser (with schema creation and cache refreshes), no trap ran"
echo "PASS load_fails_safely"
