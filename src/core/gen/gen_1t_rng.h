// Deterministic random numbers for the synthetic 1T generator. The standard
// library's distributions are not specified bit-for-bit, so every draw here is
// our own transform of a SplitMix64 stream: the same seed gives the same bytes
// on every platform with IEEE doubles and a correctly rounded libm (glibc).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/base/rng.h"

namespace ls::gen1t {

// A stream per (seed, key) pair: the key picks an independent SplitMix64 sub-stream.
class Rng {
public:
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0)
        : stream_(splitmix64(seed ^ splitmix64(stream + 0x51ed2701ULL))) {}
    std::uint64_t next() { return stream_.next(); }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [lo, hi] (inclusive); multiply-shift, bias < 2^-32.
    long long integer(long long lo, long long hi) {
        std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
        return lo + static_cast<long long>(((next() >> 32) * span) >> 32);
    }
    bool bernoulli(double p) { return uniform() < p; }
    // Standard normal by Box-Muller (one value per call; simple and exact
    // enough for a simulation).
    double normal() {
        double u1 = 1.0 - uniform();  // (0, 1]
        double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    double normal(double mean, double sd) { return mean + sd * normal(); }
    // Index drawn from unnormalised weights.
    template <class It>
    int choose(It first, It last) {
        double total = 0;
        for (It it = first; it != last; ++it) total += *it;
        double u = uniform() * total;
        int i = 0;
        for (It it = first; it != last; ++it, ++i) {
            if (u < *it) return i;
            u -= *it;
        }
        return i - 1;
    }

private:
    SplitMix64 stream_;
};

// A uniform second of [from_hour:00, to_hour:00) on the day starting at `day_start`.
inline long long random_time_of_day(Rng& r, long long day_start, int from_hour, int to_hour) {
    return day_start + r.integer(from_hour * 3600LL, to_hour * 3600LL - 1);
}

inline double clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace ls::gen1t
