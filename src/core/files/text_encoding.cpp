#include "core/files/text_encoding.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ls::text {

namespace {

// Length of the well-formed UTF-8 sequence starting at p (p[0] >= 0x80), or 0.
size_t sequence_length(const unsigned char* p, size_t avail) {
    unsigned char c = p[0];
    auto cont = [&](size_t k) { return (p[k] & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return avail >= 2 && cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3) return 0;
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;  // no overlongs, no surrogates
        return p[1] >= lo && p[1] <= hi && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4) return 0;
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;  // U+10000..U+10FFFF
        return p[1] >= lo && p[1] <= hi && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

constexpr std::uint64_t kHigh = 0x8080808080808080ULL, kLow7 = 0x7F7F7F7F7F7F7F7FULL, kOnes = 0x0101010101010101ULL;

// 0x80 in each byte of w that is zero, exactly (no borrow between bytes).
inline std::uint64_t zero_bytes(std::uint64_t w) { return ~(((w & kLow7) + kLow7) | w | kLow7); }

// Unicode code points of bytes 0x80..0xFF (0: undefined), from the code pages'
// published tables (generated with Python's codecs and checked against iconv).
constexpr std::array<std::uint16_t, 128> kCp1251 = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x0000, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427, 0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447, 0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
};
constexpr std::array<std::uint16_t, 128> kKoi8r = {
    0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518, 0x251C, 0x2524, 0x252C, 0x2534, 0x253C, 0x2580, 0x2584, 0x2588, 0x258C, 0x2590,
    0x2591, 0x2592, 0x2593, 0x2320, 0x25A0, 0x2219, 0x221A, 0x2248, 0x2264, 0x2265, 0x00A0, 0x2321, 0x00B0, 0x00B2, 0x00B7, 0x00F7,
    0x2550, 0x2551, 0x2552, 0x0451, 0x2553, 0x2554, 0x2555, 0x2556, 0x2557, 0x2558, 0x2559, 0x255A, 0x255B, 0x255C, 0x255D, 0x255E,
    0x255F, 0x2560, 0x2561, 0x0401, 0x2562, 0x2563, 0x2564, 0x2565, 0x2566, 0x2567, 0x2568, 0x2569, 0x256A, 0x256B, 0x256C, 0x00A9,
    0x044E, 0x0430, 0x0431, 0x0446, 0x0434, 0x0435, 0x0444, 0x0433, 0x0445, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E,
    0x043F, 0x044F, 0x0440, 0x0441, 0x0442, 0x0443, 0x0436, 0x0432, 0x044C, 0x044B, 0x0437, 0x0448, 0x044D, 0x0449, 0x0447, 0x044A,
    0x042E, 0x0410, 0x0411, 0x0426, 0x0414, 0x0415, 0x0424, 0x0413, 0x0425, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E,
    0x041F, 0x042F, 0x0420, 0x0421, 0x0422, 0x0423, 0x0416, 0x0412, 0x042C, 0x042B, 0x0417, 0x0428, 0x042D, 0x0429, 0x0427, 0x042A,
};
constexpr std::array<std::uint16_t, 128> kCp866 = {
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427, 0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437, 0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447, 0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,
    0x0401, 0x0451, 0x0404, 0x0454, 0x0407, 0x0457, 0x040E, 0x045E, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x2116, 0x00A4, 0x25A0, 0x00A0,
};

// Relative frequency (%) of the Russian letters а..я in running text.
constexpr std::array<double, 32> kRussianFreq = {
    8.01, 1.59, 4.54, 1.70, 2.98, 8.45, 0.94, 1.65, 7.35, 1.21, 3.49, 4.40, 3.21, 6.70, 10.97, 2.81,  // а..п
    4.73, 5.47, 6.26, 2.62, 0.26, 0.97, 0.48, 1.44, 0.73, 0.36, 0.04, 1.90, 1.74, 0.32, 0.64, 2.01,              // р..я
};

// Log-likelihood weight of one decoded character in Russian text.
double russian_weight(std::uint32_t cp) {
    constexpr double kUpper = 0.15;  // capitals: sentence starts, names, headers
    if (cp >= 0x430 && cp <= 0x44F) return std::log(kRussianFreq[cp - 0x430] / 100.0);
    if (cp == 0x451) return std::log(0.0004);  // ё
    if (cp >= 0x410 && cp <= 0x42F) return std::log(kRussianFreq[cp - 0x410] / 100.0 * kUpper);
    if (cp == 0x401) return std::log(0.0004 * kUpper);
    switch (cp) {  // punctuation a Russian text uses: no-break space, « », dashes, quotes, …, №, °
        case 0x00A0: case 0x00AB: case 0x00BB: case 0x2013: case 0x2014: case 0x2018: case 0x2019: case 0x201A:
        case 0x201C: case 0x201D: case 0x201E: case 0x2026: case 0x2116: case 0x00B0:
            return std::log(0.003);
        default: break;
    }
    return cp == 0 ? std::log(1e-6) : std::log(1e-4);  // other symbols (box drawing, Serbian letters, …); undefined
}

bool is_cyrillic_letter(std::uint32_t cp) { return (cp >= 0x410 && cp <= 0x44F) || cp == 0x401 || cp == 0x451; }

EncodingGuess make(Encoding e) {
    switch (e) {
        case Encoding::Utf16le: return {e, "UTF-16LE", "UTF-16LE", ""};
        case Encoding::Utf16be: return {e, "UTF-16BE", "UTF-16BE", ""};
        case Encoding::Windows1251: return {e, "windows-1251", "WINDOWS-1251", "Cyrillic"};
        case Encoding::Koi8r: return {e, "koi8-r", "KOI8-R", "Cyrillic"};
        case Encoding::Cp866: return {e, "cp866", "CP866", "Cyrillic"};
        case Encoding::Latin1: return {e, "latin-1 (windows-1252)", "WINDOWS-1252", "Western European"};
        case Encoding::Unknown: break;
    }
    return {};
}

}  // namespace

