#include <cstdio>
#include <stdexcept>

#include "cli/command.h"
#include "cli/gen/generate.h"

namespace lscli {

std::vector<Scenario>& scenarios() {
    static std::vector<Scenario> all;
    return all;
}

const Scenario& find_scenario(const std::string& name) {
    for (const auto& s : scenarios())
        if (s.name == name) return s;
    std::string known;
    for (const auto& s : scenarios()) known += (known.empty() ? "" : ", ") + s.name;
    throw std::invalid_argument("unknown scenario \"" + name + "\" (known: " + known + ")");
}

namespace {
int run_generate(const std::vector<std::string>& args) {
    Options opt(args, {"quiet"});
    std::string name = opt.get("scenario", "1t");
    std::string out = opt.get("out");
    if (out.empty()) throw std::invalid_argument("--out DIR is required");
    find_scenario(name).generate(opt, out);
    return 0;
}

CommandRegistrar reg("generate", "write synthetic raw CSV files with a planted ground truth (--scenario 1t|courses)",
                     "usage: learnerscore generate --scenario 1t|courses --out DIR [--seed K] ... (see docs/)",
                     &run_generate);
}  // namespace
}  // namespace lscli
