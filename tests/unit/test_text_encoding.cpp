// The loader's encoding check (src/core/files/text_encoding.h): UTF-8 validation with
// line accounting, the "whole file in another encoding" rule, and the guess of
// which encoding. The test texts are converted with glibc's iconv(3), so the
// code-page tables of text_encoding.cpp are checked against an independent
// implementation.
#include <gtest/gtest.h>
#include <iconv.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/files/text_encoding.h"

namespace {

using ls::text::Encoding;

std::string convert(const std::string& utf8, const char* to) {
    iconv_t cd = iconv_open(to, "UTF-8");
    EXPECT_NE(cd, (iconv_t)-1) << to;
    std::string out(utf8.size() * 4 + 16, '\0');
    char* in = const_cast<char*>(utf8.data());
    size_t inleft = utf8.size(), outleft = out.size();
    char* o = out.data();
    EXPECT_NE(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1) << to;
    iconv_close(cd);
    out.resize(out.size() - outleft);
    return out;
}

// A users_logs.csv the way the platform writes it: Russian events and comments.
const std::string kRussian =
    "user_id,created_at,event,comment\n"
    "982,14.11.2023 15:07,Установлен хештег,\"Пользователь перешёл в онлайн-формат обучения\"\n"
    "2566,15.11.2023 10:00,Смена формата,Были хештеги: #офлайн\n"
    "7722,16.11.2023 12:30,Нет данных,Занятие по основам программирования на языке Python\n"
    "8102,17.11.2023 09:45,Просмотр вебинара,Вводный вебинар модуля - Анализ данных\n";

const std::string kWestern =
    "user_id,comment\n"
    "1,Café crème à la carte\n"
    "2,Größe und Übung für Schüler, Straße\n"
    "3,naïve résumé déjà vu, garçon, señor, façade\n"
    "4,Château, forêt, où, Noël, Ægir, smørrebrød\n";

}  // namespace

TEST(TextEncoding, Utf8TextIsOk) {
    auto s = ls::text::scan_utf8(kRussian);
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s.lines, 5);
    EXPECT_EQ(s.bad_lines, 0);
    EXPECT_EQ(s.first_bad_line, 0);
    EXPECT_GT(s.valid_multibyte, 100);
    EXPECT_FALSE(ls::text::is_other_encoding(s));
    // A 4-byte sequence (emoji) is well-formed; a last line without a line end counts.
    auto e = ls::text::scan_utf8("a\n\xF0\x9F\x98\x80 ok");
    EXPECT_TRUE(e.ok());
    EXPECT_EQ(e.lines, 2);
    EXPECT_EQ(e.valid_multibyte, 1);
}

TEST(TextEncoding, IllFormedSequencesAreInvalid) {
    // overlong '/', a surrogate, past U+10FFFF, a lone continuation byte, a truncated sequence at the end
    for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "ab\xE2\x82"}) {
        auto s = ls::text::scan_utf8(bad);
        EXPECT_GT(s.invalid_bytes, 0) << bad;
        EXPECT_EQ(s.valid_multibyte, 0) << bad;
        EXPECT_EQ(s.bad_lines, 1) << bad;
    }
}

TEST(TextEncoding, StrayBytesInAUtf8FileAreNotAnotherEncoding) {
    // The generator's planted damage: FF FE inside one line of a UTF-8 file.
    std::string text = kRussian;
    text.insert(text.find("Смена"), "\xFF\xFE");
    text += "9000,18.11.2023 10:00,x\xFF\xFEy,ok\n";
    auto s = ls::text::scan_utf8(text);
    EXPECT_EQ(s.bad_lines, 2);
    EXPECT_EQ(s.first_bad_line, 3);
    EXPECT_EQ(s.invalid_bytes, 4);
    EXPECT_EQ(s.distinct_invalid, 2);
    EXPECT_EQ(s.lines, 6);
    EXPECT_FALSE(ls::text::is_other_encoding(s));  // those lines are rejected one by one
    // Even many such lines in an ASCII-only file: two distinct bytes are damage, not a code page.
    std::string ascii = "a,b\n";
    for (int i = 0; i < 100; ++i) ascii += "1,x\xFF\xFE\n";
    auto a = ls::text::scan_utf8(ascii);
    EXPECT_EQ(a.bad_lines, 100);
    EXPECT_FALSE(ls::text::is_other_encoding(a));
}

TEST(TextEncoding, Windows1251IsRecognised) {
    std::string cp = convert(kRussian, "WINDOWS-1251");
    auto s = ls::text::scan_utf8(cp);
    EXPECT_EQ(s.bad_lines, 4);  // every line but the ASCII header
    EXPECT_EQ(s.first_bad_line, 2);
    EXPECT_TRUE(ls::text::is_other_encoding(s));
    auto g = ls::text::guess_encoding(cp);
    EXPECT_EQ(g.encoding, Encoding::Windows1251);
    std::string m = ls::text::not_utf8_message("users_logs.csv", s, g);
    EXPECT_NE(m.find("4 of 5 lines"), std::string::npos) << m;
    EXPECT_NE(m.find("line 2"), std::string::npos) << m;
    EXPECT_NE(m.find("windows-1251"), std::string::npos) << m;
    EXPECT_NE(m.find("iconv -f WINDOWS-1251 -t UTF-8 users_logs.csv > users_logs.csv.utf8 && mv users_logs.csv.utf8 users_logs.csv"),
              std::string::npos)
        << m;
}

