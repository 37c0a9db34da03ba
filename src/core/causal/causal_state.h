// Layouts and validating decoders of the flat states of the causal
// aggregates. A state is an ordinary SQL value (bytea or float8[]): anyone who
// may call a support function, and anything between a Citus worker and its
// coordinator, can hand over arbitrary bytes. So every count that becomes an
// index or a loop bound, every length, dimension, tag and option is checked
// here before the glue (src/pg/causal_*_pg.cpp) or an estimator touches the
// data; anything else is an ls::Error of kind InvalidBinary (SQLSTATE 22P03).
// Pure C++ (no PostgreSQL header) so tests/fuzz/fuzz_causal_state.cpp can
// fuzz it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ls::causal {

// Most covariates (instruments included) a state may carry; the transition
// functions refuse wider rows with the same limit, so whatever they build decodes.
constexpr std::size_t kMaxCovariates = 4096;
// Largest row count a double holds exactly (2^53).
constexpr double kMaxExactCount = 9007199254740992.0;

// Throws ls::Error(InvalidBinary) "malformed learnerscore <state> state: <why>".
[[noreturn]] void malformed_state(const char* state, const std::string& why);

// A float8 that must be an integer in [lo, hi] (NaN and infinities fail).
bool is_integral_in(double v, double lo, double hi);

// Seed bits of a seed stored as a double (an int64 converted to float8; the
// conversion of 2^63 - 1 rounds up to 2^63). Defined for every value that
// passes is_integral_in(v, -2^63, 2^63).
std::uint64_t seed_bits(double v);

// ---- row state (bytea): header, then `cap` rows [outcome, treated, x_1..x_k]
constexpr double kRowsMagic = 0x4C53524F;  // "LSRO"
constexpr std::size_t kRowsHeader = 8;     // doubles in RowsHeader
enum RowsMethod { kRowsDiff = 1, kRowsRegression = 2, kRowsIpw = 3, kRowsAipw = 4 };

struct RowsHeader {
    double magic, k, rows, cap, trim, alpha, method, seed;
};
static_assert(sizeof(RowsHeader) == kRowsHeader * sizeof(double), "row state header layout");

// Checks the options and shape of a header (not its relation to a length).
void check_rows_header(const RowsHeader& h);

// Payload bytes (after the varlena header) of a state of `cap` rows of width k + 2.
std::size_t rows_payload_bytes(std::size_t k, std::size_t cap);

struct RowsState {
    RowsHeader h{};
    std::size_t k = 0, rows = 0;
    const double* data = nullptr;  // rows x (k + 2) doubles, inside the payload
};

// Decodes a flat row state: payload = `len` bytes after the varlena header,
// aligned for double. Returns false for the empty initial state (len 0).
// Checks magic, options, counts (integral, rows <= capacity, length exactly
// the capacity), and every row (finite outcome and covariates, treated 0/1).
bool decode_rows_state(const void* payload, std::size_t len, RowsState& out);

// ---- moment states (float8[])
//   DIFF  [1, alpha, n1, mean1, m2_1, n0, mean0, m2_0]
//   BOOT  [2, alpha, B, seed, (B + 1) x (n1, mean1, m2_1, n0, mean0, m2_0)]   replicate 0 = the sample
//   COMOM [tag, alpha, d, m, n1, n0, continuous, n, mean(d), C(d(d+1)/2)]
//         tag 3 regression [y, t, x...], 4 IV [y, d, z_1..z_m, x...], 5 CUPED [y, pre]
enum MomentTag { kTagDiff = 1, kTagBoot = 2, kTagRegression = 3, kTagIv = 4, kTagCuped = 5 };
constexpr std::size_t kComomHeader = 7;
constexpr int kMinReplicates = 10, kMaxReplicates = 10000;

std::size_t diff_state_length();
std::size_t boot_state_length(std::size_t replicates);
std::size_t comom_state_length(std::size_t d);

struct MomentState {
    int tag = 0;  // 0: the empty initial state '{}'
    double alpha = 0.05;
    std::size_t replicates = 0;  // BOOT
    std::uint64_t seed = 0;      // BOOT
    std::size_t d = 0, m = 0;    // COMOM: dimension of the co-moments, instruments
    long long n1 = 0, n0 = 0;    // COMOM: rows with treatment exactly 1 / 0
    bool continuous = false;     // COMOM: some treatment was neither 0 nor 1
};

// Decodes and checks a float8[] moment state of `len` elements: tag, length
// matching the tag and dimensions, alpha in (0, 1), the seed, and with
// `values` also every count (integral, non-negative, at most 2^53, treated +
// control <= rows), every moment finite and every sum of squares >= 0.
// Without `values` it is O(1): what a transition needs to index the state
// safely (it only adds to the moments); combine and final functions check all.
MomentState decode_moment_state(const double* s, std::size_t len, bool values = true);

}  // namespace ls::causal
