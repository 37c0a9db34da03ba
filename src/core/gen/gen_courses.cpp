#include "core/gen/gen_courses.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/base/error.h"

namespace ls::gen {

const char* const kKpis[3] = {"csat", "resolved_rate", "handle_time"};
const char* const kDepartments[4] = {"retail", "business", "collections", "premium"};

namespace {

// KPI model per department: base level; motivation loading a; persistent
// individual deviation sd u; per-communication noise handled below.
struct KpiModel {
    double base[4], a, u;
};
const KpiModel kModels[3] = {
    {{70, 66, 62, 74}, 4.0, 0.5},           // csat: satisfaction index (~0..100)
    {{0.72, 0.68, 0.60, 0.78}, 0.05, 0.005},  // resolved_rate: probability
    {{320, 360, 280, 400}, -25, 3},       // handle_time: seconds (lower is better)
};

const char* const kTopics[] = {"communication", "ethics", "products", "crisis", "technology", "sales", "compliance",
                               "stress"};

// Planted effect of course c (0-based) on KPI k in department d.
// Archetypes: 0 useful everywhere, 1 useful in one department only,
// 2 useless, 3 harmful, then random mixes.
double planted(int c, int k, int d, std::mt19937_64& rng, std::string& archetype) {
    // effect sizes in KPI units: a clear effect is ~ +3 csat, +0.04 resolved, -20 s handle time
    const double unit[3] = {3.0, 0.04, -20.0};
    int type = c < 4 ? c : static_cast<int>(rng() % 4);
    switch (type) {
        case 0: archetype = "useful"; return unit[k];
        case 1: archetype = "useful_in_" + std::string(kDepartments[c % 4]); return d == c % 4 ? 1.5 * unit[k] : 0.0;
        case 2: archetype = "useless"; return 0.0;
        default: archetype = "harmful"; return -unit[k];
    }
}

}  // namespace

std::string timestamp_at(const std::string& start_date, double day) {
    std::tm tm{};
    if (std::sscanf(start_date.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        fail(ErrorKind::InvalidParameter, "bad start date " + start_date);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    std::time_t base = timegm(&tm);
    std::time_t t = base + static_cast<std::time_t>(std::floor(day * 86400.0));
    std::tm out{};
    gmtime_r(&t, &out);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &out);
    return buf;
}

void check_courses_config(const CoursesConfig& cfg) {
    if (cfg.employees < 10 || cfg.courses < 1 || cfg.courses > 200)
        fail(ErrorKind::InvalidParameter, "courses scenario: needs at least 10 employees and 1..200 courses");
    std::tm tm{};
    if (std::sscanf(cfg.start_date.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        fail(ErrorKind::InvalidParameter, "bad start date " + cfg.start_date);
}

void generate_courses(const CoursesConfig& cfg, CoursesSink& out) {
    check_courses_config(cfg);
    std::mt19937_64 rng(cfg.seed);
    std::normal_distribution<double> N(0, 1);
    std::uniform_real_distribution<double> U(0, 1);

    // courses and their planted effects
    std::vector<std::vector<std::vector<double>>> eff(cfg.courses, std::vector<std::vector<double>>(3, std::vector<double>(4)));
    for (int c = 0; c < cfg.courses; ++c) {
        std::string arche;
        for (int k = 0; k < 3; ++k)
            for (int d = 0; d < 4; ++d) {
                std::mt19937_64 crng(cfg.seed * 7919 + c);  // same archetype for all cells of a course
                eff[c][k][d] = planted(c, k, d, crng, arche);
            }
        const char* topic = kTopics[c % 8];
        out.course({c + 1, std::string("Course ") + std::to_string(c + 1) + ": " + topic, topic, arche,
                               4.0 + (c % 5) * 2.0});
        for (int k = 0; k < 3; ++k)
            for (int d = 0; d < 4; ++d) out.truth({c + 1, kKpis[k], kDepartments[d], arche, eff[c][k][d]});
    }

    const char* positions[] = {"operator", "senior operator", "team lead"};
    long long comm_id = 0;
    std::poisson_distribution<int> per_day(cfg.comms_per_day);
    for (int e = 0; e < cfg.employees; ++e) {
        const int d = static_cast<int>(rng() % 4);
        const double m = N(rng);
        int pos = U(rng) < 0.75 ? 0 : (U(rng) < 0.8 ? 1 : 2);
        double tenure_days = 60 + std::floor(U(rng) * 2500 + 300 * std::max(0.0, m));
        out.employee({e + 1, kDepartments[d], positions[pos], timestamp_at(cfg.start_date, -tenure_days).substr(0, 10),
                                 d * 1000 + static_cast<int>(rng() % 40)});
        double level[3];
        for (int k = 0; k < 3; ++k) level[k] = kModels[k].base[d] + kModels[k].a * m + kModels[k].u * N(rng);
        // invitations, course taking
        double post_shift[3] = {0, 0, 0};
        for (int c = 0; c < cfg.courses; ++c) {
            bool invited = U(rng) < cfg.invite_rate;
            double sent = 60 + U(rng) * 2;
            if (invited) out.sms({e + 1, c + 1, sent});
            double z = -1.6 + 0.7 * m + 1.7 * (invited ? 1 : 0);
            double p_start = 1 / (1 + std::exp(-z));
            if (U(rng) >= p_start) continue;
            double start = (invited ? sent : 60.0) + U(rng) * 12;
            bool finished = U(rng) < 0.85;
            Passing p{e + 1, c + 1, start, -1, finished ? "finished" : "dropped", -1};
            if (finished) {
                p.finished_day = start + 1 + U(rng) * 14;  // always before the post-period (day 90)
                p.score = std::round(std::min(100.0, std::max(0.0, 75 + 8 * m + 10 * N(rng))));
                for (int k = 0; k < 3; ++k) post_shift[k] += eff[c][k][d];
            }
            out.passing(p);
        }
        // communications in the pre-period [0, 60), the course period and the post-period [90, 150)
        for (int day = 0; day < 150; ++day) {
            if (day % 7 >= 5) continue;  // weekends off
            int n = per_day(rng);
            for (int j = 0; j < n; ++j) {
                double lv[3];
                for (int k = 0; k < 3; ++k) lv[k] = level[k] + (day >= 90 ? post_shift[k] : 0.0);
                Communication cm;
                cm.id = ++comm_id;
                cm.employee_id = e + 1;
                cm.day = day + 0.375 + U(rng) * 0.35;  // 09:00 .. 17:24
                cm.channel = U(rng) < 0.7 ? "call" : "chat";
                cm.csat = std::round((lv[0] + 8 * N(rng)) * 10) / 10;  // unclamped: the mean shift is exact
                double pr = std::min(0.99, std::max(0.01, lv[1]));
                cm.resolved = U(rng) < pr;
                // lognormal with mean exactly lv[2]
                cm.duration_sec = static_cast<int>(std::lround(std::max(1.0, lv[2]) * std::exp(0.3 * N(rng) - 0.045)));
                out.communication(cm);
            }
        }
    }
}

CoursesData generate_courses(const CoursesConfig& cfg) {
    struct Collect : CoursesSink {
        CoursesData d;
        void course(const CourseInfo& c) override { d.courses.push_back(c); }
        void truth(const Truth& t) override { d.truth.push_back(t); }
        void employee(const Employee& e) override { d.employees.push_back(e); }
        void passing(const Passing& p) override { d.passing.push_back(p); }
        void sms(const Sms& s) override { d.sms.push_back(s); }
        void communication(const Communication& c) override { d.communications.push_back(c); }
    } collect;
    generate_courses(cfg, collect);
    return std::move(collect.d);
}

}  // namespace ls::gen
