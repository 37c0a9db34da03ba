#include "core/load/normalize.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

namespace ls::norm {

namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits decimal digits at s[i]; returns -1 if none.
int read_number(std::string_view s, size_t& i, int min_digits, int max_digits) {
    size_t start = i;
    int v = 0;
    while (i < s.size() && is_digit(s[i]) && int(i - start) < max_digits) v = v * 10 + (s[i++] - '0');
    if (int(i - start) < min_digits) {
        i = start;
        return -1;
    }
    return v;
}

struct Digits {
    int min, max;
};

// Reads the three numbers of a date, "<first><sep><month><sep><last>" at s[i]
// (YYYY-MM-DD or DD.MM.YYYY), the month of 1..2 digits; false if it is not one.
bool read_date_fields(std::string_view s, size_t& i, char sep, Digits first_digits, Digits last_digits, int& first,
                      int& month, int& last) {
    first = read_number(s, i, first_digits.min, first_digits.max);
    if (first < 0 || i >= s.size() || s[i++] != sep) return false;
    month = read_number(s, i, 1, 2);
    if (month < 0 || i >= s.size() || s[i++] != sep) return false;
    last = read_number(s, i, last_digits.min, last_digits.max);
    return last >= 0;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = int(doy - (153 * mp + 2) / 5 + 1);
    m = int(mp < 10 ? mp + 3 : mp - 9);
    y = int(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

constexpr std::int64_t kUsecPerDay = 86400LL * 1000000LL;
constexpr std::int64_t kPgEpochDays = 10957;  // 2000-01-01 - 1970-01-01

std::string quoted_prefix(std::string_view s) {
    // Short excerpt for messages; never cut inside a UTF-8 sequence.
    size_t n = s.size() <= 40 ? s.size() : 40;
    while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return "\"" + std::string(s.substr(0, n)) + (n < s.size() ? "…\"" : "\"");
}

// Common prologue of scalar parsers: BOM, trimming, length and encoding.
// Returns the early result (a failure, or NULL for blank input), or nothing
// when `out`, the trimmed text, is to be parsed.
template <typename T>
std::optional<Parsed<T>> scalar_prologue(std::string_view raw, std::string_view& out) {
    if (raw.size() > kMaxScalarLength * 4)  // cheap guard before scanning
        return Parsed<T>::fail("value too long (" + std::to_string(raw.size()) + " bytes)");
    out = trim(strip_bom(raw));
    if (out.size() > kMaxScalarLength) return Parsed<T>::fail("value too long (" + std::to_string(out.size()) + " bytes)");
    if (!valid_utf8(out)) return Parsed<T>::fail("invalid UTF-8", Fault::Encoding);
    if (out.empty()) return Parsed<T>::null();
    return std::nullopt;
}

// Parses an optional trailing zone designator at s[i..]: "Z", "UTC", "GMT",
// "+HH", "+HH:MM", "+HHMM" (optionally after "UTC"/"GMT"); returns false if
// the rest is not one of them. The offset value is discarded by the caller.
bool skip_zone(std::string_view s, size_t i) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i == s.size()) return true;
    std::string_view rest = s.substr(i);
    if (rest == "Z" || rest == "z") return true;
    if (rest.size() >= 3 && (iequals_ascii(rest.substr(0, 3), "utc") || iequals_ascii(rest.substr(0, 3), "gmt"))) {
        rest.remove_prefix(3);
        if (rest.empty()) return true;
    }
    if (rest[0] != '+' && rest[0] != '-') return false;
    size_t j = 1;
    int hh = read_number(rest, j, 1, 2);
    if (hh < 0 || hh > 15) return false;
    if (j == rest.size()) return true;
    if (rest[j] == ':') ++j;
    int mm = read_number(rest, j, 2, 2);
    return mm >= 0 && mm < 60 && j == rest.size();
}

const char* month_name(int m) {
    static const char* n[] = {"January", "February", "March", "April", "May", "June", "July",
                              "August", "September", "October", "November", "December"};
    return n[m - 1];
}

}  // namespace

// ---------------------------------------------------------------- text

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size(), i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        // overlong forms, surrogates and code points past U+10FFFF
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

std::string_view strip_bom(std::string_view s) {
    if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBB &&
        static_cast<unsigned char>(s[2]) == 0xBF)
        s.remove_prefix(3);
    return s;
}

