#!/usr/bin/env bash
# End-to-end test of `learnerscore load` (docs/loading.md):
#  1. the hand-written 1t_small fixture loads with zero rejects, every line in its table;
#  2. the 1t_malformed fixture: the rejects are exactly its planted bad lines (_truth/malformed.csv);
#  3. a generated cohort (learnerscore generate --scenario 1t --learners 2000 --seed 7): per file
#     loaded + rejected = data lines, rejects = the generator's planted malformed lines;
#  4. loading again changes nothing; a changed file replaces its table only; --force reloads;
#  5. the load refreshes the view caches: fresh, and the same multiset of rows as the live queries;
#     --no-refresh leaves it stale (the view then reads the live query) until the next load.
#  6. bad invocations fail cleanly.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster and `learnerscore` on PATH.
# The 1t_malformed fixture is mostly planted bad lines, and part 4 cuts a file to five lines one of
# which is bad: those loads allow any share of rejects (--max-reject-ratio 1), since a file with more
# than 10 % rejected lines otherwise fails as a whole (tested in tests/e2e/load_fails_safely.sh).
LOOSE=(--max-reject-ratio 1)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
GEN=${LEARNERSCORE_GEN:-learnerscore}   # the generator binary (same CLI once merged)
TMP=$(mktemp -d /tmp/ls-e2e-load-XXXXXX)
DB=${PGDATABASE:-postgres}
S1=e2e_load_small_$$; S2=e2e_load_bad_$$; S3=e2e_load_gen_$$
cleanup() {
  psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S1 CASCADE; DROP SCHEMA IF EXISTS $S2 CASCADE; DROP SCHEMA IF EXISTS $S3 CASCADE" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -d "$DB" -c "$1"; }

# Data lines of a file whose records are one physical line each (header excluded).
data_lines() { echo $(( $(wc -l < "$1") - 1 )); }

# Compares the rejects of schema $1 with a truth file ($2: file,line,...), by (file, line).
check_rejects() {
  local schema=$1 truth=$2
  q "SELECT file || ',' || line_number FROM $schema.load_rejects ORDER BY 1" > "$TMP/rejects.txt"
  tail -n +2 "$truth" | cut -d, -f1,2 | sort > "$TMP/truth.txt"
  sort "$TMP/rejects.txt" -o "$TMP/rejects.txt"
  if ! diff "$TMP/truth.txt" "$TMP/rejects.txt" > "$TMP/diff.txt"; then
    head -20 "$TMP/diff.txt"; fail "$schema: rejects differ from the planted malformed lines ($truth)"
  fi
  echo "ok: $schema: rejects are exactly the $(wc -l < "$TMP/truth.txt") planted malformed lines"
}

# Table row counts + rejects fingerprint of a schema, to compare loads.
snapshot() {
  local schema=$1
  q "SELECT string_agg(table_name || '=' || n, ' ' ORDER BY table_name) FROM (
       SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', '$schema', table_name), false, true, '')))[1]::text AS n
       FROM information_schema.tables WHERE table_schema = '$schema' AND table_type = 'BASE TABLE' AND table_name <> 'load_log') t"
  q "SELECT md5(string_agg(file || line_number || reason || raw_line, '|' ORDER BY file, line_number)) FROM $schema.load_rejects"
}

# Checks loaded + rejected = data lines for every file of the folder, from load_log.
check_counts() {
  local schema=$1 dir=$2
  while IFS='|' read -r file read loaded rejected blank table; do
    [ -f "$dir/$file" ] || fail "load_log names $file, not in $dir"
    lines=$(data_lines "$dir/$file")
    [ "$read" -eq $((lines - blank)) ] || fail "$file: read $read, but the file has $lines data lines ($blank blank)"
    [ $((loaded + rejected)) -eq "$read" ] || fail "$file: loaded $loaded + rejected $rejected != read $read"
    n=$(q "SELECT count(*) FROM $schema.\"$table\"")
    [ "$n" -eq "$loaded" ] || fail "$file: table $table has $n rows, load_log says $loaded"
    r=$(q "SELECT count(*) FROM $schema.load_rejects WHERE file = '$file'")
    [ "$r" -eq "$rejected" ] || fail "$file: load_rejects has $r lines, load_log says $rejected"
  done < <(q "SELECT file, lines_read, loaded, rejected, blank_lines, table_name FROM $schema.load_log ORDER BY file" | tr '\t' '|')
  echo "ok: $schema: for every file loaded + rejected = data lines, table rows = loaded"
}

