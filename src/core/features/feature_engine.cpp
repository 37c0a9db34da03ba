#include "core/features/feature_engine.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "core/base/error.h"
#include "core/features/feature_tags.h"
#include "core/base/interrupt.h"

namespace ls::features {

Day day_of(Micros t) {
    Micros q = t / kMicrosPerDay;
    if (t % kMicrosPerDay != 0 && t < 0) --q;
    return static_cast<Day>(q);
}

bool is_result_bearing_type(const std::string& type) {
    std::string lower(type);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "exercise" || lower == "codeexercise" || lower == "question" || lower == "interactive";
}

std::optional<double> parse_time_zone(const std::string& text) {
    // [+-]H[H][[:]MM] with optional surrounding white space, i.e. the regular
    // expression ^\s*([+-]?)(\d{1,2})(:?(\d{2}))?\s*$ ("+0300" and "+300" too).
    std::size_t i = 0, n = text.size();
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < n && space(text[i])) ++i;
    while (n > i && space(text[n - 1])) --n;
    int sign = 1;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
        sign = text[i] == '-' ? -1 : 1;
        ++i;
    }
    std::size_t run = i;
    while (run < n && digit(text[run])) ++run;
    const std::size_t digits = run - i;
    int hours = 0, minutes = 0;
    auto num = [&](std::size_t from, std::size_t len) {
        int v = 0;
        for (std::size_t k = from; k < from + len; ++k) v = v * 10 + (text[k] - '0');
        return v;
    };
    if (run == n && digits >= 1 && digits <= 4) {  // H, HH, HMM, HHMM
        std::size_t hd = digits <= 2 ? digits : digits - 2;
        hours = num(i, hd);
        if (digits > 2) minutes = num(i + hd, 2);
    } else if (digits >= 1 && digits <= 2 && run < n && text[run] == ':' && n - run == 3 && digit(text[run + 1]) &&
               digit(text[run + 2])) {  // H:MM, HH:MM
        hours = num(i, digits);
        minutes = num(run + 1, 2);
    } else {
        return std::nullopt;
    }
    if (hours > 14 || minutes >= 60) return std::nullopt;
    return sign * (hours + minutes / 60.0);
}

// ---------------------------------------------------------------- catalog

CourseCatalog CourseCatalog::build(const std::vector<ScheduleRow>& schedule, const std::vector<GuideRow>& guide) {
    std::unordered_map<int, const GuideRow*> guide_by_id;
    for (const auto& g : guide) guide_by_id[g.activity_id] = &g;

    struct Merged {
        Micros shown;
        bool attestation = false;
        std::optional<std::string> type;  // least non-NULL schedule activity_type
        std::optional<int> task_id;       // least non-NULL schedule task_id
    };
    std::map<int, std::map<int, Merged>> per_course;     // course -> activity -> merged rows
    std::map<int, std::set<Micros>> openings;            // course -> every date_shown
    for (const auto& r : schedule) {
        if (!r.date_shown) continue;  // never opens
        openings[r.course_id].insert(*r.date_shown);
        if (!r.is_activity || !r.activity_id) continue;
        auto& acts = per_course[r.course_id];
        auto it = acts.find(*r.activity_id);
        if (it == acts.end()) it = acts.emplace(*r.activity_id, Merged{*r.date_shown, false, std::nullopt, std::nullopt}).first;
        Merged& m = it->second;
        m.shown = std::min(m.shown, *r.date_shown);
        m.attestation = m.attestation || r.is_attestation == 1;
        if (r.activity_type && (!m.type || *r.activity_type < *m.type)) m.type = r.activity_type;
        if (r.task_id && (!m.task_id || *r.task_id < *m.task_id)) m.task_id = r.task_id;
    }

    CourseCatalog cat;
    for (const auto& [course_id, times] : openings) {
        Course c;
        c.course_id = course_id;
        c.start = *times.begin();
        auto acts = per_course.find(course_id);
        if (acts != per_course.end()) {
            for (const auto& [activity_id, m] : acts->second) {
                Activity a;
                a.activity_id = activity_id;
                a.shown = m.shown;
                auto next = times.upper_bound(m.shown);
                a.deadline = next != times.end() ? *next : m.shown + 7 * kMicrosPerDay;
                a.attestation = m.attestation;
                a.task_id = m.task_id;
                std::optional<std::string> type = m.type;
                auto g = guide_by_id.find(activity_id);
                if (g != guide_by_id.end()) {
                    const GuideRow& gr = *g->second;
                    a.required = gr.obyaz_priznak == 1;
                    a.module = gr.module;
                    a.theme_id = gr.theme_id;
                    if (gr.task_id) a.task_id = gr.task_id;
                    if (gr.activity_type) type = gr.activity_type;
                }
                a.result_bearing = type && is_result_bearing_type(*type);
                if (a.attestation && (!c.attestation_deadline || a.shown > *c.attestation_deadline))
                    c.attestation_deadline = a.shown;
                c.activities.push_back(std::move(a));
            }
        }
        std::sort(c.activities.begin(), c.activities.end(), [](const Activity& x, const Activity& y) {
            return std::tie(x.shown, x.activity_id) < std::tie(y.shown, y.activity_id);
        });
        for (std::size_t i = 0; i < c.activities.size(); ++i) c.index[c.activities[i].activity_id] = i;
        cat.courses_.emplace(course_id, std::move(c));
    }
    return cat;
}

