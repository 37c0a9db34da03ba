// Subcommand registry of the `learnerscore` CLI. Each subcommand lives in its
// own file and registers itself with a static CommandRegistrar, so adding a
// command never touches main.cpp.
#pragma once
#include <string>
#include <vector>

namespace lscli {

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
    std::string name;
    std::string summary;  // one line for `learnerscore --help`
    std::string usage;    // full usage text for `learnerscore <cmd> --help`
    CommandFn run;
};

std::vector<Command>& commands();

struct CommandRegistrar {
    CommandRegistrar(std::string name, std::string summary, std::string usage, CommandFn fn) {
        commands().push_back(Command{std::move(name), std::move(summary), std::move(usage), fn});
    }
};

}  // namespace lscli
