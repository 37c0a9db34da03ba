#include "core/gen/gen_1t_learner.h"

#include <algorithm>
#include <cmath>

#include "core/gen/gen_1t_rng.h"
#include "core/gen/gen_1t_time.h"

namespace ls::gen1t {

const char* const kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 YaBrowser/24.1.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Linux; Android 13; SM-A525F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
};
const int kUserAgentCount = 6;
const char* const kWindowSizes[] = {"1872x932", "1872x918", "1920x969", "1366x657", "1536x730", "1440x789", "390x844", "412x915"};
const int kWindowSizeCount = 8;

const char* state_name(State s) {
    switch (s) {
        case State::Active: return "active";
        case State::FallingAsleep: return "falling_asleep";
        default: return "asleep";
    }
}

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Regular: return "regular";
        case Kind::NoShow: return "no_show";
        default: return "late_joiner";
    }
}

namespace {

const double kTzWeights[] = {0.62, 0.08, 0.10, 0.07, 0.05, 0.03, 0.02, 0.01, 0.02};
const char* const kTz[] = {"+03:00", "+04:00", "+05:00", "+07:00", "+02:00", "+10:00", "+12:00", "+08:00", "+05:30"};

std::string join_tags(const std::vector<std::string>& tags, const char* sep = " ") {
    std::string s;
    for (size_t i = 0; i < tags.size(); ++i) {
        if (i) s += sep;
        s += tags[i];
    }
    return s;
}

// Hashtag log of one learner: keeps the tag set in force and writes the
// platform's comment for each change, in the variants the 1T scoring specification shows.
class TagLog {
public:
    TagLog(Rng& rng, std::vector<TagEvent>& out) : rng_(rng), out_(out) {}
    const std::vector<std::string>& tags() const { return tags_; }
    bool has(const std::string& t) const { return std::find(tags_.begin(), tags_.end(), t) != tags_.end(); }

    void change(long long ts, std::vector<std::string> after) {
        std::string before_s = join_tags(tags_);
        if (after.size() > 2 && rng_.bernoulli(0.15)) std::swap(after[0], after[1]);  // order varies
        std::string after_s = join_tags(after);
        std::string c;
        if (rng_.bernoulli(0.03)) {  // irregular spacing
            c = "Были хештеги:" + before_s + ",  стали:  " + join_tags(after, "  ");
        } else {
            c = "Были хештеги: " + before_s + ", стали: " + after_s;
        }
        out_.push_back({ts, std::move(c)});
        tags_ = std::move(after);
    }
    void set_single(long long ts, const std::string& tag) {  // Установлен хештег "#онлайн"
        out_.push_back({ts, "Установлен хештег \"" + tag + "\""});
        tags_.push_back(tag);
    }
    void add(long long ts, const std::string& tag) {
        auto after = tags_;
        after.push_back(tag);
        change(ts, std::move(after));
    }
    void remove(long long ts, const std::string& tag) {
        auto after = tags_;
        after.erase(std::remove(after.begin(), after.end(), tag), after.end());
        change(ts, std::move(after));
    }
    void replace(long long ts, const std::string& from, const std::string& to) {
        auto after = tags_;
        for (auto& t : after)
            if (t == from) t = to;
        change(ts, std::move(after));
    }

private:
    Rng& rng_;
    std::vector<TagEvent>& out_;
    std::vector<std::string> tags_;
};

long long random_time_of_day(Rng& r, long long day_start, int from_hour, int to_hour) {
    return day_start + r.integer(from_hour * 3600LL, to_hour * 3600LL - 1);
}

}  // namespace

