// One-pass Poisson bootstrap (Hanley & MacGibbon; Chamandy et al.): every row
// gets, for each replicate b, an independent Poisson(1) weight derived from a
// hash of (row content, seed, b). The weight depends only on the row, never on
// which parallel worker sees it, so replicate states merge exactly.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/base/rng.h"

namespace ls::causal {

inline std::uint64_t hash_doubles(const double* v, int n, std::uint64_t seed) {
    std::uint64_t h = splitmix64(seed);
    for (int i = 0; i < n; ++i) {
        std::uint64_t bits;
        std::memcpy(&bits, &v[i], sizeof bits);
        h = splitmix64(h ^ bits);
    }
    return h;
}

// Poisson(1) draw by inverse CDF from a 64-bit hash.
inline int poisson1(std::uint64_t h) {
    double u = static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
    static const double cdf[] = {0.36787944117144233, 0.7357588823428847, 0.9196986029286058,
                                 0.9810118431238462, 0.9963401531726563, 0.9994058151824183,
                                 0.9999167588507119, 0.9999897508033253, 0.9999988747974020};
    int k = 0;
    while (k < 9 && u > cdf[k]) ++k;
    return k;
}

}  // namespace ls::causal
