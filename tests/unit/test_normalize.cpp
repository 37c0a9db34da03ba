#include <gtest/gtest.h>

#include <string>

#include "core/load/normalize.h"

using namespace ls::norm;

namespace {
std::string ts(std::string_view raw) {
    auto p = parse_timestamp(raw);
    if (!p.ok()) return "ERR: " + p.error;
    if (p.is_null()) return "NULL";
    return p.value->iso();
}

// One input and what it parses to.
template <typename T>
struct Case {
    const char* raw;
    T expected;
};
void expect_timestamps(std::initializer_list<Case<const char*>> cases) {
    for (const auto& c : cases) EXPECT_EQ(ts(c.raw), c.expected) << c.raw;
}
void expect_ints(Parsed<std::int32_t> (*parse)(std::string_view), std::initializer_list<Case<std::int32_t>> cases) {
    for (const auto& c : cases) EXPECT_EQ(*parse(c.raw).value, c.expected) << c.raw;
}
void expect_reals(Parsed<double> (*parse)(std::string_view), std::initializer_list<Case<double>> cases) {
    for (const auto& c : cases) EXPECT_DOUBLE_EQ(*parse(c.raw).value, c.expected) << c.raw;
}
}  // namespace

TEST(Normalize, TimestampPlatformFormats) {
    expect_timestamps({
        {"23.12.2023 12:10", "2023-12-23 12:10:00"},
        {"14.11.2023 15:07", "2023-11-14 15:07:00"},
        {"2022-12-07 17:43:14", "2022-12-07 17:43:14"},
        {"2022-12-07T17:43:14", "2022-12-07 17:43:14"},
        {"2022-12-07 17:43", "2022-12-07 17:43:00"},
        {"1.2.2024 9:05", "2024-02-01 09:05:00"},
        {"23.12.2023 12:10:59", "2023-12-23 12:10:59"},
        {"2023-12-05", "2023-12-05 00:00:00"},
        {"05.12.2023", "2023-12-05 00:00:00"},
        {"  2022-12-07 17:43:14\r", "2022-12-07 17:43:14"},
        {"\xEF\xBB\xBF" "2022-12-07 17:43:14", "2022-12-07 17:43:14"},
    });
}

TEST(Normalize, TimestampFractionsAndZones) {
    expect_timestamps({
        {"2022-12-07 17:43:14.25", "2022-12-07 17:43:14.25"},
        {"2022-12-07 17:43:14.123456", "2022-12-07 17:43:14.123456"},
        {"2022-12-07 17:43:14.1234564", "2022-12-07 17:43:14.123456"},
        {"2022-12-07 17:43:14.1234565", "2022-12-07 17:43:14.123457"},
        // rounding carries over midnight and the new year
        {"2023-12-31 23:59:59.9999999", "2024-01-01 00:00:00"},
        {"2022-12-07 17:43:14+03:00", "2022-12-07 17:43:14"},
        {"2022-12-07T17:43:14Z", "2022-12-07 17:43:14"},
        {"2022-12-07 17:43:14 +0530", "2022-12-07 17:43:14"},
        {"2022-12-07 17:43:14-02", "2022-12-07 17:43:14"},
        {"2022-12-07 17:43:14 UTC", "2022-12-07 17:43:14"},
    });
}

