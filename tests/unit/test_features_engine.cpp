// Feature engine: each definition of docs/features.md on a hand-written event
// sequence with hand-computed expected values.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/base/error.h"
#include "core/features/daily_columns.h"
#include "core/features/feature_engine.h"
#include "core/features/feature_tags.h"

using namespace ls::features;

namespace {

// Days since 2000-01-01 of a civil date (H. Hinnant's algorithm).
Day civil(int y, int m, int d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<Day>(era * 146097 + static_cast<int>(doe) - 719468 - 10957);
}
Micros ts(int m, int d, int hh, int mm = 0, int y = 2023) {
    return static_cast<Micros>(civil(y, m, d)) * kMicrosPerDay + (hh * 60LL + mm) * 60LL * 1000000LL;
}
constexpr double kH = 1.0 / 24.0;  // one hour in days

ScheduleRow act(int activity_id, int task_id, const char* type, int att, Micros shown) {
    return ScheduleRow{1, true, task_id, activity_id, std::string(type), att, shown};
}
GuideRow guide(int activity_id, int module, int theme, int task, const char* type, int required) {
    return GuideRow{activity_id, module, theme, task, std::string(type), required};
}

// Course 1: task 10 opens 12-01 10:00 (lesson + activities 101 slide, 102
// exercise required), task 20 opens 12-08 10:00 (201 CodeExercise), task 30
// opens 12-15 10:00 (301 exercise, attestation, required; its schedule row is
// duplicated). Openings: 12-01, 12-08, 12-15 at 10:00 -> deadlines 12-08,
// 12-15 and, for the last task, 12-15 + 7 days = 12-22 10:00.
std::vector<ScheduleRow> schedule() {
    ScheduleRow lesson;
    lesson.course_id = 1;
    lesson.is_activity = false;
    lesson.task_id = 10;
    lesson.date_shown = ts(12, 1, 10);
    return {lesson,
            act(101, 10, "slide", 0, ts(12, 1, 10)),
            act(102, 10, "exercise", 0, ts(12, 1, 10)),
            act(201, 20, "CodeExercise", 0, ts(12, 8, 10)),
            act(301, 30, "exercise", 1, ts(12, 15, 10)),
            act(301, 30, "exercise", 1, ts(12, 15, 10))};
}
std::vector<GuideRow> guides() {
    return {guide(101, 1, 1, 10, "slide", 0), guide(102, 1, 1, 10, "exercise", 1),
            guide(201, 2, 2, 20, "CodeExercise", 0), guide(301, 2, 3, 30, "exercise", 1)};
}
CourseCatalog catalog() { return CourseCatalog::build(schedule(), guides()); }

Learner learner() {
    Learner l;
    l.user_id = 7;
    l.course_id = 1;
    l.unti_id = 1000;
    l.age = 30;
    l.tg_bot = 1;
    l.flow_num = 1.0;
    l.m2_progress = 55;
    l.m2_attestation = 70;
    l.time_zone = parse_time_zone("+05:30");
    l.m2_attestation_date = ts(12, 18, 10);
    return l;
}

LearnerEvents events() {
    LearnerEvents e;
    e.auth = {ts(11, 25, 9), ts(12, 1, 8), ts(12, 1, 8) /* duplicate */, ts(12, 10, 12)};
    e.views = {{ts(12, 1, 12), true, 101}, {ts(12, 1, 13), true, 101} /* second view */,
               {ts(12, 5, 10), true, 201} /* before its opening */, {ts(12, 2, 9), false, 10} /* lesson */,
               {ts(12, 3, 9), true, 999} /* not of the course */};
    e.results = {{ts(12, 3, 9), 102, 40, 0},
                 {ts(12, 3, 9), 102, 40, 0} /* duplicate */,
                 {ts(12, 9, 10), 102, 80, 1},
                 {ts(12, 9, 11), 102, std::nullopt, 0} /* skip */,
                 {ts(12, 16, 10), 301, 90, 1}};
    e.webinars = {{ts(12, 2, 19), WebinarKind::Connect, 1, true},
                  {ts(12, 2, 20, 30), WebinarKind::Disconnect, 1, true},
                  {ts(12, 3, 19), WebinarKind::Connect, 2, false} /* never disconnected */,
                  {ts(12, 4, 10), WebinarKind::Connect, 1, true},
                  {ts(12, 4, 16), WebinarKind::Disconnect, 1, true} /* 6 h, capped at 4 */,
                  {ts(12, 4, 17), WebinarKind::Disconnect, 3, true} /* no connection */,
                  {ts(12, 5, 23), WebinarKind::Connect, 4, false},
                  {ts(12, 6, 1), WebinarKind::Disconnect, 4, false}};
    e.tags = {{ts(12, 2, 8), "Были хештеги: #a, стали: #a #M1-оплачен"},
              {ts(12, 10, 8), "Были хештеги: #a #M1-оплачен, стали: #a"},
              {ts(12, 11, 8), "Установлен хештег \"#M2-оплачен\""}};
    return e;
}

std::map<Day, DailyRow> run_on(const CourseCatalog& cat, LearnerEvents e, Day from, Day to,
                               const Learner& l) {
    FeatureEngine engine(cat, StatusThresholds{});
    std::vector<DailyRow> rows;
    engine.compute(l, e, date_range(from, to, 1), rows);
    std::map<Day, DailyRow> by_day;
    for (auto& r : rows) by_day[r.cur_date] = r;
    return by_day;
}

std::map<Day, DailyRow> run(LearnerEvents e, Day from, Day to, Learner l = learner()) {
    return run_on(catalog(), std::move(e), from, to, l);
}

const std::map<Day, DailyRow>& rows() {
    static const std::map<Day, DailyRow> r = run(events(), civil(2023, 11, 30), civil(2023, 12, 31));
    return r;
}
const DailyRow& at(int m, int d) { return rows().at(civil(2023, m, d)); }

}  // namespace