const Course* CourseCatalog::find(std::optional<int> course_id) const {
    if (!course_id) return nullptr;
    auto it = courses_.find(*course_id);
    return it == courses_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------- events

void LearnerEvents::clear() {
    auth.clear();
    views.clear();
    results.clear();
    webinars.clear();
    tags.clear();
}

namespace {

template <class T, class Key>
void sort_unique(std::vector<T>& v, Key key) {
    std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
    v.erase(std::unique(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) == key(b); }), v.end());
}

void normalize(LearnerEvents& ev) {
    std::sort(ev.auth.begin(), ev.auth.end());
    ev.auth.erase(std::unique(ev.auth.begin(), ev.auth.end()), ev.auth.end());
    sort_unique(ev.views, [](const ViewEvent& e) { return std::make_tuple(e.t, e.activity_page, e.page_id); });
    // NULL results sort first; the key only needs to be a total order.
    sort_unique(ev.results, [](const ResultEvent& e) {
        return std::make_tuple(e.t, e.activity_id, e.result.has_value(), e.result.value_or(0), e.success);
    });
    // Connect before disconnect at the same instant: a zero-length pair.
    sort_unique(ev.webinars, [](const WebinarEvent& e) {
        return std::make_tuple(e.t, static_cast<int>(e.kind), e.webinar_id, e.online);
    });
    sort_unique(ev.tags, [](const TagEvent& e) { return std::tie(e.t, e.comment); });
}

double days(Micros m) { return static_cast<double>(m) / static_cast<double>(kMicrosPerDay); }

// Running sums over one category of best results.
struct BestSum {
    std::int64_t sum = 0;
    int count = 0;
    void replace(const std::optional<int>& old_best, int new_best) {
        if (old_best) {
            sum += static_cast<std::int64_t>(new_best) - *old_best;
        } else {
            sum += new_best;
            ++count;
        }
    }
    double mean() const { return count ? static_cast<double>(sum) / count : 0.0; }
};

}  // namespace

FeatureEngine::FeatureEngine(const CourseCatalog& catalog, StatusThresholds thresholds)
    : catalog_(catalog), thresholds_(thresholds) {
    thresholds_.validate();
}

std::vector<Day> date_range(Day from, Day to, int step_days) {
    if (step_days <= 0) fail(ErrorKind::InvalidParameter, "step must be a positive number of days");
    if (from > to) fail(ErrorKind::InvalidParameter, "from_date must not be after to_date");
    std::vector<Day> out;
    for (std::int64_t d = from; d <= to; d += step_days) out.push_back(static_cast<Day>(d));
    return out;
}

