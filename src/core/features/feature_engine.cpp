#include "core/features/feature_engine.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
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
    // Keyed by (course, flow): later flows repeat the activity ids, shifted in time.
    using Key = std::pair<int, int>;
    std::map<Key, std::map<int, Merged>> per_course;  // (course, flow) -> activity -> merged rows
    std::map<Key, std::set<Micros>> openings;         // (course, flow) -> every date_shown
    for (const auto& r : schedule) {
        if (!r.date_shown) continue;  // never opens
        const Key key{r.course_id, r.flow};
        openings[key].insert(*r.date_shown);
        if (!r.is_activity || !r.activity_id) continue;
        auto& acts = per_course[key];
        auto it = acts.find(*r.activity_id);
        if (it == acts.end()) it = acts.emplace(*r.activity_id, Merged{*r.date_shown, false, std::nullopt, std::nullopt}).first;
        Merged& m = it->second;
        m.shown = std::min(m.shown, *r.date_shown);
        m.attestation = m.attestation || r.is_attestation == 1;
        if (r.activity_type && (!m.type || *r.activity_type < *m.type)) m.type = r.activity_type;
        if (r.task_id && (!m.task_id || *r.task_id < *m.task_id)) m.task_id = r.task_id;
    }

    CourseCatalog cat;
    for (const auto& [key, times] : openings) {
        Course c;
        c.course_id = key.first;
        c.flow = key.second;
        c.start = *times.begin();
        auto acts = per_course.find(key);
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
        cat.courses_.emplace(key, std::move(c));
    }
    return cat;
}

std::optional<int> learner_flow(std::optional<double> flow_num) {
    if (!flow_num) return 1;
    const double v = *flow_num;
    if (!(v >= 0.0 && v < 1000000.0)) return std::nullopt;  // NaN fails both comparisons
    return static_cast<int>(std::nearbyint(v));  // ties to even, as rint in PostgreSQL's round(float8)
}

