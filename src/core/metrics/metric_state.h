// Layouts and validating decoders of the metric aggregate states (src/pg/
// metric_aggregates.cpp). States are SQL values that a caller of a support
// function, or a Citus coordinator reading a worker's text, can forge; every
// kind, length and count is checked here before it drives a loop or an index.
// Failures are ls::Error(InvalidBinary) (SQLSTATE 22P03). Pure C++ so that
// tests/fuzz/fuzz_metric_state.cpp can fuzz it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ls::metrics {

// float8[] sums: [kind, rows, sum, 0] or, for calibration,
// [6, rows, 10 x (bin rows, sum of scores, sum of labels)]; the binned AUC and
// its error bound [7|8, rows, kAucBins positives per bin, kAucBins negatives per
// bin], or [7|8, 0] before the first row (the full state is made then, so an
// empty group costs two doubles).
enum MetricKind { kLogLoss = 1, kBrier = 2, kAccuracy = 3, kMae = 4, kRmse = 5, kCalibration = 6,
                  kAucBinned = 7, kAucBinnedError = 8 };
constexpr int kLastMetricKind = kAucBinnedError;
bool is_binned_auc(int kind);
constexpr int kCalibrationBins = 10;

std::size_t metric_state_length(int kind);

// Checks a metric state of `len` elements and returns its kind: the kind is
// known, the length matches it and, with `values`, the row count (and every
// bin count) is an integer in [0, 2^53] and the sums are finite and within
// what their rows allow. The transition, which only adds to the sums, checks
// the shape (values = false); combine and final functions check everything.
int decode_metric_state(const double* s, std::size_t len, bool values = true);

// The kind of a state whose kind and length agree, else 0 (no exception: the
// per-row transition's check; decode_metric_state says what is wrong).
int metric_state_kind(const double* s, std::size_t len);

// Exact-AUC state (bytea): int64 count | (score, label) pairs | zero-filled spare capacity.
struct AucState {
    std::int64_t count = 0, capacity = 0;
    const double* pairs = nullptr;  // count x (score, label), inside the payload
};

// Checks the header of an AUC payload (`len` bytes after the varlena header,
// aligned for double): 0 <= count <= capacity the length holds. O(1), for the
// per-row transition.
AucState decode_auc_header(const void* payload, std::size_t len);

// decode_auc_header plus every pair: no NaN score, labels 0 or 1. O(count),
// for the combine and final functions (sorting NaN scores is undefined behaviour).
AucState decode_auc_state(const void* payload, std::size_t len);

}  // namespace ls::metrics
