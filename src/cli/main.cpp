// `learnerscore` command-line tool: dispatches to the registered subcommands.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/base/version.h"

namespace lscli {
std::vector<Command>& commands() {
    static std::vector<Command> all;
    return all;
}
}  // namespace lscli

static void print_help() {
    std::printf("learnerscore %s — learning analytics inside PostgreSQL\n\nusage: learnerscore <command> [options]\n\ncommands:\n",
                ls::kVersion);
    auto cmds = lscli::commands();
    std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const auto& c : cmds) std::printf("  %-10s %s\n", c.name.c_str(), c.summary.c_str());
    std::printf("\n`learnerscore <command> --help` shows a command's options.\n");
}

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
        print_help();
        return argc < 2 ? 2 : 0;
    }
    std::string name = argv[1];
    if (name == "--version") {
        std::printf("learnerscore %s\n", ls::kVersion);
        return 0;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& c : lscli::commands()) {
        if (c.name != name) continue;
        if (std::find(args.begin(), args.end(), "--help") != args.end()) {
            std::printf("%s\n", c.usage.c_str());
            return 0;
        }
        try {
            return c.run(args);
        } catch (const std::invalid_argument& e) {  // a usage error: bad option, value or argument
            std::fprintf(stderr, "learnerscore %s: error: %s\n", name.c_str(), e.what());
            return 2;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "learnerscore %s: error: %s\n", name.c_str(), e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "learnerscore: unknown command \"%s\"\n", name.c_str());
    print_help();
    return 2;
}