TEST(FeaturesCatalog, DeduplicatesAndComputesDeadlines) {
    CourseCatalog cat = catalog();
    EXPECT_EQ(cat.size(), 1u);
    const Course* c = cat.find(1, 1.0);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->activities.size(), 4u);
    EXPECT_EQ(*c->start, ts(12, 1, 10));
    EXPECT_EQ(*c->attestation_deadline, ts(12, 15, 10));
    EXPECT_EQ(c->activities[c->index.at(101)].deadline, ts(12, 8, 10));
    EXPECT_EQ(c->activities[c->index.at(201)].deadline, ts(12, 15, 10));
    EXPECT_EQ(c->activities[c->index.at(301)].deadline, ts(12, 22, 10));
    EXPECT_TRUE(c->activities[c->index.at(102)].required);
    EXPECT_FALSE(c->activities[c->index.at(101)].result_bearing);
    EXPECT_TRUE(c->activities[c->index.at(201)].result_bearing);
    EXPECT_EQ(cat.find(2, 1.0), nullptr);
    EXPECT_EQ(cat.find(std::nullopt, 1.0), nullptr);
}

TEST(FeaturesEngine, StaticColumns) {
    const DailyRow& r = at(12, 5);
    EXPECT_EQ(r.user_id, 7);
    EXPECT_DOUBLE_EQ(*r.time_zone, 5.5);
    EXPECT_EQ(*r.age, 30);
    EXPECT_EQ(*r.unti_id, 1000);
    EXPECT_EQ(*r.course_id, 1);
    EXPECT_EQ(*r.m2_progress, 55);
    EXPECT_EQ(*r.m2_attestation, 70);
    EXPECT_EQ(r.cur_date, civil(2023, 12, 5));
}

TEST(FeaturesEngine, BeforeTheCourseStartEverythingIsZero) {
    const DailyRow& r = at(11, 30);
    EXPECT_FALSE(r.module.has_value());
    EXPECT_EQ(r.sum_schedule_activities, 0);
    EXPECT_EQ(r.sum_auth, 0);  // the 11-25 log-in is before the course start
    EXPECT_EQ(r.view_delay_sum, 0.0);
    EXPECT_EQ(r.m2_delay, 0.0);
    EXPECT_EQ(r.payment, 0);
    // status: the 11-25 log-in is the last activity event, 5 days ago
    EXPECT_EQ(*r.days_inactive, 5);
    EXPECT_EQ(r.status, ActivityStatus::Active);
}

TEST(FeaturesEngine, OpenedActivitiesAndModule) {
    EXPECT_EQ(at(12, 1).sum_schedule_activities, 2);
    EXPECT_EQ(at(12, 1).sum_required_activity, 1);
    EXPECT_EQ(at(12, 1).sum_attestation_activity, 0);
    EXPECT_EQ(*at(12, 1).module, 1);
    EXPECT_EQ(*at(12, 1).task_id, 10);
    EXPECT_EQ(at(12, 8).sum_schedule_activities, 3);
    EXPECT_EQ(*at(12, 8).module, 2);
    EXPECT_EQ(*at(12, 8).theme_id, 2);
    EXPECT_EQ(at(12, 15).sum_schedule_activities, 4);  // the duplicated row counts once
    EXPECT_EQ(at(12, 15).sum_required_activity, 2);
    EXPECT_EQ(at(12, 15).sum_attestation_activity, 1);
    EXPECT_EQ(*at(12, 15).task_id, 30);
}

TEST(FeaturesEngine, SumAuthCountsFromTheCourseStartWithoutDuplicates) {
    EXPECT_EQ(at(12, 1).sum_auth, 1);
    EXPECT_EQ(at(12, 9).sum_auth, 1);
    EXPECT_EQ(at(12, 10).sum_auth, 2);
}

