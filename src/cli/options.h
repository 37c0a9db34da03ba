// Command-line options of the CLI subcommands, parsed with getopt_long from a
// table of OptionSpec; the same table prints the options in `--help`.
#pragma once
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace lscli {

struct OptionSpec {
    std::string name;      // long name without "--"
    char short_name;       // e.g. 'q' for -q; 0 for none
    std::string value;     // what the option takes ("DIR"); empty for a flag
    std::string help;      // one line (or more, separated by '\n') for --help
};

// A usage error (unknown option, missing or bad value, missing argument): exit
// status 2, and the command's usage on stderr.
struct UsageError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

class Options {
public:
    // Parses `args` (the words after the command name) against `specs`; --help/-h
    // is always accepted. Throws UsageError.
    static Options parse(const std::vector<OptionSpec>& specs, const std::vector<std::string>& args);

    bool has(const std::string& key) const;
    std::string get(const std::string& key, const std::string& fallback = "") const;
    long long get_int(const std::string& key, long long fallback) const;
    double get_double(const std::string& key, double fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }
    // Throws UsageError naming the first positional argument, if any.
    void require_no_positional() const;
    // Throws UsageError naming an option that was given and is not in `known`.
    void require_known(const std::set<std::string>& known) const;

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

// -h, --help: accepted by every command.
const OptionSpec& help_option();

// The options as `--help` lists them: "  -q, --quiet        help".
std::string format_options(const std::vector<OptionSpec>& specs);

}  // namespace lscli
