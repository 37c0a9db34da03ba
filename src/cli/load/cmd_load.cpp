// `learnerscore load DIR --schema S [--dsn DSN] [--force] [--no-refresh] [--max-reject-ratio R]
//  [--allow-empty] [--allow-extra-columns] [--quiet]`. Exit status: 0 every file loaded (or was
// unchanged), 1 a file failed or the cache refresh failed, 2 a usage error, 130 Ctrl-C.
#include <cstdio>
#include <set>
#include <stdexcept>

#include "cli/command.h"
#include "cli/load/loader.h"
#include "cli/options.h"
#include "cli/base/signals.h"

namespace lscli {
namespace {

int run_load(const std::vector<std::string>& args) {
    const std::set<std::string> flags{"force", "quiet", "no-progress", "no-refresh", "allow-empty", "allow-extra-columns"};
    Options opt(args, flags);
    std::set<std::string> known = flags;
    known.insert({"dsn", "schema", "max-reject-ratio"});
    opt.require_known(known);
    if (opt.positional().size() != 1) throw std::invalid_argument("expected one folder: learnerscore load DIR --schema S");
    double ratio = opt.get_double("max-reject-ratio", kDefaultMaxRejectRatio);
    if (!(ratio >= 0 && ratio <= 1))
        throw std::invalid_argument("--max-reject-ratio must be between 0 and 1 (a share of the data lines), got " +
                                    opt.get("max-reject-ratio"));
    install_signal_handlers();
    LoadOptions lo;
    lo.force = opt.has("force");
    lo.progress = !opt.has("quiet") && !opt.has("no-progress");
    lo.out = opt.has("quiet") ? nullptr : stdout;
    lo.refresh = !opt.has("no-refresh");
    lo.max_reject_ratio = ratio;
    lo.allow_empty = opt.has("allow-empty");
    lo.allow_extra_columns = opt.has("allow-extra-columns");
    std::string schema = opt.get("schema", "onet");
    try {
        PgConn conn(opt.get("dsn"));
        if (!opt.has("quiet")) std::printf("loading %s into schema %s\n", opt.positional()[0].c_str(), schema.c_str());
        std::fflush(stdout);
        LoadSummary s = load_directory(conn, opt.positional()[0], schema, lo);
        if (!opt.has("quiet")) {
            for (const auto& f : s.ignored) std::printf("  %-28s ignored (no file spec)\n", f.c_str());
            for (const auto& f : s.missing) std::printf("  %-28s not in the folder\n", f.c_str());
            std::printf("total: loaded %lld, rejected %lld (see %s.load_rejects)%s\n", s.loaded(), s.rejected(),
                        schema.c_str(), s.ok() ? "" : "; some files FAILED");
        }
        if (!s.ok() && opt.has("quiet"))
            for (const auto& f : s.files)
                if (f.status == "failed") std::fprintf(stderr, "%s\n", format_result(f).c_str());
        if (s.cache.status == "failed" && opt.has("quiet")) std::fprintf(stderr, "%s\n", format_cache(s.cache).c_str());
        return s.ok() && s.cache.status != "failed" ? 0 : 1;
    } catch (const Interrupted&) {
        std::fprintf(stderr, "\nload interrupted; the file being loaded (or the view cache refresh) was rolled back\n");
        return 130;
    }
}

CommandRegistrar reg("load", "load a folder of platform CSV files into a schema (COPY, rejects, idempotent)",
                     "usage: learnerscore load DIR [--schema S] [--dsn DSN] [--force] [--no-refresh]\n"
                     "                         [--max-reject-ratio R] [--allow-empty] [--allow-extra-columns] [--quiet | --no-progress]\n"
                     "  Loads every known file of DIR (the 1T export: users.csv, schedule.csv, ...) into schema S\n"
                     "  (default onet, created if missing). One transaction per file; lines that do not parse go to\n"
                     "  S.load_rejects with their line number and reason. A file whose SHA-256 matches the last\n"
                     "  load (S.load_log) is skipped; a changed file replaces its table's rows and its rejects.\n"
                     "  --force reloads unchanged files.\n"
                     "  A file FAILS as a whole, and its table, its rejects and its load_log entry stay exactly as they\n"
                     "  were, when it is not UTF-8 text (the message names the encoding it looks like, e.g. windows-1251,\n"
                     "  and the iconv command converting it), when its header lacks a column or has one no column\n"
                     "  accepts, when more than R of its data lines are rejected, or when it has no loadable line and\n"
                     "  its table has rows. The other files still load; the most frequent reject reasons of a failed\n"
                     "  file are printed (they are not stored in load_rejects).\n"
                     "  --max-reject-ratio R  share of a file's data lines that may be rejected, 0..1 (default 0.1:\n"
                     "                        a file with more than 10 % rejected lines fails; 1 never fails on rejects)\n"
                     "  --allow-empty         a header-only file (or one with no loadable line) may empty its table\n"
                     "  --allow-extra-columns ignore header columns that no column accepts instead of failing\n"
                     "  After a successful load of a learning schema whose data changed, refreshes the view caches of\n"
                     "  m_user_tags_history, m_online_students and dataset_h (refresh_analyst_views: ~3.2 s and ~rows x 200\n"
                     "  bytes of disk for 2,734 learners; writers of the source tables wait meanwhile). --no-refresh\n"
                     "  skips it: those views then read their live queries (always correct, slower) until the next refresh.\n"
                     "  Exit status: 0 every file loaded or was unchanged; 1 a file failed (or the cache refresh failed);\n"
                     "  2 a usage error (unknown option, bad value, not a folder); 130 interrupted. See docs/loading.md.",
                     &run_load);

}  // namespace
}  // namespace lscli
