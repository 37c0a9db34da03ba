// Model-evaluation metrics on (score, label) pairs, in plain C++ so both the
// SQL aggregates (src/pg/metrics/metric_aggregates.cpp) and cross-validation use the
// same definitions. Conventions follow scikit-learn.metrics.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

namespace ls::metrics {

// Area under the ROC curve (Mann-Whitney U with average ranks for ties, so a
// tie between a positive and a negative counts 1/2). Labels must be 0/1.
// Throws when both classes are not present. Sorts `pairs` in place.
double auc(std::vector<std::pair<double, double>>& pairs);

// Probabilities are clipped to [eps, 1-eps] with eps = DBL_EPSILON, as
// sklearn.metrics.log_loss does for float64.
double log_loss_term(double p, double y);
double clip_probability(double p);

// Expected calibration error over `bins` equal-width probability bins:
// sum_b (n_b / n) * |mean(p in b) - mean(y in b)|. Scores outside [0,1] are an error.
int calibration_bin(double p, int bins);

// A mergeable AUC: counts of positives and negatives per score bin, so two
// states add up (parallel workers, Citus shards) and the state has a fixed size
// whatever the row count. Bins are uniform in log-odds over [-12, 12] (so
// probabilities near 0 and 1, where at-risk scores crowd, are resolved as finely
// as those near 0.5), with 0 and 1 in bins of their own. Pairs of a positive and a
// negative in the same bin count one half, like ties in the exact AUC, so
// |binned - exact| <= sum_b pos_b * neg_b / (2 P N): binned_auc returns that bound.
constexpr int kAucBins = 4096;
int auc_bin(double p);  // p in [0, 1]
double binned_auc(const double* pos, const double* neg, int bins, double* error_bound);

struct Summary {
    double auc = 0, log_loss = 0, brier = 0, calibration_error = 0, accuracy = 0;  // classification
    double mae = 0, rmse = 0, r2 = 0;                                             // regression
};

// All classification metrics of `score` (probabilities) against 0/1 `label`.
Summary classification(const std::vector<double>& score, const std::vector<double>& label, double threshold = 0.5,
                       int bins = 10);
// MAE, RMSE and R^2 of `pred` against `y`.
Summary regression(const std::vector<double>& pred, const std::vector<double>& y);

}  // namespace ls::metrics
