#include "cli/load/header_map.h"

#include <set>

#include "cli/load/file_failure.h"
#include "cli/load/load_text.h"
#include "core/load/normalize.h"

namespace lscli {

using ls::CsvRecord;

Mapping map_header(const FileSpec& spec, const CsvRecord& header, bool allow_extra) {
    if (!header.error.empty()) throw FileFailure("malformed header line: " + header.error);
    if (!ls::norm::valid_utf8(header.raw)) throw FileFailure("header line is not valid UTF-8");
    Mapping m;
    m.nfields = header.fields.size();
    std::vector<std::string> norm;
    for (auto f : header.fields) norm.push_back(normalize_header(f));
    std::vector<bool> used(norm.size(), false);
    std::string missing;
    for (const auto& col : spec.columns) {
        std::set<std::string> accepted{normalize_header(col.column)};
        for (const auto& h : col.headers) accepted.insert(normalize_header(h));
        int found = -1;
        for (size_t k = 0; k < norm.size(); ++k) {
            if (!accepted.count(norm[k])) continue;
            if (found >= 0)
                throw FileFailure("column " + col.column + " matches two headers: \"" + std::string(header.fields[size_t(found)]) +
                                  "\" and \"" + std::string(header.fields[k]) + "\"");
            if (used[k]) continue;
            found = int(k);
        }
        if (found >= 0) used[size_t(found)] = true;
        else if (!col.may_be_absent) missing += (missing.empty() ? "" : ", ") + col.column + " (e.g. \"" + col.headers.front() + "\")";
        m.src.push_back(found);
    }
    std::string unexpected;
    size_t n_unexpected = 0;
    for (size_t k = 0; k < norm.size(); ++k) {
        if (used[k]) continue;
        m.ignored_headers.emplace_back(header.fields[k]);
        unexpected += (unexpected.empty() ? "" : ", ") + excerpt(header.fields[k]) + " (column " + std::to_string(k + 1) + ")";
        ++n_unexpected;
    }
    if (missing.empty() && (n_unexpected == 0 || allow_extra)) return m;
    std::string msg;
    if (!missing.empty()) msg = "header has no column for " + missing;
    if (n_unexpected && !allow_extra)
        msg += std::string(msg.empty() ? "header has " : "; it has ") + (n_unexpected == 1 ? "an unexpected column " : "unexpected columns ") +
               unexpected;
    std::string expected;
    for (const auto& c : spec.columns) expected += (expected.empty() ? "" : ", ") + c.column + (c.may_be_absent ? " (optional)" : "");
    msg += "; header is: " + excerpt(header.raw) + "; expected: " + expected + " (or a spelling listed in docs/loading.md)";
    if (missing.empty()) msg += "; --allow-extra-columns loads the file ignoring the unexpected columns";
    throw FileFailure(msg);
}

}  // namespace lscli
