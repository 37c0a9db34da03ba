#!/usr/bin/env bash
# learnerscore generate --scenario 1t through the CLI: same seed -> byte-identical
# folders, the truth summary matches the files' line counts, --malformed-rate 0
# plants nothing, bad options fail cleanly.
set -euo pipefail
tmp=$(mktemp -d /tmp/ls-gen1t-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "generate 1,500 learners twice with seed 5 and once with seed 6"
learnerscore generate --scenario 1t --learners 1500 --seed 5 --out "$tmp/a" --quiet
learnerscore generate --scenario 1t --learners 1500 --seed 5 --out "$tmp/b" --quiet
learnerscore generate --scenario 1t --learners 1500 --seed 6 --out "$tmp/c" --quiet
(cd "$tmp/a" && find . -type f | sort | xargs sha256sum) > "$tmp/a.sum"
(cd "$tmp/b" && find . -type f | sort | xargs sha256sum) > "$tmp/b.sum"
(cd "$tmp/c" && find . -type f | sort | xargs sha256sum) > "$tmp/c.sum"
[ "$(wc -l < "$tmp/a.sum")" -eq 14 ] || { echo "expected 9 raw + 5 truth files"; cat "$tmp/a.sum"; exit 1; }
cmp -s "$tmp/a.sum" "$tmp/b.sum" || { echo "same seed, different bytes"; diff "$tmp/a.sum" "$tmp/b.sum"; exit 1; }
! cmp -s "$tmp/a.sum" "$tmp/c.sum" || { echo "another seed gave the same files"; exit 1; }
echo "  byte-identical for the same seed, different for another: ok"

echo "check _truth/summary.csv against the files"
for f in users_age_timezone authorization schedule activity_history_viewed webinars_logs exercise_results users_logs users activities_guide; do
  lines=$(( $(wc -l < "$tmp/a/$f.csv") - 1 ))
  want=$(grep "^$f.csv.data_lines," "$tmp/a/_truth/summary.csv" | cut -d, -f2)
  good=$(grep "^$f.csv.good_lines," "$tmp/a/_truth/summary.csv" | cut -d, -f2)
  bad=$(grep -c "^$f.csv," "$tmp/a/_truth/malformed.csv" || true)
  [ "$lines" -eq "$want" ] || { echo "$f: $lines lines, summary says $want"; exit 1; }
  [ $((good + bad)) -eq "$lines" ] || { echo "$f: good $good + malformed $bad != $lines"; exit 1; }
  echo "  $f.csv: $lines data lines = $good good + $bad malformed"
done
users=$(( $(wc -l < "$tmp/a/users.csv") - 1 - $(grep -c '^users.csv,' "$tmp/a/_truth/malformed.csv" || true) ))
[ "$users" -eq 1500 ] || { echo "users.csv has $users good lines"; exit 1; }
agree=$(grep '^status_agreement,' "$tmp/a/_truth/summary.csv" | cut -d, -f2)
awk -v a="$agree" 'BEGIN { exit !(a >= 0.9) }' || { echo "status agreement $agree < 0.9"; exit 1; }
echo "  planted state vs observed status agreement: $agree"

echo "--malformed-rate 0 plants nothing"
learnerscore generate --scenario 1t --learners 300 --seed 5 --malformed-rate 0 --out "$tmp/d" --quiet
[ "$(wc -l < "$tmp/d/_truth/malformed.csv")" -eq 1 ] || { echo "malformed lines planted with rate 0"; exit 1; }
echo "  ok"

echo "bad options fail with a message"
for args in "--learners -5" "--malformed-rate 2" "--seed x" "--no-such-option 1"; do
  # shellcheck disable=SC2086
  if learnerscore generate --scenario 1t $args --out "$tmp/e" >"$tmp/err" 2>&1; then
    echo "  accepted: $args"; exit 1
  fi
  echo "  $args -> $(head -1 "$tmp/err")"
done
echo "gen_1t_cli: all checks passed"
