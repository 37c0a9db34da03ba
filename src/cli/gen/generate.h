// Synthetic-data scenarios for `learnerscore generate --scenario NAME`. Each
// scenario registers itself from its own file with a ScenarioRegistrar.
#pragma once
#include <string>
#include <vector>

#include "cli/options.h"

namespace lscli {

struct Scenario {
    std::string name;                  // "1t", "courses"
    std::string summary;               // one line for --help
    std::vector<OptionSpec> options;   // the scenario's own options (besides generate's --scenario --out --seed --quiet)
    // Writes the scenario's files into `out_dir` (created if missing) and
    // prints a short summary; throws on error.
    void (*generate)(const Options& options, const std::string& out_dir);
};

std::vector<Scenario>& scenarios();
const Scenario& find_scenario(const std::string& name);  // throws UsageError

// The --seed option (default 42); throws std::invalid_argument when negative.
unsigned long long seed_option(const Options& opt);

// What `learnerscore generate` accepts: its own options and every scenario's.
std::vector<OptionSpec> generate_options();

struct ScenarioRegistrar {
    explicit ScenarioRegistrar(Scenario s) { scenarios().push_back(std::move(s)); }
};

}  // namespace lscli
