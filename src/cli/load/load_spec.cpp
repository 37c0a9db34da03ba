// File-spec registry and the standard value converters of the loader.
#include "cli/load/load_spec.h"

#include <cfloat>
#include <cmath>
#include <cstdio>

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
template <class T>
std::string fail_or_null(const ls::norm::Parsed<T>& p, FieldValue& out) {
    if (!p.ok()) return p.error;
    out.null = true;
    return {};
}
}  // namespace

std::string text(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_text(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = std::move(*p.value);
    return {};
}

std::string integer(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_int(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = std::to_string(*p.value);
    return {};
}

std::string real(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_real(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    double v = *p.value;
    if (std::fabs(v) > FLT_MAX) return "number out of range for real";
    float f = static_cast<float>(v);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));  // round-trips a float4 exactly
    out.null = false;
    out.text = buf;
    return {};
}

std::string timestamp(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_timestamp(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = p.value->iso();
    return {};
}

std::string result(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_result(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = std::to_string(*p.value);
    return {};
}

std::string int_or_marker(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_int_or_marker(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = std::to_string(*p.value);
    return {};
}

std::string tg_bot(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_tg_bot(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    out.null = false;
    out.text = std::to_string(*p.value);
    return {};
}

std::string tz_offset(std::string_view raw, FieldValue& out) {
    auto p = ls::norm::parse_tz_offset(raw);
    if (!p.ok() || p.is_null()) return fail_or_null(p, out);
    // Canonical "+HH:MM", so "+3", "UTC+3" and "+03:00" group together.
    long minutes = std::lround(std::fabs(*p.value) * 60.0);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", *p.value < 0 ? '-' : '+', minutes / 60, minutes % 60);
    out.null = false;
    out.text = buf;
    return {};
}

}  // namespace conv
}  // namespace lscli