const Course* CourseCatalog::find(std::optional<int> course_id, std::optional<double> flow_num) const {
    if (!course_id) return nullptr;
    const std::optional<int> flow = learner_flow(flow_num);
    if (flow) {
        auto it = courses_.find({*course_id, *flow});
        if (it != courses_.end()) return &it->second;
    }
    // No flow of its own: the course's single flow, if it has exactly one.
    auto first = courses_.lower_bound({*course_id, std::numeric_limits<int>::min()});
    if (first == courses_.end() || first->first.first != *course_id) return nullptr;
    auto second = std::next(first);
    if (second != courses_.end() && second->first.first == *course_id) return nullptr;
    return &first->second;
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

// One learner's pass over the dates: running counters "as of the cursor
// positions", moved to the end of each date one event stream at a time, and
// read off into a row one column group at a time.
class FeatureEngine::Pass {
public:
    Pass(const Course* course, const Learner& learner, const LearnerEvents& ev, std::vector<ActivityState>& state)
        : course_(course), learner_(learner), ev_(ev), acts_(course ? course->activities : kNoActivities),
          state_(state), start_(course ? course->start : std::nullopt),
          // Log-ins count from the beginning of the course's first day.
          auth_from_(start_ ? static_cast<Micros>(day_of(*start_)) * kMicrosPerDay
                            : std::numeric_limits<Micros>::min()) {
        state_.assign(acts_.size(), ActivityState{});
    }

    // Takes in everything before T (the exclusive end of a date).
    void advance_to(Micros T) {
        open_activities(T);
        read_auth(T);
        read_views(T);
        read_results(T);
        read_webinars(T);
        for (; i_tag_ < ev_.tags.size() && ev_.tags[i_tag_].t < T; ++i_tag_) payment_.apply(ev_.tags[i_tag_].comment);
    }

    DailyRow row(Day d, Micros T, const StatusThresholds& thresholds) const {
        DailyRow row;
        put_learner(row);
        put_course_position(row, T);
        put_schedule(row, T);
        put_exercises(row);
        put_webinars(row);
        row.cur_date = d;
        put_status(row, d, thresholds);
        return row;
    }

private:
    static inline const std::vector<Activity> kNoActivities{};

    long index_of(int activity_id) const {
        if (!course_) return -1;
        auto it = course_->index.find(activity_id);
        return it == course_->index.end() ? -1 : static_cast<long>(it->second);
    }
    void touch(Micros t) {
        if (!last_activity_ || t > *last_activity_) last_activity_ = t;
    }

    void open_activities(Micros T) {
        for (; i_open_ < acts_.size() && acts_[i_open_].shown < T; ++i_open_) {
            const Activity& a = acts_[i_open_];
            ActivityState& s = state_[i_open_];
            s.opened = true;
            ++opened_;
            opened_req_ += a.required;
            opened_att_ += a.attestation;
            if (s.first_view) {
                ++viewed_opened_;
                viewed_opened_delay_ += *s.first_view - a.shown;
            } else {
                ++unviewed_opened_;
                unviewed_opened_shown_ += a.shown;
            }
            if (a.result_bearing) {
                ++rb_opened_;
                rb_opened_passed_ += s.passed;
            }
        }
    }

    void read_auth(Micros T) {
        for (; i_auth_ < ev_.auth.size() && ev_.auth[i_auth_] < T; ++i_auth_) {
            Micros t = ev_.auth[i_auth_];
            touch(t);
            if (t >= auth_from_) ++sum_auth_;
        }
    }

    void read_views(Micros T) {
        for (; i_view_ < ev_.views.size() && ev_.views[i_view_].t < T; ++i_view_) {
            const ViewEvent& v = ev_.views[i_view_];
            touch(v.t);
            if (!v.activity_page) continue;
            long k = index_of(v.page_id);
            if (k < 0) continue;
            ActivityState& s = state_[k];
            if (s.first_view) continue;
            s.first_view = v.t;
            const Activity& a = acts_[k];
            ++viewed_;
            viewed_req_ += a.required;
            viewed_att_ += a.attestation;
            if (s.opened) {
                --unviewed_opened_;
                unviewed_opened_shown_ -= a.shown;
                ++viewed_opened_;
                viewed_opened_delay_ += v.t - a.shown;
            }
        }
    }

    void read_results(Micros T) {
        for (; i_res_ < ev_.results.size() && ev_.results[i_res_].t < T; ++i_res_) {
            const ResultEvent& r = ev_.results[i_res_];
            touch(r.t);
            long k = index_of(r.activity_id);
            if (k >= 0) take_result(r, acts_[k], state_[k]);
        }
    }

    void take_result(const ResultEvent& r, const Activity& a, ActivityState& s) {
        if (s.attempts == 0) {
            ++attempted_;
            first_result_delay_ += r.t - a.deadline;
        }
        ++s.attempts;
        ++attempts_;
        if (r.success == 1 && !s.passed) {
            s.passed = true;
            ++passed_;
            passed_req_ += a.required;
            passed_att_ += a.attestation;
            first_success_delay_ += r.t - a.deadline;
            if (s.opened && a.result_bearing) ++rb_opened_passed_;
        }
        if (r.result && (!s.best || *r.result > *s.best)) {
            best_all_.replace(s.best, *r.result);
            (a.required ? best_req_ : best_nonreq_).replace(s.best, *r.result);
            if (a.attestation) best_att_.replace(s.best, *r.result);
            s.best = r.result;
        }
    }

    void read_webinars(Micros T) {
        for (; i_web_ < ev_.webinars.size() && ev_.webinars[i_web_].t < T; ++i_web_) {
            const WebinarEvent& w = ev_.webinars[i_web_];
            if (w.kind == WebinarKind::Connect) {
                touch(w.t);
                ++conn_;
                conn_online_ += w.online;
                pending_connects_[w.webinar_id].push_back(w.t);
            } else if (w.kind == WebinarKind::Disconnect) {
                auto it = pending_connects_.find(w.webinar_id);
                if (it == pending_connects_.end()) continue;
                for (Micros c : it->second) webinar_time_ += std::min(w.t - c, kWebinarPairCap);
                it->second.clear();
            }
        }
    }

    // user_id .. m2_attestation: the learner's own columns, and payment.
    void put_learner(DailyRow& row) const {
        row.user_id = learner_.user_id;
        row.payment = payment_.paid() ? 1 : 0;
        row.time_zone = learner_.time_zone;
        row.age = learner_.age;
        row.unti_id = learner_.unti_id;
        row.course_id = learner_.course_id;
        row.flow_num = learner_.flow_num;
        row.tg_bot = learner_.tg_bot;
        row.m2_progress = learner_.m2_progress;
        row.m2_attestation = learner_.m2_attestation;
    }

    // module (and theme_id, task_id) of the most recently opened activity; m2_delay.
    void put_course_position(DailyRow& row, Micros T) const {
        if (i_open_ > 0) {
            const Activity& last = acts_[i_open_ - 1];
            row.module = last.module;
            row.theme_id = last.theme_id;
            row.task_id = last.task_id;
        }
        if (course_ && course_->attestation_deadline) {
            const Micros dl = *course_->attestation_deadline;
            if (learner_.m2_attestation_date && *learner_.m2_attestation_date < T)
                row.m2_delay = days(*learner_.m2_attestation_date - dl);
            else if (T > dl)
                row.m2_delay = days(T - dl);
        }
    }

    // sum_auth, the opened activities and their views.
    void put_schedule(DailyRow& row, Micros T) const {
        row.sum_auth = sum_auth_;
        row.sum_schedule_activities = opened_;
        row.sum_required_activity = opened_req_;
        row.sum_attestation_activity = opened_att_;
        row.view_delay_first = viewed_opened_ ? days(viewed_opened_delay_) / viewed_opened_ : 0.0;
        row.view_delay_sum =
            days(static_cast<Micros>(static_cast<__int128>(unviewed_opened_) * T - unviewed_opened_shown_));
        row.sum_activity_viewed = viewed_;
        row.sum_required_activity_viewed = viewed_req_;
        row.sum_attestation_activity_viewed = viewed_att_;
    }

    // sum_exercise .. sum_result, mean_result and progress: the exercise results.
    void put_exercises(DailyRow& row) const {
        row.sum_exercise = passed_;
        row.sum_required_exercises = passed_req_;
        row.sum_attestation_exercises = passed_att_;
        row.exercise_delay_sum = days(first_result_delay_);
        row.exercise_delay_first = attempted_ ? row.exercise_delay_sum / attempted_ : 0.0;
        row.result_delay_sum = days(first_success_delay_);
        row.result_delay_mean = passed_ ? row.result_delay_sum / passed_ : 0.0;
        row.sum_exercise_attempts_mean = attempted_ ? static_cast<double>(attempts_) / attempted_ : 0.0;
        row.mean_required_result = best_req_.mean();
        row.mean_non_req_result = best_nonreq_.mean();
        row.mean_attestation_result = best_att_.mean();
        row.sum_result = best_all_.sum;
        row.mean_result = best_all_.mean();
        row.progress = rb_opened_ ? 100.0 * rb_opened_passed_ / rb_opened_ : 0.0;
    }

    // w_view_hours, conn, online_rate.
    void put_webinars(DailyRow& row) const {
        row.w_view_hours = static_cast<double>(webinar_time_) / static_cast<double>(kMicrosPerHour);
        row.conn = conn_;
        row.online_rate = conn_ ? static_cast<double>(conn_online_) / conn_ : 0.0;
    }

    void put_status(DailyRow& row, Day d, const StatusThresholds& thresholds) const {
        row.last_activity_at = last_activity_;
        std::optional<Micros> ref = last_activity_ ? last_activity_ : start_;
        if (ref) row.days_inactive = d - day_of(*ref);
        row.status = classify(row.days_inactive, thresholds);
    }

    const Course* course_;
    const Learner& learner_;
    const LearnerEvents& ev_;
    const std::vector<Activity>& acts_;
    std::vector<ActivityState>& state_;
    const std::optional<Micros> start_;
    const Micros auth_from_;

    std::size_t i_open_ = 0, i_auth_ = 0, i_view_ = 0, i_res_ = 0, i_web_ = 0, i_tag_ = 0;
    int sum_auth_ = 0, opened_ = 0, opened_req_ = 0, opened_att_ = 0;
    int viewed_ = 0, viewed_req_ = 0, viewed_att_ = 0;
    int viewed_opened_ = 0;
    Micros viewed_opened_delay_ = 0;      // sum of (first view - opening) over viewed opened
    int unviewed_opened_ = 0;
    __int128 unviewed_opened_shown_ = 0;  // sum of openings of opened, unviewed activities
    int attempted_ = 0, passed_ = 0, passed_req_ = 0, passed_att_ = 0, attempts_ = 0;
    Micros first_result_delay_ = 0, first_success_delay_ = 0;
    BestSum best_all_, best_req_, best_nonreq_, best_att_;
    int rb_opened_ = 0, rb_opened_passed_ = 0;
    int conn_ = 0, conn_online_ = 0;
    Micros webinar_time_ = 0;
    std::unordered_map<int, std::vector<Micros>> pending_connects_;
    PaymentTracker payment_;
    std::optional<Micros> last_activity_;
};

void FeatureEngine::compute(const Learner& learner, LearnerEvents& ev, const std::vector<Day>& dates,
                            std::vector<DailyRow>& out) {
    normalize(ev);
    Pass pass(catalog_.find(learner.course_id, learner.flow_num), learner, ev, scratch_);
    for (Day d : dates) {
        const Micros T = (static_cast<Micros>(d) + 1) * kMicrosPerDay;  // end of cur_date (exclusive)
        pass.advance_to(T);
        out.push_back(pass.row(d, T, thresholds_));
    }
}

}  // namespace ls::features
