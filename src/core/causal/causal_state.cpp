#include "core/causal/causal_state.h"

#include <cmath>
#include <cstring>

#include "core/base/error.h"

namespace ls::causal {

void malformed_state(const char* state, const std::string& why) {
    fail(ErrorKind::InvalidBinary, std::string("malformed learnerscore ") + state + " state: " + why,
         "Aggregate states are built by the aggregate's own transition function; this one was altered, "
         "truncated or written by another version.");
}

bool is_integral_in(double v, double lo, double hi) {
    return v >= lo && v <= hi && std::floor(v) == v;  // false for NaN
}

std::uint64_t seed_bits(double v) {
    constexpr double k2p63 = 9223372036854775808.0;
    // Negative seeds through int64 (two's complement bits), the rest directly:
    // both conversions are defined on their ranges.
    if (v < 0) return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
    if (v >= k2p63) return static_cast<std::uint64_t>(v);
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
}

// ---------------------------------------------------------------- rows

namespace {
constexpr const char* kRows = "row";
constexpr double k2p63 = 9223372036854775808.0;
}  // namespace

void check_rows_header(const RowsHeader& h) {
    if (h.magic != kRowsMagic) malformed_state(kRows, "wrong magic number");
    if (!is_integral_in(h.k, 0, static_cast<double>(kMaxCovariates)))
        malformed_state(kRows, "the covariate count is not an integer in [0, " + std::to_string(kMaxCovariates) + "]");
    if (!is_integral_in(h.cap, 0, kMaxExactCount)) malformed_state(kRows, "the capacity is not a valid count");
    if (!is_integral_in(h.rows, 0, h.cap)) malformed_state(kRows, "the row count is not an integer in [0, capacity]");
    if (!(h.trim >= 0 && h.trim < 0.5)) malformed_state(kRows, "trim is not in [0, 0.5)");
    if (!(h.alpha > 0 && h.alpha < 1)) malformed_state(kRows, "alpha is not in (0, 1)");
    if (!is_integral_in(h.method, kRowsDiff, kRowsAipw)) malformed_state(kRows, "unknown method code");
    if (!is_integral_in(h.seed, -k2p63, k2p63)) malformed_state(kRows, "the seed is not a 64-bit integer");
}

std::size_t rows_payload_bytes(std::size_t k, std::size_t cap) {
    return (kRowsHeader + cap * (k + 2)) * sizeof(double);
}

bool decode_rows_state(const void* payload, std::size_t len, RowsState& out) {
    if (len == 0) return false;
    if (len < sizeof(RowsHeader)) malformed_state(kRows, "shorter than its header");
    RowsHeader h;
    std::memcpy(&h, payload, sizeof h);
    check_rows_header(h);
    const std::size_t k = static_cast<std::size_t>(h.k), w = k + 2;
    // cap <= 2^53 and w <= 4098: the product cannot overflow 64 bits, but
    // compare in rows so that no product is formed from an unchecked value.
    const std::size_t body = (len - sizeof(RowsHeader));
    if (body % (w * sizeof(double)) != 0 || body / (w * sizeof(double)) != static_cast<std::size_t>(h.cap))
        malformed_state(kRows, "its length does not match its capacity and covariate count");
    const double* data = reinterpret_cast<const double*>(static_cast<const unsigned char*>(payload) + sizeof h);
    const std::size_t rows = static_cast<std::size_t>(h.rows);
    for (std::size_t i = 0; i < rows; ++i) {
        const double* r = data + i * w;
        if (!std::isfinite(r[0])) malformed_state(kRows, "an outcome is NaN or infinite");
        if (r[1] != 0.0 && r[1] != 1.0) malformed_state(kRows, "a treatment is neither 0 nor 1");
        for (std::size_t j = 2; j < w; ++j)
            if (!std::isfinite(r[j])) malformed_state(kRows, "a covariate is NaN or infinite");
    }
    out.h = h;
    out.k = k;
    out.rows = rows;
    out.data = data;
    return true;
}

// ---------------------------------------------------------------- moments

namespace {

constexpr const char* kMoments = "moment";

// One group (n, mean, m2) of DIFF / BOOT.
void check_group(const double* g) {
    if (!is_integral_in(g[0], 0, kMaxExactCount)) malformed_state(kMoments, "a group count is not a valid count");
    if (!std::isfinite(g[1])) malformed_state(kMoments, "a group mean is NaN or infinite");
    if (!(std::isfinite(g[2]) && g[2] >= 0)) malformed_state(kMoments, "a sum of squares is negative, NaN or infinite");
}

void check_comoments(const double* c, std::size_t d) {
    if (!is_integral_in(c[0], 1, kMaxExactCount)) malformed_state(kMoments, "the row count is not a valid count");
    const std::size_t total = 1 + d + d * (d + 1) / 2;
    for (std::size_t i = 1; i < total; ++i)
        if (!std::isfinite(c[i])) malformed_state(kMoments, "a moment is NaN or infinite");
    const double* cc = c + 1 + d;
    std::size_t at = 0;  // packed upper triangle, row-major: the diagonal of row i starts row i
    for (std::size_t i = 0; i < d; ++i) {
        if (!(cc[at] >= 0)) malformed_state(kMoments, "a sum of squares is negative");
        at += d - i;
    }
}

}  // namespace

std::size_t diff_state_length() { return 8; }
std::size_t boot_state_length(std::size_t replicates) { return 4 + (replicates + 1) * 6; }
std::size_t comom_state_length(std::size_t d) { return kComomHeader + 1 + d + d * (d + 1) / 2; }

MomentState decode_moment_state(const double* s, std::size_t len, bool values) {
    MomentState st;
    if (len == 0) return st;
    if (len < 4) malformed_state(kMoments, "too short");
    if (!is_integral_in(s[0], kTagDiff, kTagCuped)) malformed_state(kMoments, "unknown state tag");
    st.tag = static_cast<int>(s[0]);
    st.alpha = s[1];
    if (!(st.alpha > 0 && st.alpha < 1)) malformed_state(kMoments, "alpha is not in (0, 1)");
    switch (st.tag) {
        case kTagDiff:
            if (len != diff_state_length()) malformed_state(kMoments, "wrong length for a difference-in-means state");
            if (!values) return st;
            check_group(s + 2);
            check_group(s + 5);
            return st;
        case kTagBoot: {
            if (!is_integral_in(s[2], kMinReplicates, kMaxReplicates))
                malformed_state(kMoments, "the replicate count is not an integer in [10, 10000]");
            if (!is_integral_in(s[3], -k2p63, k2p63)) malformed_state(kMoments, "the seed is not a 64-bit integer");
            st.replicates = static_cast<std::size_t>(s[2]);
            st.seed = seed_bits(s[3]);
            if (len != boot_state_length(st.replicates))
                malformed_state(kMoments, "wrong length for its replicate count");
            if (!values) return st;
            for (std::size_t r = 0; r <= st.replicates; ++r) {
                check_group(s + 4 + r * 6);
                check_group(s + 4 + r * 6 + 3);
            }
            return st;
        }
        default: break;
    }
    if (len < kComomHeader + 1) malformed_state(kMoments, "too short");
    if (!is_integral_in(s[2], 2, static_cast<double>(kMaxCovariates + 2)))
        malformed_state(kMoments, "the dimension is not an integer in [2, " + std::to_string(kMaxCovariates + 2) + "]");
    st.d = static_cast<std::size_t>(s[2]);
    if (!is_integral_in(s[3], 0, static_cast<double>(st.d))) malformed_state(kMoments, "the instrument count is out of range");
    st.m = static_cast<std::size_t>(s[3]);
    switch (st.tag) {
        case kTagRegression:
            if (st.m != 0) malformed_state(kMoments, "a regression state with instruments");
            break;
        case kTagIv:
            if (st.m < 1 || st.d < st.m + 2) malformed_state(kMoments, "an IV state without room for its instruments");
            break;
        default:  // CUPED
            if (st.m != 0 || st.d != 2) malformed_state(kMoments, "a CUPED state of the wrong dimension");
    }
    if (len != comom_state_length(st.d)) malformed_state(kMoments, "wrong length for its dimension");
    if (!values) return st;
    const double n = s[kComomHeader];
    if (!is_integral_in(s[4], 0, kMaxExactCount) || !is_integral_in(s[5], 0, kMaxExactCount) || !(s[4] + s[5] <= n))
        malformed_state(kMoments, "the treated and control counts are not counts within the row count");
    if (s[6] != 0 && s[6] != 1) malformed_state(kMoments, "the continuous-treatment flag is neither 0 nor 1");
    st.n1 = static_cast<long long>(s[4]);
    st.n0 = static_cast<long long>(s[5]);
    st.continuous = s[6] == 1;
    if (st.tag == kTagRegression && (st.continuous || s[4] + s[5] != n))
        malformed_state(kMoments, "the treated and control counts of a regression state do not add up to its rows");
    if (st.tag == kTagCuped && (st.n1 != 0 || st.n0 != 0)) malformed_state(kMoments, "a CUPED state with treatment counts");
    check_comoments(s + kComomHeader, st.d);
    return st;
}

}  // namespace ls::causal
