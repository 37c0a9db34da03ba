// Minimal `--key value` / `--flag` parser for the CLI subcommands.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lscli {

class Options {
public:
    // `flags` are options without a value (e.g. --quiet); everything else
    // starting with -- takes the next argument (or --key=value).
    Options(const std::vector<std::string>& args, const std::set<std::string>& flags = {});

    bool has(const std::string& key) const;
    std::string get(const std::string& key, const std::string& fallback = "") const;
    long long get_int(const std::string& key, long long fallback) const;
    double get_double(const std::string& key, double fallback) const;
    const std::vector<std::string>& positional() const { return positional_; }
    // Throws std::invalid_argument naming any option not in `known`.
    void require_known(const std::set<std::string>& known) const;

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

}  // namespace lscli