Utf8Scan scan_utf8(std::string_view data) {
    Utf8Scan s;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const size_t n = data.size();
    s.bytes = static_cast<long long>(n);
    s.utf16_bom = n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF));
    std::array<bool, 256> seen{};
    size_t bad_line_end = 0;    // end of the last line counted as bad
    size_t first_bad = n;       // offset of the first invalid byte
    long long newlines = 0;
    size_t i = 0;
    while (i < n) {
        // Fast path: eight ASCII bytes at a time (most of a CSV file).
        while (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if (w & kHigh) break;
            newlines += __builtin_popcountll(zero_bytes(w ^ (kOnes * '\n')));
            s.nul_bytes += __builtin_popcountll(zero_bytes(w));
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = p[i];
        if (c < 0x80) {
            newlines += c == '\n';
            s.nul_bytes += c == 0;
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {  // 2 bytes: Cyrillic, accents
            ++s.valid_multibyte;
            i += 2;
            continue;
        }
        size_t len = sequence_length(p + i, n - i);
        if (len) {
            ++s.valid_multibyte;
            i += len;
            continue;
        }
        ++s.invalid_bytes;
        seen[c] = true;
        if (first_bad == n) first_bad = i;
        if (i >= bad_line_end) {  // the first bad byte of its line
            ++s.bad_lines;
            const void* e = std::memchr(p + i, '\n', n - i);
            bad_line_end = e ? size_t(static_cast<const unsigned char*>(e) - p) + 1 : n;
        }
        ++i;
    }
    s.lines = newlines + (n > 0 && p[n - 1] != '\n' ? 1 : 0);
    s.distinct_invalid = int(std::count(seen.begin(), seen.end(), true));
    if (first_bad < n) s.first_bad_line = 1 + std::count(p, p + first_bad, '\n');
    return s;
}

bool is_other_encoding(const Utf8Scan& s) {
    if (s.utf16_bom || (s.bytes > 0 && s.nul_bytes * 10 > s.bytes)) return true;
    return s.invalid_bytes >= 16 && s.distinct_invalid >= 8 && s.invalid_bytes > s.valid_multibyte;
}

EncodingGuess guess_encoding(std::string_view data) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    const size_t n = data.size();
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) return make(Encoding::Utf16le);
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) return make(Encoding::Utf16be);
    // UTF-16 without a BOM: ASCII characters leave a NUL in every other byte
    // (the odd bytes in little-endian order).
    long long nul_even = 0, nul_odd = 0;
    std::array<long long, 128> high{};
    long long nhigh = 0, paired = 0;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = p[i];
        if (c == 0) (i % 2 ? nul_odd : nul_even)++;
        if (c < 0x80) continue;
        ++high[c - 0x80];
        ++nhigh;
        if ((i > 0 && p[i - 1] >= 0x80) || (i + 1 < n && p[i + 1] >= 0x80)) ++paired;
    }
    if ((nul_even + nul_odd) * 10 > static_cast<long long>(n))
        return make(nul_odd >= nul_even ? Encoding::Utf16le : Encoding::Utf16be);
    if (nhigh == 0) return {};
    // Accented Latin letters stand alone inside ASCII words ("café", "Größe" has
    // two); a Cyrillic word is a run of high bytes.
    if (paired * 2 < nhigh) return make(Encoding::Latin1);
    struct Candidate {
        Encoding e;
        const std::array<std::uint16_t, 128>* table;
    };
    const Candidate candidates[] = {{Encoding::Windows1251, &kCp1251}, {Encoding::Koi8r, &kKoi8r}, {Encoding::Cp866, &kCp866}};
    Encoding best = Encoding::Unknown;
    double best_score = -INFINITY;
    long long best_letters = 0;
    for (const auto& c : candidates) {
        double score = 0;
        long long letters = 0;
        for (size_t b = 0; b < 128; ++b) {
            if (!high[b]) continue;
            std::uint32_t cp = (*c.table)[b];
            score += double(high[b]) * russian_weight(cp);
            if (is_cyrillic_letter(cp)) letters += high[b];
        }
        if (score > best_score) best = c.e, best_score = score, best_letters = letters;
    }
    // Mostly letters in the best reading, or it is no Cyrillic text.
    if (best_letters * 10 < nhigh * 6) return {};
    return make(best);
}

std::string not_utf8_message(const std::string& file, const Utf8Scan& s, const EncodingGuess& g) {
    std::string m = "not UTF-8 text: ";
    if (s.utf16_bom || s.nul_bytes * 10 > s.bytes)
        m += "NUL bytes in " + std::to_string(s.nul_bytes) + " of " + std::to_string(s.bytes) + " bytes";
    else
        m += std::to_string(s.bad_lines) + " of " + std::to_string(s.lines) + " lines hold bytes that are not UTF-8 (the first is line " +
             std::to_string(s.first_bad_line) + ")";
    if (g.iconv) {
        m += "; it looks like ";
        m += g.name;
        if (*g.script) m += std::string(" (") + g.script + ")";
        m += ". Convert it to UTF-8 and load again: iconv -f " + std::string(g.iconv) + " -t UTF-8 " + file + " > " + file +
             ".utf8 && mv " + file + ".utf8 " + file;
    } else {
        m += "; its encoding is not recognised (not windows-1251, koi8-r, cp866, latin-1 or UTF-16). Convert it to UTF-8 and load "
             "again: iconv -f <its encoding> -t UTF-8 " + file + " > " + file + ".utf8 && mv " + file + ".utf8 " + file;
    }
    return m;
}

}  // namespace ls::text
