// Numerical accuracy of the linear models on the certified benchmarks:
// NIST StRD "Longley" (linear least squares, higher difficulty; certified
// values to 15 digits, https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml,
// public domain) and the ridge solution checked against the normal equations
// solved in long double on the same data.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <sstream>
#include <vector>

#include "core/models/linear_models.h"

using namespace ls::models;

namespace {

// y = TOTEMP; x = GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR (1947..1962)
const double kLongley[16][7] = {
    {60323, 83.0, 234289, 2356, 1590, 107608, 1947}, {61122, 88.5, 259426, 2325, 1456, 108632, 1948},
    {60171, 88.2, 258054, 3682, 1616, 109773, 1949}, {61187, 89.5, 284599, 3351, 1650, 110929, 1950},
    {63221, 96.2, 328975, 2099, 3099, 112075, 1951}, {63639, 98.1, 346999, 1932, 3594, 113270, 1952},
    {64989, 99.0, 365385, 1870, 3547, 115094, 1953}, {63761, 100.0, 363112, 3578, 3350, 116219, 1954},
    {66019, 101.2, 397469, 2904, 3048, 117388, 1955}, {67857, 104.6, 419180, 2822, 2857, 118734, 1956},
    {68169, 108.4, 442769, 2936, 2798, 120445, 1957}, {66513, 110.8, 444546, 4681, 2637, 121950, 1958},
    {68655, 112.6, 482704, 3813, 2552, 123366, 1959}, {69564, 114.2, 502601, 3931, 2514, 125368, 1960},
    {69331, 115.7, 518173, 4806, 2572, 127852, 1961}, {70551, 116.9, 554894, 4007, 2827, 130081, 1962}};
// NIST certified values: intercept, GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR
const double kCoef[7] = {-3482258.63459582,  15.0618722713733,   -0.358191792925910E-01, -2.02022980381683,
                         -1.03322686717359,  -0.511041056535807E-01, 1829.15146461355};
const double kStdErr[7] = {890420.383607373, 84.9149257747669, 0.334910077722432E-01, 0.488399681651699,
                           0.214274163161675, 0.226073200069370, 455.478499142212};
const double kResidualSd = 304.854073561965;

void longley(Eigen::MatrixXd& X, Eigen::VectorXd& y) {
    X.resize(16, 7);
    y.resize(16);
    for (int i = 0; i < 16; ++i) {
        y(i) = kLongley[i][0];
        X(i, 0) = 1;
        for (int j = 1; j < 7; ++j) X(i, j) = kLongley[i][j];
    }
}

std::vector<std::string> names(int p) {
    std::vector<std::string> n{"(intercept)"};
    for (int j = 1; j < p; ++j) n.push_back("x" + std::to_string(j));
    return n;
}

}  // namespace

TEST(LinearNumerics, LongleyMatchesNistCertifiedValuesTo1e10) {
    Eigen::MatrixXd X;
    Eigen::VectorXd y;
    longley(X, y);
    LinearFit fit = fit_linear(X, y, {}, names(7));
    double worst_coef = 0, worst_se = 0;
    for (int j = 0; j < 7; ++j) {
        worst_coef = std::max(worst_coef, std::abs(fit.coef(j) - kCoef[j]) / std::abs(kCoef[j]));
        worst_se = std::max(worst_se, std::abs(fit.std_err(j) - kStdErr[j]) / kStdErr[j]);
    }
    EXPECT_LT(worst_coef, 1e-10) << "worst relative coefficient error " << worst_coef;
    EXPECT_LT(worst_se, 1e-10) << "worst relative standard-error error " << worst_se;
    EXPECT_NEAR(std::sqrt(fit.sigma2), kResidualSd, 1e-9 * kResidualSd);
    std::ostringstream figures;
    figures << std::scientific << std::setprecision(2) << worst_coef << " / " << worst_se;
    RecordProperty("longley_worst_rel_error_coef_se", figures.str());
}

// Blocks of 8192 rows are reduced one after another: the same answer as one
// block, and the exact coefficients of a noiseless model, on 20,000 rows.
TEST(LinearNumerics, BlockedReductionIsExactOnManyRows) {
    const int n = 20000;
    Eigen::MatrixXd X(n, 4);
    Eigen::VectorXd y(n);
    for (int i = 0; i < n; ++i) {
        X(i, 0) = 1;
        X(i, 1) = 1e6 + (i % 97);          // a large offset: centring matters
        X(i, 2) = std::sin(0.001 * i) * 1e-3;
        X(i, 3) = (i * 7919) % 13;
        y(i) = 5 - 2 * X(i, 1) + 3e3 * X(i, 2) + 0.25 * X(i, 3);
    }
    LinearFit fit = fit_linear(X, y, {}, names(4));
    EXPECT_NEAR(fit.coef(1), -2, 1e-9);
    EXPECT_NEAR(fit.coef(2), 3e3, 1e-5);
    EXPECT_NEAR(fit.coef(3), 0.25, 1e-10);
    EXPECT_NEAR(fit.coef(0), 5, 1e-3);
}

// Ridge (intercept unpenalized) equals the penalized normal equations solved in
// long double: (X'X + l2 P) beta = X'y with P = diag(0, 1, ..., 1).
TEST(LinearNumerics, RidgeEqualsPenalizedNormalEquations) {
    Eigen::MatrixXd X;
    Eigen::VectorXd y;
    longley(X, y);
    // a well-scaled problem so that long double normal equations are a fair reference
    Eigen::MatrixXd Z = X;
    for (int j = 1; j < 7; ++j) Z.col(j) = (X.col(j).array() - X.col(j).mean()) / (X.col(j).array() - X.col(j).mean()).matrix().norm();
    const double l2 = 0.05;
    LinearOptions opt;
    opt.l2 = l2;
    LinearFit fit = fit_linear(Z, y, opt, names(7));
    using M = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
    M Zl = Z.cast<long double>();
    M A = Zl.transpose() * Zl;
    for (int j = 1; j < 7; ++j) A(j, j) += l2;
    Eigen::Matrix<long double, Eigen::Dynamic, 1> b = A.ldlt().solve(Zl.transpose() * y.cast<long double>());
    for (int j = 0; j < 7; ++j) EXPECT_NEAR(fit.coef(j), static_cast<double>(b(j)), 1e-9 * (1 + std::abs(static_cast<double>(b(j)))));
}

TEST(LinearNumerics, CollinearAndConstantColumnsAreNamed) {
    Eigen::MatrixXd X(6, 3);
    X << 1, 1, 2, 1, 2, 4, 1, 3, 6, 1, 4, 8, 1, 5, 10, 1, 6, 12;
    Eigen::VectorXd y(6);
    y << 1, 2, 3, 4, 5, 7;
    try {
        fit_linear(X, y, {}, {"(intercept)", "a", "b"});
        FAIL() << "collinear columns accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("collinear"), std::string::npos) << e.what();
    }
    X.col(2).setConstant(3);
    EXPECT_THROW(fit_linear(X, y, {}, {"(intercept)", "a", "b"}), std::exception);
    LinearOptions ridge;
    ridge.l2 = 1;
    LinearFit fit = fit_linear(X, y, ridge, {"(intercept)", "a", "b"});  // ridge: a constant column gets 0
    EXPECT_NEAR(fit.coef(2), 0, 1e-12);
}
