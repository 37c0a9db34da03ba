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
        std::setvbuf(f, nullptr, _IOFBF, 1 << 16);
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File() {
        if (f) std::fclose(f);
    }
    // Flushes and closes, reporting a failed write (a full disk) instead of losing it.
    void close(const std::string& path) {
        bool bad = std::ferror(f) != 0;
        bad = std::fclose(f) != 0 || bad;
        f = nullptr;
        if (bad) throw std::runtime_error("cannot write " + path);
    }
};

// Writes each row to its file as the generator makes it: memory stays flat whatever the
// number of employees (nothing but the stdio buffers is kept).
struct CsvWriter : ls::gen::CoursesSink {
    const std::string out, s0;
    File f_employees, f_communications, f_courses_info, f_passing, f_sms, truth_file;
    long long n_comm = 0, n_passing = 0, n_sms = 0;

    CsvWriter(const std::string& dir, const std::string& start_date)
        : out(dir), s0(start_date), f_employees(dir + "/employees.csv"), f_communications(dir + "/communications.csv"),
          f_courses_info(dir + "/courses_info.csv"), f_passing(dir + "/courses_passing.csv"), f_sms(dir + "/course_employee_sms.csv"),
          truth_file(dir + "/_truth/course_effects.csv") {
        std::fprintf(f_employees.f, "employee_id,department,position,hire_date,team_id\n");
        std::fprintf(f_communications.f, "communication_id,employee_id,started_at,channel,duration_sec,csat,resolved\n");
        std::fprintf(f_courses_info.f, "course_id,title,topic,duration\n");
        std::fprintf(f_passing.f, "employee_id,course_id,started_at,finished_at,status,score\n");
        std::fprintf(f_sms.f, "employee_id,course_id,sent_at\n");
        std::fprintf(truth_file.f, "course_id,kpi,department,archetype,true_effect\n");
    }
    void course(const ls::gen::CourseInfo& c) override {
        std::fprintf(f_courses_info.f, "%d,\"%s\",%s,%.1f\n", c.id, c.title.c_str(), c.topic.c_str(), c.duration_hours);
    }
    void truth(const ls::gen::Truth& t) override {
        std::fprintf(truth_file.f, "%d,%s,%s,%s,%.6g\n", t.course_id, t.kpi.c_str(), t.department.c_str(), t.archetype.c_str(),
                     t.effect);
    }
    void employee(const ls::gen::Employee& e) override {
        std::fprintf(f_employees.f, "%d,%s,%s,%s,%d\n", e.id, e.department.c_str(), e.position.c_str(), e.hire_date.c_str(),
                     e.team_id);
    }
    void passing(const ls::gen::Passing& p) override {
        ++n_passing;
        std::string fin = p.finished_day >= 0 ? ls::gen::timestamp_at(s0, p.finished_day) : "";
        std::string score = p.score >= 0 ? std::to_string(static_cast<int>(p.score)) : "";
        std::fprintf(f_passing.f, "%d,%d,%s,%s,%s,%s\n", p.employee_id, p.course_id, ls::gen::timestamp_at(s0, p.started_day).c_str(),
                     fin.c_str(), p.status.c_str(), score.c_str());
    }
    void sms(const ls::gen::Sms& s) override {
        ++n_sms;
        std::fprintf(f_sms.f, "%d,%d,%s\n", s.employee_id, s.course_id, ls::gen::timestamp_at(s0, s.day).c_str());
    }
    void communication(const ls::gen::Communication& c) override {
        ++n_comm;
        std::fprintf(f_communications.f, "%lld,%d,%s,%s,%d,%.1f,%d\n", c.id, c.employee_id, ls::gen::timestamp_at(s0, c.day).c_str(),
                     c.channel.c_str(), c.duration_sec, c.csat, c.resolved ? 1 : 0);
    }
    void close() {
        f_employees.close(out + "/employees.csv");
        f_communications.close(out + "/communications.csv");
        f_courses_info.close(out + "/courses_info.csv");
        f_passing.close(out + "/courses_passing.csv");
        f_sms.close(out + "/course_employee_sms.csv");
        truth_file.close(out + "/_truth/course_effects.csv");
    }
};

void generate_courses(const Options& opt, const std::string& out) {
    ls::gen::CoursesConfig cfg;
    cfg.employees = static_cast<int>(opt.get_int("employees", 2000));
    cfg.courses = static_cast<int>(opt.get_int("courses", 8));
    cfg.seed = seed_option(opt);
    cfg.invite_rate = opt.get_double("invite-rate", cfg.invite_rate);
    if (!(cfg.invite_rate > 0 && cfg.invite_rate < 1)) throw std::invalid_argument("--invite-rate must be in (0, 1)");
    ls::gen::check_courses_config(cfg);  // before any file is written
    auto t0 = std::chrono::steady_clock::now();
    std::filesystem::create_directories(out + "/_truth");
    CsvWriter w(out, cfg.start_date);
    ls::gen::generate_courses(cfg, w);
    w.close();
    if (opt.has("quiet")) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("generated scenario courses: %d employees, %d courses, seed %llu into %s (%.1f s)\n", cfg.employees,
                cfg.courses, static_cast<unsigned long long>(cfg.seed), out.c_str(), secs);
    std::printf("  communications %lld, course passings %lld, invitations %lld; planted effects in %s/_truth/course_effects.csv\n",
                w.n_comm, w.n_passing, w.n_sms, out.c_str());
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
