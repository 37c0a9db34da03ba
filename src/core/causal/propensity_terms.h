// The pieces of the propensity estimators that both ways of running them
// share: the in-memory path over a row buffer (causal_propensity.cpp) and the
// multi-pass path, whose every pass is a mergeable aggregate over the table
// (propensity_passes.cpp). Sharing them is what makes both give the same
// answer: the same standardization, the same Newton loop and stopping rule,
// the same per-row sandwich terms and the same overlap checks.
#pragma once
#include <Eigen/Dense>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/causal_stats.h"

namespace ls::causal {

constexpr double kExtremePropensity = 1e-8;  // this close to 0 or 1 means no overlap

// Column standardization of the covariates: the columns kept (non-constant),
// their mean and 1/sd. The design row is [1, (x_cols - mean) * inv_sd].
struct Scaler {
    std::vector<std::size_t> cols;
    std::vector<double> mean, inv_sd;
    std::size_t q() const { return cols.size() + 1; }  // with the intercept
    // z[0..q) for one row of covariates x.
    void row(const double* x, double* z) const {
        z[0] = 1.0;
        for (std::size_t j = 0; j < cols.size(); ++j) z[j + 1] = (x[cols[j]] - mean[j]) * inv_sd[j];
    }
};

// The scaler from per-column moments (population sd; a column whose sd is
// below 1e-12 of its scale is constant and dropped).
Scaler scaler_from_moments(const std::vector<Moments>& m);

// Newton-Raphson with step halving for the logistic propensity model.
// `terms(beta, h, g, ll)` fills the Hessian (lower triangle at least), the
// gradient and the log-likelihood at beta, from whatever holds the rows.
using NewtonTerms = std::function<void(const Eigen::VectorXd& beta, Eigen::MatrixXd& h, Eigen::VectorXd& g, double& ll)>;
struct NewtonResult {
    Eigen::VectorXd beta;
    int iterations = 0;
    bool converged = false;
};
// beta starts at the log-odds of the treated share tbar (intercept only).
NewtonResult newton_propensity(std::size_t q, double tbar, const NewtonTerms& terms);

// One kept row's contribution to the stacked M-estimation sandwich of IPW over
// theta = (beta, mu1, mu0): jac and bmat are (q + 2) x (q + 2), column-major.
void add_ipw_sandwich(const double* z, std::size_t q, double e, double t, double y, double mu1, double mu0, bool att,
                      double* jac, double* bmat);
// The IPW variance of mu1 - mu0 from the summed sandwich terms over n rows.
double ipw_variance(const double* jac_sum, const double* bmat_sum, std::size_t q, double n);

// An arm's outcome model y ~ 1 + x, from co-moments of [y, x_1..x_k].
struct ArmModel {
    double intercept = 0;
    std::vector<double> beta;
    double predict(const double* x) const {
        double v = intercept;
        for (std::size_t j = 0; j < beta.size(); ++j) v += beta[j] * x[j];
        return v;
    }
};
ArmModel arm_from_comoments(const CoMoments& cm, std::size_t k);

// One covariate's balance from its moments: unweighted per arm (a treated, b
// control) and IPW-weighted (aw, bw; used when weighted).
BalanceRow balance_row(std::size_t covariate, const Moments& a, const Moments& b, const Moments& aw, const Moments& bw,
                       bool weighted);

// The overlap summary from the sums over every row: [extreme, min_t, max_t,
// min_c, max_c, sum 1/e (treated), sum 1/e^2, sum 1/(1-e) (control), sum 1/(1-e)^2].
constexpr std::size_t kOverlapSums = 9;
void overlap_init(double* sums);
void overlap_add(double* sums, double e, bool treated);
void overlap_merge(double* a, const double* b);
Overlap overlap_from_sums(const double* sums, long long n1, long long n0, bool converged);

// An estimate that could not be made (SQL NULL with the reason as a WARNING).
Effect empty_effect(const std::string& method, long long n1, long long n0, const std::string& why);
// A propensity-weighted estimate (normal inference), with a warning when the
// propensity model did not converge.
Effect propensity_effect(double est, double se, double alpha, long long n1, long long n0, bool converged,
                         const std::string& method);

// trim must be in [0, 0.5) (InvalidParameter otherwise).
void check_trim(double trim, const std::string& method);
// The problem of fewer than two treated or two control rows (after trimming), or "".
std::string arm_count_problem(long long n1, long long n0, bool after_trim);

// The overlap problem of propensities in [lo, hi] over the kept rows, or "".
std::string overlap_problem(double lo, double hi, bool att);

}  // namespace ls::causal
