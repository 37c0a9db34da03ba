// `learnerscore load DIR --schema S [--dsn DSN] [--force] [--no-refresh] [--quiet]`
#include <cstdio>
#include <stdexcept>

#include "cli/command.h"
#include "cli/loader.h"
#include "cli/options.h"
#include "cli/signals.h"

namespace lscli {
namespace {

int run_load(const std::vector<std::string>& args) {
    Options opt(args, {"force", "quiet", "no-progress", "no-refresh"});
    opt.require_known({"dsn", "schema", "force", "quiet", "no-progress", "no-refresh"});
    if (opt.positional().size() != 1) throw std::invalid_argument("expected one folder: learnerscore load DIR --schema S");
    install_signal_handlers();
    LoadOptions lo;
    lo.force = opt.has("force");
    lo.progress = !opt.has("quiet") && !opt.has("no-progress");
    lo.out = opt.has("quiet") ? nullptr : stdout;
    lo.refresh = !opt.has("no-refresh");
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
        if (s.cache.status == "failed" && opt.has("quiet")) std::fprintf(stderr, "%s\n", format_cache(s.cache, schema).c_str());
        return s.ok() && s.cache.status != "failed" ? 0 : 1;
    } catch (const Interrupted&) {
        std::fprintf(stderr, "\nload interrupted; the file being loaded (or the view cache refresh) was rolled back\n");
        return 130;
    }
}

CommandRegistrar reg("load", "load a folder of platform CSV files into a schema (COPY, rejects, idempotent)",
                     "usage: learnerscore load DIR [--schema S] [--dsn DSN] [--force] [--no-refresh] [--quiet | --no-progress]\n"
                     "  Loads every known file of DIR (the 1T export: users.csv, schedule.csv, ...) into schema S\n"
                     "  (default onet, created if missing). One transaction per file; lines that do not parse go to\n"
                     "  S.load_rejects with their line number and reason. A file whose SHA-256 matches the last\n"
                     "  load (S.load_log) is skipped; a changed file replaces its table's rows and its rejects.\n"
                     "  --force reloads unchanged files.\n"
                     "  After a successful load of a learning schema whose data changed, refreshes the view caches of\n"
                     "  m_user_tags_history, m_online_students and dataset_h (refresh_analyst_views: ~3.2 s and ~rows x 200\n"
                     "  bytes of disk for 2,734 learners; writers of the source tables wait meanwhile). --no-refresh\n"
                     "  skips it: those views then read their live queries (always correct, slower) until the next refresh.\n"
                     "  Exit status 1 when a file or the cache refresh failed. See docs/loading.md.",
                     &run_load);

}  // namespace
}  // namespace lscli
