#include "core/metrics/metrics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/base/error.h"

namespace ls::metrics {

namespace {

// Orders doubles as unsigned integers: ascending keys = ascending values
// (-0 just before +0, which the tie groups below treat as equal).
inline std::uint64_t order_key(double d) {
    std::uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return (u & 0x8000000000000000ULL) ? ~u : (u | 0x8000000000000000ULL);
}

// Sorts (score, label) pairs by score. Large inputs (a training set's
// in-sample AUC, the auc() aggregate over millions of rows) use an LSD radix
// sort, 11 bits per pass, skipping the passes where every key has the same
// digit (the high bits of probabilities mostly agree): several times faster
// than a comparison sort of 16-byte pairs.
void sort_by_score(std::vector<std::pair<double, double>>& v) {
    const std::size_t n = v.size();
    if (n < (1u << 15)) {
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return;
    }
    constexpr int kBits = 11, kPasses = 6;
    constexpr std::size_t kBuckets = std::size_t{1} << kBits;
    std::vector<std::size_t> count(kPasses * kBuckets, 0);
    for (const auto& p : v) {
        const std::uint64_t k = order_key(p.first);
        for (int d = 0; d < kPasses; ++d) ++count[d * kBuckets + ((k >> (d * kBits)) & (kBuckets - 1))];
    }
    std::vector<std::pair<double, double>> tmp(n);
    auto* src = &v;
    auto* dst = &tmp;
    for (int d = 0; d < kPasses; ++d) {
        std::size_t* c = &count[d * kBuckets];
        if (std::find(c, c + kBuckets, n) != c + kBuckets) continue;  // one digit for all: nothing to do
        std::size_t sum = 0;
        for (std::size_t b = 0; b < kBuckets; ++b) {
            const std::size_t here = c[b];
            c[b] = sum;
            sum += here;
        }
        for (const auto& p : *src) (*dst)[c[(order_key(p.first) >> (d * kBits)) & (kBuckets - 1)]++] = p;
        std::swap(src, dst);
    }
    if (src != &v) v.swap(tmp);
}

}  // namespace

double auc(std::vector<std::pair<double, double>>& pairs) {
    sort_by_score(pairs);
    // Sum of the (average) ranks of the positives.
    double rank_sum = 0, n_pos = 0, n_neg = 0;
    const std::size_t n = pairs.size();
    std::size_t i = 0;
    while (i < n) {
        std::size_t j = i;
        double pos_in_group = 0;
        while (j < n && pairs[j].first == pairs[i].first) {
            pos_in_group += pairs[j].second;
            ++j;
        }
        double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;  // ranks i+1..j
        rank_sum += pos_in_group * avg_rank;
        n_pos += pos_in_group;
        n_neg += static_cast<double>(j - i) - pos_in_group;
        i = j;
    }
    if (n_pos == 0 || n_neg == 0)
        fail(ErrorKind::InvalidParameter, "auc is undefined when only one class is present",
             "The label needs both 0 and 1 values.");
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

double clip_probability(double p) { return std::min(std::max(p, DBL_EPSILON), 1.0 - DBL_EPSILON); }

double log_loss_term(double p, double y) {
    p = clip_probability(p);
    return -(y * std::log(p) + (1.0 - y) * std::log(1.0 - p));
}

int calibration_bin(double p, int bins) {
    int b = static_cast<int>(std::floor(p * bins));
    return std::min(std::max(b, 0), bins - 1);  // p == 1 falls in the last bin
}

int auc_bin(double p) {
    constexpr double kLimit = 12;  // log-odds range of the inner bins: p in [6e-6, 1 - 6e-6]
    if (!(p > 0)) return 0;
    if (!(p < 1)) return kAucBins - 1;
    const double z = std::log(p) - std::log1p(-p);
    const double x = (z + kLimit) / (2 * kLimit) * (kAucBins - 2);
    const int b = 1 + static_cast<int>(std::floor(std::min(std::max(x, 0.0), kAucBins - 2.5)));
    return b;
}

double binned_auc(const double* pos, const double* neg, int bins, double* error_bound) {
    double P = 0, N = 0;
    for (int b = 0; b < bins; ++b) P += pos[b], N += neg[b];
    double below = 0, wins = 0, same = 0;  // negatives in lower bins; pairs won; pairs in one bin
    for (int b = 0; b < bins; ++b) {
        wins += pos[b] * below + 0.5 * pos[b] * neg[b];
        same += pos[b] * neg[b];
        below += neg[b];
    }
    if (error_bound) *error_bound = 0.5 * same / (P * N);
    return wins / (P * N);
}

Summary classification(const std::vector<double>& score, const std::vector<double>& label, double threshold,
                       int bins) {
    Summary s;
    const std::size_t n = score.size();
    if (n == 0 || n != label.size()) fail(ErrorKind::InvalidParameter, "metrics need equal, non-empty score and label sets");
    std::vector<std::pair<double, double>> pairs(n);
    std::vector<double> cnt(bins, 0), sp(bins, 0), sy(bins, 0);
    double ll = 0, br = 0, acc = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double p = score[i], y = label[i];
        pairs[i] = {p, y};
        ll += log_loss_term(p, y);
        br += (p - y) * (p - y);
        acc += ((p >= threshold ? 1.0 : 0.0) == y) ? 1.0 : 0.0;
        int b = calibration_bin(p, bins);
        cnt[b] += 1;
        sp[b] += p;
        sy[b] += y;
    }
    double ece = 0;
    for (int b = 0; b < bins; ++b)
        if (cnt[b] > 0) ece += std::fabs(sp[b] - sy[b]) / static_cast<double>(n);
    s.log_loss = ll / n;
    s.brier = br / n;
    s.accuracy = acc / n;
    s.calibration_error = ece;
    bool both = false;
    for (std::size_t i = 1; i < n && !both; ++i) both = label[i] != label[0];
    s.auc = both ? auc(pairs) : NAN;
    return s;
}

Summary regression(const std::vector<double>& pred, const std::vector<double>& y) {
    Summary s;
    const std::size_t n = pred.size();
    if (n == 0 || n != y.size()) fail(ErrorKind::InvalidParameter, "metrics need equal, non-empty prediction and target sets");
    double ae = 0, se = 0, mean = 0;
    for (std::size_t i = 0; i < n; ++i) mean += y[i];
    mean /= n;
    double tss = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double d = pred[i] - y[i];
        ae += std::fabs(d);
        se += d * d;
        tss += (y[i] - mean) * (y[i] - mean);
    }
    s.mae = ae / n;
    s.rmse = std::sqrt(se / n);
    s.r2 = tss > 0 ? 1.0 - se / tss : NAN;
    return s;
}

}  // namespace ls::metrics