echo "== 1. clean fixture tests/data/1t_small"
learnerscore load tests/data/1t_small --schema "$S1" --no-progress > "$TMP/out1.txt" || { cat "$TMP/out1.txt"; fail "load 1t_small"; }
cat "$TMP/out1.txt"
[ "$(q "SELECT count(*) FROM $S1.load_log")" -eq 9 ] || fail "expected nine files in load_log"
[ "$(q "SELECT count(*) FROM $S1.load_rejects")" -eq 0 ] || fail "the clean fixture has rejects"
check_counts "$S1" tests/data/1t_small
# normalized values (seed formats → clean types)
[ "$(q "SELECT tg_bot || ',' || coalesce(m2_progress::text, 'NULL') || ',' || coalesce(m2_attestation::text, 'NULL') || ',' || flow_num FROM $S1.users WHERE user_id = 7722")" = "2,NULL,NULL,1" ] || fail "users row 7722"
[ "$(q "SELECT tg_bot FROM $S1.users WHERE user_id = 982")" = "0" ] || fail "tgBot — must be 0"
[ "$(q "SELECT datetime FROM $S1.webinars_logs WHERE user_id = 982 ORDER BY datetime LIMIT 1")" = "2023-12-23 12:10:00" ] || fail "webinar DD.MM.YYYY date"
[ "$(q "SELECT count(*) FROM $S1.exercise_results WHERE result IS NULL")" = "1" ] || fail "Пропуск must be NULL"
[ "$(q "SELECT time_zone FROM $S1.users_age_timezone WHERE user_id = 7722")" = "+05:30" ] || fail "time zone"
[ "$(q "SELECT comment FROM $S1.users_logs WHERE user_id = 2566")" = 'Установлен хештег "#онлайн"' ] || fail "quoted comment"
[ "$(q "SELECT course FROM $S1.activities_guide WHERE activity_id = 8721")" = "Нейро.PY" ] || fail "activities_guide with BOM and Russian headers"
echo "ok: values normalized (tgBot —→0, Нет данных/Не сдана→NULL, Пропуск→NULL, 23.12.2023 12:10, +05:30, BOM, quotes)"

echo "== 2. malformed fixture tests/data/1t_malformed"
learnerscore load tests/data/1t_malformed --schema "$S2" --no-progress "${LOOSE[@]}" > "$TMP/out2.txt" || { cat "$TMP/out2.txt"; fail "load 1t_malformed"; }
cat "$TMP/out2.txt"
check_rejects "$S2" tests/data/1t_malformed/_truth/malformed.csv
[ "$(q "SELECT blank_lines FROM $S2.load_log WHERE file = 'users_logs.csv'")" = "1" ] || fail "blank line not counted"
[ "$(q "SELECT count(*) FROM $S2.users_logs WHERE comment LIKE E'%,\nстали: #онлайн'")" = "1" ] || fail "quoted multi-line comment lost"
[ "$(q "SELECT count(*) FROM $S2.users_logs WHERE user_id = 66421")" = "1" ] || fail "an unbalanced quote swallowed the next line"
[ "$(q "SELECT count(*) FROM $S2.webinars_logs")" = "4" ] || fail "exact duplicate event lines are data"
[ "$(q "SELECT age FROM $S2.users_age_timezone WHERE user_id = 982")" = "16" ] || fail "the first line of a duplicate key must win"
echo "ok: multi-line quoted field kept, unbalanced quote isolated, blank line counted, duplicates handled"

