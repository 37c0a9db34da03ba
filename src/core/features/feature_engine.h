// The learner daily time-series engine (docs/features.md): one ordered pass over a
// learner's events and the course schedule produces the 39 columns of
// <schema>.learner_daily plus the activity status for each requested date.
// Pure C++17; times are PostgreSQL's own representation (microseconds and days
// since 2000-01-01) so the glue copies them without conversion. Definitions
// are in docs/features.md; every value for cur_date uses only events with a
// timestamp before cur_date + 1 day.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/features/activity_status.h"

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

// A course activity after de-duplication of the schedule.
struct Activity {
    int activity_id = 0;
    Micros shown = 0;     // opening: earliest date_shown of its schedule rows
    Micros deadline = 0;  // next opening in the course after `shown`, else shown + 7 days
    bool required = false;
    bool attestation = false;
    bool result_bearing = false;  // exercise, CodeExercise, question, interactive
    std::optional<int> module, theme_id, task_id;
};

struct Course {
    int course_id = 0;
    std::optional<Micros> start;                 // earliest date_shown of any schedule row
    std::optional<Micros> attestation_deadline;  // latest opening of an attestation activity
    std::vector<Activity> activities;            // ordered by (shown, activity_id)
    std::unordered_map<int, std::size_t> index;  // activity_id -> position
};

// All courses of a schema, built once per call from schedule + guide.
class CourseCatalog {
public:
    static CourseCatalog build(const std::vector<ScheduleRow>& schedule, const std::vector<GuideRow>& guide);
    const Course* find(std::optional<int> course_id) const;
    std::size_t size() const { return courses_.size(); }

private:
    std::unordered_map<int, Course> courses_;
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

// The 39 columns (#0..#38 of docs/features.md) plus the activity status.
struct DailyRow {
    int user_id = 0;
    int payment = 0;
    std::optional<double> time_zone;
    std::optional<int> age, unti_id, course_id;
    std::optional<double> flow_num;
    std::optional<int> tg_bot, m2_progress, m2_attestation;
    std::optional<int> module;
    double m2_delay = 0;
    int sum_auth = 0;
    int sum_schedule_activities = 0, sum_required_activity = 0, sum_attestation_activity = 0;
    double view_delay_first = 0, view_delay_sum = 0;
    int sum_activity_viewed = 0, sum_required_activity_viewed = 0, sum_attestation_activity_viewed = 0;
    double w_view_hours = 0;
    int sum_exercise = 0, sum_required_exercises = 0, sum_attestation_exercises = 0;
    double exercise_delay_first = 0, exercise_delay_sum = 0;
    double result_delay_mean = 0, result_delay_sum = 0;
    double sum_exercise_attempts_mean = 0;
    double mean_required_result = 0, mean_non_req_result = 0, mean_attestation_result = 0;
    std::int64_t sum_result = 0;
    int conn = 0;
    double online_rate = 0, mean_result = 0, progress = 0;
    Day cur_date = 0;
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
