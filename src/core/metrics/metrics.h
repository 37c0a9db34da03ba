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
