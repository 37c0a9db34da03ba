// The five files of the course-effects data (the course-effects brief, docs/course-effects.md), loaded by
// `learnerscore load DIR --schema S` into the tables of
// learnerscore.create_course_effects_schema.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/load/load_spec.h"

namespace lscli {
namespace {

using namespace conv;

// "" is NULL: true (and `out` NULL) when `raw` is empty.
bool empty_is_null(std::string_view raw, FieldValue& out) {
    out.null = raw.empty();
    return out.null;
}

std::string float8(std::string_view raw, FieldValue& out) {
    if (empty_is_null(raw, out)) return {};
    std::string s(raw);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) return "not a finite number: " + s;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out.text = buf;
    return {};
}

std::string bigint(std::string_view raw, FieldValue& out) {
    if (empty_is_null(raw, out)) return {};
    std::string s(raw);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0' || errno == ERANGE) return "not an integer: " + s;
    out.text = std::to_string(v);
    return {};
}

std::string boolean(std::string_view raw, FieldValue& out) {
    if (empty_is_null(raw, out)) return {};
    std::string s(raw);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "1" || s == "true" || s == "t" || s == "yes") out.text = "true";
    else if (s == "0" || s == "false" || s == "f" || s == "no") out.text = "false";
    else return "not a boolean: " + std::string(raw);
    return {};
}

std::string date(std::string_view raw, FieldValue& out) {
    if (empty_is_null(raw, out)) return {};
    int y, m, d;
    char tail;
    std::string s(raw);
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return "not a date (YYYY-MM-DD): " + s;
    out.text = s;
    return {};
}

DatasetRegistrar dataset_courses(DatasetSpec{"courses", "CALL learnerscore.create_course_effects_schema(%s)"});

FileSpecRegistrar employees(FileSpec{
    "courses", "employees.csv", "employees",
    {
        {"employee_id", {"employee_id", "id"}, integer, true},
        {"department", {"department", "dept"}, text, true},
        {"position", {"position"}, text, false, true},
        {"hire_date", {"hire_date"}, date, false, true},
        {"team_id", {"team_id", "team"}, integer, false, true},
    },
    {"employee_id"}});

FileSpecRegistrar communications(FileSpec{
    "courses", "communications.csv", "communications",
    {
        {"communication_id", {"communication_id", "id"}, bigint, true},
        {"employee_id", {"employee_id"}, integer, true},
        {"started_at", {"started_at", "datetime", "created_at"}, timestamp, true},
        {"channel", {"channel", "type"}, text, false, true},
        {"duration_sec", {"duration_sec", "duration"}, integer},
        {"csat", {"csat", "customer_satisfaction", "satisfaction"}, float8},
        {"resolved", {"resolved", "is_resolved"}, boolean},
    },
    {"communication_id"}});

FileSpecRegistrar courses_info(FileSpec{
    "courses", "courses_info.csv", "courses_info",
    {
        {"course_id", {"course_id", "id"}, integer, true},
        {"title", {"title", "name"}, text},
        {"topic", {"topic"}, text, false, true},
        {"duration", {"duration", "duration_hours"}, float8, false, true},
    },
    {"course_id"}});

FileSpecRegistrar courses_passing(FileSpec{
    "courses", "courses_passing.csv", "courses_passing",
    {
        {"employee_id", {"employee_id"}, integer, true},
        {"course_id", {"course_id"}, integer, true},
        {"started_at", {"started_at"}, timestamp},
        {"finished_at", {"finished_at"}, timestamp},
        {"status", {"status"}, text},
        {"score", {"score"}, float8, false, true},
    },
    {"employee_id", "course_id"}});

FileSpecRegistrar course_employee_sms(FileSpec{
    "courses", "course_employee_sms.csv", "course_employee_sms",
    {
        {"employee_id", {"employee_id"}, integer, true},
        {"course_id", {"course_id"}, integer, true},
        {"sent_at", {"sent_at", "datetime"}, timestamp},
    },
    {"employee_id", "course_id"}});

}  // namespace
}  // namespace lscli
