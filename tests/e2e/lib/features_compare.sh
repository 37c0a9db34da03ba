#!/usr/bin/env bash
# Compares two tables of the learner daily series column by column (integers
# exactly, floats within 1e-9) joined on (user_id, cur_date); prints the number
# of differing rows per column and an example; exits 1 on any difference.
#   features_compare.sh ENGINE_TABLE REFERENCE_TABLE
set -euo pipefail
eng=$1; ref=$2
ints="payment age unti_id course_id tg_bot m2_progress m2_attestation module sum_auth sum_schedule_activities
 sum_required_activity sum_attestation_activity sum_activity_viewed sum_required_activity_viewed
 sum_attestation_activity_viewed sum_exercise sum_required_exercises sum_attestation_exercises sum_result conn
 last_activity_at days_inactive theme_id task_id"
floats="time_zone flow_num m2_delay view_delay_first view_delay_sum w_view_hours exercise_delay_first exercise_delay_sum
 result_delay_mean result_delay_sum sum_exercise_attempts_mean mean_required_result mean_non_req_result
 mean_attestation_result online_rate mean_result progress"
sel="count(*) FILTER (WHERE e.user_id IS NULL OR r.user_id IS NULL) AS missing_rows"
for c in $ints; do sel="$sel, count(*) FILTER (WHERE e.$c IS DISTINCT FROM r.$c) AS $c"; done
for c in $floats; do
  sel="$sel, count(*) FILTER (WHERE NOT (e.$c IS NOT DISTINCT FROM r.$c OR abs(e.$c - r.$c) <= 1e-9)) AS $c"
done
out=$(psql -X -q -A -F' ' -t -v ON_ERROR_STOP=1 -c "SELECT $sel FROM $eng e FULL JOIN $ref r ON e.user_id = r.user_id AND e.cur_date = r.cur_date")
names="missing_rows $ints $floats"
read -r -a counts <<<"$out"
i=0; bad=0
for c in $names; do
  n=${counts[$i]}
  if [ "$n" != "0" ]; then
    bad=1
    echo "MISMATCH $c: $n rows differ; first:"
    if [ "$c" = missing_rows ]; then
      psql -X -c "SELECT e.user_id, e.cur_date, r.user_id, r.cur_date FROM $eng e FULL JOIN $ref r ON e.user_id = r.user_id AND e.cur_date = r.cur_date WHERE e.user_id IS NULL OR r.user_id IS NULL LIMIT 3"
    else
      psql -X -c "SELECT e.user_id, e.cur_date, e.$c AS engine, r.$c AS reference FROM $eng e JOIN $ref r ON e.user_id = r.user_id AND e.cur_date = r.cur_date WHERE e.$c IS DISTINCT FROM r.$c ORDER BY 1, 2 LIMIT 3"
    fi
  fi
  i=$((i+1))
done
rows=$(psql -X -A -t -c "SELECT count(*) FROM $eng")
if [ $bad -eq 0 ]; then echo "agreement: $rows rows x $(echo $names | wc -w) checks, all equal (floats within 1e-9)"; fi
exit $bad