echo "== 3. generated cohort (2,000 learners, seed 7)"
if "$GEN" generate --scenario 1t --learners 2000 --seed 7 --out "$TMP/gen" --quiet > "$TMP/gen.txt" 2>&1; then
  T=$TMP/gen/_truth/malformed.csv
  [ -f "$T" ] || fail "the generator wrote no _truth/malformed.csv"
  learnerscore load "$TMP/gen" --schema "$S3" --no-progress > "$TMP/out3.txt" || { cat "$TMP/out3.txt"; fail "load generated cohort"; }
  cat "$TMP/out3.txt"
  check_counts "$S3" "$TMP/gen"
  check_rejects "$S3" "$T"
  if [ -f "$TMP/gen/_truth/summary.csv" ]; then   # the generator's own line counts agree
    while IFS='|' read -r file read loaded; do
      want=$(grep "^$file.data_lines," "$TMP/gen/_truth/summary.csv" | cut -d, -f2 || true)
      good=$(grep "^$file.good_lines," "$TMP/gen/_truth/summary.csv" | cut -d, -f2 || true)
      [ -z "$want" ] || [ "$want" -eq "$read" ] || fail "$file: read $read, generator wrote $want data lines"
      [ -z "$good" ] || [ "$good" -eq "$loaded" ] || fail "$file: loaded $loaded, generator wrote $good good lines"
    done < <(q "SELECT file, lines_read, loaded FROM $S3.load_log" | tr '\t' '|')
    echo "ok: read/loaded agree with the generator's summary (data_lines, good_lines)"
  fi
  GEN_DIR=$TMP/gen; GS=$S3
else
  echo "SKIP part 3: '$GEN generate --scenario 1t' is not available yet:"; head -3 "$TMP/gen.txt"
  cp -r tests/data/1t_malformed "$TMP/gen"; GEN_DIR=$TMP/gen; GS=$S2
fi

# Each cached view of schema $1 (m_user_tags_history, m_online_students, dataset_h) reads its fresh
# cache and holds exactly its live query's rows (as a multiset).
check_cache() {
  local schema=$1 v cached live only_c only_l
  for v in m_user_tags_history m_online_students dataset_h; do
    [ "$(q "SELECT fresh FROM $schema.analyst_view_cache WHERE view_name = '$v'")" = "t" ] || fail "$schema: $v cache not fresh after the load"
    cached=$(q "SELECT row_count FROM $schema.analyst_view_cache WHERE view_name = '$v'")
    live=$(q "SELECT count(*) FROM $schema.${v}_live")
    [ "$cached" -eq "$live" ] || fail "$schema: $v cache has $cached rows, ${v}_live $live"
    [ "$live" -gt 0 ] || fail "$schema: ${v}_live is empty; nothing compared"
    only_c=$(q "SELECT count(*) FROM (SELECT * FROM $schema.$v EXCEPT ALL SELECT * FROM $schema.${v}_live) a")
    only_l=$(q "SELECT count(*) FROM (SELECT * FROM $schema.${v}_live EXCEPT ALL SELECT * FROM $schema.$v) a")
    [ "$only_c" = 0 ] && [ "$only_l" = 0 ] || fail "$schema: $v (cached) and ${v}_live differ: $only_c / $only_l rows"
    echo "ok: $schema: $v cache fresh, $cached rows, the same multiset as ${v}_live"
  done
}
grep -q "^dataset_h cache: [0-9,]* rows in [0-9.]* s$" "$TMP/out3.txt" 2>/dev/null || [ "$GS" = "$S2" ] || fail "the load did not report the cache refresh"
if [ "$GS" = "$S2" ]; then grep -q "^dataset_h cache: [0-9,]* rows in" "$TMP/out2.txt" || fail "the load did not report the cache refresh"; fi
check_cache "$GS"

