// `learnerscore demo`: each capability adds a demo step in its own file with a
// static DemoStepRegistrar; steps run in `order`.
#pragma once
#include <string>

#include "cli/options.h"
#include "cli/base/pg_conn.h"

namespace lscli {

struct DemoContext {
    PgConn& conn;
    std::string dsn;
    std::string workdir;  // scratch directory for generated files
    std::string schema;   // learning schema (default "onet")
    long long learners;   // cohort size (default 2,734 as in the 1T scoring specification)
    long long seed;
    const Options& options;
    bool workdir_kept = true;  // false: the work folder is removed at the end (do not print paths into it)
    std::string report_path;   // written by the report step (500), printed in the closing lines
};

using DemoStepFn = void (*)(DemoContext& ctx);

struct DemoStepRegistrar {
    DemoStepRegistrar(int order, const char* title, DemoStepFn fn);
};

}  // namespace lscli