TEST(FeaturesEngine, ViewDelays) {
    // 12-01: 101 viewed 2 h after opening; 102 unviewed, open for 14 h at the end of the day
    EXPECT_NEAR(at(12, 1).view_delay_first, 2 * kH, 1e-12);
    EXPECT_NEAR(at(12, 1).view_delay_sum, 14 * kH, 1e-12);
    EXPECT_EQ(at(12, 1).sum_activity_viewed, 1);
    EXPECT_EQ(at(12, 1).sum_required_activity_viewed, 0);
    // 12-05: 201 viewed, but not yet opened: counted as viewed, not in the delays
    EXPECT_EQ(at(12, 5).sum_activity_viewed, 2);
    EXPECT_NEAR(at(12, 5).view_delay_first, 2 * kH, 1e-12);
    EXPECT_NEAR(at(12, 5).view_delay_sum, 4 + 14 * kH, 1e-12);
    // 12-08: 201 opens, viewed 3 days before -> delay -3 days
    EXPECT_NEAR(at(12, 8).view_delay_first, (2 * kH - 3) / 2, 1e-12);
    EXPECT_NEAR(at(12, 8).view_delay_sum, 7 + 14 * kH, 1e-12);
    // 12-15: 301 opens (attestation, required) unviewed: +14 h
    EXPECT_NEAR(at(12, 15).view_delay_sum, 14 + 28 * kH, 1e-12);
    EXPECT_EQ(at(12, 15).sum_attestation_activity_viewed, 0);
}

TEST(FeaturesEngine, ExerciseResults) {
    const DailyRow& a = at(12, 3);  // one failed attempt of 102 (duplicate dropped), 40 points
    EXPECT_EQ(a.sum_exercise, 0);
    EXPECT_NEAR(a.exercise_delay_first, -(5 + 1 * kH), 1e-12);  // 12-03 09:00 - 12-08 10:00
    EXPECT_NEAR(a.exercise_delay_sum, -(5 + 1 * kH), 1e-12);
    EXPECT_DOUBLE_EQ(a.sum_exercise_attempts_mean, 1.0);
    EXPECT_DOUBLE_EQ(a.mean_required_result, 40.0);
    EXPECT_DOUBLE_EQ(a.mean_non_req_result, 0.0);
    EXPECT_EQ(a.sum_result, 40);
    EXPECT_DOUBLE_EQ(a.mean_result, 40.0);
    EXPECT_DOUBLE_EQ(a.result_delay_mean, 0.0);
    EXPECT_DOUBLE_EQ(a.progress, 0.0);  // 102 opened (result-bearing), not passed

    const DailyRow& b = at(12, 9);  // passed 12-09 10:00 = deadline + 1 day; a skip after it
    EXPECT_EQ(b.sum_exercise, 1);
    EXPECT_EQ(b.sum_required_exercises, 1);
    EXPECT_NEAR(b.result_delay_mean, 1.0, 1e-12);
    EXPECT_NEAR(b.result_delay_sum, 1.0, 1e-12);
    EXPECT_NEAR(b.exercise_delay_first, -(5 + 1 * kH), 1e-12);  // still the first attempt
    EXPECT_DOUBLE_EQ(b.sum_exercise_attempts_mean, 3.0);
    EXPECT_DOUBLE_EQ(b.mean_required_result, 80.0);  // best result
    EXPECT_EQ(b.sum_result, 80);
    EXPECT_DOUBLE_EQ(b.progress, 50.0);  // 102 passed of {102, 201}

    const DailyRow& c = at(12, 16);  // 301 passed with 90, 6 days before its deadline (12-22 10:00)
    EXPECT_EQ(c.sum_exercise, 2);
    EXPECT_EQ(c.sum_attestation_exercises, 1);
    EXPECT_NEAR(c.result_delay_sum, 1.0 - 6.0, 1e-12);
    EXPECT_NEAR(c.result_delay_mean, -2.5, 1e-12);
    EXPECT_NEAR(c.exercise_delay_sum, -(5 + 1 * kH) - 6.0, 1e-12);
    EXPECT_NEAR(c.exercise_delay_first, (-(5 + 1 * kH) - 6.0) / 2, 1e-12);
    EXPECT_DOUBLE_EQ(c.sum_exercise_attempts_mean, 2.0);  // 4 attempts over 2 activities
    EXPECT_DOUBLE_EQ(c.mean_required_result, 85.0);
    EXPECT_DOUBLE_EQ(c.mean_attestation_result, 90.0);
    EXPECT_EQ(c.sum_result, 170);
    EXPECT_DOUBLE_EQ(c.mean_result, 85.0);
    EXPECT_NEAR(c.progress, 200.0 / 3.0, 1e-12);  // {102, 301} of {102, 201, 301}
}

