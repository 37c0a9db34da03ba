// `learnerscore` command-line tool: dispatches to the registered subcommands.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/base/version.h"

namespace {

std::vector<lscli::Command> sorted_commands() {
    auto cmds = lscli::commands();
    std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return cmds;
}

// The command list, then every command's usage: `learnerscore --help` shows every option.
void print_help(std::FILE* to) {
    std::fprintf(to, "learnerscore %s — learning analytics inside PostgreSQL\n\nusage: learnerscore <command> [options]\n"
                     "       learnerscore --help | --version\n\ncommands:\n", ls::kVersion);
    auto cmds = sorted_commands();
    for (const auto& c : cmds) std::fprintf(to, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
    std::fprintf(to, "\n`learnerscore <command> --help` shows one command's options.\n");
    for (const auto& c : cmds) std::fprintf(to, "\n%s", c.usage().c_str());
}

int run_command(const lscli::Command& c, const std::vector<std::string>& args) {
    try {
        lscli::Options opt = lscli::Options::parse(c.options(), args);
        if (opt.has("help")) {
            std::printf("%s", c.usage().c_str());
            return 0;
        }
        return c.run(opt);
    } catch (const lscli::UsageError& e) {  // the command line itself is wrong: say how it goes
        std::fprintf(stderr, "learnerscore %s: error: %s\n\n%s", c.name.c_str(), e.what(), c.usage().c_str());
        return 2;
    } catch (const std::invalid_argument& e) {  // a bad value or argument found later (e.g. not a folder)
        std::fprintf(stderr, "learnerscore %s: error: %s\n", c.name.c_str(), e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "learnerscore %s: error: %s\n", c.name.c_str(), e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string name = argc < 2 ? "" : argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_help(stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("learnerscore %s\n", ls::kVersion);
        return 0;
    }
    for (const auto& c : lscli::commands())
        if (c.name == name) return run_command(c, std::vector<std::string>(argv + 2, argv + argc));
    if (!name.empty()) std::fprintf(stderr, "learnerscore: unknown command \"%s\"\n\n", name.c_str());
    print_help(stderr);
    return 2;
}
