// Loading a folder of platform CSV files into a schema (`learnerscore load`,
// the demo's load step). One transaction per file; rejected lines go to
// <schema>.load_rejects; unchanged files (same SHA-256 as in load_log) are
// skipped. A file fails as a whole, leaving its table, its rejects and its
// load_log row exactly as they were, when it is not UTF-8, when its header does
// not match its spec, when more than max_reject_ratio of its lines are
// rejected, or when it would empty a table that has rows. See docs/loading.md.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "cli/base/pg_conn.h"

namespace lscli {

// Default share of a file's data lines that may be rejected before the file fails (docs/loading.md).
constexpr double kDefaultMaxRejectRatio = 0.10;

struct LoadOptions {
    bool force = false;      // reload even when the checksum is unchanged
    double max_reject_ratio = kDefaultMaxRejectRatio;  // 0..1: a file with more rejected lines fails
    bool allow_empty = false;          // a file with no loadable line may empty a table that has rows
    bool allow_extra_columns = false;  // header columns no spec column accepts are ignored instead of failing
    bool progress = true;    // draw a progress bar (only when stderr is a terminal)
    FILE* out = stdout;      // per-file summary lines; nullptr for none
    bool refresh = true;     // refresh the analyst view cache after a successful load
};

// What became of a file: its rows replaced, skipped (same SHA-256 as the last load), or
// nothing of it kept.
enum class FileStatus { loaded, unchanged, failed };

// What became of the view caches after the files: none (no cache: older extension or data
// set), refreshed, fresh (nothing changed), skipped (--no-refresh or a failed file), failed.
enum class CacheStatus { none, refreshed, fresh, skipped, failed, off };

// "loaded", "unchanged", "failed" / "", "refreshed", "fresh", "skipped", "failed".
const char* to_text(FileStatus s);
const char* to_text(CacheStatus s);

// The view caches (m_user_tags_history, m_online_students, dataset_h) after the load
// (learnerscore.refresh_analyst_views); rows = dataset_h's.
struct CacheRefresh {
    CacheStatus status = CacheStatus::none;
    std::string detail;   // why skipped / the error
    std::string retry;    // the SQL that refreshes the caches by hand (shown when skipped or failed)
    long long rows = 0;
    double seconds = 0;
};

struct FileLoadResult {
    std::string file;     // file name in the folder
    std::string table;    // target table (unqualified)
    FileStatus status = FileStatus::failed;
    std::string error;    // when failed
    std::vector<std::string> details;  // when failed: further lines (most frequent reject reasons)
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
    long long loaded() const;    // over the files not failed
    long long rejected() const;  // over the files not failed
};

// Loads every known file of `dir` into `schema` (created if missing). Throws on
// a connection problem or Ctrl-C; a file that cannot be loaded is reported as
// "failed" (nothing of it is kept: its transaction is rolled back, or never
// began) and the others still load.
LoadSummary load_directory(PgConn& conn, const std::string& dir, const std::string& schema, const LoadOptions& opts);

// The per-file summary line, and for a failed file its detail lines (also
// printed by load_directory as files finish).
std::string format_result(const FileLoadResult& r);

// The cache line of the summary ("" when the schema has no cache).
std::string format_cache(const CacheRefresh& c);

}  // namespace lscli
