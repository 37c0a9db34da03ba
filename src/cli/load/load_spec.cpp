// File-spec registry and the standard value converters of the loader.
#include "cli/load/load_spec.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

#include "cli/load/load_text.h"
#include "core/load/normalize.h"

namespace lscli {

std::vector<FileSpec>& file_specs() {
    static std::vector<FileSpec> all;
    return all;
}

std::vector<DatasetSpec>& dataset_specs() {
    static std::vector<DatasetSpec> all;
    return all;
}

const FileSpec* find_file_spec(const std::string& file_name) {
    std::string want = ls::norm::fold_case(file_name);
    for (const auto& s : file_specs())
        if (ls::norm::fold_case(s.file) == want) return &s;
    return nullptr;
}

const DatasetSpec* find_dataset_spec(const std::string& name) {
    for (const auto& d : dataset_specs())
        if (d.name == name) return &d;
    return nullptr;
}

std::string normalize_header(std::string_view raw) {
    std::string folded = ls::norm::fold_case(ls::norm::trim(ls::norm::strip_bom(raw)));
    std::string out;
    out.reserve(folded.size());
    for (char c : folded)
        if (c != ' ' && c != '_' && c != '-' && c != '\t' && c != '"') out += c;
    return out;
}

namespace conv {

namespace {
// A parsed value into `out`: the parse error, NULL, or the value as `format` writes it.
template <class T, class Format>
std::string store(ls::norm::Parsed<T>&& p, FieldValue& out, Format format) {
    if (!p.ok()) return p.error;
    out.null = p.is_null();
    if (!out.null) out.text = format(*p.value);
    return {};
}

std::string as_decimal(long long v) { return std::to_string(v); }
}  // namespace

std::string text(std::string_view raw, FieldValue& out) {
    return store(ls::norm::parse_text(raw), out, [](std::string& v) { return std::move(v); });
}

std::string integer(std::string_view raw, FieldValue& out) { return store(ls::norm::parse_int(raw), out, as_decimal); }

std::string real(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_real(raw);
    if (p.ok() && !p.is_null() && std::fabs(*p.value) > FLT_MAX) return "number out of range for real";
    return store(std::move(p), out, [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(static_cast<float>(v)));  // round-trips a float4 exactly
        return std::string(buf);
    });
}

std::string timestamp(std::string_view raw, FieldValue& out) {
    return store(ls::norm::parse_timestamp(raw), out, [](const auto& v) { return v.iso(); });
}

std::string date(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_timestamp(raw);
    if (!p.ok()) {
        // the timestamp parser's wording names time formats a date column does not want
        const std::string pre = "not a timestamp (DD.MM.YYYY HH:MM or YYYY-MM-DD HH:MM:SS): ";
        if (p.error.compare(0, pre.size(), pre) == 0) return "not a date (DD.MM.YYYY or YYYY-MM-DD): " + p.error.substr(pre.size());
        return p.error;
    }
    out.null = p.is_null();
    if (out.null) return {};
    const auto& t = *p.value;
    if (t.hour || t.minute || t.second || t.microsecond) return "not a date, it has a time of day: " + excerpt(raw);
    out.text = t.iso().substr(0, 10);
    return {};
}

std::string result(std::string_view raw, FieldValue& out) { return store(ls::norm::parse_result(raw), out, as_decimal); }

std::string int_or_marker(std::string_view raw, FieldValue& out) {
    return store(ls::norm::parse_int_or_marker(raw), out, as_decimal);
}

std::string tg_bot(std::string_view raw, FieldValue& out) { return store(ls::norm::parse_tg_bot(raw), out, as_decimal); }

std::string tz_offset(std::string_view raw, FieldValue& out) {
    return store(ls::norm::parse_tz_offset(raw), out, [](double hours) {
        // Canonical "+HH:MM", so "+3", "UTC+3" and "+03:00" group together.
        long minutes = std::lround(std::fabs(hours) * 60.0);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", hours < 0 ? '-' : '+', minutes / 60, minutes % 60);
        return std::string(buf);
    });
}

}  // namespace conv
}  // namespace lscli