TEST(FeaturesEngine, Webinars) {
    EXPECT_NEAR(at(12, 2).w_view_hours, 1.5, 1e-12);
    EXPECT_EQ(at(12, 3).conn, 2);
    EXPECT_NEAR(at(12, 3).online_rate, 0.5, 1e-12);
    EXPECT_NEAR(at(12, 4).w_view_hours, 5.5, 1e-12);  // 1.5 + min(6, 4)
    EXPECT_NEAR(at(12, 4).online_rate, 2.0 / 3.0, 1e-12);
    // a connection whose disconnection comes tomorrow counts 0 today
    EXPECT_EQ(at(12, 5).conn, 4);
    EXPECT_NEAR(at(12, 5).w_view_hours, 5.5, 1e-12);
    EXPECT_NEAR(at(12, 6).w_view_hours, 7.5, 1e-12);
    EXPECT_EQ(at(12, 1).conn, 0);
    EXPECT_EQ(at(12, 1).online_rate, 0.0);
}

TEST(FeaturesEngine, PaymentFollowsTheTagSetInForce) {
    EXPECT_EQ(at(12, 1).payment, 0);
    EXPECT_EQ(at(12, 2).payment, 1);
    EXPECT_EQ(at(12, 9).payment, 1);
    EXPECT_EQ(at(12, 10).payment, 0);
    EXPECT_EQ(at(12, 11).payment, 1);
}

TEST(FeaturesEngine, AttestationDelay) {
    EXPECT_EQ(at(12, 14).m2_delay, 0.0);                         // deadline 12-15 10:00 not passed
    EXPECT_NEAR(at(12, 15).m2_delay, 14 * kH, 1e-12);            // end of 12-15 - 10:00
    EXPECT_NEAR(at(12, 17).m2_delay, 2 + 14 * kH, 1e-12);        // still not attested
    EXPECT_NEAR(at(12, 18).m2_delay, 3.0, 1e-12);                // attested 12-18 10:00
    EXPECT_NEAR(at(12, 31).m2_delay, 3.0, 1e-12);
}

TEST(FeaturesEngine, ActivityStatus) {
    // last activity events: 12-16 (result) -> 7 idle days on 12-23, 20 on 01-05
    EXPECT_EQ(*at(12, 16).days_inactive, 0);
    EXPECT_EQ(at(12, 22).status, ActivityStatus::Active);
    EXPECT_EQ(*at(12, 23).days_inactive, 7);
    EXPECT_EQ(at(12, 23).status, ActivityStatus::FallingAsleep);
    EXPECT_EQ(*at(12, 23).last_activity_at, ts(12, 16, 10));
    auto later = run(events(), civil(2024, 1, 4), civil(2024, 1, 5));
    EXPECT_EQ(later.at(civil(2024, 1, 4)).status, ActivityStatus::FallingAsleep);
    EXPECT_EQ(later.at(civil(2024, 1, 5)).status, ActivityStatus::Asleep);
}

TEST(FeaturesEngine, NoEventsNoCourse) {
    Learner l = learner();
    l.course_id = 99;  // not in the schedule
    auto r = run(LearnerEvents{}, civil(2023, 12, 1), civil(2023, 12, 3), l);
    const DailyRow& x = r.at(civil(2023, 12, 3));
    EXPECT_EQ(x.sum_schedule_activities, 0);
    EXPECT_FALSE(x.module.has_value());
    EXPECT_FALSE(x.days_inactive.has_value());
    EXPECT_EQ(x.status, ActivityStatus::Unknown);
    EXPECT_EQ(x.m2_delay, 0.0);

    // no events, a course: idle since the course start
    auto y = run(LearnerEvents{}, civil(2023, 12, 20), civil(2023, 12, 21));
    EXPECT_EQ(*y.at(civil(2023, 12, 20)).days_inactive, 19);
    EXPECT_EQ(y.at(civil(2023, 12, 20)).status, ActivityStatus::FallingAsleep);
    EXPECT_EQ(y.at(civil(2023, 12, 21)).status, ActivityStatus::Asleep);
    EXPECT_EQ(y.at(civil(2023, 12, 21)).mean_result, 0.0);
    EXPECT_NEAR(y.at(civil(2023, 12, 21)).view_delay_sum, (20 + 14 * kH) * 2 + 13 + 14 * kH + 6 + 14 * kH, 1e-9);
}

