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

// `names` (one per column, including the intercept) are used in error messages.
LinearFit fit_logistic(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                       const std::vector<std::string>& names);
LinearFit fit_linear(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                     const std::vector<std::string>& names);

using ls::sigmoid;

}  // namespace ls::models