std::string_view trim(std::string_view s) {
    for (;;) {
        if (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
        else if (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0xC2 && static_cast<unsigned char>(s[1]) == 0xA0) s.remove_prefix(2);
        else break;
    }
    for (;;) {
        if (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
        else if (s.size() >= 2 && static_cast<unsigned char>(s[s.size() - 2]) == 0xC2 &&
                 static_cast<unsigned char>(s.back()) == 0xA0) s.remove_suffix(2);
        else break;
    }
    return s;
}

std::string fold_case(std::string_view s) {
    std::string out(s);
    for (size_t i = 0; i < out.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(out[i]);
        if (c >= 'A' && c <= 'Z') {
            out[i] = char(c - 'A' + 'a');
        } else if (c == 0xD0 && i + 1 < out.size()) {
            unsigned char d = static_cast<unsigned char>(out[i + 1]);
            if (d >= 0x90 && d <= 0x9F) {  // А..П → а..п (D0 B0..BF)
                out[i + 1] = char(d + 0x20);
            } else if (d >= 0xA0 && d <= 0xAF) {  // Р..Я → р..я (D1 80..8F)
                out[i] = char(0xD1);
                out[i + 1] = char(d - 0x20);
            } else if (d == 0x81) {  // Ё → ё (D1 91)
                out[i] = char(0xD1);
                out[i + 1] = char(0x91);
            }
            ++i;
        }
    }
    return out;
}

Parsed<std::string> parse_text(std::string_view raw) {
    std::string_view t = trim(strip_bom(raw));
    if (t.find('\0') != std::string_view::npos) return Parsed<std::string>::fail("NUL byte in text");
    if (!valid_utf8(t)) return Parsed<std::string>::fail("invalid UTF-8", Fault::Encoding);
    if (t.empty()) return Parsed<std::string>::null();
    return Parsed<std::string>::of(std::string(t));
}

bool is_null_marker(std::string_view raw) {
    std::string_view t = trim(raw);
    if (t.empty() || t == "-" || t == "\xE2\x80\x94" /* — */ || t == "\xE2\x80\x93" /* – */) return true;
    if (t.size() > 40) return false;
    std::string f = fold_case(t);
    return f == "нет данных" || f == "не сдана" || f == "пропуск";
}

// ---------------------------------------------------------------- numbers

Parsed<std::int32_t> parse_int(std::string_view raw) {
    std::string_view s;
    if (auto early = scalar_prologue<std::int32_t>(raw, s)) return *early;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        ++i;
    }
    size_t digits_start = i;
    std::int64_t v = 0;
    bool overflow = false;
    while (i < s.size() && is_digit(s[i])) {
        v = v * 10 + (s[i++] - '0');
        if (v > 1LL << 32) overflow = true, v = 1LL << 32;
    }
    if (i == digits_start) return Parsed<std::int32_t>::fail("not an integer: " + quoted_prefix(s));
    if (i < s.size() && s[i] == '.') {  // "13.00": integer exported with a zero fraction
        ++i;
        size_t frac_start = i;
        while (i < s.size() && s[i] == '0') ++i;
        if (i < s.size() && is_digit(s[i])) return Parsed<std::int32_t>::fail("not an integer (non-zero fraction): " + quoted_prefix(s));
        if (i == frac_start) return Parsed<std::int32_t>::fail("not an integer: " + quoted_prefix(s));
    }
    if (i != s.size()) return Parsed<std::int32_t>::fail("not an integer: " + quoted_prefix(s));
    if (neg) v = -v;
    if (overflow || v > std::numeric_limits<std::int32_t>::max() || v < std::numeric_limits<std::int32_t>::min())
        return Parsed<std::int32_t>::fail("integer out of range: " + quoted_prefix(s), Fault::Range);
    return Parsed<std::int32_t>::of(static_cast<std::int32_t>(v));
}

Parsed<double> parse_real(std::string_view raw) {
    std::string_view s;
    if (auto early = scalar_prologue<double>(raw, s)) return *early;
    // Grammar check first: from_chars would also take "inf", "nan" and hex.
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') ++i;
    size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) return Parsed<double>::fail("not a number: " + quoted_prefix(s));
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        size_t exp_start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == exp_start) return Parsed<double>::fail("not a number: " + quoted_prefix(s));
    }
    if (i != s.size()) return Parsed<double>::fail("not a number: " + quoted_prefix(s));
    std::string_view body = s[0] == '+' ? s.substr(1) : s;
    double v = 0;
    auto r = std::from_chars(body.data(), body.data() + body.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
        // from_chars also reports underflow (1e-400) as out of range; that is 0.
        bool tiny = false;
        size_t epos = body.find_first_of("eE");
        if (epos != std::string_view::npos && epos + 1 < body.size() && body[epos + 1] == '-') tiny = true;
        if (!tiny) return Parsed<double>::fail("number out of range: " + quoted_prefix(s), Fault::Range);
        v = 0.0;
    } else if (r.ec != std::errc() || r.ptr != body.data() + body.size()) {
        return Parsed<double>::fail("not a number: " + quoted_prefix(s));
    }
    if (!std::isfinite(v)) return Parsed<double>::fail("number out of range: " + quoted_prefix(s), Fault::Range);
    return Parsed<double>::of(v);
}

