#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli/command.h"
#include "cli/demo/demo.h"
#include "cli/base/private_cluster.h"
#include "cli/base/signals.h"

namespace lscli {

namespace {
struct Step {
    int order;
    const char* title;
    DemoStepFn fn;
};
std::vector<Step>& steps() {
    static std::vector<Step> all;
    return all;
}

// Sends stdout to /dev/null while it lives (--quiet): the steps print with
// printf, and muting the descriptor keeps them free of a quiet flag each.
class QuietStdout {
public:
    QuietStdout() {
        std::fflush(stdout);
        saved_ = dup(STDOUT_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        if (saved_ >= 0 && devnull >= 0) dup2(devnull, STDOUT_FILENO);
        if (devnull >= 0) close(devnull);
    }
    ~QuietStdout() {
        std::fflush(stdout);
        if (saved_ >= 0) {
            dup2(saved_, STDOUT_FILENO);
            close(saved_);
        }
    }
    QuietStdout(const QuietStdout&) = delete;
    QuietStdout& operator=(const QuietStdout&) = delete;

private:
    int saved_ = -1;
};

// The closing lines: where to go from here (paths printed only when they outlive the demo).
void print_next_steps(const DemoContext& ctx, bool private_cluster) {
    std::printf("\n== where to go next\n");
    if (!ctx.report_path.empty())
        std::printf("   The charts of everything above: open %s in a browser (it works offline).\n", ctx.report_path.c_str());
    std::printf("   Documentation: docs/ in the source tree (README.md, docs/report.md, docs/bi.md, docs/models.md);\n"
                "   `learnerscore <command> --help` lists every option.\n");
    if (ctx.workdir_kept)
        std::printf("   The generated CSV files and their planted ground truth are kept in %s (_truth/).\n", ctx.workdir.c_str());
    else
        std::printf("   --keep-data keeps the generated CSV files and their planted ground truth (_truth/) after the demo.\n");
    if (private_cluster)
        std::printf("   --dsn 'dbname=...' runs the demo in your own database, so you can query the schemas onet and tk\n"
                    "   afterwards (SELECT * FROM onet.learner_scores; docs/bi.md for dashboards); this private cluster\n"
                    "   is removed now.\n");
    else
        std::printf("   The schemas %s and tk stay in your database: SELECT * FROM %s.learner_scores; docs/bi.md for dashboards;\n"
                    "   learnerscore report --schema %s --courses-schema tk --out report.html rebuilds the report.\n",
                    ctx.schema.c_str(), ctx.schema.c_str(), ctx.schema.c_str());
}

std::vector<OptionSpec> demo_options() {
    return {
        {"dsn", 0, "DSN", "run in this database instead of a private throw-away cluster"},
        {"learners", 0, "N", "1T cohort size (default 2734)"},
        {"seed", 0, "K", "random seed of the generated data (default 42)"},
        {"schema", 0, "S", "learning schema (default onet)"},
        {"workdir", 0, "DIR", "folder for the generated files (default: a temporary one, removed at the end)"},
        {"keep-data", 0, "", "keep the temporary folder of generated files"},
        {"employees", 0, "N", "call-centre employees of the course-effects step (default 2000)"},
        {"courses", 0, "M", "courses of the course-effects step (default 8)"},
        {"report", 0, "FILE", "the HTML report the demo writes (default learnerscore-demo-report.html here)"},
        {"no-report", 0, "", "write no HTML report"},
        {"lang", 0, "ru|en", "language of the HTML report (default en)"},
        {"quiet", 'q', "", "one line per step (its title and time) and where the report is; no tables"},
    };
}

std::string demo_usage() {
    return usage_text(
        "usage: learnerscore demo [--dsn DSN] [--learners N] [--seed K] [--schema S] [--workdir DIR] [--keep-data]\n"
        "                         [--employees N] [--courses M] [--report FILE | --no-report] [--lang ru|en] [--quiet]\n"
        "  Without --dsn, starts a private PostgreSQL cluster in a temporary directory (as the postgres\n"
        "  account when run as root), installs the extension, generates a cohort, loads it, and prints\n"
        "  what each part of learnerscore computes, writes an HTML report with charts (learnerscore report);\n"
        "  the cluster is stopped on exit and on Ctrl-C.\n",
        demo_options());
}

int run_demo(const Options& opt) {
    opt.require_no_positional();
    install_signal_handlers();
    std::unique_ptr<PrivateCluster> cluster;
    std::string dsn = opt.get("dsn");
    if (dsn.empty()) {
        cluster = std::make_unique<PrivateCluster>();
        dsn = cluster->dsn();
    }
    std::string workdir = opt.get("workdir");
    bool own_workdir = workdir.empty();
    if (own_workdir) {
        char tmpl[] = "/tmp/learnerscore-data-XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
        workdir = tmpl;
    }
    struct Cleanup {
        std::string dir;
        bool remove;
        ~Cleanup() {
            std::error_code ec;
            if (remove) std::filesystem::remove_all(dir, ec);
        }
    } cleanup{workdir, own_workdir && !opt.has("keep-data")};

    int rc = 0;
    try {
        PgConn conn(dsn);
        conn.exec("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS learnerscore CASCADE");
        auto v = conn.query("SELECT learnerscore.version()");
        std::printf("== learnerscore %s installed\n", v.get(0, 0).c_str());
        DemoContext ctx{conn, dsn, workdir, opt.get("schema", "onet"), opt.get_int("learners", 2734),
                        opt.get_int("seed", 42), opt, true, {}};
        ctx.workdir_kept = !cleanup.remove;
        auto all = steps();
        std::stable_sort(all.begin(), all.end(), [](const Step& a, const Step& b) { return a.order < b.order; });
        const bool quiet = opt.has("quiet");
        for (const auto& s : all) {
            throw_if_interrupted();
            auto t0 = std::chrono::steady_clock::now();
            if (quiet) {
                std::printf("== %s ...", s.title);
                std::fflush(stdout);
                QuietStdout mute;  // the step's tables and explanations go nowhere; errors still reach stderr
                s.fn(ctx);
            } else {
                std::printf("\n== %s\n", s.title);
                std::fflush(stdout);
                s.fn(ctx);
            }
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf(quiet ? " %.1f s\n" : "   (%.1f s)\n", secs);
        }
        if (quiet) {
            if (!ctx.report_path.empty()) std::printf("report: %s\n", ctx.report_path.c_str());
        } else {
            std::printf("\n== demo finished\n");
            print_next_steps(ctx, cluster != nullptr);
        }
    } catch (const Interrupted&) {
        std::fprintf(stderr, "\ndemo interrupted; cleaning up\n");
        rc = 130;
    } catch (const std::exception& e) {
        if (interrupted()) {  // Ctrl-C cancelled the running query: not a failure
            std::fprintf(stderr, "\ndemo interrupted; cleaning up\n");
            rc = 130;
        } else {
            std::fprintf(stderr, "demo failed: %s\n", e.what());
            rc = 1;
        }
    }
    return rc;  // the private cluster is stopped by its destructor
}

CommandRegistrar reg({"demo", "run the end-to-end demo (a private throw-away cluster unless --dsn is given)", &demo_options,
                      &demo_usage, &run_demo});
}  // namespace

DemoStepRegistrar::DemoStepRegistrar(int order, const char* title, DemoStepFn fn) { steps().push_back({order, title, fn}); }

}  // namespace lscli
