// Text helpers of the loader's messages and COPY data.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace lscli {

// "1234567" -> "1,234,567"
std::string grouped(long long v);
// Appends v in COPY text format: backslash, tab, newline and carriage return escaped.
void append_copy(std::string& out, std::string_view v);
// Invalid UTF-8 bytes and NULs become U+FFFD so any line can be stored in load_rejects.
std::string sanitize(std::string_view s);
// At most `max` bytes of v, not cutting a UTF-8 character.
std::string_view prefix(std::string_view v, size_t max);
// v quoted, sanitized and cut to about 60 bytes ("…" when cut).
std::string excerpt(std::string_view v);
// 0.1 -> "10.0 %"
std::string percent(double share);
// 0.25 -> "0.25" (%g)
std::string ratio_text(double r);

}  // namespace lscli
