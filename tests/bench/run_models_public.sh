#!/usr/bin/env bash
# Cross-validated metrics of learnerscore models on public student data, next
# to the baselines of the public data sets (docs/architecture.md; not a test: prints a table).
#   UCI "Predict students' dropout and academic success" (4,424 students)
#   OULAD (32,593 registrations), target Fail or Withdrawn, features known by day 60
# Needs PGHOST/PGPORT/PGUSER of a server with learnerscore installed.
set -euo pipefail
EXT=${EXT:-/work/shared/external}
PY=/usr/bin/python3
source "$(dirname "$0")/../e2e/lib/scratch_db.sh"
scratch_dir models-public
DB=ls_models_public
fresh_database $DB
$PSQL -c "CREATE EXTENSION learnerscore"

# UCI: snake_case column names (the export's headers have spaces and parentheses).
$PY - "$EXT/uci_student_dropout/students_dropout_academic_success.csv" "$WORK" <<'PY'
import sys, re, pandas as pd
df = pd.read_csv(sys.argv[1])
df.columns = [re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", c.lower())).strip("_") for c in df.columns]
df.to_csv(f"{sys.argv[2]}/uci.csv", index=False)
cols = [c for c in df.columns if c != "target"]
open(f"{sys.argv[2]}/uci.sql", "w").write(
    "CREATE TABLE uci (" + ", ".join(f"{c} float8" for c in cols) + ", target text);\n")
open(f"{sys.argv[2]}/uci_cols.txt", "w").write(",".join(cols))
PY
$PSQL -f "$WORK/uci.sql" -c "\\copy uci FROM '$WORK/uci.csv' CSV HEADER"
ALL=$(cat "$WORK/uci_cols.txt")
ENROL=$(tr ',' '\n' < "$WORK/uci_cols.txt" | grep -v '^curricular_units' | paste -sd,)
arr() { echo "ARRAY['$(echo "$1" | sed "s/,/','/g")']"; }

# OULAD: demographics, registration day and assessments submitted by day 60.
$PSQL <<SQL
CREATE TABLE oulad_info (code_module text, code_presentation text, id_student int, gender text, region text,
  highest_education text, imd_band text, age_band text, num_of_prev_attempts int, studied_credits int,
  disability text, final_result text);
CREATE TABLE oulad_reg (code_module text, code_presentation text, id_student int, date_registration int, date_unregistration int);
CREATE TABLE oulad_assess (code_module text, code_presentation text, id_assessment int, assessment_type text, date int, weight float8);
CREATE TABLE oulad_sa (id_assessment int, id_student int, date_submitted int, is_banked int, score float8);
\\copy oulad_info FROM '$EXT/oulad/studentInfo.csv' WITH (FORMAT csv, HEADER, FORCE_NULL (imd_band))
\\copy oulad_reg FROM '$EXT/oulad/studentRegistration.csv' WITH (FORMAT csv, HEADER, FORCE_NULL (date_registration, date_unregistration))
\\copy oulad_assess FROM '$EXT/oulad/assessments.csv' WITH (FORMAT csv, HEADER, FORCE_NULL (date, weight))
\\copy oulad_sa FROM '$EXT/oulad/studentAssessment.csv' CSV HEADER
CREATE TABLE oulad AS
SELECT i.*, r.date_registration,
       coalesce(a.n_submitted, 0) AS n_submitted_60, a.mean_score AS mean_score_60,
       (i.final_result IN ('Fail', 'Withdrawn'))::int AS at_risk
FROM oulad_info i
JOIN oulad_reg r USING (code_module, code_presentation, id_student)
LEFT JOIN (SELECT a.code_module, a.code_presentation, s.id_student, count(*) AS n_submitted, avg(s.score) AS mean_score
             FROM oulad_sa s JOIN oulad_assess a USING (id_assessment)
            WHERE s.date_submitted <= 60 GROUP BY 1, 2, 3) a USING (code_module, code_presentation, id_student);
SQL
OUFEAT="ARRAY['gender','region','highest_education','imd_band','age_band','num_of_prev_attempts','studied_credits','disability','date_registration','n_submitted_60','mean_score_60']"

cv() {  # label, source, target, features, algorithm, params, published
  local r
  r=$($PSQL -A -t -F'|' -c "SELECT round(auc::numeric, 3), round(accuracy::numeric, 3), round(log_loss::numeric, 3),
                                    round(calibration_error::numeric, 3)
                             FROM learnerscore.cross_validate(\$src\$$2\$src\$, '$3', $4, '$5', '$6', 5, 42) WHERE fold = 'mean'")
  IFS='|' read -r auc acc ll ece <<<"$r"
  printf "%-44s %-9s %6s %6s %6s %6s   %s\n" "$1" "$5" "$auc" "$acc" "$ll" "$ece" "$7"
}
printf "%-44s %-9s %6s %6s %6s %6s   %s\n" "task (5-fold CV, seed 42, mean over folds)" algorithm AUC acc logloss ECE "baseline in SOURCE.md (AUC / accuracy)"
UCI_DROP="(SELECT *, (target = 'Dropout')::int AS dropout FROM uci) u"
UCI_DG="(SELECT *, (target = 'Dropout')::int AS dropout FROM uci WHERE target <> 'Enrolled') u"
cv "UCI dropout vs rest, 36 features" "SELECT * FROM $UCI_DROP" dropout "$(arr "$ALL")" logistic '{"l2": 1}' "0.918 / 0.876 (logistic, ridge 1, standardised)"
cv "UCI dropout vs rest, 36 features" "SELECT * FROM $UCI_DROP" dropout "$(arr "$ALL")" xgboost '{"num_round": 200, "max_depth": 4, "eta": 0.05}' "(LightGBM/CatBoost best in Villar 2024; no figure)"
cv "UCI dropout vs rest, 24 enrolment features" "SELECT * FROM $UCI_DROP" dropout "$(arr "$ENROL")" logistic '{"l2": 1}' "0.793 / 0.767"
cv "UCI dropout vs graduate (n = 3,630)" "SELECT * FROM $UCI_DG" dropout "$(arr "$ALL")" logistic '{"l2": 1}' "0.953 / 0.911"
cv "OULAD fail or withdrawn, by day 60" oulad at_risk "$OUFEAT" logistic '{"l2": 1}' "0.840 / 0.759 (70/30 split, logistic)"
cv "OULAD fail or withdrawn, by day 60" oulad at_risk "$OUFEAT" xgboost '{"num_round": 200, "max_depth": 6, "eta": 0.1}' "accuracy 79.8-85.6 % (LR, Waheed 2020, with clickstream)"
psql -X -q -d postgres -c "DROP DATABASE $DB"
