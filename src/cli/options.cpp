#include "cli/options.h"

#include <getopt.h>

namespace lscli {

const OptionSpec& help_option() {
    static const OptionSpec help{"help", 'h', "", "print this help and exit"};
    return help;
}

namespace {

// getopt_long's view of the table; long-only options get codes above 255.
struct GetoptTable {
    std::vector<option> longs;
    std::string shorts = "-:";  // '-': positionals come back in order (code 1); ':': report a missing value
    std::map<int, const OptionSpec*> by_code;

    explicit GetoptTable(const std::vector<const OptionSpec*>& specs) {
        for (size_t i = 0; i < specs.size(); ++i) {
            const OptionSpec& s = *specs[i];
            int code = s.short_name ? s.short_name : 256 + int(i);
            longs.push_back(option{s.name.c_str(), s.value.empty() ? no_argument : required_argument, nullptr, code});
            by_code[code] = &s;
            if (s.short_name) shorts += std::string(1, s.short_name) + (s.value.empty() ? "" : ":");
        }
        longs.push_back(option{nullptr, 0, nullptr, 0});
    }
};

// The option getopt_long stopped at, as the user wrote it ("--bogus", "-z").
std::string offending(char* const* argv, int at, int short_code) {
    std::string word = at > 0 ? argv[at - 1] : "";
    if (word.rfind("--", 0) == 0) return word.substr(0, word.find('='));
    return short_code > 0 && short_code < 256 ? "-" + std::string(1, char(short_code)) : word;
}

}  // namespace

Options Options::parse(const std::vector<OptionSpec>& specs, const std::vector<std::string>& args) {
    std::vector<const OptionSpec*> all{&help_option()};
    for (const auto& s : specs) all.push_back(&s);
    GetoptTable table(all);
    std::vector<std::string> words{"learnerscore"};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);

    Options o;
    optind = 0;  // glibc: full re-initialisation, the parser may run more than once
    opterr = 0;
    int argc = int(words.size()), c;
    while ((c = getopt_long(argc, argv.data(), table.shorts.c_str(), table.longs.data(), nullptr)) != -1) {
        if (c == 1) {
            o.positional_.push_back(optarg);
        } else if (c == ':') {
            throw UsageError("option " + offending(argv.data(), optind, optopt) + " needs a value");
        } else if (c == '?') {
            std::string name = offending(argv.data(), optind, optopt);
            std::string word = argv[size_t(optind - 1)];
            bool flag_with_value = optopt != 0 && word.rfind("--", 0) == 0 && word.find('=') != std::string::npos;
            throw UsageError(flag_with_value ? "option " + name + " takes no value" : "unknown option " + name);
        } else {
            const OptionSpec& s = *table.by_code.at(c);
            o.values_[s.name] = s.value.empty() ? "1" : optarg;
        }
    }
    for (int i = optind; i < argc; ++i) o.positional_.push_back(argv[size_t(i)]);  // after "--"
    return o;
}

bool Options::has(const std::string& key) const { return values_.count(key) != 0; }

std::string Options::get(const std::string& key, const std::string& fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
}

namespace {
// Whole-text conversion with std::stoll / std::stod; `what` names the expected kind.
template <typename T, typename Convert>
T convert_value(const std::string& key, const std::string& text, const char* what, Convert convert) {
    size_t pos = 0;
    T v{};
    try {
        v = convert(text, &pos);
    } catch (...) {
        pos = 0;
    }
    if (text.empty() || pos != text.size())
        throw UsageError("option --" + key + " expects " + what + ", got \"" + text + "\"");
    return v;
}
}  // namespace

long long Options::get_int(const std::string& key, long long fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    return convert_value<long long>(key, it->second, "an integer",
                                    [](const std::string& s, size_t* pos) { return std::stoll(s, pos); });
}

double Options::get_double(const std::string& key, double fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    return convert_value<double>(key, it->second, "a number", [](const std::string& s, size_t* pos) { return std::stod(s, pos); });
}

void Options::require_no_positional() const {
    if (!positional_.empty()) throw UsageError("unexpected argument \"" + positional_[0] + "\"");
}

void Options::require_known(const std::set<std::string>& known) const {
    for (const auto& kv : values_)
        if (kv.first != help_option().name && !known.count(kv.first)) throw UsageError("unknown option --" + kv.first);
}

std::string format_options(const std::vector<OptionSpec>& specs) {
    std::string out;
    for (const auto& s : specs) {
        std::string left = std::string(s.short_name ? std::string("-") + s.short_name + ", " : "    ") + "--" + s.name;
        if (!s.value.empty()) left += " " + s.value;
        left = "  " + left;
        if (left.size() < 28) left.resize(28, ' ');
        else left += "\n" + std::string(28, ' ');
        std::string help = s.help;
        for (size_t at = 0; (at = help.find('\n', at)) != std::string::npos; at += 29) help.insert(at + 1, 28, ' ');
        out += left + help + "\n";
    }
    return out;
}

}  // namespace lscli
