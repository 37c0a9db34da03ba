// The one definition of the learner daily row contract: the 39 columns of
// learnerscore.learner_daily (and of <schema>.learner_daily), in SQL order,
// #0..#38 of docs/features.md. DailyRow's members, the SQL glue that turns a
// row into a tuple (src/pg/features/features_fns.cpp) and the column lists of
// extension/sql/200_features.sql all follow this list;
// tests/unit/test_features_engine.cpp fails on any difference in the SQL.
//
// LS_DAILY_COLUMNS(X) calls X(name, kind, weekly) once per column:
//   kind   one of the daily_kind aliases below (C++ type; SQL type by kind_sql_type)
//   weekly 1 when the column varies over time and gets <name>_<j>_week columns
//          (learnerscore._weekly_feature_names), else 0
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ls::features {

namespace daily_kind {
using Int = int;
using OptInt = std::optional<int>;
using Float = double;
using OptFloat = std::optional<double>;
using BigInt = std::int64_t;
using Date = std::int32_t;  // days since 2000-01-01 (Day)
}  // namespace daily_kind

#define LS_DAILY_COLUMNS(X)                      \
    X(user_id, Int, 0)                           \
    X(payment, Int, 1)                           \
    X(time_zone, OptFloat, 0)                    \
    X(age, OptInt, 0)                            \
    X(unti_id, OptInt, 0)                        \
    X(course_id, OptInt, 0)                      \
    X(flow_num, OptFloat, 0)                     \
    X(tg_bot, OptInt, 0)                         \
    X(m2_progress, OptInt, 0)                    \
    X(m2_attestation, OptInt, 0)                 \
    X(module, OptInt, 1)                         \
    X(m2_delay, Float, 1)                        \
    X(sum_auth, Int, 1)                          \
    X(sum_schedule_activities, Int, 1)           \
    X(sum_required_activity, Int, 1)             \
    X(sum_attestation_activity, Int, 1)          \
    X(view_delay_first, Float, 1)                \
    X(view_delay_sum, Float, 1)                  \
    X(sum_activity_viewed, Int, 1)               \
    X(sum_required_activity_viewed, Int, 1)      \
    X(sum_attestation_activity_viewed, Int, 1)   \
    X(w_view_hours, Float, 1)                    \
    X(sum_exercise, Int, 1)                      \
    X(sum_required_exercises, Int, 1)            \
    X(sum_attestation_exercises, Int, 1)         \
    X(exercise_delay_first, Float, 1)            \
    X(exercise_delay_sum, Float, 1)              \
    X(result_delay_mean, Float, 1)               \
    X(result_delay_sum, Float, 1)                \
    X(sum_exercise_attempts_mean, Float, 1)      \
    X(mean_required_result, Float, 1)            \
    X(mean_non_req_result, Float, 1)             \
    X(mean_attestation_result, Float, 1)         \
    X(sum_result, BigInt, 1)                     \
    X(conn, Int, 1)                              \
    X(online_rate, Float, 1)                     \
    X(mean_result, Float, 1)                     \
    X(progress, Float, 1)                        \
    X(cur_date, Date, 0)

enum class DailyKind { Int, OptInt, Float, OptFloat, BigInt, Date };

// The SQL type of a column kind, as 200_features.sql spells it.
constexpr std::string_view kind_sql_type(DailyKind k) {
    switch (k) {
        case DailyKind::Int:
        case DailyKind::OptInt: return "int";
        case DailyKind::Float:
        case DailyKind::OptFloat: return "float8";
        case DailyKind::BigInt: return "bigint";
        case DailyKind::Date: return "date";
    }
    return "";
}

struct DailyColumn {
    std::string_view name;
    DailyKind kind;
    bool weekly;
    constexpr std::string_view sql_type() const { return kind_sql_type(kind); }
};

#define LS_DAILY_COLUMN_ENTRY(name, kind, weekly) DailyColumn{#name, DailyKind::kind, weekly != 0},
inline constexpr DailyColumn kDailyColumns[] = {LS_DAILY_COLUMNS(LS_DAILY_COLUMN_ENTRY)};
#undef LS_DAILY_COLUMN_ENTRY
inline constexpr std::size_t kDailyColumnCount = sizeof(kDailyColumns) / sizeof(kDailyColumns[0]);
static_assert(kDailyColumnCount == 39, "docs/features.md defines 39 daily columns");

}  // namespace ls::features
