#!/usr/bin/env bash
# End-to-end test of a flows cohort and the intervention log (issue 14; docs/generator-1t.md "Flows",
# docs/loading.md "The intervention log"):
#  1. `learnerscore generate --scenario 1t --flows 3`: learners spread over the flows, schedule rows per
#     flow, no event at or after the cut-off, running learners (last flow) without a final outcome in
#     users.csv while _truth/flows.csv keeps theirs; --flows 1 equals the default output byte for byte;
#  2. it loads (rejects = the planted malformed lines) and the analyst views answer;
#  3. a contacts.csv of running learners with bad lines (unknown learner, malformed date, future date)
#     loads with exactly those rejects, by reason; plain INSERTs are validated by the trigger.
#  4. the contacts scenario (--contacts): holdout never contacted, contacts only of running learners
#     of the last flow, before the cut-off, within each tutor's capacity per day, and the planted
#     effect by status at contact ordered falling_asleep > active > asleep = 0 (3 seeds).
#  5. --contact-flows all: contacts in every flow, each before its flow's day 210 and the cut-off,
#     within each tutor's capacity per calendar day over all flows, the last flow's contacts those of
#     --contact-flows last; finished flows' contacted learners
#     keep their (contacted-world) outcome in users.csv; contact_assignments.csv agrees with
#     _truth/contacts_truth.csv and loads into <schema>.contact_assignments (no rejects, no duplicates
#     on a re-load; bad lines rejected by reason); the effect is still ordered; --contact-flows last
#     is the output without the option byte for byte.
# Needs PGHOST/PGPORT/PGUSER of a throw-away cluster and `learnerscore` on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ls-e2e-contacts-XXXXXX)
DB=${PGDATABASE:-postgres}
S=e2e_contacts_$$
cleanup() {
  psql -qX -d "$DB" -c "SET client_min_messages=warning; DROP SCHEMA IF EXISTS $S CASCADE" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
q() { psql -qAtX -d "$DB" -c "$1"; }

# 1. the generator
learnerscore generate --scenario 1t --learners 600 --seed 11 --out "$TMP/one" --quiet
learnerscore generate --scenario 1t --learners 600 --seed 11 --flows 1 --out "$TMP/one_f1" --quiet
diff -r "$TMP/one" "$TMP/one_f1" >/dev/null || fail "--flows 1 differs from the default output"
echo "ok: --flows 1 is the default output byte for byte"
G=$TMP/flows
learnerscore generate --scenario 1t --learners 1500 --seed 11 --flows 3 --out "$G" --quiet
F=$G/_truth/flows.csv
[ "$(tail -n +2 "$F" | wc -l)" -eq 1500 ] || fail "flows.csv: not one line per learner"
for k in 1 2 3; do
  n=$(awk -F, -v k=$k 'NR>1 && $3==k' "$F" | wc -l)
  [ "$n" -gt 400 ] || fail "flow $k has only $n learners"
done
# running = exactly the last flow (gap 147 days, cut-off day 70: flows 1 and 2 have finished)
bad=$(awk -F, 'NR>1 && (($3==3) != ($6==1))' "$F" | wc -l)
[ "$bad" -eq 0 ] || fail "$bad learners: running flag is not 'in the last flow'"
cutoff=$(awk -F, 'NR==2{print $5}' "$F")
# users.csv: flow_num = the truth's flow, running learners with Нет данных / Не сдана, no date
awk -F, 'NR>1{print $2","$4","$6","$7","$8}' "$G/users.csv" | sort > "$TMP/u.txt"
awk -F, 'NR>1{r = ($6==1) ? "Нет данных,Не сдана," : ""; print $1","$3".00,"r}' "$F" | sort > "$TMP/f.txt"
bad=$(join -t, "$TMP/u.txt" "$TMP/f.txt" | awk -F, '$2!=$6 || ($7!="" && ($3!=$7 || $4!=$8 || $5!=""))' | wc -l)
[ "$bad" -eq 0 ] || fail "$bad users.csv lines disagree with flows.csv (flow, running outcome)"
# finished learners keep their outcome in users.csv
fin=$(join -t, "$TMP/u.txt" "$TMP/f.txt" | awk -F, '$7=="" && $3!="Нет данных"' | wc -l)
[ "$fin" -gt 0 ] || fail "no finished learner has an M2 progress"
# schedule: every task once per flow, later flows shifted
for k in 1 2 3; do
  n=$(awk -F, -v k=$k 'NR>1 && $2=="занятие" && $8==k' "$G/schedule.csv" | wc -l)
  [ "$n" -gt 0 ] || fail "schedule has no lessons of flow $k"
done
n1=$(awk -F, 'NR>1 && $8==1' "$G/schedule.csv" | wc -l); n3=$(awk -F, 'NR>1 && $8==3' "$G/schedule.csv" | wc -l)
[ "$n1" -eq "$n3" ] || fail "flows 1 and 3 have different schedules ($n1, $n3 rows)"
# no (well-formed) event at or after the cut-off
late=$(awk -F, -v c="$cutoff" 'NR>1 && $2 ~ /^20[0-9][0-9]-(0[1-9]|1[0-2])-/ && substr($2,1,10) >= c' "$G/authorization.csv" | wc -l)
[ "$late" -eq 0 ] || fail "$late log-ins at or after the cut-off $cutoff"
echo "ok: 3 flows, running = last flow, users.csv and the schedule agree with _truth/flows.csv, nothing after $cutoff"

# 2. load and the views
learnerscore load --schema "$S" "$G" > "$TMP/load.txt" 2>&1 || { cat "$TMP/load.txt"; fail "load of the flows cohort failed"; }
planted=$(tail -n +2 "$G/_truth/malformed.csv" | wc -l)
rej=$(q "SELECT count(*) FROM $S.load_rejects")
[ "$rej" -eq "$planted" ] || fail "rejects $rej, planted malformed lines $planted"
[ "$(q "SELECT count(DISTINCT flow_num) FROM $S.users")" -eq 3 ] || fail "users: not 3 flows"
for v in dataset_v m_course_params students_v3 m_online_students dataset_h m_user_tags_history; do
  n=$(q "SELECT count(*) FROM $S.$v") || fail "view $v fails on a flows cohort"
  echo "   view $v: $n rows"
done
echo "ok: the flows cohort loads (rejects = the $planted planted lines) and the views answer"

# 3. contacts.csv: running learners, plus an unknown learner, a malformed date and a future date
{
  echo "userID,contactedAt,tutor,channel,comment"
  awk -F, -v c="$cutoff" 'NR>1 && $6==1 && NR%5==0 && n++ < 40 {printf "%s,%s 11:05,Иванова Анна,телефон,обещал вернуться\n", $1, c}' "$F"
  echo "42,$cutoff 12:00,Иванова Анна,телефон,нет такого"
  echo "$(awk -F, 'NR==3{print $1}' "$F"),31.02.2024 10:00,Петров Борис,telegram,"
  echo "$(awk -F, 'NR==4{print $1}' "$F"),2099-01-01 10:00,Петров Борис,email,из будущего"
} > "$G/contacts.csv"
good=$(( $(wc -l < "$G/contacts.csv") - 4 ))
learnerscore load --schema "$S" "$G" > "$TMP/load2.txt" 2>&1 || { cat "$TMP/load2.txt"; fail "load with contacts.csv failed"; }
[ "$(q "SELECT count(*) FROM $S.contacts")" -eq "$good" ] || fail "contacts: not $good rows"
q "SELECT CASE WHEN reason LIKE 'unknown learner%' THEN 'unknown learner' WHEN reason LIKE '%dated in the future%' THEN 'future'
              WHEN reason LIKE 'contacted_at:%' THEN 'bad date' ELSE reason END FROM $S.load_rejects WHERE file = 'contacts.csv' ORDER BY 1" \
  | tr '\n' ' ' > "$TMP/reasons.txt"
[ "$(cat "$TMP/reasons.txt")" = "bad date future unknown learner " ] || fail "contacts rejects: $(cat "$TMP/reasons.txt")"
q "SELECT reason FROM $S.load_rejects WHERE file = 'contacts.csv' ORDER BY line_number" | sed 's/^/   reject: /'
echo "ok: contacts.csv: $good rows, rejects by reason: $(cat "$TMP/reasons.txt")"
# plain INSERTs go through the trigger
set +e
out=$(psql -qAtX -d "$DB" -v VERBOSITY=verbose -c "INSERT INTO $S.contacts VALUES (42, '2024-01-01', 't', 'телефон', NULL)" 2>&1)
set -e
echo "$out" | grep -q "23503" || fail "INSERT of an unknown learner: $out"
echo "ok: INSERT of an unknown learner: 23503"

# 4. the contacts scenario
for seed in 5 6 7; do
  C=$TMP/c$seed
  learnerscore generate --scenario 1t --learners 4000 --seed $seed --flows 3 --contacts --tutors 4 --tutor-capacity 5 --out "$C" --quiet
  T=$C/_truth/contacts_truth.csv
  # holdout never contacted; every contacts.csv line is a 'contacted' truth line (same tutor, date)
  awk -F, 'NR>1 && $4=="contacted"{print $1","$5","$6}' "$T" | sort > "$TMP/tc.txt"
  awk -F, 'NR>1{split($2,a,/[. ]/); print $1","a[3]"-"a[2]"-"a[1]","$3}' "$C/contacts.csv" | sort > "$TMP/cc.txt"
  diff "$TMP/tc.txt" "$TMP/cc.txt" >/dev/null || fail "seed $seed: contacts.csv and the contacted truth lines differ"
  awk -F, 'NR>1 && $4=="holdout"{print $1}' "$T" | sort > "$TMP/h.txt"
  [ -s "$TMP/h.txt" ] || fail "seed $seed: empty holdout"
  [ -z "$(cut -d, -f1 "$TMP/cc.txt" | sort | comm -12 - "$TMP/h.txt")" ] || fail "seed $seed: a holdout learner was contacted"
  # only running learners of the last flow, before the cut-off
  awk -F, 'NR>1{print $1","$3","$6","$5}' "$C/_truth/flows.csv" | sort > "$TMP/fl.txt"
  bad=$(join -t, "$TMP/cc.txt" "$TMP/fl.txt" | awk -F, '$4!=3 || $5!=1 || $2>=$6' | wc -l)
  [ "$bad" -eq 0 ] || fail "seed $seed: $bad contacts outside the running flow or after the cut-off"
  [ "$(join -t, "$TMP/cc.txt" "$TMP/fl.txt" | wc -l)" -eq "$(wc -l < "$TMP/cc.txt")" ] || fail "seed $seed: contact of an unknown learner"
  # capacity: at most 5 contacts per tutor and day, at most 4 tutors per course
  over=$(cut -d, -f2,3 "$TMP/cc.txt" | sort | uniq -c | awk '$1>5' | wc -l)
  [ "$over" -eq 0 ] || fail "seed $seed: a tutor over capacity on a day"
  nt=$(awk -F, 'NR>1 && $4=="contacted"{print $2","$6}' "$T" | sort -u | awk -F, '{n[$1]++} END{m=0; for(k in n) if(n[k]>m) m=n[k]; print m}')
  [ "$nt" -le 4 ] || fail "seed $seed: $nt tutors in a course"
  # the planted effect by status at contact
  read -r fa ac as < <(awk -F, 'NR>1{n[$7]++; e[$7]+=$12} END{printf "%.4f %.4f %.4f\n", e["falling_asleep"]/n["falling_asleep"], e["active"]/n["active"], e["asleep"]/n["asleep"]}' "$T")
  awk -v fa="$fa" -v ac="$ac" -v as="$as" 'BEGIN{exit !(fa > ac && ac > 0 && as == 0)}' || fail "seed $seed: effect by status not ordered: falling_asleep $fa, active $ac, asleep $as"
  echo "ok: seed $seed: $(wc -l < "$TMP/cc.txt") contacts, $(wc -l < "$TMP/h.txt") holdout; mean planted effect on dropout: falling_asleep $fa > active $ac > asleep $as"
done
# the generated contacts.csv loads without rejects
learnerscore load --schema "$S" "$TMP/c5" > "$TMP/load3.txt" 2>&1 || { cat "$TMP/load3.txt"; fail "load of the contacts cohort failed"; }
n=$(q "SELECT count(*) FROM $S.contacts"); r=$(q "SELECT count(*) FROM $S.load_rejects WHERE file = 'contacts.csv'")
[ "$n" -eq "$(( $(wc -l < "$TMP/c5/contacts.csv") - 1 ))" ] && [ "$r" -eq 0 ] || fail "generated contacts.csv: $n rows, $r rejects"
echo "ok: the generated contacts.csv loads: $n rows, 0 rejects"
# course_flows / learner_flows (120_learning_views.sql) give every learner the start of its own flow
# and call it running exactly when the generator does (flow_end = start + learnerscore.flow_days > cut-off)
q "CREATE TABLE $S._truth_flows (user_id int, course_id int, flow_num int, flow_start date, cutoff_date date, running int,
                                 m2p text, m2a text, m2d text, completed int, dropout int)"
