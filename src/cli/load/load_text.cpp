#include "cli/load/load_text.h"

#include <algorithm>
#include <cstdio>

#include "core/load/normalize.h"

namespace lscli {

// "1234567" → "1,234,567"
std::string grouped(long long v) {
    std::string s = std::to_string(v < 0 ? -v : v), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return (v < 0 ? "-" : "") + out;
}

// COPY text format: backslash, tab, newline and carriage return are escaped.
void append_copy(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
}

// Invalid UTF-8 bytes and NULs become U+FFFD so any line can be stored in load_rejects.
std::string sanitize(std::string_view s) {
    if (ls::norm::valid_utf8(s) && s.find('\0') == std::string_view::npos) return std::string(s);
    std::string out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (c != 0 && len && i + len <= s.size() && ls::norm::valid_utf8(s.substr(i, len))) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// At most `max` bytes of v, not cutting a UTF-8 character.
std::string_view prefix(std::string_view v, size_t max) {
    size_t cut = std::min(v.size(), max);
    while (cut < v.size() && cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
    return v.substr(0, cut);
}

std::string excerpt(std::string_view v) {
    std::string_view p = prefix(v, 60);
    return "\"" + sanitize(p) + (p.size() < v.size() ? "…\"" : "\"");
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
    return buf;
}

std::string ratio_text(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", r);
    return buf;
}

}  // namespace lscli