void FeatureEngine::compute(const Learner& learner, LearnerEvents& ev, const std::vector<Day>& dates,
                            std::vector<DailyRow>& out) {
    normalize(ev);
    const Course* course = catalog_.find(learner.course_id);
    static const std::vector<Activity> kNoActivities;
    const std::vector<Activity>& acts = course ? course->activities : kNoActivities;
    scratch_.assign(acts.size(), ActivityState{});
    auto index_of = [&](int activity_id) -> long {
        if (!course) return -1;
        auto it = course->index.find(activity_id);
        return it == course->index.end() ? -1 : static_cast<long>(it->second);
    };
    const std::optional<Micros> start = course ? course->start : std::nullopt;
    // Log-ins count from the beginning of the course's first day.
    const Micros auth_from =
        start ? static_cast<Micros>(day_of(*start)) * kMicrosPerDay : std::numeric_limits<Micros>::min();

    // Running state: every counter below is "as of the cursor positions".
    std::size_t i_open = 0, i_auth = 0, i_view = 0, i_res = 0, i_web = 0, i_tag = 0;
    int sum_auth = 0, opened = 0, opened_req = 0, opened_att = 0;
    int viewed = 0, viewed_req = 0, viewed_att = 0;
    int viewed_opened = 0;
    Micros viewed_opened_delay = 0;          // sum of (first view - opening) over viewed opened
    int unviewed_opened = 0;
    __int128 unviewed_opened_shown = 0;      // sum of openings of opened, unviewed activities
    int attempted = 0, passed = 0, passed_req = 0, passed_att = 0, attempts = 0;
    Micros first_result_delay = 0, first_success_delay = 0;
    BestSum best_all, best_req, best_nonreq, best_att;
    int rb_opened = 0, rb_opened_passed = 0;
    int conn = 0, conn_online = 0;
    Micros webinar_time = 0;
    std::unordered_map<int, std::vector<Micros>> pending_connects;
    PaymentTracker payment;
    std::optional<Micros> last_activity;
    auto touch = [&](Micros t) {
        if (!last_activity || t > *last_activity) last_activity = t;
    };

    for (Day d : dates) {
        const Micros T = (static_cast<Micros>(d) + 1) * kMicrosPerDay;  // end of cur_date (exclusive)

        for (; i_open < acts.size() && acts[i_open].shown < T; ++i_open) {
            const Activity& a = acts[i_open];
            ActivityState& s = scratch_[i_open];
            s.opened = true;
            ++opened;
            opened_req += a.required;
            opened_att += a.attestation;
            if (s.first_view) {
                ++viewed_opened;
                viewed_opened_delay += *s.first_view - a.shown;
            } else {
                ++unviewed_opened;
                unviewed_opened_shown += a.shown;
            }
            if (a.result_bearing) {
                ++rb_opened;
                rb_opened_passed += s.passed;
            }
        }
        for (; i_auth < ev.auth.size() && ev.auth[i_auth] < T; ++i_auth) {
            Micros t = ev.auth[i_auth];
            touch(t);
            if (t >= auth_from) ++sum_auth;
        }
        for (; i_view < ev.views.size() && ev.views[i_view].t < T; ++i_view) {
            const ViewEvent& v = ev.views[i_view];
            touch(v.t);
            if (!v.activity_page) continue;
            long k = index_of(v.page_id);
            if (k < 0) continue;
            ActivityState& s = scratch_[k];
            if (s.first_view) continue;
            s.first_view = v.t;
            const Activity& a = acts[k];
            ++viewed;
            viewed_req += a.required;
            viewed_att += a.attestation;
            if (s.opened) {
                --unviewed_opened;
                unviewed_opened_shown -= a.shown;
                ++viewed_opened;
                viewed_opened_delay += v.t - a.shown;
            }
        }
        for (; i_res < ev.results.size() && ev.results[i_res].t < T; ++i_res) {
            const ResultEvent& r = ev.results[i_res];
            touch(r.t);
            long k = index_of(r.activity_id);
            if (k < 0) continue;
            ActivityState& s = scratch_[k];
            const Activity& a = acts[k];
            if (s.attempts == 0) {
                ++attempted;
                first_result_delay += r.t - a.deadline;
            }
            ++s.attempts;
            ++attempts;
            if (r.success == 1 && !s.passed) {
                s.passed = true;
                ++passed;
                passed_req += a.required;
                passed_att += a.attestation;
                first_success_delay += r.t - a.deadline;
                if (s.opened && a.result_bearing) ++rb_opened_passed;
            }
            if (r.result && (!s.best || *r.result > *s.best)) {
                best_all.replace(s.best, *r.result);
                (a.required ? best_req : best_nonreq).replace(s.best, *r.result);
                if (a.attestation) best_att.replace(s.best, *r.result);
                s.best = r.result;
            }
        }
        for (; i_web < ev.webinars.size() && ev.webinars[i_web].t < T; ++i_web) {
            const WebinarEvent& w = ev.webinars[i_web];
            if (w.kind == WebinarKind::Connect) {
                touch(w.t);
                ++conn;
                conn_online += w.online;
                pending_connects[w.webinar_id].push_back(w.t);
            } else if (w.kind == WebinarKind::Disconnect) {
                auto it = pending_connects.find(w.webinar_id);
                if (it == pending_connects.end()) continue;
                for (Micros c : it->second) webinar_time += std::min(w.t - c, kWebinarPairCap);
                it->second.clear();
            }
        }
        for (; i_tag < ev.tags.size() && ev.tags[i_tag].t < T; ++i_tag) payment.apply(ev.tags[i_tag].comment);

        DailyRow row;
        row.user_id = learner.user_id;
        row.payment = payment.paid() ? 1 : 0;
        row.time_zone = learner.time_zone;
        row.age = learner.age;
        row.unti_id = learner.unti_id;
        row.course_id = learner.course_id;
        row.flow_num = learner.flow_num;
        row.tg_bot = learner.tg_bot;
        row.m2_progress = learner.m2_progress;
        row.m2_attestation = learner.m2_attestation;
        if (i_open > 0) {
            const Activity& last = acts[i_open - 1];
            row.module = last.module;
            row.theme_id = last.theme_id;
            row.task_id = last.task_id;
        }
        if (course && course->attestation_deadline) {
            const Micros dl = *course->attestation_deadline;
            if (learner.m2_attestation_date && *learner.m2_attestation_date < T)
                row.m2_delay = days(*learner.m2_attestation_date - dl);
            else if (T > dl)
                row.m2_delay = days(T - dl);
        }
        row.sum_auth = sum_auth;
        row.sum_schedule_activities = opened;
        row.sum_required_activity = opened_req;
        row.sum_attestation_activity = opened_att;
        row.view_delay_first = viewed_opened ? days(viewed_opened_delay) / viewed_opened : 0.0;
        row.view_delay_sum =
            days(static_cast<Micros>(static_cast<__int128>(unviewed_opened) * T - unviewed_opened_shown));
        row.sum_activity_viewed = viewed;
        row.sum_required_activity_viewed = viewed_req;
        row.sum_attestation_activity_viewed = viewed_att;
        row.w_view_hours = static_cast<double>(webinar_time) / static_cast<double>(kMicrosPerHour);
        row.sum_exercise = passed;
        row.sum_required_exercises = passed_req;
        row.sum_attestation_exercises = passed_att;
        row.exercise_delay_sum = days(first_result_delay);
        row.exercise_delay_first = attempted ? row.exercise_delay_sum / attempted : 0.0;
        row.result_delay_sum = days(first_success_delay);
        row.result_delay_mean = passed ? row.result_delay_sum / passed : 0.0;
        row.sum_exercise_attempts_mean = attempted ? static_cast<double>(attempts) / attempted : 0.0;
        row.mean_required_result = best_req.mean();
        row.mean_non_req_result = best_nonreq.mean();
        row.mean_attestation_result = best_att.mean();
        row.sum_result = best_all.sum;
        row.conn = conn;
        row.online_rate = conn ? static_cast<double>(conn_online) / conn : 0.0;
        row.mean_result = best_all.mean();
        row.progress = rb_opened ? 100.0 * rb_opened_passed / rb_opened : 0.0;
        row.cur_date = d;

        row.last_activity_at = last_activity;
        std::optional<Micros> ref = last_activity ? last_activity : start;
        if (ref) row.days_inactive = d - day_of(*ref);
        row.status = classify(row.days_inactive, thresholds_);
        out.push_back(std::move(row));
    }
}

}  // namespace ls::features
