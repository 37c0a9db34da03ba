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

}  // namespace lscli
