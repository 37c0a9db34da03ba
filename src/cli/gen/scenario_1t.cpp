// `learnerscore generate --scenario 1t`: the 1T learner cohort of the 1T scoring specification
// (nine raw CSV files + _truth/). The model lives in src/core/gen_1t*.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "cli/gen/generate.h"
#include "core/gen/gen_1t.h"

namespace lscli {

namespace {

void print_progress(long long done, long long total) {
    std::fprintf(stderr, "\r  generating learners: %lld / %lld", done, total);
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
}

void generate_1t(const Options& opt, const std::string& out) {
    ls::gen1t::Options g;
    g.learners = opt.get_int("learners", 2734);
    g.seed = seed_option(opt);
    g.malformed_rate = opt.get_double("malformed-rate", g.malformed_rate);
    g.duplicate_rate = opt.get_double("duplicate-rate", g.duplicate_rate);
    g.flows = static_cast<int>(opt.get_int("flows", 1));
    g.flow_gap_days = static_cast<int>(opt.get_int("flow-gap-days", g.flow_gap_days));
    g.cutoff_day = static_cast<int>(opt.get_int("cutoff-day", g.cutoff_day));
    g.contacts = opt.has("contacts");
    const std::string cf = opt.get("contact-flows", "last");
    if (cf != "last" && cf != "all") throw std::invalid_argument("--contact-flows must be last or all, not \"" + cf + "\"");
    g.contact_all_flows = cf == "all";
    g.tutors = static_cast<int>(opt.get_int("tutors", g.tutors));
    g.tutor_capacity = static_cast<int>(opt.get_int("tutor-capacity", g.tutor_capacity));
    g.holdout = opt.get_double("holdout", g.holdout);
    bool quiet = opt.has("quiet");
    if (!quiet && isatty(2) && g.learners >= 5000) g.progress = &print_progress;

    auto t0 = std::chrono::steady_clock::now();
    ls::gen1t::Summary s = ls::gen1t::generate(g, out);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (quiet) return;
    std::printf("generated scenario 1t: %lld learners, seed %llu, into %s (%.1f s)\n", s.learners, g.seed, out.c_str(), secs);
    std::printf("  %-28s %12s %10s %10s %12s\n", "file", "data lines", "malformed", "duplicates", "bytes");
    for (const auto& f : s.files)
        std::printf("  %-28s %12lld %10lld %10lld %12lld\n", f.name.c_str(), f.data_lines, f.malformed, f.duplicates, f.bytes);
    std::printf("  planted: %lld no-show, %lld late joiners, %lld offline; module 2 completed by %lld, dropout %lld\n",
                s.no_show, s.late_joiners, s.offline, s.completed, s.dropout);
    if (g.flows > 1)
        std::printf("  %d flows per course, %d days apart; cut off %d days after the last flow's start: %lld learners running\n",
                    g.flows, g.flow_gap_days, g.cutoff_day, s.running);
    if (g.contacts)
        std::printf("  contacts: %lld learners contacted, %lld in the holdout%s\n", s.contacted, s.holdout,
                    g.contact_all_flows ? " (every flow)" : "");
    std::printf("  planted state vs activity status (7/20 days): %.1f %% of %lld learner-days agree; truth in %s/_truth/\n",
                100.0 * s.agreement(), s.learner_days, out.c_str());
}

ScenarioRegistrar reg({"1t",
                       "1T learner cohort of the 1T scoring specification: nine raw CSV files + _truth/ (docs/generator-1t.md)",
                       {{"learners", 0, "N", "cohort size, 0 ... 10,000,000 (default 2734)"},
                        {"malformed-rate", 0, "R", "per good data line, chance of a malformed line after it (default 0.001; 0 disables)"},
                        {"duplicate-rate", 0, "R", "per good event line, chance of repeating it exactly (default 0.002)"},
                        {"flows", 0, "F", "flows per course, 1 ... 20 (default 1); F > 1 cuts the export off during the last flow"},
                        {"flow-gap-days", 0, "D", "days between the starts of consecutive flows (default 147)"},
                        {"cutoff-day", 0, "D", "the cut-off: days after the last flow's start, 1 ... 210 (default 70)"},
                        {"contacts", 0, "", "tutors contact learners of the running flow (needs --flows >= 2): contacts.csv, _truth/contacts_truth.csv"},
                        {"contact-flows", 0, "last|all", "flows whose learners tutors contact: the running (last) one (default) or every flow; all also writes contact_assignments.csv"},
                        {"tutors", 0, "N", "tutors per course (default 4)"},
                        {"tutor-capacity", 0, "N", "contacts per tutor per contact day (default 5)"},
                        {"holdout", 0, "R", "share of eligible learners never contacted, [0, 1) (default 0.2)"}},
                       &generate_1t});

}  // namespace
}  // namespace lscli