void simulate_learner(const Catalog& catalog, unsigned long long seed, int index, const HazardParams& hp, Learner& L) {
    Rng r(seed, 0x1000000ULL + static_cast<std::uint64_t>(index));
    L.index = index;
    // Ids grow with the index (gaps like the platform's) so learner i is the
    // same in every cohort size.
    L.user_id = 900 + index * 23 + static_cast<int>(r.integer(0, 22));
    L.unti_id = 1050000LL + index * 37LL + r.integer(0, 36);
    {
        double w[8];
        for (size_t c = 0; c < catalog.courses.size() && c < 8; ++c) w[c] = catalog.courses[c].weight;
        L.course = r.choose(w, w + catalog.courses.size());
    }
    const Course& C = catalog.courses[static_cast<size_t>(L.course)];
    L.age = r.bernoulli(0.9) ? static_cast<int>(r.integer(14, 19)) : static_cast<int>(r.integer(20, 45));
    L.time_zone = kTz[r.choose(std::begin(kTzWeights), std::end(kTzWeights))];
    if (r.bernoulli(0.01)) L.age = 0;  // no users_age_timezone row
    double u = r.uniform();
    L.kind = u < 0.06 ? Kind::NoShow : (u < 0.13 ? Kind::LateJoiner : Kind::Regular);
    L.join_day = L.kind == Kind::LateJoiner ? static_cast<int>(r.integer(8, 35)) : 0;
    L.offline = r.bernoulli(0.08);
    L.has_tags = !(L.kind == Kind::NoShow && r.bernoulli(0.5));

    // Latent traits: motivation m and ability a (correlated 0.35).
    double m = r.normal();
    double a = 0.35 * m + 0.9367496997597597 * r.normal();
    L.motivation = m;
    L.ability = a;
    L.regularity = clamp(0.74 + 0.09 * m + 0.07 * r.normal(), 0.5, 0.95);  // P(activity | active day)
    L.pace = clamp(2.6 + 0.9 * m + 0.5 * a + 0.5 * r.normal(), 0.7, 6.0);   // activities per active day
    L.base_hazard = hp.base * std::exp(hp.motivation * m);
    {
        double p_bot = sigmoid(0.2 + 0.5 * m);
        double v = r.uniform();
        L.tg_bot = v < 0.3 ? 0 : (r.bernoulli(p_bot) ? 1 : 2);
    }

    // Event buffers
    L.auths.clear();
    L.views.clear();
    L.results.clear();
    L.webinars.clear();
    L.tags.clear();
    L.activity_day.assign(kHorizonDays, 0);
    L.first_falling_asleep = L.first_asleep = -1;
    L.recoveries = 0;

    const int agent = static_cast<int>(r.integer(0, kUserAgentCount - 1));
    const int agent2 = r.bernoulli(0.3) ? static_cast<int>(r.integer(0, kUserAgentCount - 1)) : agent;
    const int window = static_cast<int>(r.integer(0, kWindowSizeCount - 1));
    const long long day0 = C.start_day * kDay;  // midnight of the course start date

    // Per-activity state
    const size_t nact = C.activities.size();
    std::vector<long long> passed_ts(nact, 0);
    std::vector<int> best(nact, -1);
    std::vector<long long> best_ts(nact, 0);
    int next = 0;  // next activity to work on, in course order
    int last_lesson_task = -1;
    int passed_rb = 0;
    int early_fails = 0;
    L.early_attempts = 0;
    // Deadline bookkeeping: pointer over activities in course order (their
    // deadlines increase), missed deadlines of the last 14 days.
    size_t dl_ptr = 0;
    std::vector<int> missed_days;
    size_t missed_head = 0;

    State s = L.kind == Kind::Regular ? State::Active : State::FallingAsleep;
    int days_in_f = 0;
    int f_dwell = 20;
    bool force_event = s == State::Active;

    auto emit_auth = [&](long long ts) {
        L.auths.push_back({ts, r.bernoulli(0.8) ? agent : agent2, window});
    };
    auto attempt = [&](int idx, long long& ts) {
        const Activity& A = C.activities[static_cast<size_t>(idx)];
        double p_succ_first = sigmoid(0.9 + 1.4 * a - A.difficulty);
        for (int k = 0; k < 3; ++k) {
            ts += r.integer(60, 480);
            if (r.bernoulli(0.03)) {  // skipped: Пропуск
                L.results.push_back({ts, idx, -1, false});
                if (k == 0 && L.early_attempts < 5) {
                    ++L.early_attempts;
                    ++early_fails;
                }
                return;
            }
            bool ok = r.bernoulli(clamp(p_succ_first + 0.12 * k, 0, 0.99));
            int score = ok ? static_cast<int>(clamp(std::round(78 + 10 * a + 9 * r.normal()), 50, 100))
                           : static_cast<int>(clamp(std::round(28 + 8 * a + 10 * r.normal()), 0, 49));
            L.results.push_back({ts, idx, score, ok});
            if (k == 0 && L.early_attempts < 5) {
                ++L.early_attempts;
                early_fails += !ok;
            }
            if (score > best[static_cast<size_t>(idx)]) {
                best[static_cast<size_t>(idx)] = score;
                best_ts[static_cast<size_t>(idx)] = ts;
            }
            if (ok) {
                if (!passed_ts[static_cast<size_t>(idx)]) {
                    passed_ts[static_cast<size_t>(idx)] = ts;
                    ++passed_rb;
                }
                return;
            }
            if (!r.bernoulli(0.65)) return;  // gives up after a failure
        }
    };

    for (int t = 0; t < kHorizonDays; ++t) {
        const long long day_start = day0 + t * kDay;
        // Deadlines that passed before today.
        while (dl_ptr < nact && C.tasks[static_cast<size_t>(C.activities[dl_ptr].task)].deadline_day <= t - 1) {
            const Activity& A = C.activities[dl_ptr];
            if (A.result_bearing) {
                long long dts = C.tasks[static_cast<size_t>(A.task)].deadline_ts;
                if (!(passed_ts[dl_ptr] && passed_ts[dl_ptr] < dts))
                    missed_days.push_back(C.tasks[static_cast<size_t>(A.task)].deadline_day);
            }
            ++dl_ptr;
        }
        while (missed_head < missed_days.size() && missed_days[missed_head] < t - 14) ++missed_head;

        // --- latent transitions (start of the day) ---
        bool near_attestation = t >= C.attestation_deadline_day - 7 && t <= C.attestation_deadline_day;
        if (L.kind == Kind::LateJoiner && t == L.join_day && s != State::Active) {
            s = State::Active;
            force_event = true;
        } else if (L.kind == Kind::NoShow || (L.kind == Kind::LateJoiner && t < L.join_day)) {
            // Not (yet) started: "falling asleep" for days 0..19, asleep from day 20.
            s = t < 20 ? State::FallingAsleep : State::Asleep;
        } else if (s == State::Active && !force_event && t > 0) {
            // progress: result-bearing activities open for at least 4 days and not passed
            int opened = t >= 4 ? C.opened_result_bearing[static_cast<size_t>(t - 4)] : 0;
            double behind = opened > 0 ? static_cast<double>(opened - passed_rb) / opened : 0.0;
            if (behind < 0) behind = 0;
            double early = L.early_attempts > 0 ? static_cast<double>(early_fails) / L.early_attempts : 0.0;
            double irregular = (0.74 - L.regularity) / 0.1;
            int missed = static_cast<int>(missed_days.size() - missed_head);
            double lh = std::log(L.base_hazard) + hp.behind * behind + hp.missed_deadline * missed +
                        hp.early_failure * early + hp.irregularity * irregular;
            if (r.bernoulli(1.0 - std::exp(-std::exp(lh)))) {
                s = State::FallingAsleep;
                days_in_f = 0;
                f_dwell = 17 + static_cast<int>(r.integer(0, 4));
                if (L.first_falling_asleep < 0) L.first_falling_asleep = t;
            }
        } else if (s == State::FallingAsleep) {
            double rec = 0.035 * std::exp(0.4 * m) * (near_attestation ? 2.5 : 1.0);
            if (r.bernoulli(rec)) {
                s = State::Active;
                force_event = true;
                ++L.recoveries;
            } else if (++days_in_f >= f_dwell) {
                s = State::Asleep;
                if (L.first_asleep < 0) L.first_asleep = t;
            }
        } else if (s == State::Asleep) {
            double rec = 0.003 * std::exp(0.4 * m) * (near_attestation ? 3.0 : 1.0);
            if (r.bernoulli(rec)) {
                s = State::Active;
                force_event = true;
                ++L.recoveries;
            }
        }
        if ((L.kind == Kind::NoShow || (L.kind == Kind::LateJoiner && t < L.join_day))) {
            if (s == State::FallingAsleep && L.first_falling_asleep < 0) L.first_falling_asleep = t;
            if (s == State::Asleep && L.first_asleep < 0) L.first_asleep = t;
        }
        L.state[static_cast<size_t>(t)] = s;

        // --- emission ---
        bool active_day = false;
        if (s == State::Active) {
            active_day = force_event || r.bernoulli(L.regularity);
            force_event = false;
        } else if (s == State::FallingAsleep && L.kind != Kind::NoShow &&
                   !(L.kind == Kind::LateJoiner && t < L.join_day) && r.bernoulli(0.008)) {
            active_day = true;  // a rare peek while drifting away (seed: "minimal activity")
        }
        if (active_day) {
            long long ts = random_time_of_day(r, day_start, 8, 16);
            emit_auth(ts);
            int n = s == State::Active ? std::max(1, static_cast<int>(L.pace * (0.4 + 1.2 * r.uniform()))) : 1;
            n = std::min(n, 12);
            for (int k = 0; k < n; ++k) {
                ts += r.integer(30, 300);
                bool available = next < static_cast<int>(nact) &&
                                 C.tasks[static_cast<size_t>(C.activities[static_cast<size_t>(next)].task)].open_ts <= ts;
                if (available && s == State::Active) {
                    const Activity& A = C.activities[static_cast<size_t>(next)];
                    if (A.task != last_lesson_task) {
                        L.views.push_back({ts, A.task, -1});
                        last_lesson_task = A.task;
                        ts += r.integer(20, 120);
                    }
                    L.views.push_back({ts, A.task, next});
                    if (A.result_bearing) attempt(next, ts);
                    ++next;
                } else {
                    // caught up (or just peeking): look at something already open
                    int opened = 0;
                    while (opened < static_cast<int>(nact) &&
                           C.tasks[static_cast<size_t>(C.activities[static_cast<size_t>(opened)].task)].open_ts <= ts)
                        ++opened;
                    if (opened > 0 && r.bernoulli(0.5)) {
                        int idx = static_cast<int>(r.integer(std::max(0, opened - 8), opened - 1));
                        L.views.push_back({ts, C.activities[static_cast<size_t>(idx)].task, idx});
                    }
                    break;
                }
            }
            L.activity_day[static_cast<size_t>(t)] = 1;
        }
        // Live webinars on their day: attended only while active.
        if (s == State::Active) {
            for (const auto& w : C.webinars) {
                if (w.day != t) continue;
                double p = w.intro ? 0.75 : 0.45 + 0.1 * m;
                if (!r.bernoulli(clamp(p, 0.05, 0.95))) continue;
                int widx = static_cast<int>(&w - C.webinars.data());
                bool online = L.offline ? r.bernoulli(0.1) : r.bernoulli(0.95);
                long long cts = w.start_ts + r.integer(-300, 900);
                if (r.bernoulli(0.5)) emit_auth(cts - r.integer(30, 240));
                L.webinars.push_back({cts, widx, true, online});
                long long dts = cts + r.integer(15 * 60, 110 * 60);
                if (r.bernoulli(0.1)) {  // dropped connection and reconnect
                    long long mid = cts + (dts - cts) / 2;
                    L.webinars.push_back({mid, widx, false, online});
                    L.webinars.push_back({mid + r.integer(60, 300), widx, true, online});
                }
                if (!r.bernoulli(0.05)) L.webinars.push_back({dts, widx, false, online});  // 5 %: no disconnect logged
                L.activity_day[static_cast<size_t>(t)] = 1;
            }
        }
    }

    // --- outcome ---
    L.early_fail_share = L.early_attempts > 0 ? static_cast<double>(early_fails) / L.early_attempts : 0.0;
    {
        int passed_m2 = 0;
        for (int idx : C.m2_result_bearing) passed_m2 += passed_ts[static_cast<size_t>(idx)] != 0;
        L.m2_progress = C.m2_result_bearing.empty()
                            ? 0
                            : static_cast<int>(std::lround(100.0 * passed_m2 / static_cast<double>(C.m2_result_bearing.size())));
        bool attempted = false;
        double sum = 0;
        long long last = 0;
        for (int idx : C.m2_attestation) {
            if (best[static_cast<size_t>(idx)] >= 0) {
                attempted = true;
                sum += best[static_cast<size_t>(idx)];
                last = std::max(last, best_ts[static_cast<size_t>(idx)]);
            }
        }
        L.m2_attestation = attempted ? static_cast<int>(std::lround(sum / static_cast<double>(C.m2_attestation.size()))) : -1;
        L.m2_attestation_ts = attempted ? last : 0;
        bool no_data = L.kind == Kind::NoShow ? r.bernoulli(0.7) : r.bernoulli(0.015);
        if (no_data) L.m2_progress = -1;
        L.completed = L.m2_progress >= 50 && L.m2_attestation >= 50;
        L.dropout = L.state[kHorizonDays - 1] == State::Asleep || !L.completed;
    }

    // --- hashtag log (users_logs.csv) ---
    if (L.has_tags) {
        TagLog tl(r, L.tags);
        long long enrol_day = L.kind == Kind::LateJoiner ? C.start_day + L.join_day - r.integer(1, 3)
                                                         : C.start_day - r.integer(3, 25);
        long long ts = random_time_of_day(r, enrol_day * kDay, 9, 20);
        const std::string fmt = L.offline ? "#офлайн" : "#онлайн";
        double v = r.uniform();
        if (L.offline) {
            if (v < 0.3) {
                tl.set_single(ts, "#офлайн");
            } else if (v < 0.75) {
                tl.change(ts, {"#entry-email", "#офлайн"});
            } else {  // enrolled online, switched to offline before the start
                tl.change(ts, {"#entry-email", "#онлайн"});
                tl.replace(ts + r.integer(3600, 3 * 86400), "#онлайн", "#офлайн");
            }
        } else {
            if (v < 0.4) {
                tl.set_single(ts, "#онлайн");
            } else if (v < 0.85) {
                tl.change(ts, {"#entry-email", "#онлайн"});
            } else if (v < 0.95) {  // typo spellings of "online"; half get corrected
                std::string typo = r.bernoulli(0.5) ? "#оулайн" : "#оглайн";
                tl.change(ts, {"#entry-email", typo});
                if (r.bernoulli(0.5)) tl.replace(ts + r.integer(3600, 2 * 86400), typo, "#онлайн");
            } else {  // enrolled offline, switched to online before the start (seed's example)
                tl.change(ts, {"#entry-email", "#офлайн"});
                tl.replace(ts + r.integer(3600, 2 * 86400), "#офлайн", "#онлайн");
            }
        }
        const long long horizon_end = (C.start_day + kHorizonDays) * kDay;
        // Unknown tags that come and go.
        if (r.bernoulli(0.2)) {
            long long t1 = (C.start_day + r.integer(1, 60)) * kDay + r.integer(9 * 3600, 20 * 3600);
            tl.add(t1, r.bernoulli(0.5) ? "#мотив" : "#сверка-дат");
            if (tl.has("#сверка-дат") && r.bernoulli(0.6)) tl.remove(t1 + r.integer(5, 20) * kDay, "#сверка-дат");
        }
        // Payment of module 1: more likely for motivated learners who started.
        bool started = L.kind != Kind::NoShow;
        if (started && r.bernoulli(sigmoid(-0.4 + 0.8 * m))) {
            long long t2 = (C.start_day + L.join_day + r.integer(2, 30)) * kDay + r.integer(9 * 3600, 20 * 3600);
            tl.add(t2, "#M1-оплачен");
        }
        if (L.completed && L.m2_attestation_ts > 0) {
            long long t3 = L.m2_attestation_ts + r.integer(1, 3) * kDay;
            if (r.bernoulli(0.8)) tl.add(t3, "#M1-завершил");
            tl.add(t3 + r.integer(600, 7200), "#M2-завершил");
        }
        std::sort(L.tags.begin(), L.tags.end(), [](const TagEvent& x, const TagEvent& y) { return x.ts < y.ts; });
        while (!L.tags.empty() && L.tags.back().ts >= horizon_end) L.tags.pop_back();
    }

    auto by_ts = [](const auto& x, const auto& y) { return x.ts < y.ts; };
    std::stable_sort(L.auths.begin(), L.auths.end(), by_ts);
    std::stable_sort(L.views.begin(), L.views.end(), by_ts);
    std::stable_sort(L.results.begin(), L.results.end(), by_ts);
    std::stable_sort(L.webinars.begin(), L.webinars.end(), by_ts);
}

int add_agreement(const Learner& l, long long confusion[3][3]) {
    int agree = 0;
    int last = -1;
    for (int t = 0; t < kHorizonDays; ++t) {
        if (l.activity_day[static_cast<size_t>(t)]) last = t;
        int since = last >= 0 ? t - last : t;
        State obs = since < 7 ? State::Active : (since < 20 ? State::FallingAsleep : State::Asleep);
        State pl = l.state[static_cast<size_t>(t)];
        ++confusion[static_cast<int>(pl)][static_cast<int>(obs)];
        agree += pl == obs;
    }
    return agree;
}

}  // namespace ls::gen1t
