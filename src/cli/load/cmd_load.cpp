// `learnerscore load DIR --schema S [--dsn DSN] [--force] [--no-refresh] [--max-reject-ratio R]
//  [--allow-empty] [--allow-extra-columns] [--quiet]`. Exit status: 0 every file loaded (or was
// unchanged), 1 a file failed or the cache refresh failed, 2 a usage error, 130 Ctrl-C.
#include <cstdio>
#include <stdexcept>

#include "cli/command.h"
#include "cli/load/loader.h"
#include "cli/base/signals.h"

namespace lscli {
namespace {

std::vector<OptionSpec> load_options() {
    return {
        {"schema", 0, "S", "target schema (default onet, created if missing)"},
        {"dsn", 0, "DSN", "libpq connection string (default: the PG* environment)"},
        {"force", 0, "", "reload files whose SHA-256 matches the last load"},
        {"no-refresh", 0, "", "do not refresh the view caches after the load"},
        {"max-reject-ratio", 0, "R",
         "share of a file's data lines that may be rejected, 0..1 (default 0.1:\n"
         "a file with more than 10 % rejected lines fails; 1 never fails on rejects)"},
        {"allow-empty", 0, "", "a header-only file (or one with no loadable line) may empty its table"},
        {"allow-extra-columns", 0, "", "ignore header columns that no column accepts instead of failing"},
        {"quiet", 'q', "", "no output except the failures (on stderr)"},
        {"no-progress", 0, "", "no progress bar"},
    };
}

std::string load_usage() {
    return usage_text(
        "usage: learnerscore load DIR [--schema S] [--dsn DSN] [--force] [--no-refresh]\n"
        "                         [--max-reject-ratio R] [--allow-empty] [--allow-extra-columns] [--quiet | --no-progress]\n"
        "  Loads every known file of DIR (the 1T export: users.csv, schedule.csv, ...) into schema S.\n"
        "  One transaction per file; lines that do not parse go to S.load_rejects with their line number\n"
        "  and reason. A file whose SHA-256 matches the last load (S.load_log) is skipped; a changed file\n"
        "  replaces its table's rows and its rejects.\n"
        "  A file FAILS as a whole, and its table, its rejects and its load_log entry stay exactly as they\n"
        "  were, when it is not UTF-8 text (the message names the encoding it looks like, e.g. windows-1251,\n"
        "  and the iconv command converting it), when its header lacks a column or has one no column\n"
        "  accepts, when more than R of its data lines are rejected, or when it has no loadable line and\n"
        "  its table has rows. The other files still load; the most frequent reject reasons of a failed\n"
        "  file are printed (they are not stored in load_rejects).\n"
        "  After a successful load of a learning schema whose data changed, refreshes the view caches of\n"
        "  m_user_tags_history, m_online_students and dataset_h (refresh_analyst_views: ~3.2 s and ~rows x 200\n"
        "  bytes of disk for 2,734 learners; writers of the source tables wait meanwhile). --no-refresh\n"
        "  skips it: those views then read their live queries (always correct, slower) until the next refresh.\n"
        "  Exit status: 0 every file loaded or was unchanged; 1 a file failed (or the cache refresh failed);\n"
        "  2 a usage error (unknown option, bad value, not a folder); 130 interrupted. See docs/loading.md.\n",
        load_options());
}

LoadOptions parse_load_options(const Options& opt) {
    LoadOptions lo;
    lo.max_reject_ratio = opt.get_double("max-reject-ratio", kDefaultMaxRejectRatio);
    if (!(lo.max_reject_ratio >= 0 && lo.max_reject_ratio <= 1))
        throw UsageError("--max-reject-ratio must be between 0 and 1 (a share of the data lines), got " +
                         opt.get("max-reject-ratio"));
    lo.force = opt.has("force");
    lo.progress = !opt.has("quiet") && !opt.has("no-progress");
    lo.out = opt.has("quiet") ? nullptr : stdout;
    lo.refresh = !opt.has("no-refresh");
    lo.allow_empty = opt.has("allow-empty");
    lo.allow_extra_columns = opt.has("allow-extra-columns");
    return lo;
}

// Quiet: only what failed, on stderr. Otherwise: what was not loaded and the totals.
void print_summary(const LoadSummary& s, const std::string& schema, bool quiet) {
    if (quiet) {
        for (const auto& f : s.files)
            if (f.status == FileStatus::failed) std::fprintf(stderr, "%s\n", format_result(f).c_str());
        if (s.cache.status == CacheStatus::failed) std::fprintf(stderr, "%s\n", format_cache(s.cache).c_str());
        return;
    }
    for (const auto& f : s.ignored) std::printf("  %-28s ignored (no file spec)\n", f.c_str());
    for (const auto& f : s.missing) std::printf("  %-28s not in the folder\n", f.c_str());
    std::printf("total: loaded %lld, rejected %lld (see %s.load_rejects)%s\n", s.loaded(), s.rejected(), schema.c_str(),
                s.ok() ? "" : "; some files FAILED");
}

int run_load(const Options& opt) {
    if (opt.positional().size() != 1) throw UsageError("expected one folder: learnerscore load DIR --schema S");
    LoadOptions lo = parse_load_options(opt);
    const std::string& dir = opt.positional()[0];
    const std::string schema = opt.get("schema", "onet");
    const bool quiet = opt.has("quiet");
    install_signal_handlers();
    try {
        PgConn conn(opt.get("dsn"));
        if (!quiet) std::printf("loading %s into schema %s\n", dir.c_str(), schema.c_str());
        std::fflush(stdout);
        LoadSummary s = load_directory(conn, dir, schema, lo);
        print_summary(s, schema, quiet);
        return s.ok() && s.cache.status != CacheStatus::failed ? 0 : 1;
    } catch (const Interrupted&) {
        std::fprintf(stderr, "\nload interrupted; the file being loaded (or the view cache refresh) was rolled back\n");
        return 130;
    }
}

CommandRegistrar reg({"load", "load a folder of platform CSV files into a schema (COPY, rejects, idempotent)", &load_options,
                      &load_usage, &run_load});

}  // namespace
}  // namespace lscli