TEST(FeaturesEngine, FutureEventsNeverChangeEarlierRows) {
    const Day from = civil(2023, 11, 30), to = civil(2023, 12, 31);
    auto base = run(events(), from, to);
    LearnerEvents more = events();
    // events on and after 2024-01-01 (after the last cur_date)
    more.auth.push_back(ts(1, 1, 0, 0, 2024));
    more.views.push_back({ts(1, 1, 0, 0, 2024), true, 102});
    more.results.push_back({ts(1, 2, 0, 0, 2024), 201, 100, 1});
    more.webinars.push_back({ts(1, 1, 0, 0, 2024), WebinarKind::Disconnect, 2, false});
    more.tags.push_back({ts(1, 1, 0, 0, 2024), "Установлен хештег \"#M3-оплачен\""});
    auto after = run(more, from, to);
    ASSERT_EQ(base.size(), after.size());
    for (const auto& [d, r] : base) {
        const DailyRow& s = after.at(d);
        EXPECT_EQ(r.payment, s.payment);
        EXPECT_EQ(r.sum_auth, s.sum_auth);
        EXPECT_EQ(r.sum_activity_viewed, s.sum_activity_viewed);
        EXPECT_EQ(r.view_delay_sum, s.view_delay_sum);
        EXPECT_EQ(r.view_delay_first, s.view_delay_first);
        EXPECT_EQ(r.sum_exercise, s.sum_exercise);
        EXPECT_EQ(r.exercise_delay_sum, s.exercise_delay_sum);
        EXPECT_EQ(r.w_view_hours, s.w_view_hours);
        EXPECT_EQ(r.progress, s.progress);
        EXPECT_EQ(r.days_inactive, s.days_inactive);
        EXPECT_EQ(r.status, s.status);
    }
    // and the new events do show on 2024-01-02
    auto jan = run(more, civil(2024, 1, 2), civil(2024, 1, 2));
    EXPECT_EQ(jan.begin()->second.sum_exercise, 3);
    EXPECT_EQ(jan.begin()->second.payment, 1);
    EXPECT_NEAR(jan.begin()->second.w_view_hours, 7.5 + 4, 1e-12);  // the 12-03 connection now closes (capped)
}

TEST(FeaturesEngine, SparseDatesGiveTheSameValuesAsDailyDates) {
    CourseCatalog cat = catalog();
    FeatureEngine engine(cat, StatusThresholds{});
    std::vector<DailyRow> weekly;
    LearnerEvents e = events();
    engine.compute(learner(), e, date_range(civil(2023, 12, 1), civil(2023, 12, 29), 7), weekly);
    ASSERT_EQ(weekly.size(), 5u);
    for (const auto& w : weekly) {
        const DailyRow& d = rows().at(w.cur_date);
        EXPECT_EQ(w.view_delay_sum, d.view_delay_sum);
        EXPECT_EQ(w.sum_result, d.sum_result);
        EXPECT_EQ(w.w_view_hours, d.w_view_hours);
    }
}

namespace {

// Course 1 in two flows, as exports list it: flow 2 repeats every schedule row
// (same activity ids) 147 days later.
constexpr Micros kFlowGap = 147 * kMicrosPerDay;
std::vector<ScheduleRow> two_flows() {
    std::vector<ScheduleRow> s = schedule();
    for (ScheduleRow r : schedule()) {
        r.flow = 2;
        *r.date_shown += kFlowGap;
        s.push_back(r);
    }
    return s;
}
LearnerEvents shifted(LearnerEvents e, Micros by) {
    for (auto& t : e.auth) t += by;
    for (auto& v : e.views) v.t += by;
    for (auto& r : e.results) r.t += by;
    for (auto& w : e.webinars) w.t += by;
    for (auto& g : e.tags) g.t += by;
    return e;
}
Learner in_flow(std::optional<double> flow_num) {
    Learner l = learner();
    l.flow_num = flow_num;
    return l;
}
// Every column but cur_date and flow_num, plus the status (last_activity_at
// moves with the events, so it is compared shifted).
void expect_same_features(const DailyRow& a, const DailyRow& b, Micros shift) {
#define LS_EXPECT_SAME(name, kind, weekly)                                      \
    if (std::string(#name) != "cur_date" && std::string(#name) != "flow_num") { \
        EXPECT_EQ(a.name, b.name) << #name;                                     \
    }
    LS_DAILY_COLUMNS(LS_EXPECT_SAME)
#undef LS_EXPECT_SAME
    EXPECT_EQ(a.days_inactive, b.days_inactive);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.theme_id, b.theme_id);
    EXPECT_EQ(a.task_id, b.task_id);
    std::optional<Micros> moved = a.last_activity_at;
    if (moved) *moved += shift;
    EXPECT_EQ(moved, b.last_activity_at);
}

}  // namespace

TEST(FeaturesFlows, LearnerFlowIsUsersFlowNumAsLearnerFlowsReadsIt) {
    EXPECT_EQ(learner_flow(std::nullopt), 1);
    EXPECT_EQ(learner_flow(2.0), 2);
    EXPECT_EQ(learner_flow(1.6), 2);
    EXPECT_EQ(learner_flow(0.0), 0);
    EXPECT_EQ(learner_flow(2.5), 2);  // round(real) in PostgreSQL: rint, ties to even
    EXPECT_EQ(learner_flow(3.5), 4);
    EXPECT_EQ(learner_flow(999999.4), 999999);
    EXPECT_EQ(learner_flow(std::nan("")), std::nullopt);
    EXPECT_EQ(learner_flow(-0.5), std::nullopt);
    EXPECT_EQ(learner_flow(1000000.0), std::nullopt);
    EXPECT_EQ(learner_flow(HUGE_VAL), std::nullopt);
}

