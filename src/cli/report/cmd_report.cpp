// `learnerscore report --schema S [--courses-schema T] [--as-of DATE] --out FILE [--lang ru|en]
//  [--truth DIR] [--courses-truth DIR] [--dsn DSN] [--quiet]`: one self-contained HTML file
// with charts (docs/report.md). Progress lines go to stderr; the path to stdout.
#include <cstdio>

#include "cli/command.h"
#include "cli/report/report.h"

namespace lscli {
namespace {

std::vector<OptionSpec> report_options() {
    return {
        {"schema", 0, "S", "learning schema: load, activity status, critical points, contact list, model quality"},
        {"courses-schema", 0, "T", "course-effects schema: forest plots, verdicts, A/B sizes"},
        {"as-of", 0, "DATE", "report as of this date (YYYY-MM-DD; default: the latest materialized day)"},
        {"out", 'o', "FILE", "the HTML file to write (required)"},
        {"lang", 0, "ru|en", "language of the report (default en)"},
        {"truth", 0, "DIR", "a 1T generator's _truth/ folder: draw the planted states beside the measured ones"},
        {"courses-truth", 0, "DIR", "a courses generator's _truth/ folder: planted effects and interval coverage"},
        {"dsn", 0, "DSN", "libpq connection string (default: the PG* environment)"},
        {"quiet", 'q', "", "no progress lines on stderr"},
    };
}

std::string report_usage() {
    return usage_text(
        "usage: learnerscore report [--schema S] [--courses-schema T] [--as-of DATE] --out FILE [--lang ru|en]\n"
        "                           [--truth DIR] [--courses-truth DIR] [--dsn DSN] [--quiet]\n"
        "  Writes one self-contained HTML file (charts by Apache ECharts, embedded: it opens offline)\n"
        "  with the load, activity status by course week, critical points, the contact list, model\n"
        "  quality by week, course effects with verdicts and A/B sizes. Needs --schema or --courses-schema.\n",
        report_options());
}

int run_report(const Options& opt) {
    opt.require_no_positional();
    ReportOptions ro;
    ro.schema = opt.get("schema");
    ro.courses_schema = opt.get("courses-schema");
    ro.as_of = opt.get("as-of");
    ro.out = opt.get("out");
    ro.lang = opt.get("lang", "en");
    ro.truth_dir = opt.get("truth");
    ro.courses_truth = opt.get("courses-truth");
    ro.quiet = opt.has("quiet");
    if (ro.out.empty()) throw UsageError("--out FILE is required");
    if (ro.schema.empty() && ro.courses_schema.empty()) throw UsageError("give --schema and/or --courses-schema");
    if (ro.lang != "en" && ro.lang != "ru") throw UsageError("--lang must be en or ru");
    PgConn conn(opt.get("dsn"));
    ReportSummary s = write_report(conn, ro);
    if (!ro.quiet) std::fprintf(stderr, "report: written in %.1f s\n", s.seconds);
    std::printf("%s\n", s.path.c_str());
    return 0;
}

CommandRegistrar reg({"report", "write an HTML report with charts (self-contained, opens offline)", &report_options,
                      &report_usage, &run_report});

}  // namespace
}  // namespace lscli
