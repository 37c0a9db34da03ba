// Propensity-score estimators (IPW, AIPW, their ATT variants), covariate
// balance, overlap and refutation checks. They need a logistic fit and then a
// second pass over the rows, so they take the rows themselves: a row-major
// buffer of [outcome, treated (0/1), x_1..x_k] -- the same layout that the
// bytea aggregate state and the column-reading SQL function fill.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/causal/causal_stats.h"

namespace ls::causal {

struct RowView {
    const double* data = nullptr;  // n rows of width k + 2
    std::size_t n = 0;
    std::size_t k = 0;
    double y(std::size_t i) const { return data[i * (k + 2)]; }
    double t(std::size_t i) const { return data[i * (k + 2) + 1]; }
    const double* x(std::size_t i) const { return data + i * (k + 2) + 2; }
};

// Logistic regression of treated on [1, x] by Newton-Raphson with step
// halving, on standardized columns (zero-variance columns are dropped, so a
// covariate constant within a GROUP BY group does no harm).
struct PropensityFit {
    std::vector<double> p;   // fitted propensity per row
    int iterations = 0;
    bool converged = false;
    double min_p = 1, max_p = 0;
};
PropensityFit fit_propensity(const RowView& rows);

enum class Estimand { ATE, ATT };

struct PropensityOptions {
    double trim = 0;      // drop rows with propensity outside [trim, 1 - trim] (Crump et al.)
    double alpha = 0.05;
    Estimand estimand = Estimand::ATE;
};

// IPW with normalized (Hajek) weights; standard error from the stacked
// M-estimation sandwich, which accounts for the estimated propensity.
Effect ipw(const RowView& rows, const PropensityOptions& o);
// Doubly robust AIPW: logistic propensity + per-arm OLS outcome models;
// standard error from the influence function, sqrt(mean(psi^2) / n).
Effect aipw(const RowView& rows, const PropensityOptions& o);
// Dispatch by name: diff | regression | ipw | aipw (used by refutations and
// the column-reading SQL function).
Effect estimate_rows(const RowView& rows, const std::string& method, const PropensityOptions& o);

struct BalanceRow {
    int covariate = 0;  // 1-based index into the covariate array
    double mean_treated = 0, mean_control = 0, smd_before = 0, mean_control_weighted = 0,
           mean_treated_weighted = 0, smd_after = 0;
};
// Standardized mean differences before and after IPW (ATE weights); the
// denominator is the unweighted pooled SD sqrt((s1^2 + s0^2) / 2).
std::vector<BalanceRow> balance(const RowView& rows, double trim);

struct Overlap {
    double min_treated = 0, max_treated = 0, min_control = 0, max_control = 0;
    double share_extreme = 0;  // rows with propensity < 0.05 or > 0.95
    double ess_treated = 0, ess_control = 0;  // effective sample sizes of the IPW weights
    long long n_treated = 0, n_control = 0;
    bool converged = false;
};
Overlap overlap(const RowView& rows);

struct Refutation {
    std::string test;
    double estimate = 0, new_estimate = 0, statistic = 0;  // p-value (placebo) or |change| / threshold
    bool passed = false;
};
// Placebo treatment (a seeded permutation of treated: the effect must vanish),
// random common cause (an extra N(0,1) covariate: the estimate must not
// move), random 80 % subset (the estimate must stay within sampling noise).
// The rows are taken in content order, so the result does not depend on the
// order they arrived in (parallel workers, Citus shards).
std::vector<Refutation> refute(const RowView& rows, const std::string& method, const PropensityOptions& o,
                               std::uint64_t seed);

}  // namespace ls::causal