TEST(FeaturesFlows, CatalogHasOneCoursePerFlow) {
    CourseCatalog cat = CourseCatalog::build(two_flows(), guides());
    EXPECT_EQ(cat.size(), 2u);
    const Course* f1 = cat.find(1, 1.0);
    const Course* f2 = cat.find(1, 2.0);
    ASSERT_NE(f1, nullptr);
    ASSERT_NE(f2, nullptr);
    EXPECT_EQ(f1->flow, 1);
    EXPECT_EQ(f2->flow, 2);
    EXPECT_EQ(cat.find(1, std::nullopt), f1);  // empty flow_num = flow 1
    EXPECT_EQ(cat.find(1, 1.6), f2);
    EXPECT_EQ(*f1->start, ts(12, 1, 10));
    EXPECT_EQ(*f2->start, ts(12, 1, 10) + kFlowGap);
    EXPECT_EQ(*f2->attestation_deadline, ts(12, 15, 10) + kFlowGap);
    ASSERT_EQ(f2->activities.size(), 4u);
    for (std::size_t i = 0; i < f1->activities.size(); ++i) {
        const Activity& a = f1->activities[i];
        const Activity& b = f2->activities[i];
        EXPECT_EQ(a.activity_id, b.activity_id);
        EXPECT_EQ(a.shown + kFlowGap, b.shown);
        EXPECT_EQ(a.deadline + kFlowGap, b.deadline);  // the last task's: its own shown + 7 days
        EXPECT_EQ(a.required, b.required);
        EXPECT_EQ(a.module, b.module);
    }
    // no such flow in a course of several: no course, as learner_flows gives no dates
    EXPECT_EQ(cat.find(1, 3.0), nullptr);
    EXPECT_EQ(cat.find(1, 0.0), nullptr);
    EXPECT_EQ(cat.find(1, std::nan("")), nullptr);
    EXPECT_EQ(cat.find(1, -1.0), nullptr);
    EXPECT_EQ(cat.find(2, 1.0), nullptr);
}

TEST(FeaturesFlows, ACourseWithOneFlowServesEveryFlowNumber) {
    CourseCatalog cat = catalog();  // schedule without flows: all flow 1
    const Course* c = cat.find(1, 1.0);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(cat.find(1, 2.0), c);
    EXPECT_EQ(cat.find(1, std::nan("")), c);
    EXPECT_EQ(cat.find(1, 1e9), c);
    // a single flow that is not flow 1 serves flow 1 too
    std::vector<ScheduleRow> s = schedule();
    for (ScheduleRow& r : s) r.flow = 2;
    CourseCatalog only2 = CourseCatalog::build(s, guides());
    ASSERT_NE(only2.find(1, std::nullopt), nullptr);
    EXPECT_EQ(only2.find(1, std::nullopt)->flow, 2);
}

TEST(FeaturesFlows, ALaterFlowLearnerSeesItsOwnFlowsSchedule) {
    CourseCatalog cat = CourseCatalog::build(two_flows(), guides());
    const Day from = civil(2023, 11, 30), to = civil(2023, 12, 31), gap = 147;
    auto one = run_on(cat, events(), from, to, in_flow(1.0));
    Learner l2 = in_flow(2.0);
    *l2.m2_attestation_date += kFlowGap;  // attested as late in its flow
    auto two = run_on(cat, shifted(events(), kFlowGap), from + gap, to + gap, l2);
    ASSERT_EQ(one.size(), two.size());
    for (const auto& [d, r] : one) {
        SCOPED_TRACE(d - from);
        expect_same_features(r, two.at(d + gap), kFlowGap);
    }
    // flow-2 week 1 (not every activity opened since the flow-1 start)
    const DailyRow& w1 = two.at(civil(2023, 12, 1) + gap);
    EXPECT_EQ(w1.sum_schedule_activities, 2);
    EXPECT_EQ(*w1.module, 1);
    EXPECT_NEAR(w1.view_delay_first, 2 * kH, 1e-12);
    EXPECT_EQ(w1.m2_delay, 0.0);
    EXPECT_EQ(two.at(civil(2023, 11, 30) + gap).sum_schedule_activities, 0);
    // the flow-1 rows equal those of the catalog without flows
    for (const auto& [d, r] : one) expect_same_features(r, rows().at(d), 0);
}

TEST(FeaturesFlows, ASingleFlowScheduleKeepsTheOldBehaviourForAnyFlowNum) {
    const Day from = civil(2023, 11, 30), to = civil(2023, 12, 31);
    for (std::optional<double> f : {std::optional<double>(2.0), std::optional<double>(std::nan("")),
                                    std::optional<double>(std::nullopt)}) {
        auto r = run(events(), from, to, in_flow(f));
        for (const auto& [d, row] : r) expect_same_features(row, rows().at(d), 0);
    }
}

