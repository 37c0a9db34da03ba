#include "cli/load/loader.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "cli/base/signals.h"
#include "cli/load/cache_refresh.h"
#include "cli/load/load_file.h"
#include "cli/load/load_progress.h"
#include "cli/load/load_spec.h"
#include "cli/load/load_text.h"
#include "core/load/normalize.h"

namespace lscli {

namespace fs = std::filesystem;

const char* to_text(FileStatus s) {
    switch (s) {
        case FileStatus::loaded: return "loaded";
        case FileStatus::unchanged: return "unchanged";
        case FileStatus::failed: return "failed";
    }
    return "";
}

const char* to_text(CacheStatus s) {
    switch (s) {
        case CacheStatus::none: return "";
        case CacheStatus::refreshed: return "refreshed";
        case CacheStatus::fresh: return "fresh";
        case CacheStatus::skipped: return "skipped";
        case CacheStatus::failed: return "failed";
        case CacheStatus::off: return "off";
    }
    return "";
}

bool LoadSummary::ok() const {
    for (const auto& f : files)
        if (f.status == FileStatus::failed) return false;
    return true;
}
// Totals over the files whose rows are in the tables (a failed file's counts
// describe lines that were rolled back).
long long LoadSummary::loaded() const {
    long long n = 0;
    for (const auto& f : files)
        if (f.status != FileStatus::failed) n += f.loaded;
    return n;
}
long long LoadSummary::rejected() const {
    long long n = 0;
    for (const auto& f : files)
        if (f.status != FileStatus::failed) n += f.rejected;
    return n;
}

std::string format_result(const FileLoadResult& r) {
    char buf[512];
    if (r.status == FileStatus::failed) {
        std::snprintf(buf, sizeof buf, "  %-28s FAILED: ", r.file.c_str());
        std::string s = buf + r.error;
        for (const auto& d : r.details) s += "\n      " + d;
        s += "\n      " + (r.table.empty() ? std::string("its table") : r.table) +
             " is unchanged: nothing of this file was written (table rows, load_rejects, load_log)";
        return s;
    }
    double rate = r.seconds > 0 ? double(r.read) / r.seconds : 0;
    std::snprintf(buf, sizeof buf, "  %-28s → %-24s read %10s  loaded %10s  rejected %6s  %7.2f s  %10s rows/s%s",
                  r.file.c_str(), r.table.c_str(), grouped(r.read).c_str(), grouped(r.loaded).c_str(),
                  grouped(r.rejected).c_str(), r.seconds, r.status == FileStatus::unchanged ? "-" : grouped((long long)rate).c_str(),
                  r.status == FileStatus::unchanged ? (std::string("  (") + to_text(r.status) + ", skipped)").c_str() : "");
    std::string s = buf;
    if (r.blank) s += "  (" + grouped(r.blank) + " blank lines)";
    return s;
}

namespace {

// The known files present in a folder, in registry order, and their data sets.
struct FolderPlan {
    std::vector<std::pair<const FileSpec*, fs::path>> todo;
    std::set<std::string> datasets;
};

// Also lists in `sum` the CSV files with no spec (ignored) and the spec'd files
// of a present data set that the folder lacks (missing).
FolderPlan plan_folder(const std::string& dir, LoadSummary& sum) {
    FolderPlan plan;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& spec : file_specs()) {
        for (const auto& p : entries)
            if (ls::norm::fold_case(p.filename().string()) == ls::norm::fold_case(spec.file)) {
                plan.todo.emplace_back(&spec, p);
                plan.datasets.insert(spec.dataset);
                break;
            }
    }
    for (const auto& p : entries) {
        std::string name = p.filename().string();
        if (!find_file_spec(name) && ls::norm::fold_case(p.extension().string()) == ".csv") sum.ignored.push_back(name);
    }
    for (const auto& spec : file_specs()) {
        if (!plan.datasets.count(spec.dataset)) continue;
        bool found = std::any_of(plan.todo.begin(), plan.todo.end(), [&](const auto& t) { return t.first == &spec; });
        if (!found) sum.missing.push_back(spec.file);
    }
    if (plan.todo.empty()) {
        std::string known;
        for (const auto& s : file_specs()) known += (known.empty() ? "" : ", ") + s.file;
        throw std::runtime_error("no known CSV file in " + dir + " (known: " + known + ")");
    }
    return plan;
}

// Session settings, the extension (created when the role may), the data sets'
// schema and the load bookkeeping tables.
void prepare_schema(PgConn& conn, const std::string& schema, const std::set<std::string>& datasets) {
    conn.exec("SET client_min_messages = warning; SET client_encoding = 'UTF8'; SET datestyle = 'ISO, YMD'");
    auto ext = conn.query("SELECT 1 FROM pg_extension WHERE extname = 'learnerscore'");
    if (ext.rows() == 0) {
        try {
            conn.exec("CREATE EXTENSION IF NOT EXISTS learnerscore");
        } catch (const PgError& e) {
            throw std::runtime_error(std::string("the learnerscore extension is not installed in this database and could not be created (") +
                                     e.what() + "); ask a DBA to run CREATE EXTENSION learnerscore");
        }
    }
    for (const auto& name : datasets) {
        const DatasetSpec* ds = find_dataset_spec(name);
        if (!ds) throw std::logic_error("file spec refers to unknown data set " + name);
        std::string sql = ds->create_sql;
        size_t at = sql.find("%s");
        if (at != std::string::npos) sql.replace(at, 2, conn.literal(schema));
        conn.exec(sql);
    }
    conn.query("SELECT learnerscore._create_load_tables($1)", {schema});
}

// Each file in its own transaction, its summary line printed as it finishes.
void load_files(PgConn& conn, const FolderPlan& plan, const std::string& schema, const LoadOptions& opts, LoadSummary& sum) {
    long long total = 0;
    for (const auto& t : plan.todo) total += static_cast<long long>(fs::file_size(t.second));
    Progress progress(opts.progress, total);
    for (const auto& [spec, path] : plan.todo) {
        throw_if_interrupted();
        FileLoadResult r = load_file(conn, *spec, path, schema, opts, progress);
        progress.clear();
        if (opts.out) {
            std::fprintf(opts.out, "%s\n", format_result(r).c_str());
            std::fflush(opts.out);
        }
        sum.files.push_back(std::move(r));
    }
}

// Fresh statistics for the tables just replaced: the views' plans (and
// the cache refresh) depend on them, and autovacuum may not have
// got there yet (a refresh on never-analyzed tables took 2x as long).
void analyze_loaded(PgConn& conn, const std::string& schema, const LoadSummary& sum) {
    std::string loaded_tables;
    for (const auto& f : sum.files)
        if (f.status == FileStatus::loaded && !f.table.empty())
            loaded_tables += (loaded_tables.empty() ? "" : ", ") + conn.qualified(schema, f.table);
    if (!loaded_tables.empty()) conn.exec("ANALYZE " + loaded_tables);
}

// The view caches: refreshed unless --no-refresh or a file failed; the cache line printed.
void refresh_after_load(PgConn& conn, const std::string& schema, const LoadOptions& opts, LoadSummary& sum) {
    if (!opts.refresh) {
        sum.cache.status = CacheStatus::skipped;
        sum.cache.detail = "--no-refresh";
    } else if (!sum.ok()) {
        sum.cache.status = CacheStatus::skipped;
        sum.cache.detail = "a file failed";
    } else {
        sum.cache = refresh_cache(conn, schema);
    }
    sum.cache.retry = refresh_sql(conn, schema);
    if (!opts.out || sum.cache.status == CacheStatus::none) return;
    // Only say "skipped" when there is a cache to skip.
    bool has_cache = sum.cache.status != CacheStatus::skipped ||
        conn.query("SELECT to_regclass($1) IS NOT NULL", {conn.qualified(schema, "analyst_view_cache")}).get(0, 0) == "t";
    if (has_cache) {
        std::fprintf(opts.out, "%s\n", format_cache(sum.cache).c_str());
        std::fflush(opts.out);
    }
}

}  // namespace

LoadSummary load_directory(PgConn& conn, const std::string& dir, const std::string& schema, const LoadOptions& opts) {
    if (schema.empty()) throw std::invalid_argument("--schema must not be empty");
    if (!fs::is_directory(dir)) throw std::invalid_argument("not a directory: " + dir);
    LoadSummary sum;
    sum.schema = schema;
    FolderPlan plan = plan_folder(dir, sum);
    prepare_schema(conn, schema, plan.datasets);
    load_files(conn, plan, schema, opts, sum);
    throw_if_interrupted();
    analyze_loaded(conn, schema, sum);
    refresh_after_load(conn, schema, opts, sum);
    return sum;
}

}  // namespace lscli