TEST(Normalize, TimestampStrictValidation) {
    EXPECT_NE(ts("31.02.2023 25:61").find("day 31 out of range for February 2023"), std::string::npos);
    EXPECT_EQ(ts("29.02.2024 10:00"), "2024-02-29 10:00:00");  // leap year
    EXPECT_EQ(ts("29.02.2023 10:00").rfind("ERR", 0), 0u);
    EXPECT_EQ(ts("29.02.1900 10:00").rfind("ERR", 0), 0u);     // not a leap year
    EXPECT_EQ(ts("29.02.2000 10:00"), "2000-02-29 10:00:00");  // is one
    EXPECT_NE(ts("01.01.2023 25:00").find("hour 25"), std::string::npos);
    EXPECT_NE(ts("01.01.2023 23:61").find("minute 61"), std::string::npos);
    EXPECT_NE(ts("01.01.2023 23:59:60").find("second 60"), std::string::npos);
    EXPECT_NE(ts("2023-13-01 10:00:00").find("month 13"), std::string::npos);
    EXPECT_NE(ts("2023-00-01 10:00:00").find("month 0"), std::string::npos);
    EXPECT_NE(ts("0000-01-01 10:00:00").find("year"), std::string::npos);
    for (const char* bad : {"garbage", "2023-12-01 garbage", "2023/12/01 10:00", "23.12.23 12:10", "12:10",
                            "2023-12-01 10", "2023-12-01 10:0", "2023-12-01 10:00:00.", "2023-12-01 10:00:00+25:00",
                            "2023-12-01 +03:00", "2023-12-01 10:00:00 junk", "20231201", "-2023-12-01",
                            "2023-12-01 10:00:00+03:60", "23.12.2023  12:10x"})
        EXPECT_EQ(ts(bad).rfind("ERR", 0), 0u) << bad;
}

TEST(Normalize, TimestampNullsAndHostileInput) {
    EXPECT_EQ(ts(""), "NULL");
    EXPECT_EQ(ts("   "), "NULL");
    EXPECT_NE(ts(std::string(10 * 1024 * 1024, '1')).find("too long"), std::string::npos);
    EXPECT_NE(ts("2023-12-01 10:00:00\xff").find("invalid UTF-8"), std::string::npos);
    EXPECT_EQ(ts(std::string("2023-12-01\0 10:00", 16)).rfind("ERR", 0), 0u);
}

TEST(Normalize, TimestampPgMicros) {
    auto p = parse_timestamp("2000-01-01 00:00:00");
    ASSERT_TRUE(p.value);
    EXPECT_EQ(p.value->pg_micros(), 0);
    p = parse_timestamp("1999-12-31 23:59:59.5");
    EXPECT_EQ(p.value->pg_micros(), -500000);
    p = parse_timestamp("2023-12-23 12:10");
    // select extract(epoch from '2023-12-23 12:10'::timestamp - '2000-01-01') * 1e6
    EXPECT_EQ(p.value->pg_micros(), 756648600000000LL);
}

TEST(Normalize, Integers) {
    expect_ints(parse_int, {
        {"42", 42},
        {" -7 ", -7},
        {"+5", 5},
        {"13.00", 13},
        {"2147483647", 2147483647},
        {"-2147483648", -2147483647 - 1},
    });
    EXPECT_TRUE(parse_int("").is_null());
    EXPECT_NE(parse_int("2147483648").error.find("out of range"), std::string::npos);
    EXPECT_NE(parse_int("99999999999999999999999").error.find("out of range"), std::string::npos);
    EXPECT_NE(parse_int("13.5").error.find("non-zero fraction"), std::string::npos);
    for (const char* bad : {"abc", "1 000", "1e3", "0x10", "-", "+", "12a", "13.", ".5", "Пропуск"})
        EXPECT_FALSE(parse_int(bad).ok()) << bad;
}

TEST(Normalize, Reals) {
    expect_reals(parse_real, {
        {"1.00", 1.0},
        {"-2.5e3", -2500.0},
        {".5", 0.5},
        {"7.", 7.0},
        {"+3", 3.0},
        {"1e-400", 0.0},
    });
    EXPECT_TRUE(parse_real(" ").is_null());
    for (const char* bad : {"nan", "NaN", "inf", "Infinity", "1e400", "0x1p3", "1,5", "abc", "1.0.0", "e5", "1e"})
        EXPECT_FALSE(parse_real(bad).ok()) << bad;
}

