// Demo step 110: load the generated cohort (written to ctx.workdir by the
// generator's step 100) into ctx.schema and print the per-file summary.
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "cli/demo/demo.h"
#include "cli/load/loader.h"

namespace lscli {
namespace {

bool has_csv(const std::string& dir) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".csv") return true;
    return false;
}

void demo_load(DemoContext& ctx) {
    if (!has_csv(ctx.workdir)) {  // only when no generator step is registered
        std::printf("   no CSV files in %s (no generator step ran); nothing to load\n", ctx.workdir.c_str());
        return;
    }
    LoadOptions opts;
    opts.progress = true;
    LoadSummary s = load_directory(ctx.conn, ctx.workdir, ctx.schema, opts);
    std::printf("   loaded %lld rows into schema %s; %lld malformed lines kept in %s.load_rejects\n", s.loaded(),
                ctx.schema.c_str(), s.rejected(), ctx.schema.c_str());
    if (!s.ok()) throw std::runtime_error("some files could not be loaded (see above)");
    auto r = ctx.conn.query("SELECT reason, count(*) AS lines FROM " + ctx.conn.ident(ctx.schema) +
                            ".load_rejects GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5");
    if (r.rows() > 0) {
        std::printf("   most frequent reject reasons:\n");
        print_table(r);
    }
}

DemoStepRegistrar step(110, "Load the CSV files into PostgreSQL (learnerscore load)", &demo_load);

}  // namespace
}  // namespace lscli
