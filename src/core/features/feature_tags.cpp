#include "core/features/feature_tags.h"

#include <cstring>

namespace ls::features {

namespace {

const char kAfter[] = "стали:";
const char kInstall[] = "Установлен";
const char kPaidSuffix[] = "-оплачен";

bool ascii_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Length of the separator at position i (0 when none); « and » are 2 bytes.
std::size_t separator_at(const std::string& s, std::size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (ascii_space(c) || c == ',' || c == '"') return 1;
    if (c == 0xC2 && i + 1 < s.size()) {
        unsigned char d = static_cast<unsigned char>(s[i + 1]);
        if (d == 0xAB || d == 0xBB) return 2;
    }
    return 0;
}

bool ends_with(const std::string& s, std::size_t begin, std::size_t end, const char* suffix) {
    std::size_t n = std::strlen(suffix);
    return end - begin >= n && s.compare(end - n, n, suffix) == 0;
}

}  // namespace

bool PaymentTracker::has_paid_tag(const std::string& text, std::size_t from) {
    std::size_t i = from;
    while (i < text.size()) {
        std::size_t sep = separator_at(text, i);
        if (sep) {
            i += sep;
            continue;
        }
        std::size_t begin = i;
        while (i < text.size() && separator_at(text, i) == 0) ++i;
        if (text[begin] == '#' && ends_with(text, begin, i, kPaidSuffix)) return true;
    }
    return false;
}

void PaymentTracker::apply(const std::string& comment) {
    std::size_t after = comment.find(kAfter);
    if (after != std::string::npos) {
        paid_ = has_paid_tag(comment, after + std::strlen(kAfter));
        return;
    }
    std::size_t i = 0;
    while (i < comment.size() && ascii_space(static_cast<unsigned char>(comment[i]))) ++i;
    if (comment.compare(i, std::strlen(kInstall), kInstall) == 0 && has_paid_tag(comment, i)) paid_ = true;
}

}  // namespace ls::features
