// Is a file's text UTF-8, and if not, which encoding does it look like?
//
// The loader checks every file before touching its table (docs/loading.md,
// "Encoding"): a file in another encoding would otherwise be loaded line by
// line, every line with a Cyrillic letter rejected as "invalid UTF-8" and the
// table emptied. A few stray bytes in a UTF-8 file are not that case: those
// lines are rejected one by one as before. The guess is a byte-frequency
// heuristic for the encodings a Russian export comes in (windows-1251, koi8-r,
// cp866), latin-1 (windows-1252) and UTF-16; it names the encoding and the
// iconv command that converts the file. Pure C++ (no PostgreSQL), unit-tested in
// tests/unit/test_text_encoding.cpp. (Not to be confused with core/models/encoding.h,
// the model's feature encoder.)
#pragma once
#include <string>
#include <string_view>

namespace ls::text {

// One pass over a file's bytes.
struct Utf8Scan {
    long long bytes = 0;
    long long lines = 0;            // physical lines (a last line without a line end counts)
    long long bad_lines = 0;        // lines holding at least one byte that is not UTF-8
    long long first_bad_line = 0;   // 1-based; 0 when every line is UTF-8
    long long valid_multibyte = 0;  // well-formed 2- to 4-byte sequences (non-ASCII characters)
    long long invalid_bytes = 0;    // bytes that are not part of a well-formed sequence
    int distinct_invalid = 0;       // distinct values among the invalid bytes
    long long nul_bytes = 0;
    bool utf16_bom = false;         // starts with FF FE or FE FF
    bool ok() const { return invalid_bytes == 0 && nul_bytes == 0; }
};

// Scans `data` (well-formed UTF-8: no overlong forms, surrogates or code points
// past U+10FFFF, the same rule as ls::norm::valid_utf8).
Utf8Scan scan_utf8(std::string_view data);

// True when the file as a whole is in another encoding rather than UTF-8 with a
// few damaged lines: UTF-16 (a BOM, or NUL bytes in more than 10 % of the bytes),
// or at least 16 invalid bytes, of at least 8 distinct values, outnumbering the
// well-formed non-ASCII characters (text in a single-byte encoding uses many
// letters; a damaged line repeats one or two garbage bytes).
bool is_other_encoding(const Utf8Scan& s);

enum class Encoding { Unknown, Utf16le, Utf16be, Windows1251, Koi8r, Cp866, Latin1 };

struct EncodingGuess {
    Encoding encoding = Encoding::Unknown;
    const char* name = "unknown";  // as shown to the user: "windows-1251"
    const char* iconv = nullptr;   // iconv's name for it ("WINDOWS-1251"); nullptr when unknown
    const char* script = "";       // "Cyrillic", "Western European", ""
};

// Guesses the encoding of text that is not UTF-8. UTF-16 by its BOM or NUL
// pattern; otherwise bytes >= 0x80 that mostly stand alone between ASCII
// letters are accented Latin letters (latin-1 / windows-1252), and runs of them
// are Cyrillic words: each Cyrillic code page decodes the bytes, and the one
// whose letters best fit Russian letter frequencies (lower case far more
// common than upper case) wins. Unknown when no candidate decodes mostly to letters.
EncodingGuess guess_encoding(std::string_view data);

// The user's message for a file that is not UTF-8: how many lines, the first
// one, the guessed encoding and the iconv command converting `file` in place.
std::string not_utf8_message(const std::string& file, const Utf8Scan& s, const EncodingGuess& g);

}  // namespace ls::text