psql -qX -d "$DB" -c "\\copy $S._truth_flows FROM '$TMP/c5/_truth/flows.csv' CSV HEADER"
agree=$(q "SELECT count(*) FILTER (WHERE lf.flow_start = t.flow_start AND lf.flow_num = t.flow_num
                                      AND (lf.flow_end > t.cutoff_date) = (t.running = 1)) || ' ' || count(*)
             FROM $S._truth_flows t LEFT JOIN $S.learner_flows lf USING (user_id)")
[ "${agree% *}" = "${agree#* }" ] && [ "${agree#* }" -gt 0 ] || fail "learner_flows agrees with _truth/flows.csv for $agree learners"
echo "ok: learner_flows: flow start and running flag of all ${agree#* } learners as planted"

# 5. --contact-flows all (one seed)
A=$TMP/all5
learnerscore generate --scenario 1t --learners 4000 --seed 5 --flows 3 --contacts --tutors 4 --tutor-capacity 5 --contact-flows all --out "$A" --quiet
learnerscore generate --scenario 1t --learners 4000 --seed 5 --flows 3 --contacts --tutors 4 --tutor-capacity 5 --contact-flows last --out "$TMP/last5" --quiet
diff -r "$TMP/c5" "$TMP/last5" >/dev/null || fail "--contact-flows last differs from the output without the option"
[ ! -e "$TMP/c5/contact_assignments.csv" ] || fail "contact_assignments.csv written without --contact-flows all"
echo "ok: --contact-flows last is the output without the option byte for byte (no contact_assignments.csv)"
T=$A/_truth/contacts_truth.csv
# days since a fixed epoch of a YYYY-MM-DD date (mawk has no mktime)
DAYS='function days(s,  y, m, d) { y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0;
        if (m <= 2) { y--; m += 12 } return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d }'
