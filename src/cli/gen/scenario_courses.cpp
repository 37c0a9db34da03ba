// `learnerscore generate --scenario courses`: the call-centre course-effects
// data of the course-effects brief (five CSV files + _truth/course_effects.csv). The model and
// its planted truth live in src/core/gen/gen_courses.*; docs/course-effects.md.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "cli/gen/generate.h"
#include "core/gen/gen_courses.h"

namespace lscli {
namespace {

struct File {
    std::FILE* f;
    explicit File(const std::string& path) : f(std::fopen(path.c_str(), "w")) {
        if (!f) throw std::runtime_error("cannot write " + path);
    }
    ~File() {
        if (f) std::fclose(f);
    }
};

void generate_courses(const Options& opt, const std::string& out) {
    ls::gen::CoursesConfig cfg;
    cfg.employees = static_cast<int>(opt.get_int("employees", 2000));
    cfg.courses = static_cast<int>(opt.get_int("courses", 8));
    cfg.seed = seed_option(opt);
    cfg.invite_rate = opt.get_double("invite-rate", cfg.invite_rate);
    if (!(cfg.invite_rate > 0 && cfg.invite_rate < 1)) throw std::invalid_argument("--invite-rate must be in (0, 1)");
    auto t0 = std::chrono::steady_clock::now();
    ls::gen::CoursesData d = ls::gen::generate_courses(cfg);
    std::filesystem::create_directories(out + "/_truth");
    const std::string& s0 = cfg.start_date;
    {
        File f(out + "/employees.csv");
        std::fprintf(f.f, "employee_id,department,position,hire_date,team_id\n");
        for (const auto& e : d.employees)
            std::fprintf(f.f, "%d,%s,%s,%s,%d\n", e.id, e.department.c_str(), e.position.c_str(), e.hire_date.c_str(), e.team_id);
    }
    {
        File f(out + "/communications.csv");
        std::fprintf(f.f, "communication_id,employee_id,started_at,channel,duration_sec,csat,resolved\n");
        for (const auto& c : d.communications)
            std::fprintf(f.f, "%lld,%d,%s,%s,%d,%.1f,%d\n", c.id, c.employee_id, ls::gen::timestamp_at(s0, c.day).c_str(),
                         c.channel.c_str(), c.duration_sec, c.csat, c.resolved ? 1 : 0);
    }
    {
        File f(out + "/courses_info.csv");
        std::fprintf(f.f, "course_id,title,topic,duration\n");
        for (const auto& c : d.courses)
            std::fprintf(f.f, "%d,\"%s\",%s,%.1f\n", c.id, c.title.c_str(), c.topic.c_str(), c.duration_hours);
    }
    {
        File f(out + "/courses_passing.csv");
        std::fprintf(f.f, "employee_id,course_id,started_at,finished_at,status,score\n");
        for (const auto& p : d.passing) {
            std::string fin = p.finished_day >= 0 ? ls::gen::timestamp_at(s0, p.finished_day) : "";
            std::string score = p.score >= 0 ? std::to_string(static_cast<int>(p.score)) : "";
            std::fprintf(f.f, "%d,%d,%s,%s,%s,%s\n", p.employee_id, p.course_id, ls::gen::timestamp_at(s0, p.started_day).c_str(),
                         fin.c_str(), p.status.c_str(), score.c_str());
        }
    }
    {
        File f(out + "/course_employee_sms.csv");
        std::fprintf(f.f, "employee_id,course_id,sent_at\n");
        for (const auto& s : d.sms)
            std::fprintf(f.f, "%d,%d,%s\n", s.employee_id, s.course_id, ls::gen::timestamp_at(s0, s.day).c_str());
    }
    {
        File f(out + "/_truth/course_effects.csv");
        std::fprintf(f.f, "course_id,kpi,department,archetype,true_effect\n");
        for (const auto& t : d.truth)
            std::fprintf(f.f, "%d,%s,%s,%s,%.6g\n", t.course_id, t.kpi.c_str(), t.department.c_str(), t.archetype.c_str(), t.effect);
    }
    if (opt.has("quiet")) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("generated scenario courses: %d employees, %d courses, seed %llu into %s (%.1f s)\n", cfg.employees,
                cfg.courses, static_cast<unsigned long long>(cfg.seed), out.c_str(), secs);
    std::printf("  communications %zu, course passings %zu, invitations %zu; planted effects in %s/_truth/course_effects.csv\n",
                d.communications.size(), d.passing.size(), d.sms.size(), out.c_str());
}

ScenarioRegistrar reg({"courses",
                       "call-centre employees, KPIs, courses and random invitations of the course-effects brief, with planted course effects "
                       "(docs/course-effects.md)",
                       {{"employees", 0, "N", "call-centre employees (default 2000)"},
                        {"courses", 0, "M", "courses (default 8)"},
                        {"invite-rate", 0, "R", "chance of an invitation per employee and course, in (0, 1) (default 0.3)"}},
                       &generate_courses});

}  // namespace
}  // namespace lscli
