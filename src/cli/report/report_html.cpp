// The page of `learnerscore report`: one self-contained HTML file. A Content-Security-Policy
// forbids every fetch (default-src 'none'), so the file cannot reach the network even if a
// script tried; ECharts and the report's script are inlined, the data is a JSON island.
#include <string>

#include "cli/report/report.h"
#include "cli/report/report_assets.h"

namespace lscli {
namespace {

// Inside <script>, "</" could close the element: JSON allows "<\/" for "</".
std::string script_safe(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
            out += "<\\/";
            ++i;
        } else if (s[i] == '<' && s.compare(i, 4, "<!--") == 0) {
            out += "\\u003c!--";
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

const char* kStyle = R"CSS(
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; color: #212121; background: #fafafa; }
header { background: #263238; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px 0; font-size: 24px; }
header p { margin: 2px 0; color: #cfd8dc; font-size: 13px; }
nav { padding: 8px 32px; background: #eceff1; font-size: 14px; }
nav h2 { display: inline; font-size: 14px; margin-right: 12px; }
nav ol { display: inline; padding: 0; margin: 0; }
nav li { display: inline; margin-right: 14px; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 24px 40px; }
.section { background: #fff; margin: 20px 0; padding: 12px 20px 16px; border: 1px solid #e0e0e0; border-radius: 4px; }
.section h2 { font-size: 20px; margin: 6px 0 8px; }
.intro { color: #455a64; font-size: 14px; line-height: 1.45; }
.figure { margin: 14px 0 22px; }
.chart { width: 100%; }
.reading { font-size: 14px; color: #263238; background: #f1f8e9; border-left: 4px solid #7cb342; padding: 6px 10px; margin-top: 4px; }
table.data { border-collapse: collapse; font-size: 13px; width: 100%; margin: 8px 0; }
table.data th, table.data td { border: 1px solid #e0e0e0; padding: 3px 6px; text-align: left; vertical-align: top; white-space: pre-line; }
table.data th { background: #eceff1; }
.empty { color: #777; font-style: italic; }
.glossary li { margin: 6px 0; font-size: 14px; line-height: 1.45; }
)CSS";

}  // namespace

std::string report_html(const std::string& data_json, const std::string& lang, const std::string& title) {
    std::string h;
    h.reserve(echarts_js().size() + data_json.size() + report_js().size() + 8192);
    h += "<!DOCTYPE html>\n<html lang=\"" + lang + "\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Nothing may be fetched: no network, no other file; inline scripts and styles only.
    h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
         "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<meta name=\"generator\" content=\"learnerscore report\">\n";
    h += "<title>" + html_escape(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n";
    h += "<!-- Apache ECharts " + std::string(echarts_version()) +
         " (Apache License 2.0), embedded unmodified from the npm package echarts. -->\n<script>\n";
    h += script_safe(echarts_js());
    h += "\n</script>\n</head>\n<body>\n";
    h += "<header><h1 id=\"h-title\"></h1><p id=\"h-meta\"></p><p id=\"h-made\"></p></header>\n";
    h += "<nav><h2 id=\"h-toc\"></h2><ol id=\"toc\"></ol></nav>\n<main id=\"report\"></main>\n";
    h += "<script type=\"application/json\" id=\"report-data\">" + script_safe(data_json) + "</script>\n<script>\n";
    h += script_safe(report_js());
    h += "\n</script>\n</body>\n</html>\n";
    return h;
}

}  // namespace lscli
