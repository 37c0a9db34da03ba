// Normalization of the learning platform's raw CSV values (the 1T scoring specification) into clean
// values. Pure C++ (no PostgreSQL header): used by the CLI loader and by the
// SQL functions learnerscore.parse_*. Every parser returns either a value, a
// NULL (the raw text is an empty cell or a documented "no data" marker), or
// the reason why the text is not acceptable. See docs/loading.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ls::norm {

// Why a value was refused: its shape (syntax), a field or number out of range,
// or bytes that are not UTF-8. The SQL wrappers map these to SQLSTATEs.
enum class Fault { None, Syntax, Range, Encoding };

// Outcome of a parse: ok() with a value, ok() and is_null(), or !ok() with error.
template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;  // empty when ok
    Fault fault = Fault::None;

    bool ok() const { return error.empty(); }
    bool is_null() const { return ok() && !value.has_value(); }
    static Parsed null() { return Parsed{}; }
    static Parsed of(T v) { return Parsed{std::move(v), {}, Fault::None}; }
    static Parsed fail(std::string why, Fault f = Fault::Syntax) { return Parsed{std::nullopt, std::move(why), f}; }
};

// Longest raw value any parser except text accepts; longer input is rejected
// without scanning it (a 10 MB "date" is not a date).
constexpr size_t kMaxScalarLength = 256;

// --- text hygiene ---------------------------------------------------------
bool valid_utf8(std::string_view s);
// Removes a leading UTF-8 byte-order mark.
std::string_view strip_bom(std::string_view s);
// Removes ASCII white space and U+00A0 (no-break space) at both ends.
std::string_view trim(std::string_view s);
// Lower-cases ASCII and Cyrillic (А-Я, Ё) letters of UTF-8 text.
std::string fold_case(std::string_view s);
// Trimmed, BOM-free, valid UTF-8 text; "" → NULL. Invalid UTF-8 and NUL bytes
// are rejected.
Parsed<std::string> parse_text(std::string_view raw);

// True for the platform's "no value" markers (after trimming, case-insensitive):
// "" , "Нет данных", "Не сдана", "Пропуск", "—" (em dash), "–" (en dash), "-".
bool is_null_marker(std::string_view raw);

// --- numbers --------------------------------------------------------------
// int4: optional sign, decimal digits, optionally ".0…0" (exports of integer
// columns as "13.00"); "" → NULL. Out of the int4 range → error.
Parsed<std::int32_t> parse_int(std::string_view raw);
// float8: decimal with optional exponent ("1.00", "-2.5e3"); "" → NULL.
// NaN / Infinity / overflow → error (a learner's flow is never infinite).
Parsed<double> parse_real(std::string_view raw);
// exercise result: integer; "Пропуск" (skipped) or "" → NULL.
Parsed<std::int32_t> parse_result(std::string_view raw);
// integer, or NULL for any marker of is_null_marker() ("Нет данных", "Не сдана", …).
Parsed<std::int32_t> parse_int_or_marker(std::string_view raw);
// Telegram bot status: "—", "–", "-", "" → 0 (none); "0", "1" (connected),
// "2" (stopped) → themselves; anything else → error.
Parsed<std::int32_t> parse_tg_bot(std::string_view raw);
// UTC offset in hours: "+03:00" → 3, "+05:30" → 5.5, "-02:00" → -2; also
// "+3", "+0300", "UTC+3", "GMT-2", "Z", "UTC" → 0. Range [-14, +14] h,
// minutes 0–59. "" → NULL.
Parsed<double> parse_tz_offset(std::string_view raw);

// --- timestamps -----------------------------------------------------------
struct Timestamp {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    int microsecond = 0;

    // Microseconds since 2000-01-01 00:00:00 (PostgreSQL's Timestamp epoch).
    std::int64_t pg_micros() const;
    // "YYYY-MM-DD HH:MM:SS[.ffffff]" (ISO 8601 with a space, as PostgreSQL prints).
    std::string iso() const;
};

// Accepts, after trimming:
//   DD.MM.YYYY[ HH:MM[:SS[.f…]]]          "23.12.2023 12:10", "14.11.2023 15:07"
//   YYYY-MM-DD[( |T)HH:MM[:SS[.f…]]]      "2022-12-07 17:43:14", "2022-12-07T17:43:14.25"
// day/month/hour may have one digit; a trailing "Z", "UTC" or offset "+03", "+03:00",
// "-0230" is accepted and discarded (wall-clock time kept, as PostgreSQL does when
// casting to timestamp without time zone). Fractional seconds are rounded to
// microseconds. Validated strictly: month 1–12, day within the month (leap years),
// hour 0–23, minute and second 0–59, year 1–9999. "" → NULL.
Parsed<Timestamp> parse_timestamp(std::string_view raw);

}  // namespace ls::norm
