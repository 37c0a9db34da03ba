// Assets embedded into the CLI at build time (cmake/echarts.cmake): Apache ECharts' minified
// bundle from the npm registry (Apache-2.0), inlined into every report so it opens offline.
#pragma once
#include <string_view>

namespace lscli {
std::string_view echarts_js();
// src/cli/report/report_page.js: draws the charts from the report's data.
std::string_view report_js();
const char* echarts_version();
}  // namespace lscli
