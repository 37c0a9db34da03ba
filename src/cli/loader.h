// Loading a folder of platform CSV files into a schema (`learnerscore load`,
// the demo's load step). One transaction per file; rejected lines go to
// <schema>.load_rejects; unchanged files (same SHA-256 as in load_log) are
// skipped. See docs/loading.md.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "cli/pg_conn.h"

namespace lscli {

struct LoadOptions {
    bool force = false;      // reload even when the checksum is unchanged
    bool progress = true;    // draw a progress bar (only when stderr is a terminal)
    FILE* out = stdout;      // per-file summary lines; nullptr for none
    bool refresh = true;     // refresh the analyst view cache after a successful load
};

// The view caches (m_user_tags_history, m_online_students, dataset_h) after the load
// (learnerscore.refresh_analyst_views); rows = dataset_h's.
struct CacheRefresh {
    std::string status;   // "refreshed", "fresh" (nothing changed), "skipped" (--no-refresh or a
                          // failed file), "failed", or "" (no cache: older extension or data set)
    std::string detail;   // why skipped / the error
    long long rows = 0;
    double seconds = 0;
};

struct FileLoadResult {
    std::string file;     // file name in the folder
    std::string table;    // target table (unqualified)
    std::string status;   // "loaded", "unchanged", "failed"
    std::string error;    // for "failed"
    std::string sha256;
    long long bytes = 0;
    long long read = 0;      // data lines read (header and blank lines excluded)
    long long loaded = 0;
    long long rejected = 0;
    long long blank = 0;     // blank lines skipped
    double seconds = 0;
};

struct LoadSummary {
    std::string schema;
    std::vector<FileLoadResult> files;
    std::vector<std::string> ignored;  // files in the folder with no spec
    std::vector<std::string> missing;  // spec'd files of a present data set absent from the folder
    CacheRefresh cache;
    bool ok() const;
    long long loaded() const;
    long long rejected() const;
};

// Loads every known file of `dir` into `schema` (created if missing). Throws on
// a connection problem or Ctrl-C; a file that cannot be loaded is reported as
// "failed" (its transaction rolled back) and the others still load.
LoadSummary load_directory(PgConn& conn, const std::string& dir, const std::string& schema, const LoadOptions& opts);

// The per-file summary line (also printed by load_directory as files finish).
std::string format_result(const FileLoadResult& r);

// The cache line of the summary ("" when the schema has no cache).
std::string format_cache(const CacheRefresh& c, const std::string& schema);

}  // namespace lscli
