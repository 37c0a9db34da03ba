// `learnerscore report`: one self-contained HTML file with charts (Apache ECharts, embedded at
// build time) from what a learning schema and a course-effects schema hold. docs/report.md.
#pragma once
#include <string>

#include "cli/base/pg_conn.h"

namespace lscli {

struct ReportOptions {
    std::string schema;          // learning schema (1T data model); "" = none
    std::string courses_schema;  // course-effects schema; "" = none
    std::string as_of;           // YYYY-MM-DD; "" = the latest materialized date
    std::string out;             // the HTML file to write
    std::string lang = "en";     // en | ru
    std::string truth_dir;       // a 1T generator's _truth/ folder (planted states), optional
    std::string courses_truth;   // a courses generator's _truth/ folder (planted effects), optional
    bool quiet = false;          // no progress lines on stderr
};

struct ReportSummary {
    std::string path;
    int sections = 0;
    int charts = 0;
    double seconds = 0;
};

// Reads the data (read-only except temporary tables), writes the HTML file.
// Throws std::invalid_argument for bad options (no such schema, bad date), PgError otherwise.
ReportSummary write_report(PgConn& conn, const ReportOptions& opt);

// The page: the template with the data JSON (already a JSON object) inlined.
std::string report_html(const std::string& data_json, const std::string& lang, const std::string& title);

}  // namespace lscli
