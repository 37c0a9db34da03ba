// Demo step 100: generate the synthetic 1T cohort into the demo's work folder
// (later steps load it).
#include <chrono>
#include <cstdio>
#include <string>

#include "cli/demo/demo.h"
#include "core/gen/gen_1t.h"

namespace lscli {
namespace {

void demo_generate(DemoContext& ctx) {
    ls::gen1t::Options g;
    g.learners = ctx.learners;
    g.seed = static_cast<unsigned long long>(ctx.seed < 0 ? -ctx.seed : ctx.seed);
    auto t0 = std::chrono::steady_clock::now();
    ls::gen1t::Summary s = ls::gen1t::generate(g, ctx.workdir);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    long long rows = 0;
    for (const auto& f : s.files) rows += f.data_lines;
    std::printf("   Generated %lld learners of courses 3, 49, 71 and 77 (seed %llu) in %.1f s: nine raw CSV files in the\n"
                "   platform's formats with %lld data lines (authorization %lld, page views %lld, exercise results %lld,\n"
                "   webinar events %lld, hashtag log %lld), including %lld planted malformed lines and %lld exact duplicates.\n"
                "   Planted: %lld learners with no events, %lld late joiners, %lld offline; %lld completed module 2 and\n"
                "   %lld dropped out. The planted latent state (active / falling asleep / asleep) agrees with the 7/20-day\n"
                "   activity status on %.1f %% of learner-days.%s\n",
                s.learners, g.seed, secs, rows, s.files[1].data_lines, s.files[3].data_lines, s.files[5].data_lines,
                s.files[4].data_lines, s.files[6].data_lines, s.total_malformed(),
                [&] {
                    long long d = 0;
                    for (const auto& f : s.files) d += f.duplicates;
                    return d;
                }(),
                s.no_show, s.late_joiners, s.offline, s.completed, s.dropout, 100.0 * s.agreement(),
                (ctx.workdir_kept ? " Ground truth: " + ctx.workdir + "/_truth/." : std::string(" (The ground truth is drawn in the report.)")).c_str());
}

DemoStepRegistrar reg(100, "Synthetic 1T cohort (learnerscore generate --scenario 1t)", &demo_generate);

}  // namespace
}  // namespace lscli
