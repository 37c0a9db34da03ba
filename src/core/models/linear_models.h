// L2-regularized logistic regression (Newton / IRLS) and OLS / ridge
// regression with standard errors, on a dense design matrix whose first
// column is the intercept (a column of ones; it is never penalized).
#pragma once
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "core/base/sigmoid.h"

namespace ls::models {

struct LinearOptions {
    double l2 = 0.0;          // penalty: objective = loss + l2/2 * ||beta[1:]||^2
    int max_iterations = 100; // Newton iterations (logistic)
    double tolerance = 1e-10; // on the max |Newton step| scaled by (1 + |beta|)
};

struct LinearFit {
    Eigen::VectorXd coef;     // intercept first
    Eigen::VectorXd std_err;  // NaN when not available
    int iterations = 0;
    double objective = 0;     // logistic: penalized negative log-likelihood; linear: residual sum of squares
    double sigma2 = 0;        // linear: residual variance RSS / (n - p)
};

// What the logistic Newton loop needs from whatever holds the rows: the
// in-memory design (fit_logistic below) or mergeable passes over a table
// (logistic_passes.h). Both share fit_logistic_newton, so the start, the
// penalty, the step halving, the stopping rule and the standard errors are
// the same code.
class LogisticTerms {
public:
    virtual ~LogisticTerms() = default;
    // The unpenalized negative log-likelihood at a trial point b.
    virtual double nll(const Eigen::VectorXd& b) = 0;
    // The last trial point becomes the current one.
    virtual void accept() = 0;
    // H = X'WX (W = diag(mu (1 - mu))) and g = X'(y - mu) at the current point.
    virtual void terms(Eigen::MatrixXd& H, Eigen::VectorXd& g) = 0;
};

// The penalized Newton / IRLS loop over p coefficients (intercept first) on n
// rows with `positives` ones (the start is their log-odds). `names` (one per
// column, including the intercept) are used in error messages.
LinearFit fit_logistic_newton(LogisticTerms& src, Eigen::Index n, Eigen::Index p, double positives,
                              const LinearOptions& opt, const std::vector<std::string>& names);

// `names` (one per column, including the intercept) are used in error messages.
LinearFit fit_logistic(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                       const std::vector<std::string>& names);
LinearFit fit_linear(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                     const std::vector<std::string>& names);

using ls::sigmoid;

}  // namespace ls::models
