#include "cli/options.h"

#include <stdexcept>

namespace lscli {

Options::Options(const std::vector<std::string>& args, const std::set<std::string>& flags) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string key = a.substr(2);
            auto eq = key.find('=');
            if (eq != std::string::npos) {
                values_[key.substr(0, eq)] = key.substr(eq + 1);
            } else if (flags.count(key)) {
                values_[key] = "1";
            } else {
                if (i + 1 >= args.size()) throw std::invalid_argument("option --" + key + " needs a value");
                values_[key] = args[++i];
            }
        } else {
            positional_.push_back(a);
        }
    }
}

bool Options::has(const std::string& key) const { return values_.count(key) != 0; }

std::string Options::get(const std::string& key, const std::string& fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
}

long long Options::get_int(const std::string& key, long long fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    size_t pos = 0;
    long long v = 0;
    try {
        v = std::stoll(it->second, &pos);
    } catch (...) {
        pos = 0;
    }
    if (pos != it->second.size() || it->second.empty())
        throw std::invalid_argument("option --" + key + " expects an integer, got \"" + it->second + "\"");
    return v;
}

double Options::get_double(const std::string& key, double fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    size_t pos = 0;
    double v = 0;
    try {
        v = std::stod(it->second, &pos);
    } catch (...) {
        pos = 0;
    }
    if (pos != it->second.size() || it->second.empty())
        throw std::invalid_argument("option --" + key + " expects a number, got \"" + it->second + "\"");
    return v;
}

void Options::require_known(const std::set<std::string>& known) const {
    for (const auto& kv : values_)
        if (!known.count(kv.first)) throw std::invalid_argument("unknown option --" + kv.first);
}

}  // namespace lscli