TEST(Normalize, ResultsAndMarkers) {
    EXPECT_TRUE(parse_result("Пропуск").is_null());
    EXPECT_TRUE(parse_result(" пропуск ").is_null());
    EXPECT_TRUE(parse_result("").is_null());
    EXPECT_EQ(*parse_result("100").value, 100);
    EXPECT_FALSE(parse_result("Нет данных").ok());  // not a result marker
    EXPECT_FALSE(parse_result("сто").ok());

    EXPECT_TRUE(parse_int_or_marker("Нет данных").is_null());
    EXPECT_TRUE(parse_int_or_marker("НЕТ ДАННЫХ").is_null());
    EXPECT_TRUE(parse_int_or_marker("Не сдана").is_null());
    EXPECT_TRUE(parse_int_or_marker("—").is_null());
    EXPECT_EQ(*parse_int_or_marker("13").value, 13);
    EXPECT_FALSE(parse_int_or_marker("Сдана").ok());

    EXPECT_TRUE(is_null_marker(""));
    EXPECT_TRUE(is_null_marker("Пропуск"));
    EXPECT_FALSE(is_null_marker("0"));
}

TEST(Normalize, TgBot) {
    expect_ints(parse_tg_bot, {
        {"—", 0},
        {"", 0},
        {"-", 0},
        {"1", 1},
        {"2", 2},
        {"0", 0},
    });
    EXPECT_FALSE(parse_tg_bot("3").ok());
    EXPECT_FALSE(parse_tg_bot("yes").ok());
}

TEST(Normalize, TzOffset) {
    expect_reals(parse_tz_offset, {
        {"+03:00", 3.0},
        {"+05:30", 5.5},
        {"-02:00", -2.0},
        {"+0545", 5.75},
        {"+3", 3.0},
        {"UTC+3", 3.0},
        {"GMT-02:30", -2.5},
        {"Z", 0.0},
        {"UTC", 0.0},
        {"+14:00", 14.0},
    });
    EXPECT_TRUE(parse_tz_offset("").is_null());
    for (const char* bad : {"03:00", "+15:00", "+03:60", "+3:0", "+03:00x", "Moscow", "+", "++03:00", "+123"})
        EXPECT_FALSE(parse_tz_offset(bad).ok()) << bad;
}

TEST(Normalize, TextHygiene) {
    EXPECT_EQ(*parse_text("  Нейро.PY \t").value, "Нейро.PY");
    EXPECT_EQ(*parse_text("\xEF\xBB\xBF" "userID").value, "userID");
    EXPECT_EQ(*parse_text("\xC2\xA0x\xC2\xA0").value, "x");  // no-break spaces
    EXPECT_TRUE(parse_text("").is_null());
    EXPECT_FALSE(parse_text("\xff\xfe").ok());
    EXPECT_FALSE(parse_text("\xC0\xAF").ok());          // overlong '/'
    EXPECT_FALSE(parse_text("\xED\xA0\x80").ok());      // surrogate
    EXPECT_FALSE(parse_text("\xD0").ok());              // truncated sequence
    EXPECT_FALSE(parse_text(std::string("a\0b", 3)).ok());
    EXPECT_TRUE(valid_utf8("Были хештеги: #онлайн 🙂"));
    EXPECT_EQ(fold_case("ПРОПУСК Ёж АБВ"), "пропуск ёж абв");
    EXPECT_EQ(fold_case("Формат Подключения"), "формат подключения");
}

TEST(Normalize, FaultClasses) {
    EXPECT_EQ(parse_timestamp("31.02.2023 25:61").fault, Fault::Range);
    EXPECT_EQ(parse_timestamp("garbage").fault, Fault::Syntax);
    EXPECT_EQ(parse_timestamp("2023-12-01\xff").fault, Fault::Encoding);
    EXPECT_EQ(parse_int("2147483648").fault, Fault::Range);
    EXPECT_EQ(parse_int("x").fault, Fault::Syntax);
    EXPECT_EQ(parse_real("1e999").fault, Fault::Range);
    EXPECT_EQ(parse_tz_offset("+15:00").fault, Fault::Range);
    EXPECT_EQ(parse_tg_bot("7").fault, Fault::Range);
    EXPECT_EQ(parse_int("1").fault, Fault::None);
}