echo "== 4. idempotency on $GS"
before=$(snapshot "$GS")
learnerscore load "$GEN_DIR" --schema "$GS" --no-progress > "$TMP/out4.txt" || fail "second load"
[ "$(grep -c 'unchanged, skipped' "$TMP/out4.txt")" -eq "$(q "SELECT count(*) FROM $GS.load_log")" ] || { cat "$TMP/out4.txt"; fail "second load did not skip every file"; }
[ "$(snapshot "$GS")" = "$before" ] || fail "loading again changed row counts or rejects"
grep -q "^dataset_h cache: fresh" "$TMP/out4.txt" || { cat "$TMP/out4.txt"; fail "an unchanged load must not refresh a fresh cache"; }
echo "ok: loading again skips every file, row counts and rejects unchanged, the cache is left as is"
learnerscore load "$GEN_DIR" --schema "$GS" --no-progress --force "${LOOSE[@]}" > /dev/null || fail "forced load"
[ "$(snapshot "$GS")" = "$before" ] || fail "a forced reload changed row counts or rejects"
echo "ok: --force reloads to the same state (no duplicated rows, no duplicated rejects)"
# a changed file replaces its table and its rejects, the others are skipped
f=exercise_results.csv
head -n 6 "$GEN_DIR/$f" > "$TMP/x" && mv "$TMP/x" "$GEN_DIR/$f"
learnerscore load "$GEN_DIR" --schema "$GS" --no-progress --no-refresh "${LOOSE[@]}" > "$TMP/out5.txt" || fail "load after a change"
grep -q "^  $f .*rows/s\$" "$TMP/out5.txt" || { cat "$TMP/out5.txt"; fail "changed file was not reloaded"; }
[ "$(grep -c 'unchanged, skipped' "$TMP/out5.txt")" -eq $(( $(q "SELECT count(*) FROM $GS.load_log") - 1 )) ] || fail "unchanged files were reloaded"
n=$(q "SELECT loaded + rejected FROM $GS.load_log WHERE file = '$f'")
[ "$n" -eq 5 ] || fail "$f: expected 5 lines after the change, load_log says $n"
[ "$(( $(q "SELECT count(*) FROM $GS.exercise_results") + $(q "SELECT count(*) FROM $GS.load_rejects WHERE file = '$f'") ))" -eq 5 ] || fail "$f: table + rejects != 5 lines after the change"
check_counts "$GS" "$GEN_DIR"
echo "ok: a changed file replaces its table's rows and its rejects; the others are skipped"

echo "== 5. --no-refresh leaves the cache stale, and the view live"
grep -q "^dataset_h cache: not refreshed (--no-refresh)" "$TMP/out5.txt" || { cat "$TMP/out5.txt"; fail "--no-refresh not reported"; }
[ "$(q "SELECT string_agg(view_name || ' ' || fresh::text || ' ' || coalesce(stale_cause, ''), ', ' ORDER BY view_name) FROM $GS.analyst_view_cache")" = "dataset_h false TRUNCATE on exercise_results, m_online_students true , m_user_tags_history true " ] || fail "caches not as expected after --no-refresh: $(q "SELECT * FROM $GS.analyst_view_cache")"
[ "$(q "SELECT count(*) FROM $GS.dataset_h WHERE result_time IS NOT NULL")" = "$(q "SELECT count(*) FROM $GS.dataset_h_live WHERE result_time IS NOT NULL")" ] || fail "stale dataset_h does not show the live data"
echo "ok: stale cache reported; dataset_h shows the new exercise_results; the online filter's caches (not reading them) stay fresh"
learnerscore load "$GEN_DIR" --schema "$GS" --no-progress > "$TMP/out8.txt" || fail "load after --no-refresh"
grep -q "^dataset_h cache: [0-9,]* rows in" "$TMP/out8.txt" || { cat "$TMP/out8.txt"; fail "a load with nothing changed must refresh a stale cache"; }
check_cache "$GS"

echo "== 6. bad invocations fail cleanly"
if learnerscore load "$TMP/nonexistent" --schema "$S1" > "$TMP/o6.txt" 2>&1; then fail "a missing folder must fail"; fi
grep -q "not a directory" "$TMP/o6.txt" || { cat "$TMP/o6.txt"; fail "missing folder message"; }
mkdir -p "$TMP/badhdr" && printf 'foo,bar\n1,2\n' > "$TMP/badhdr/users.csv"
if learnerscore load "$TMP/badhdr" --schema "$S1" --no-progress > "$TMP/o7.txt" 2>&1; then fail "a file with unknown headers must fail"; fi
grep -q "FAILED: header has no column for" "$TMP/o7.txt" || { cat "$TMP/o7.txt"; fail "header failure message"; }
[ "$(q "SELECT count(*) FROM $S1.users")" -eq 5 ] || fail "a failed file must leave its table untouched"
echo "ok: missing folder and unknown headers fail with a message; the table is untouched"
echo "PASS pipeline_load"