Parsed<std::int32_t> parse_result(std::string_view raw) {
    std::string_view t = trim(raw);
    if (t.size() <= 40 && fold_case(t) == "пропуск") return Parsed<std::int32_t>::null();
    return parse_int(raw);
}

Parsed<std::int32_t> parse_int_or_marker(std::string_view raw) {
    if (raw.size() <= kMaxScalarLength && is_null_marker(raw)) return Parsed<std::int32_t>::null();
    return parse_int(raw);
}

Parsed<std::int32_t> parse_tg_bot(std::string_view raw) {
    std::string_view t = trim(raw);
    if (t.empty() || t == "-" || t == "\xE2\x80\x94" || t == "\xE2\x80\x93") return Parsed<std::int32_t>::of(0);
    auto p = parse_int(raw);
    if (!p.ok()) return Parsed<std::int32_t>::fail("not a Telegram bot status (—, 0, 1, 2): " + quoted_prefix(t));
    if (*p.value < 0 || *p.value > 2) return Parsed<std::int32_t>::fail("Telegram bot status must be 0, 1 or 2: " + quoted_prefix(t), Fault::Range);
    return p;
}

Parsed<double> parse_tz_offset(std::string_view raw) {
    std::string_view s;
    if (auto early = scalar_prologue<double>(raw, s)) return *early;
    std::string_view rest = s;
    bool prefixed = false;
    if (rest.size() >= 3 && (iequals_ascii(rest.substr(0, 3), "utc") || iequals_ascii(rest.substr(0, 3), "gmt"))) {
        rest.remove_prefix(3);
        prefixed = true;
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    }
    if ((rest.empty() && prefixed) || rest == "Z" || rest == "z") return Parsed<double>::of(0.0);
    auto bad = [&]() { return Parsed<double>::fail("not a UTC offset (like +03:00): " + quoted_prefix(s)); };
    if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) return bad();
    bool neg = rest[0] == '-';
    size_t i = 1;
    int hh = read_number(rest, i, 1, 2);
    if (hh < 0) return bad();
    int mm = 0;
    if (i < rest.size()) {
        if (rest[i] == ':') ++i;
        mm = read_number(rest, i, 2, 2);
        if (mm < 0 || i != rest.size()) return bad();
    }
    if (mm > 59) return Parsed<double>::fail("UTC offset minutes out of range: " + quoted_prefix(s), Fault::Range);
    if (hh * 60 + mm > 14 * 60) return Parsed<double>::fail("UTC offset beyond ±14:00: " + quoted_prefix(s), Fault::Range);
    double h = hh + mm / 60.0;
    return Parsed<double>::of(neg ? -h : h);
}

// ---------------------------------------------------------------- timestamps

std::int64_t Timestamp::pg_micros() const {
    std::int64_t days = days_from_civil(year, unsigned(month), unsigned(day)) - kPgEpochDays;
    return days * kUsecPerDay + ((hour * 60LL + minute) * 60LL + second) * 1000000LL + microsecond;
}

std::string Timestamp::iso() const {
    char buf[40];
    if (microsecond == 0) {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, hour, minute, second);
    } else {
        int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", year, month, day, hour, minute,
                              second, microsecond);
        while (n > 0 && buf[n - 1] == '0') buf[--n] = '\0';  // PostgreSQL drops trailing zeros
    }
    return buf;
}

