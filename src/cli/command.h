// Subcommand registry of the `learnerscore` CLI. Each subcommand lives in its
// own file and registers itself with a static CommandRegistrar, so adding a
// command never touches main.cpp.
#pragma once
#include <string>
#include <vector>

#include "cli/options.h"

namespace lscli {

struct Command {
    std::string name;
    std::string summary;                      // one line for `learnerscore --help`
    std::vector<OptionSpec> (*options)();     // what getopt_long accepts (--help is implied)
    std::string (*usage)();                   // full usage text, every option included
    int (*run)(const Options& options);       // throws UsageError, std::invalid_argument (exit 2) or std::exception (1)
};

std::vector<Command>& commands();

// "usage: ...synopsis...\n<description>\noptions:\n<the options>": the usage of a
// command whose options all come from `options`.
std::string usage_text(const std::string& synopsis_and_description, const std::vector<OptionSpec>& options);

struct CommandRegistrar {
    explicit CommandRegistrar(Command c) { commands().push_back(std::move(c)); }
};

}  // namespace lscli
