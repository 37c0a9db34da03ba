// The learner daily time-series engine (docs/features.md): one ordered pass over a
// learner's events and the course schedule produces the 39 columns of
// <schema>.learner_daily plus the activity status for each requested date.
// Pure C++17; times are PostgreSQL's own representation (microseconds and days
// since 2000-01-01) so the glue copies them without conversion. Definitions
// are in docs/features.md; every value for cur_date uses only events with a
// timestamp before cur_date + 1 day.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/features/activity_status.h"
#include "core/features/daily_columns.h"

namespace ls::features {

using Micros = std::int64_t;  // microseconds since 2000-01-01 00:00 (PostgreSQL timestamp)
using Day = std::int32_t;     // days since 2000-01-01 (PostgreSQL date)
constexpr Micros kMicrosPerDay = 86400LL * 1000000LL;
constexpr Micros kMicrosPerHour = 3600LL * 1000000LL;
constexpr Micros kWebinarPairCap = 4 * kMicrosPerHour;  // a connect/disconnect pair counts at most 4 h

// Day containing a timestamp (floor division, correct before 2000 too).
Day day_of(Micros t);

// One row of <schema>.schedule as the engine needs it.
struct ScheduleRow {
    int course_id = 0;
    bool is_activity = false;  // type 'активность' (else a lesson, 'занятие')
    std::optional<int> task_id;
    std::optional<int> activity_id;
    std::optional<std::string> activity_type;
    int is_attestation = 0;
    std::optional<Micros> date_shown;
    int flow = 1;  // schedule.flows (NULL = 1): a flow lists every task again, shifted in time
};

// One row of <schema>.activities_guide.
struct GuideRow {
    int activity_id = 0;
    std::optional<int> module;
    std::optional<int> theme_id;
    std::optional<int> task_id;
    std::optional<std::string> activity_type;
    int obyaz_priznak = 0;
};

// A course activity after de-duplication of the schedule rows of one flow.
struct Activity {
    int activity_id = 0;
    Micros shown = 0;     // opening: earliest date_shown of its schedule rows in the flow
    Micros deadline = 0;  // next opening in the flow after `shown`, else shown + 7 days
    bool required = false;
    bool attestation = false;
    bool result_bearing = false;  // exercise, CodeExercise, question, interactive
    std::optional<int> module, theme_id, task_id;
};

// One flow (cohort) of a course: everything is computed from that flow's schedule rows.
struct Course {
    int course_id = 0;
    int flow = 1;
    std::optional<Micros> start;                 // earliest date_shown of the flow's schedule rows
    std::optional<Micros> attestation_deadline;  // latest opening of an attestation activity
    std::vector<Activity> activities;            // ordered by (shown, activity_id)
    std::unordered_map<int, std::size_t> index;  // activity_id -> position
};

// A learner's flow from users.flow_num as <schema>.learner_flows computes it:
// empty = 1; NaN, negative or >= 1000000 = none; else round(real), i.e. to
// nearest with ties to even (PostgreSQL's float round uses rint).
std::optional<int> learner_flow(std::optional<double> flow_num);

// All (course, flow) pairs of a schema, built once per call from schedule + guide.
class CourseCatalog {
public:
    static CourseCatalog build(const std::vector<ScheduleRow>& schedule, const std::vector<GuideRow>& guide);
    // The learner's flow of its course, picked as <schema>.learner_flows does:
    // that (course, flow); else the course's only flow when it has one (exports
    // listing the catalogue once); else nullptr, as for an unknown course.
    const Course* find(std::optional<int> course_id, std::optional<double> flow_num) const;
    std::size_t size() const { return courses_.size(); }  // (course, flow) pairs

private:
    std::map<std::pair<int, int>, Course> courses_;  // (course_id, flow) -> course
};

// True for activity types that take results (case-insensitive ASCII).
bool is_result_bearing_type(const std::string& type);

struct Learner {
    int user_id = 0;
    std::optional<int> unti_id, course_id, tg_bot, m2_progress, m2_attestation, age;
    std::optional<double> flow_num;
    std::optional<double> time_zone;  // hours, already parsed (see parse_time_zone)
    std::optional<Micros> m2_attestation_date;
};

// "+03:00" -> 3, "-05:30" -> -5.5, "+3" -> 3; anything else -> nullopt.
std::optional<double> parse_time_zone(const std::string& text);

struct ViewEvent {
    Micros t = 0;
    bool activity_page = false;  // page_type 'активность': page_id is an activity_id
    int page_id = 0;
};
struct ResultEvent {
    Micros t = 0;
    int activity_id = 0;
    std::optional<int> result;  // NULL = skipped
    int success = 0;
};
enum class WebinarKind : std::uint8_t { Connect = 0, Disconnect = 1, Other = 2 };
struct WebinarEvent {
    Micros t = 0;
    WebinarKind kind = WebinarKind::Other;
    int webinar_id = 0;
    bool online = false;  // conn_format 'онлайн'
};
struct TagEvent {
    Micros t = 0;
    std::string comment;
};

// One learner's events. The engine sorts each list and drops exact
// duplicates (same values in every field it reads) in place.
struct LearnerEvents {
    std::vector<Micros> auth;
    std::vector<ViewEvent> views;
    std::vector<ResultEvent> results;
    std::vector<WebinarEvent> webinars;
    std::vector<TagEvent> tags;
    void clear();
    std::size_t size() const { return auth.size() + views.size() + results.size() + webinars.size() + tags.size(); }
};

// The 39 columns (#0..#38 of docs/features.md, members generated from
// daily_columns.h in SQL order; numbers 0, optionals NULL) plus the activity status.
static_assert(std::is_same_v<daily_kind::Date, Day>, "cur_date is a Day");
struct DailyRow {
#define LS_DAILY_MEMBER(name, kind, weekly) daily_kind::kind name{};
    LS_DAILY_COLUMNS(LS_DAILY_MEMBER)
#undef LS_DAILY_MEMBER
    // activity status (docs/features.md "Activity status") and course position
    std::optional<Micros> last_activity_at;
    std::optional<int> days_inactive;
    ActivityStatus status = ActivityStatus::Unknown;
    std::optional<int> theme_id, task_id;  // of the most recently opened activity (module is above)
};

class FeatureEngine {
public:
    FeatureEngine(const CourseCatalog& catalog, StatusThresholds thresholds);

    // Appends one row per date (dates strictly ascending) to `out`.
    // `events` is normalized in place (sorted, exact duplicates dropped).
    void compute(const Learner& learner, LearnerEvents& events, const std::vector<Day>& dates,
                 std::vector<DailyRow>& out);

private:
    class Pass;  // one learner's pass over the dates (feature_engine.cpp)
    struct ActivityState {  // per course activity, for the learner being computed
        bool opened = false;
        std::optional<Micros> first_view;
        int attempts = 0;
        bool passed = false;
        std::optional<int> best;
    };
    const CourseCatalog& catalog_;
    StatusThresholds thresholds_;
    std::vector<ActivityState> scratch_;  // reused across learners
};

// Dates from..to stepping `step_days` (validated: from <= to, step > 0).
std::vector<Day> date_range(Day from, Day to, int step_days);

}  // namespace ls::features