TEST(TextEncoding, Koi8rAndCp866AreToldApartFromWindows1251) {
    // The same bytes are letters in all three code pages; only the letter
    // frequencies (and lower case being common) tell them apart.
    for (auto [name, want] : {std::pair{"KOI8-R", Encoding::Koi8r}, std::pair{"CP866", Encoding::Cp866},
                              std::pair{"WINDOWS-1251", Encoding::Windows1251}}) {
        std::string t = convert(kRussian, name);
        EXPECT_TRUE(ls::text::is_other_encoding(ls::text::scan_utf8(t))) << name;
        auto g = ls::text::guess_encoding(t);
        EXPECT_EQ(g.encoding, want) << name << " guessed as " << g.name;
        EXPECT_STREQ(g.iconv, name);
    }
    // One short line is enough to tell them apart.
    for (auto [name, want] : {std::pair{"KOI8-R", Encoding::Koi8r}, std::pair{"CP866", Encoding::Cp866},
                              std::pair{"WINDOWS-1251", Encoding::Windows1251}})
        EXPECT_EQ(ls::text::guess_encoding(convert("982,Установлен хештег #онлайн\n", name)).encoding, want) << name;
}

TEST(TextEncoding, Latin1IsNotCyrillic) {
    std::string t = convert(kWestern, "WINDOWS-1252");
    auto s = ls::text::scan_utf8(t);
    EXPECT_TRUE(ls::text::is_other_encoding(s));
    auto g = ls::text::guess_encoding(t);
    EXPECT_EQ(g.encoding, Encoding::Latin1) << g.name;
    std::string m = ls::text::not_utf8_message("users.csv", s, g);
    EXPECT_NE(m.find("latin-1"), std::string::npos) << m;
    EXPECT_NE(m.find("iconv -f WINDOWS-1252 -t UTF-8 users.csv"), std::string::npos) << m;
}

TEST(TextEncoding, Utf16WithAndWithoutBom) {
    std::string le = convert(kRussian, "UTF-16LE"), be = convert(kRussian, "UTF-16BE");
    EXPECT_TRUE(ls::text::is_other_encoding(ls::text::scan_utf8(le)));
    EXPECT_TRUE(ls::text::is_other_encoding(ls::text::scan_utf8(be)));
    EXPECT_EQ(ls::text::guess_encoding(le).encoding, Encoding::Utf16le);
    EXPECT_EQ(ls::text::guess_encoding(be).encoding, Encoding::Utf16be);
    std::string bom = "\xFF\xFE" + le;
    auto s = ls::text::scan_utf8(bom);
    EXPECT_TRUE(s.utf16_bom);
    EXPECT_TRUE(ls::text::is_other_encoding(s));
    EXPECT_EQ(ls::text::guess_encoding(bom).encoding, Encoding::Utf16le);
}

TEST(TextEncoding, UnknownBytesGiveNoGuess) {
    // Runs of 0xB0..0xBF: box drawing in koi8-r and cp866, signs and non-Russian letters in windows-1251.
    std::string junk;
    for (int i = 0; i < 64; ++i) junk += char(0xB0 + i % 16), junk += (i % 4 == 3 ? "\n" : "");
    auto s = ls::text::scan_utf8(junk);
    EXPECT_TRUE(ls::text::is_other_encoding(s));
    auto g = ls::text::guess_encoding(junk);
    EXPECT_EQ(g.encoding, Encoding::Unknown) << g.name;
    EXPECT_EQ(g.iconv, nullptr);
    std::string m = ls::text::not_utf8_message("x.csv", s, g);
    EXPECT_NE(m.find("not recognised"), std::string::npos) << m;
    EXPECT_NE(m.find("iconv -f <its encoding> -t UTF-8 x.csv"), std::string::npos) << m;
    EXPECT_EQ(ls::text::guess_encoding("plain ascii").encoding, Encoding::Unknown);
}

TEST(TextEncoding, CountsMatchANaiveScan) {
    // Lines, NULs and invalid bytes across the 8-byte fast path and its edges.
    std::uint32_t x = 12345;
    for (int round = 0; round < 200; ++round) {
        std::string t;
        int len = round * 3;
        for (int i = 0; i < len; ++i) {
            x = x * 1103515245u + 12345u;
            unsigned r = (x >> 16) % 100;
            t += r < 70 ? char('a' + r % 26) : r < 85 ? '\n' : r < 90 ? '\0' : r < 95 ? ',' : char(0xF0 + r % 5);
        }
        auto s = ls::text::scan_utf8(t);
        long long nl = std::count(t.begin(), t.end(), '\n');
        EXPECT_EQ(s.lines, nl + (!t.empty() && t.back() != '\n'));
        EXPECT_EQ(s.nul_bytes, std::count(t.begin(), t.end(), '\0'));
        long long high = std::count_if(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        EXPECT_EQ(s.invalid_bytes, high);  // F0..F4 followed by ASCII are never well-formed
    }
}
