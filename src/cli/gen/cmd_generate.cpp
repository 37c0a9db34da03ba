// `learnerscore generate --scenario NAME --out DIR [--seed K] [--quiet] [scenario options]`.
#include <cstdio>
#include <set>
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
    throw UsageError("unknown scenario \"" + name + "\" (known: " + known + ")");
}

unsigned long long seed_option(const Options& opt) {
    long long seed = opt.get_int("seed", 42);
    if (seed < 0) throw std::invalid_argument("--seed must be a non-negative integer");
    return static_cast<unsigned long long>(seed);
}

namespace {

std::vector<OptionSpec> common_options() {
    return {
        {"scenario", 0, "NAME", "what to generate: 1t (default) or courses"},
        {"out", 0, "DIR", "output folder (created if missing); required"},
        {"seed", 0, "K", "random seed, a non-negative integer (default 42); the same seed gives the same files"},
        {"quiet", 'q', "", "no summary output"},
    };
}

}  // namespace

std::vector<OptionSpec> generate_options() {
    std::vector<OptionSpec> all = common_options();
    std::set<std::string> seen;
    for (const auto& o : all) seen.insert(o.name);
    for (const auto& s : scenarios())
        for (const auto& o : s.options)
            if (seen.insert(o.name).second) all.push_back(o);
    return all;
}

namespace {

std::string generate_usage() {
    std::string text = usage_text(
        "usage: learnerscore generate --scenario 1t|courses --out DIR [--seed K] [--quiet] [scenario options]\n"
        "  Writes synthetic raw CSV files with a planted ground truth (DIR/_truth/). docs/generator-1t.md,\n"
        "  docs/course-effects.md.\n",
        common_options());
    for (const auto& s : scenarios()) text += "\nscenario " + s.name + ": " + s.summary + "\n" + format_options(s.options);
    return text;
}

int run_generate(const Options& opt) {
    opt.require_no_positional();
    const Scenario& scenario = find_scenario(opt.get("scenario", "1t"));
    std::set<std::string> known;
    for (const auto& o : common_options()) known.insert(o.name);
    for (const auto& o : scenario.options) known.insert(o.name);
    opt.require_known(known);  // another scenario's option is an error too
    std::string out = opt.get("out");
    if (out.empty()) throw UsageError("--out DIR is required");
    scenario.generate(opt, out);
    return 0;
}

CommandRegistrar reg({"generate", "write synthetic raw CSV files with a planted ground truth (--scenario 1t|courses)",
                      &generate_options, &generate_usage, &run_generate});
}  // namespace
}  // namespace lscli