TEST(FeaturesFlows, AFlowNoScheduleHasGetsNoCourse) {
    CourseCatalog cat = CourseCatalog::build(two_flows(), guides());
    for (double f : {3.0, std::nan("")}) {
        auto r = run_on(cat, LearnerEvents{}, civil(2023, 12, 1), civil(2023, 12, 20), in_flow(f));
        const DailyRow& x = r.at(civil(2023, 12, 20));
        EXPECT_EQ(x.sum_schedule_activities, 0);
        EXPECT_FALSE(x.module.has_value());
        EXPECT_EQ(x.m2_delay, 0.0);
        EXPECT_FALSE(x.days_inactive.has_value());
        EXPECT_EQ(x.status, ActivityStatus::Unknown);
        EXPECT_EQ(*x.course_id, 1);  // the learner's own columns stay
    }
}

TEST(FeaturesTimeZone, Parses) {
    EXPECT_DOUBLE_EQ(*parse_time_zone("+03:00"), 3.0);
    EXPECT_DOUBLE_EQ(*parse_time_zone("-05:30"), -5.5);
    EXPECT_DOUBLE_EQ(*parse_time_zone("+0545"), 5.75);
    EXPECT_DOUBLE_EQ(*parse_time_zone(" 7 "), 7.0);
    EXPECT_FALSE(parse_time_zone("").has_value());
    EXPECT_FALSE(parse_time_zone("UTC").has_value());
    EXPECT_FALSE(parse_time_zone("+03:75").has_value());
    EXPECT_FALSE(parse_time_zone("+99:00").has_value());
    EXPECT_FALSE(parse_time_zone("+03:0").has_value());
    EXPECT_DOUBLE_EQ(*parse_time_zone("+300"), 3.0);   // H MM
    EXPECT_DOUBLE_EQ(*parse_time_zone("-030"), -0.5);
    EXPECT_FALSE(parse_time_zone("+12345").has_value());
    EXPECT_FALSE(parse_time_zone("+").has_value());
    EXPECT_FALSE(parse_time_zone("3 :00").has_value());
}

TEST(FeaturesTags, PaymentRules) {
    PaymentTracker p;
    p.apply("Установлен хештег \"#онлайн\"");
    EXPECT_FALSE(p.paid());
    p.apply("  Установлен хештег «#M1-оплачен»");
    EXPECT_TRUE(p.paid());
    p.apply("Были хештеги: #M1-оплачен, стали: #мотив");
    EXPECT_FALSE(p.paid());  // the before-set does not count
    p.apply("Были хештеги: , стали:#M2-оплачен,#онлайн");
    EXPECT_TRUE(p.paid());
    p.apply("Были хештеги: , стали: x#M2-оплачен #M2-оплаченный");
    EXPECT_FALSE(p.paid());  // not tags / not ending in -оплачен
    p.apply("something else #M1-оплачен");
    EXPECT_FALSE(p.paid());  // unknown comment: no change
    EXPECT_FALSE(PaymentTracker::has_paid_tag(""));
}

TEST(FeaturesStatus, ThresholdsAndRanges) {
    EXPECT_THROW((StatusThresholds{7, 7}.validate()), ls::Error);
    EXPECT_THROW((StatusThresholds{0, 20}.validate()), ls::Error);
    EXPECT_NO_THROW((StatusThresholds{3, 10}.validate()));
    StatusThresholds t{3, 10};
    EXPECT_EQ(classify(2, t), ActivityStatus::Active);
    EXPECT_EQ(classify(3, t), ActivityStatus::FallingAsleep);
    EXPECT_EQ(classify(10, t), ActivityStatus::Asleep);
    EXPECT_EQ(classify(-4, t), ActivityStatus::Active);
    EXPECT_EQ(classify(std::nullopt, t), ActivityStatus::Unknown);
    EXPECT_STREQ(status_name(ActivityStatus::FallingAsleep), "falling_asleep");
    EXPECT_EQ(status_name(ActivityStatus::Unknown), nullptr);
    EXPECT_THROW(date_range(10, 9, 1), ls::Error);
    EXPECT_THROW(date_range(1, 9, 0), ls::Error);
    EXPECT_EQ(date_range(1, 9, 4).size(), 3u);
    EXPECT_EQ(day_of(-1), -1);
    EXPECT_EQ(day_of(0), 0);
    EXPECT_EQ(day_of(kMicrosPerDay - 1), 0);
}

// ---------------------------------------------------------------- the row contract in SQL
// extension/sql/200_features.sql spells the daily columns out where PostgreSQL
// needs them; each list must be core/features/daily_columns.h exactly (name,
// type, order), so a column added or moved on one side only fails here.

