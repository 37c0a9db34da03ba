// Pieces shared by the decoder fuzz targets: the sink that keeps reads alive,
// the mode byte, raw bytes as doubles, and "a decoder may only throw ls::Error".
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/base/error.h"

namespace fuzz {

inline volatile double g_sink;  // keeps the reads of the touched memory

// Byte 0 of the input picks one of `modes` ways to read the rest; false for an empty input.
inline bool take_mode(const uint8_t*& data, std::size_t& size, int modes, int& mode) {
    if (size < 1) return false;
    mode = data[0] % modes;
    ++data;
    --size;
    return true;
}

// `count` doubles from the first bytes of p[0..n), zero-padded.
inline std::vector<double> doubles_of(const uint8_t* p, std::size_t n, std::size_t count) {
    std::vector<double> v(count, 0.0);
    const std::size_t bytes = std::min(n, count * sizeof(double));
    if (bytes > 0) std::memcpy(v.data(), p, bytes);
    return v;
}

// Runs `decode`; false when it rejected the input with ls::Error (the expected
// way to fail), true when it returned. Any other exception escapes: a finding.
template <typename Decode>
bool decodes(Decode&& decode) {
    try {
        decode();
        return true;
    } catch (const ls::Error&) {
        return false;
    }
}

}  // namespace fuzz
