// Synthetic call-centre data for the course-effects scenario (the course-effects brief) with a
// planted, documented ground truth:
//  * employees in departments; a latent motivation m ~ N(0, 1) raises both
//    each KPI level and the chance of taking courses, so naive comparisons
//    of course takers against the rest are biased upwards;
//  * invitations (course_employee_sms) are sent at random (probability
//    invite_rate per employee x course) and raise course taking: a valid
//    instrument;
//  * a true effect per course x KPI x department, applied to the post-period
//    KPIs of employees who finished the course; course archetypes include
//    useful, department-specific, useless and harmful courses.
// Timeline (days from the study start): pre-period [0, 60), invitations on
// day 60, courses taken in [60, 90), post-period [90, 150).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ls::gen {

struct CoursesConfig {
    int employees = 2000;
    int courses = 8;
    std::uint64_t seed = 42;
    double invite_rate = 0.3;
    double comms_per_day = 1.5;
    std::string start_date = "2024-01-08";
};

struct Employee {
    int id;
    std::string department, position, hire_date;
    int team_id;
};
struct Communication {
    long long id;
    int employee_id;
    double day;  // fractional days since the study start
    std::string channel;
    int duration_sec;
    double csat;
    bool resolved;
};
struct CourseInfo {
    int id;
    std::string title, topic, archetype;
    double duration_hours;
};
struct Passing {
    int employee_id, course_id;
    double started_day, finished_day;  // finished_day < 0: not finished
    std::string status;
    double score;  // < 0: NULL
};
struct Sms {
    int employee_id, course_id;
    double day;
};
struct Truth {
    int course_id;
    std::string kpi, department, archetype;
    double effect;  // on the per-employee post-period mean of the KPI
};

struct CoursesData {
    std::vector<Employee> employees;
    std::vector<Communication> communications;
    std::vector<CourseInfo> courses;
    std::vector<Passing> passing;
    std::vector<Sms> sms;
    std::vector<Truth> truth;
};

extern const char* const kKpis[3];         // csat, resolved_rate, handle_time
extern const char* const kDepartments[4];

// Receives the rows as generate_courses makes them: the courses and the truth first, then per
// employee its row, its course passings, its invitations and its communications. Memory stays flat
// (nothing is kept but the planted effects), so a writer can stream 100,000 employees to disk.
struct CoursesSink {
    virtual ~CoursesSink() = default;
    virtual void course(const CourseInfo&) {}
    virtual void truth(const Truth&) {}
    virtual void employee(const Employee&) {}
    virtual void passing(const Passing&) {}
    virtual void sms(const Sms&) {}
    virtual void communication(const Communication&) {}
};

// Throws InvalidParameter for a configuration generate_courses refuses (checked before any row).
void check_courses_config(const CoursesConfig& cfg);

// Streams the scenario into `sink`; the same seed gives the same rows in the same order.
void generate_courses(const CoursesConfig& cfg, CoursesSink& sink);

// All of it in memory (tests, small cohorts): the rows generate_courses(cfg, sink) streams.
CoursesData generate_courses(const CoursesConfig& cfg);

// "YYYY-MM-DD HH:MM:SS" of start_date + day (fractional).
std::string timestamp_at(const std::string& start_date, double day);

}  // namespace ls::gen
