// Demo step 500: the HTML report of everything the demo computed (learnerscore report), with the
// generators' planted truth drawn beside the measurements; written outside the work folder so
// it outlives the demo, and its path printed.
#include <cstdio>
#include <filesystem>

#include "cli/demo/demo.h"
#include "cli/report/report.h"

namespace lscli {
namespace {

void demo_report(DemoContext& ctx) {
    if (ctx.options.has("no-report")) {
        std::printf("   skipped (--no-report)\n");
        return;
    }
    ReportOptions ro;
    ro.schema = ctx.schema;
    ro.courses_schema = ctx.conn.query("SELECT to_regnamespace('tk') IS NOT NULL").get(0, 0) == "t" ? "tk" : "";
    ro.out = ctx.options.get("report", "learnerscore-demo-report.html");
    ro.lang = ctx.options.get("lang", "en");
    if (ro.lang != "en" && ro.lang != "ru") throw std::invalid_argument("--lang must be en or ru");
    std::error_code ec;
    if (std::filesystem::exists(ctx.workdir + "/_truth/state_spells.csv", ec)) ro.truth_dir = ctx.workdir + "/_truth";
    if (std::filesystem::exists(ctx.workdir + "/courses/_truth/course_effects.csv", ec))
        ro.courses_truth = ctx.workdir + "/courses/_truth";
    ro.quiet = true;
    ReportSummary s = write_report(ctx.conn, ro);
    ctx.report_path = s.path;
    std::printf("   learnerscore report --schema %s%s --out %s: written in %.1f s\n   %s\n", ro.schema.c_str(),
                ro.courses_schema.empty() ? "" : (" --courses-schema " + ro.courses_schema).c_str(), ro.out.c_str(), s.seconds,
                s.path.c_str());
}

DemoStepRegistrar reg(500, "HTML report with charts (learnerscore report)", &demo_report);

}  // namespace
}  // namespace lscli