# user,date,tutor of contacts.csv; user,flow,flow_start,cutoff,running of flows.csv
awk -F, 'NR>1{split($2,a,/[. ]/); print $1","a[3]"-"a[2]"-"a[1]","$3}' "$A/contacts.csv" | sort > "$TMP/acc.txt"
awk -F, 'NR>1{print $1","$3","$4","$5","$6}' "$A/_truth/flows.csv" | sort > "$TMP/afl.txt"
awk -F, 'NR>1 && $4=="contacted"{print $1","$5","$6}' "$T" | sort > "$TMP/atc.txt"
diff "$TMP/atc.txt" "$TMP/acc.txt" >/dev/null || fail "all flows: contacts.csv and the contacted truth lines differ"
join -t, "$TMP/acc.txt" "$TMP/afl.txt" > "$TMP/aj.txt"
[ "$(wc -l < "$TMP/aj.txt")" -eq "$(wc -l < "$TMP/acc.txt")" ] || fail "all flows: contact of an unknown learner"
for k in 1 2 3; do
  n=$(awk -F, -v k=$k '$4==k' "$TMP/aj.txt" | wc -l)
  [ "$n" -gt 100 ] || fail "all flows: flow $k has only $n contacts"
done
bad=$(awk -F, "$DAYS"' { c = days($2); if (c >= days($5) + 210 || c >= days($6) || c < days($5) + 14) print }' "$TMP/aj.txt" | wc -l)
[ "$bad" -eq 0 ] || fail "all flows: $bad contacts not within days 14 … 209 of their flow or not before the cut-off"
fin=$(awk -F, '$7==0' "$TMP/aj.txt" | wc -l)
[ "$fin" -gt 0 ] || fail "all flows: no contact of a finished learner"
# the holdout of every flow is never contacted
awk -F, 'NR>1 && $4=="holdout"{print $1}' "$T" | sort > "$TMP/ah.txt"
[ -z "$(cut -d, -f1 "$TMP/acc.txt" | comm -12 - "$TMP/ah.txt")" ] || fail "all flows: a holdout learner was contacted"
# a tutor's capacity is per calendar day, whatever the flows
over=$(cut -d, -f2,3 "$TMP/acc.txt" | sort | uniq -c | awk '$1>5' | wc -l)
[ "$over" -eq 0 ] || fail "all flows: a tutor over capacity on a calendar day"
nt=$(awk -F, 'NR>1 && $4=="contacted"{print $2","$6}' "$T" | sort -u | awk -F, '{n[$1]++} END{m=0; for(k in n) if(n[k]>m) m=n[k]; print m}')
[ "$nt" -le 4 ] || fail "all flows: $nt tutors in a course"
# the running flow comes first on a day it shares with a finished one: its contacts are those of `last`
awk -F, 'NR>1 && $3==3' "$T" | cmp -s - <(tail -n +2 "$TMP/c5/_truth/contacts_truth.csv") || fail "all flows: the last flow's contacts differ from --contact-flows last"
echo "ok: all flows: $(wc -l < "$TMP/acc.txt") contacts ($fin of finished learners), every flow contacted, each within days 14 … 209 of its flow and before the cut-off, holdout never contacted, <= 5 per tutor and calendar day; the last flow's as with last"
# finished learners: users.csv has the final outcome of their world (contacted: the contacted one)
awk -F, 'NR>1{print $1","$4","$10","$11}' "$A/_truth/flows.csv" | sort > "$TMP/afo.txt"   # user,start,completed,dropout
awk -F, 'NR>1{print $1","$4","$10","$11}' "$T" | sort > "$TMP/atw.txt"                    # user,group,d_with,d_without
bad=$(join -t, "$TMP/atw.txt" "$TMP/afo.txt" | awk -F, '$7 != ($2=="contacted" ? $3 : $4)' | wc -l)
[ "$bad" -eq 0 ] || fail "all flows: $bad learners whose truth is not the world of their group"
awk -F, 'NR>1{print $2","$6","$7","$8}' "$A/users.csv" | sort > "$TMP/au.txt"
awk -F, 'NR>1 && $6==0{p = ($7=="") ? "Нет данных" : $7; a = ($8=="") ? "Не сдана" : $8; print $1","p","a","$9}' "$A/_truth/flows.csv" | sort > "$TMP/afu.txt"
cut -d, -f1 "$TMP/atc.txt" | sort -u > "$TMP/acu.txt"
join -t, "$TMP/acu.txt" "$TMP/afu.txt" > "$TMP/acf.txt"   # finished contacted learners' true outcome
[ "$(wc -l < "$TMP/acf.txt")" -gt 100 ] || fail "all flows: too few finished contacted learners"
bad=$(join -t, "$TMP/acf.txt" "$TMP/au.txt" | awk -F, '$2!=$5 || $3!=$6 || $4!=$7' | wc -l)
[ "$bad" -eq 0 ] || fail "all flows: $bad finished contacted learners whose users.csv outcome is not their true one"
withp=$(join -t, "$TMP/acf.txt" "$TMP/au.txt" | awk -F, '$5!="Нет данных"' | wc -l)
[ "$withp" -gt 100 ] || fail "all flows: only $withp finished contacted learners with an M2 progress"
echo "ok: all flows: $(wc -l < "$TMP/acf.txt") finished contacted learners have their contacted-world outcome in users.csv ($withp with an M2 progress)"
# contact_assignments.csv = the truth's contacted and holdout learners (same arms, days, tutors)
CA=$A/contact_assignments.csv
[ "$(head -1 "$CA")" = "userID,assignedOn,arm,tutor" ] || fail "contact_assignments.csv header: $(head -1 "$CA")"
awk -F, 'NR>1{g = ($4=="contacted") ? "contact" : "holdout"; print $1","$5","g","$6}' "$T" | sort > "$TMP/at.txt"
awk -F, 'NR>1{split($2,a,"."); print $1","a[3]"-"a[2]"-"a[1]","$3","$4}' "$CA" | sort > "$TMP/aa.txt"
diff "$TMP/at.txt" "$TMP/aa.txt" >/dev/null || fail "contact_assignments.csv and _truth/contacts_truth.csv differ"
echo "ok: contact_assignments.csv: $(wc -l < "$TMP/aa.txt") lines = the truth's contacted and holdout learners (arm, day, tutor)"
# the planted effect by status over all flows
read -r fa ac as < <(awk -F, 'NR>1{n[$7]++; e[$7]+=$12} END{printf "%.4f %.4f %.4f\n", e["falling_asleep"]/n["falling_asleep"], e["active"]/n["active"], e["asleep"]/n["asleep"]}' "$T")
awk -v fa="$fa" -v ac="$ac" -v as="$as" 'BEGIN{exit !(fa > ac && ac > 0 && as == 0)}' || fail "all flows: effect by status not ordered: falling_asleep $fa, active $ac, asleep $as"
echo "ok: all flows: mean planted effect on dropout: falling_asleep $fa > active $ac > asleep $as"
# it loads: no rejects, one row per line; loading again (forced) does not duplicate
learnerscore load --schema "$S" "$A" > "$TMP/load4.txt" 2>&1 || { cat "$TMP/load4.txt"; fail "load of the all-flows cohort failed"; }
n=$(q "SELECT count(*) FROM $S.contact_assignments"); r=$(q "SELECT count(*) FROM $S.load_rejects WHERE file = 'contact_assignments.csv'")
[ "$n" -eq "$(wc -l < "$TMP/aa.txt")" ] && [ "$r" -eq 0 ] || fail "contact_assignments.csv: $n rows, $r rejects"
q "SELECT user_id || ',' || assigned_on || ',' || arm || ',' || coalesce(tutor, '') FROM $S.contact_assignments WHERE plan_id IS NULL" | sort > "$TMP/adb.txt"
diff "$TMP/at.txt" "$TMP/adb.txt" >/dev/null || fail "<schema>.contact_assignments differs from the truth"
learnerscore load --schema "$S" --force "$A" > "$TMP/load5.txt" 2>&1 || { cat "$TMP/load5.txt"; fail "forced re-load failed"; }
[ "$(q "SELECT count(*) FROM $S.contact_assignments")" -eq "$n" ] || fail "a re-load duplicated contact_assignments"
echo "ok: contact_assignments.csv loads: $n rows (= the truth, plan_id NULL), 0 rejects; a forced re-load keeps $n"
# bad lines: an unknown learner, two malformed dates, an arm that is neither contact nor holdout, a repeated (learner, day)
B=$TMP/badca; mkdir -p "$B"
{
  head -31 "$CA"
  echo "42,$(awk -F, 'NR==2{print $2}' "$CA"),contact,Иванова Анна"
  echo "$(awk -F, 'NR==3{print $1}' "$CA"),31.02.2024,holdout,"
  echo "$(awk -F, 'NR==3{print $1}' "$CA"),2024/02/12,holdout,"
  echo "$(awk -F, 'NR==4{print $1}' "$CA"),$(awk -F, 'NR==4{print $2}' "$CA"),treated,Иванова Анна"
  awk 'NR==5' "$CA"
} > "$B/contact_assignments.csv"
learnerscore load --schema "$S" --max-reject-ratio 0.5 "$B" > "$TMP/load6.txt" 2>&1 || { cat "$TMP/load6.txt"; fail "load of the bad contact_assignments.csv failed"; }
[ "$(q "SELECT count(*) FROM $S.contact_assignments")" -eq 30 ] || fail "bad contact_assignments.csv: not 30 rows"
q "SELECT CASE WHEN reason LIKE 'unknown learner%' THEN 'unknown learner' WHEN reason LIKE 'assigned_on:%' THEN 'bad date'
              WHEN reason LIKE 'arm:%' THEN 'bad arm' WHEN reason LIKE 'duplicate key%' THEN 'duplicate' ELSE reason END
     FROM $S.load_rejects WHERE file = 'contact_assignments.csv' ORDER BY 1" | tr '\n' ' ' > "$TMP/reasons2.txt"
[ "$(cat "$TMP/reasons2.txt")" = "bad arm bad date bad date duplicate unknown learner " ] || fail "contact_assignments rejects: $(cat "$TMP/reasons2.txt")"
q "SELECT reason FROM $S.load_rejects WHERE file = 'contact_assignments.csv' ORDER BY line_number" | sed 's/^/   reject: /'
echo "ok: contact_assignments.csv with bad lines: 30 rows, rejects by reason: $(cat "$TMP/reasons2.txt")"
echo "gen_contacts: all checks passed"
