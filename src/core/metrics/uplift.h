// Uplift metrics (docs/models.md, "Uplift: whom does contacting help") and the
// layout and validating decoder of their aggregate state (src/pg/metrics/
// uplift_aggregates.cpp). Definitions as scikit-uplift 0.5 (sklift.metrics):
// qini_auc_score (negative_effect = true), uplift_auc_score, uplift_at_k
// (strategy 'overall'). Pure C++ (no PostgreSQL header), fuzzed by
// tests/fuzz/fuzz_metric_state.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ls::metrics {

enum UpliftKind { kQini = 1, kUpliftAuc = 2, kUpliftAtK = 3 };

struct UpliftRow {
    double score, treated, outcome;  // treated and (for Qini, uplift AUC) outcome are 0 or 1
};

// State payload (after the varlena header, aligned for double):
// int32 kind | int32 reserved (0) | double k (uplift_at_k; 0 otherwise) | int64 count |
// count x (score, treated, outcome) | zero-filled spare capacity.
struct UpliftHeader {
    std::int32_t kind;
    std::int32_t reserved;
    double k;
    std::int64_t count;
};
struct UpliftState {
    int kind = 0;
    double k = 0;
    std::int64_t count = 0, capacity = 0;
    const UpliftRow* rows = nullptr;
};

// The header checked (kind known, reserved 0, k in (0, 1] for uplift_at_k and 0
// otherwise, 0 <= count <= capacity): O(1), for the per-row transition.
UpliftState decode_uplift_header(const void* payload, std::size_t len);
// The header plus every row (score not NaN, treated 0/1, outcome finite and,
// for Qini and uplift AUC, 0/1): O(count), for the combine and final functions.
UpliftState decode_uplift_state(const void* payload, std::size_t len);

// The metrics; NaN when undefined (no rows, one arm empty, a perfect curve no
// better than random, no treated or no control row in the top k). The rows are
// reordered (sorted by score descending, ties by treated then outcome ascending).
double qini_coefficient(std::vector<UpliftRow>& rows);
double uplift_auc(std::vector<UpliftRow>& rows);
double uplift_at_k(std::vector<UpliftRow>& rows, double k);

}  // namespace ls::metrics