Parsed<Timestamp> parse_timestamp(std::string_view raw) {
    using P = Parsed<Timestamp>;
    std::string_view s;
    if (auto early = scalar_prologue<Timestamp>(raw, s)) return *early;
    auto bad = [&]() { return P::fail("not a timestamp (DD.MM.YYYY HH:MM or YYYY-MM-DD HH:MM:SS): " + quoted_prefix(s)); };

    Timestamp t;
    size_t i = 0;
    // Date part: decide the layout by the first separator.
    size_t first_sep = s.find_first_not_of("0123456789");
    if (first_sep == std::string_view::npos) return bad();
    bool date_ok = false;
    if (s[first_sep] == '-' && first_sep == 4)  // YYYY-MM-DD
        date_ok = read_date_fields(s, i, '-', {4, 4}, {1, 2}, t.year, t.month, t.day);
    else if (s[first_sep] == '.' && (first_sep == 1 || first_sep == 2))  // DD.MM.YYYY
        date_ok = read_date_fields(s, i, '.', {1, 2}, {4, 4}, t.day, t.month, t.year);
    if (!date_ok) return bad();
    // Time part (optional).
    bool has_time = false;
    int frac_digits = 0;
    std::int64_t frac = 0;  // first 6 digits
    bool round_up = false;
    if (i < s.size() && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
        size_t j = i + 1;
        while (s[i] == ' ' && j < s.size() && s[j] == ' ') ++j;  // tolerate repeated blanks
        if (j < s.size() && is_digit(s[j])) {
            i = j;
            has_time = true;
            t.hour = read_number(s, i, 1, 2);
            if (t.hour < 0 || i >= s.size() || s[i++] != ':') return bad();
            t.minute = read_number(s, i, 2, 2);
            if (t.minute < 0) return bad();
            if (i < s.size() && s[i] == ':') {
                ++i;
                t.second = read_number(s, i, 2, 2);
                if (t.second < 0) return bad();
                if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                    ++i;
                    size_t start = i;
                    while (i < s.size() && is_digit(s[i])) {
                        if (frac_digits < 6) frac = frac * 10 + (s[i] - '0');
                        else if (frac_digits == 6) round_up = s[i] >= '5';
                        ++frac_digits;
                        ++i;
                    }
                    if (i == start) return bad();
                }
            }
        }
    }
    // Only a zone designator may follow a time; nothing may follow a bare date.
    if (has_time ? !skip_zone(s, i) : i != s.size()) return bad();
    for (int k = frac_digits; k < 6; ++k) frac *= 10;
    t.microsecond = static_cast<int>(frac);

    // Strict calendar validation.
    constexpr Fault R = Fault::Range;
    if (t.year < 1 || t.year > 9999) return P::fail("year out of range: " + quoted_prefix(s), R);
    if (t.month < 1 || t.month > 12) return P::fail("month " + std::to_string(t.month) + " out of range: " + quoted_prefix(s), R);
    if (t.day < 1 || t.day > days_in_month(t.year, t.month))
        return P::fail("day " + std::to_string(t.day) + " out of range for " + month_name(t.month) + " " +
                       std::to_string(t.year) + ": " + quoted_prefix(s), R);
    if (t.hour > 23) return P::fail("hour " + std::to_string(t.hour) + " out of range: " + quoted_prefix(s), R);
    if (t.minute > 59) return P::fail("minute " + std::to_string(t.minute) + " out of range: " + quoted_prefix(s), R);
    if (t.second > 59) return P::fail("second " + std::to_string(t.second) + " out of range: " + quoted_prefix(s), R);

    if (round_up) {  // carry may roll over into the next day/year
        std::int64_t us = t.pg_micros() + 1;
        std::int64_t days = us / kUsecPerDay;
        std::int64_t rem = us % kUsecPerDay;
        if (rem < 0) rem += kUsecPerDay, --days;
        civil_from_days(days + kPgEpochDays, t.year, t.month, t.day);
        if (t.year > 9999) return P::fail("year out of range: " + quoted_prefix(s), R);
        t.microsecond = int(rem % 1000000);
        std::int64_t secs = rem / 1000000;
        t.second = int(secs % 60);
        t.minute = int((secs / 60) % 60);
        t.hour = int(secs / 3600);
    }
    return P::of(t);
}

}  // namespace ls::norm
