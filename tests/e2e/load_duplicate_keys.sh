#!/usr/bin/env bash
# End-to-end test of the loader's duplicate-key check (docs/loading.md, "Client memory"): the key
# hashes are screened in a first pass (in memory, or spread over temporary files when the file is
# larger than LEARNERSCORE_LOAD_KEY_MEMORY), and only repeated keys are remembered in the COPY pass.
# On a generated communications.csv (course-effects data, ~50,000 lines, far more than one 64 KiB COPY
# batch) with planted repeats at its end:
#   1. a repeat of line 2 spelt "0001", a repeat of a middle line, a key three times: each later line is
#      rejected "duplicate key (communication_id=N), first on line L" with L the first line, which loads;
#   2. a key whose first line is rejected for another reason: its next line loads, the one after is the
#      duplicate, naming the line that loaded;
#   3. the same rejects (file, line, reason) and the same rows with the hashes in memory and spread
#      over temporary files (LEARNERSCORE_LOAD_KEY_MEMORY=8192);
#   4. --max-reject-ratio still counts duplicates: 20 % repeated lines fail the file, stopping early.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster and `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-dupkeys-XXXXXX)
DB=${PGDATABASE:-postgres}
S1=e2e_dup_mem_$$; S2=e2e_dup_files_$$; S3=e2e_dup_ratio_$$
cleanup() {
  psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S1 CASCADE; DROP SCHEMA IF EXISTS $S2 CASCADE; DROP SCHEMA IF EXISTS $S3 CASCADE" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -d "$DB" -c "$1"; }

learnerscore generate --scenario courses --employees 300 --seed 3 --out "$TMP/gen" --quiet
D=$TMP/dup; mkdir "$D"
F=$D/communications.csv
cp "$TMP/gen/communications.csv" "$F"
N=$(( $(wc -l < "$F") - 1 ))   # data lines; communication_id k is on line k + 1
[ "$N" -gt 40000 ] || fail "expected more than 40,000 communications, got $N"
line_of() { sed -n "$(( $1 + 1 ))p" "$F"; }
rest_of() { line_of "$1" | cut -d, -f2-; }

# 2. the first line of key 30000 is rejected for its csat (the sixth field)
awk -F, -v OFS=, 'NR == 30001 { $6 = "abc" } { print }' "$F" > "$F.tmp" && mv "$F.tmp" "$F"
{
  echo "0001,$(rest_of 1)"                 # N+2: duplicate of line 2 (key 1, spelt 0001)
  echo "20000,$(rest_of 20000)"            # N+3: duplicate of line 20001
  echo "5,$(rest_of 5)"                    # N+4: duplicate of line 6
  echo "5,$(rest_of 6)"                    # N+5: duplicate of line 6
  echo "30000,$(rest_of 30000 | sed 's/,abc,/,55.5,/')"   # N+6: loads (the first line of 30000 was rejected)
  echo "30000,$(rest_of 30001)"            # N+7: duplicate of line N+6
} >> "$F"
cat > "$TMP/want.txt" <<EOF
30001|csat: not a finite number: abc
$((N + 2))|duplicate key (communication_id=1), first on line 2
$((N + 3))|duplicate key (communication_id=20000), first on line 20001
$((N + 4))|duplicate key (communication_id=5), first on line 6
$((N + 5))|duplicate key (communication_id=5), first on line 6
$((N + 7))|duplicate key (communication_id=30000), first on line $((N + 6))
EOF

check_schema() {
  local schema=$1
  q "SELECT line_number || '|' || reason FROM $schema.load_rejects WHERE file = 'communications.csv' ORDER BY line_number" > "$TMP/got_$schema.txt"
  diff "$TMP/want.txt" "$TMP/got_$schema.txt" || fail "$schema: rejects differ from the planted ones"
  [ "$(q "SELECT count(*) FROM $schema.communications")" -eq $((N)) ] || fail "$schema: expected $N rows"
  [ "$(q "SELECT employee_id || ',' || to_char(started_at, 'YYYY-MM-DD HH24:MI:SS') FROM $schema.communications WHERE communication_id = 1")" = \
    "$(line_of 1 | cut -d, -f2,3)" ] || fail "$schema: the first line of key 1 must win"
  [ "$(q "SELECT csat FROM $schema.communications WHERE communication_id = 30000")" = "55.5" ] || fail "$schema: key 30000 must load from line $((N + 6))"
}

echo "== 1-2. hashes in memory"
LEARNERSCORE_LOAD_TRACE=1 learnerscore load "$D" --schema "$S1" --no-progress > "$TMP/out1.txt" 2>&1 || { cat "$TMP/out1.txt"; fail "load"; }
grep -q "repeated key hashes of $((N + 6)) lines (1 partitions)" "$TMP/out1.txt" || { cat "$TMP/out1.txt"; fail "expected the in-memory screen"; }
check_schema "$S1"
echo "ok: every later line of a key rejected naming the first that loaded (in memory)"

echo "== 3. hashes spread over temporary files"
LEARNERSCORE_LOAD_KEY_MEMORY=8192 LEARNERSCORE_LOAD_TRACE=1 learnerscore load "$D" --schema "$S2" --no-progress > "$TMP/out2.txt" 2>&1 ||
  { cat "$TMP/out2.txt"; fail "load"; }
grep -Eq "repeated key hashes of $((N + 6)) lines \(([2-9]|[1-9][0-9]+) partitions\)" "$TMP/out2.txt" || { cat "$TMP/out2.txt"; fail "expected temporary files"; }
check_schema "$S2"
[ "$(q "SELECT md5(string_agg(c::text, '|' ORDER BY communication_id)) FROM $S1.communications c")" = \
  "$(q "SELECT md5(string_agg(c::text, '|' ORDER BY communication_id)) FROM $S2.communications c")" ] || fail "the two loads differ"
echo "ok: the same rows and rejects with the hashes in temporary files"

echo "== 4. the reject ratio counts duplicates"
R=$TMP/ratio; mkdir "$R"
{ cat "$TMP/gen/communications.csv"; sed -n "2,$(( N / 5 + 1 ))p" "$TMP/gen/communications.csv"; } > "$R/communications.csv"
RC=0; learnerscore load "$R" --schema "$S3" --no-progress > "$TMP/out3.txt" 2>&1 || RC=$?
[ "$RC" -eq 1 ] || { cat "$TMP/out3.txt"; fail "20 % duplicates: expected exit 1, got $RC"; }
grep -q "FAILED: stopped at line" "$TMP/out3.txt" || { cat "$TMP/out3.txt"; fail "expected an early stop"; }
grep -q "× duplicate key (communication_id=1), first on line 2" "$TMP/out3.txt" || { cat "$TMP/out3.txt"; fail "expected the duplicate reason"; }
[ "$(q "SELECT count(*) FROM $S3.communications")" -eq 0 ] || fail "a failed file must leave its table empty here"
echo "ok: 20 % duplicated lines fail the file (--max-reject-ratio 0.1), stopping early"
echo "PASS load_duplicate_keys"