namespace {

std::string features_sql() {
    std::string here = __FILE__;  // <repo>/tests/unit/test_features_engine.cpp
    for (int up = 0; up < 3; ++up) here = here.substr(0, here.find_last_of('/'));
    std::ifstream in(here + "/extension/sql/200_features.sql");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string squeeze(const std::string& s) {  // white space runs -> one blank, trimmed
    std::string out;
    for (char c : s) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// The comma-separated items between `open` (the first one after `anchor`) and
// the matching close, squeezed; `close_at`, when given, ends the list early.
std::vector<std::string> items_after(const std::string& sql, const std::string& anchor, const std::string& open,
                                     const std::string& close_at = "") {
    const std::size_t a = sql.find(anchor);
    if (a == std::string::npos) ADD_FAILURE() << "200_features.sql lacks: " << anchor;
    if (a == std::string::npos) return {};
    std::size_t i = sql.find(open, a + anchor.size()) + open.size();
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (; i < sql.size(); ++i) {
        const char c = sql[i];
        if (!close_at.empty() && sql.compare(i, close_at.size(), close_at) == 0) break;
        if (c == '(' || c == '[') ++depth;
        if ((c == ')' || c == ']') && depth-- == 0) break;
        if (c == ',' && depth == 0) {
            out.push_back(squeeze(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!squeeze(cur).empty()) out.push_back(squeeze(cur));  // a list cut at close_at ends in a comma
    return out;
}

std::vector<std::string> typed_columns() {  // "name type", as in RETURNS TABLE
    std::vector<std::string> out;
    for (const DailyColumn& c : kDailyColumns) out.push_back(std::string(c.name) + " " + std::string(c.sql_type()));
    return out;
}

std::vector<std::string> column_names(bool weekly_only) {
    std::vector<std::string> out;
    for (const DailyColumn& c : kDailyColumns)
        if (!weekly_only || c.weekly) out.push_back(std::string(c.name));
    return out;
}

}  // namespace

TEST(FeaturesRowContract, LearnerDailyReturnsTheColumnsOfDailyColumnsH) {
    const std::string sql = features_sql();
    ASSERT_FALSE(sql.empty()) << "cannot read extension/sql/200_features.sql";
    EXPECT_EQ(items_after(sql, "CREATE FUNCTION learnerscore.learner_daily(", "RETURNS TABLE ("), typed_columns());
}

TEST(FeaturesRowContract, LearnerDailyAllStartsWithTheSameColumns) {
    std::vector<std::string> all =
        items_after(features_sql(), "CREATE FUNCTION learnerscore._learner_daily_all(", "RETURNS TABLE (");
    std::vector<std::string> expected = typed_columns();
    for (const char* tail : {"last_activity_at timestamp", "days_inactive int", "status text", "theme_id int",
                             "task_id int"})
        expected.push_back(tail);
    EXPECT_EQ(all, expected);
}

TEST(FeaturesRowContract, MaterializedTableTakesTheColumnsOfLearnerDaily) {
    // <schema>.learner_daily is made from the function's result type, not from a list of its own.
    const std::string sql = squeeze(features_sql());
    EXPECT_NE(sql.find("CREATE TABLE IF NOT EXISTS %s.learner_daily AS SELECT * FROM "
                       "learnerscore.learner_daily(%L, NULL::date, NULL::date) WITH NO DATA"),
              std::string::npos);
    EXPECT_NE(sql.find("ALTER TABLE %s.learner_daily ADD PRIMARY KEY (user_id, cur_date)"), std::string::npos);
}

TEST(FeaturesRowContract, RefreshInsertsTheColumnsInOrder) {
    EXPECT_EQ(items_after(features_sql(), "INSERT INTO %4$s.learner_daily", "SELECT ", " FROM learnerscore.learner_daily("),
              column_names(false));
}

TEST(FeaturesRowContract, WeeklyFeatureNamesAreTheTimeVaryingColumns) {
    std::vector<std::string> quoted =
        items_after(features_sql(), "CREATE FUNCTION learnerscore._weekly_feature_names()", "ARRAY[");
    std::vector<std::string> names;
    for (const std::string& q : quoted) names.push_back(q.substr(1, q.size() - 2));  // 'name' -> name
    EXPECT_EQ(names, column_names(true));
}

TEST(FeaturesRowContract, ColumnCommentsNameDailyColumnsInOrder) {
    const std::string sql = features_sql();
    const std::size_t from = sql.find("COMMENT ON TABLE %s.learner_daily IS");
    const std::size_t to = sql.find("COMMENT ON COLUMN %s.learner_daily.%I", from);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    const std::vector<std::string> all = column_names(false);
    std::size_t k = 0, commented = 0;
    for (std::size_t at = sql.find("\n        ('", from); at < to; at = sql.find("\n        ('", at + 1)) {
        const std::size_t name_at = at + 11;
        const std::string name = sql.substr(name_at, sql.find('\'', name_at) - name_at);
        while (k < all.size() && all[k] != name) ++k;
        EXPECT_LT(k, all.size()) << "COMMENT ON COLUMN learner_daily." << name << " is not a daily column, or out of order";
        ++commented;
    }
    EXPECT_EQ(commented, 33u);
}
