#include "core/metrics/metric_state.h"

#include <cmath>
#include <cstring>

#include "core/causal/causal_state.h"
#include "core/metrics/metrics.h"

namespace ls::metrics {

namespace {
constexpr const char* kMetric = "metric";
constexpr const char* kAuc = "auc";
using ls::causal::is_integral_in;
using ls::causal::kMaxExactCount;
using ls::causal::malformed_state;
}  // namespace

bool is_binned_auc(int kind) { return kind == kAucBinned || kind == kAucBinnedError; }

std::size_t metric_state_length(int kind) {
    if (kind == kCalibration) return 2 + 3 * kCalibrationBins;
    if (is_binned_auc(kind)) return 2 + 2 * static_cast<std::size_t>(kAucBins);
    return 4;
}

int metric_state_kind(const double* s, std::size_t len) {
    if (len < 2 || !is_integral_in(s[0], kLogLoss, kLastMetricKind)) return 0;
    const int kind = static_cast<int>(s[0]);
    if (is_binned_auc(kind) && len == 2) return kind;  // before the first row
    return len == metric_state_length(kind) ? kind : 0;
}

int decode_metric_state(const double* s, std::size_t len, bool values) {
    if (len < 2) malformed_state(kMetric, "too short");
    if (!is_integral_in(s[0], kLogLoss, kLastMetricKind)) malformed_state(kMetric, "unknown metric kind");
    const int kind = static_cast<int>(s[0]);
    const bool empty_binned = is_binned_auc(kind) && len == 2;
    if (len != metric_state_length(kind) && !empty_binned) malformed_state(kMetric, "wrong length for its kind");
    if (!values) return kind;
    const double n = s[1];
    if (!is_integral_in(n, 0, kMaxExactCount)) malformed_state(kMetric, "the row count is not a valid count");
    if (empty_binned) {
        if (n != 0) malformed_state(kMetric, "an empty binned-AUC state with rows");
        return kind;
    }
    for (std::size_t i = 2; i < len; ++i)
        if (!std::isfinite(s[i])) malformed_state(kMetric, "a sum is NaN or infinite");
    switch (kind) {
        case kAccuracy:
            if (!is_integral_in(s[2], 0, n)) malformed_state(kMetric, "more correct rows than rows");
            break;
        case kBrier:
            if (!(s[2] >= 0 && s[2] <= n)) malformed_state(kMetric, "a squared error sum out of [0, rows]");
            break;
        case kCalibration: {
            double rows = 0;
            for (int b = 0; b < kCalibrationBins; ++b) {
                const double* g = s + 2 + 3 * b;
                if (!is_integral_in(g[0], 0, n) || !(g[1] >= 0 && g[1] <= g[0]) || !is_integral_in(g[2], 0, g[0]))
                    malformed_state(kMetric, "a calibration bin with sums out of range of its rows");
                rows += g[0];
            }
            if (rows != n) malformed_state(kMetric, "the calibration bins do not add up to the row count");
            break;
        }
        case kAucBinned:
        case kAucBinnedError: {
            double rows = 0;
            for (std::size_t i = 2; i < len; ++i) {
                if (!is_integral_in(s[i], 0, n)) malformed_state(kMetric, "a binned-AUC count out of range of the rows");
                rows += s[i];
            }
            if (rows != n) malformed_state(kMetric, "the binned-AUC counts do not add up to the row count");
            break;
        }
        default:  // log loss, MAE, RMSE: sums of non-negative terms
            if (!(s[2] >= 0)) malformed_state(kMetric, "a negative sum of non-negative terms");
    }
    return kind;
}

AucState decode_auc_header(const void* payload, std::size_t len) {
    if (len < sizeof(std::int64_t)) malformed_state(kAuc, "shorter than its header");
    AucState st;
    std::memcpy(&st.count, payload, sizeof st.count);
    st.capacity = static_cast<std::int64_t>((len - sizeof(std::int64_t)) / (2 * sizeof(double)));
    if (st.count < 0 || st.count > st.capacity) malformed_state(kAuc, "the pair count is not within its capacity");
    st.pairs = reinterpret_cast<const double*>(static_cast<const unsigned char*>(payload) + sizeof(std::int64_t));
    return st;
}

AucState decode_auc_state(const void* payload, std::size_t len) {
    AucState st = decode_auc_header(payload, len);
    for (std::int64_t i = 0; i < st.count; ++i) {
        if (std::isnan(st.pairs[2 * i])) malformed_state(kAuc, "a score is NaN");
        const double y = st.pairs[2 * i + 1];
        if (y != 0.0 && y != 1.0) malformed_state(kAuc, "a label is neither 0 nor 1");
    }
    return st;
}

}  // namespace ls::metrics
