// Fit-phase reference for tests/bench/run_models.sh: learnerscore's logistic
// IRLS (blocked X'WX accumulation) against a textbook Eigen Newton solve on
// the same in-memory 1,000,000 x 40 matrix, and OLS likewise. Not a test.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <random>

#include "core/linear_models.h"

namespace {

struct Data {
    Eigen::MatrixXd X;
    Eigen::VectorXd y, yreal;
    std::vector<std::string> names;
};

const Data& data() {
    static Data d = [] {
        const Eigen::Index n = 1000000, p = 40;
        Data d;
        d.X.resize(n, p + 1);
        d.y.resize(n);
        d.yreal.resize(n);
        std::mt19937_64 rng(42);
        std::normal_distribution<double> g;
        for (Eigen::Index i = 0; i < n; ++i) {
            d.X(i, 0) = 1.0;
            double eta = -0.5, lin = 1.0;
            for (Eigen::Index j = 1; j <= p; ++j) {
                double v = g(rng);
                d.X(i, j) = v;
                eta += (j % 5 == 0 ? 0.3 : 0.02) * v;
                lin += 0.1 * j * v;
            }
            d.y[i] = std::uniform_real_distribution<double>()(rng) < 1 / (1 + std::exp(-eta)) ? 1 : 0;
            d.yreal[i] = lin + g(rng);
        }
        d.names.assign(p + 1, "x");
        return d;
    }();
    return d;
}

// Textbook Newton / IRLS with Eigen on the whole matrix (the reference).
Eigen::VectorXd reference_logistic(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double l2) {
    const Eigen::Index p = X.cols();
    Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
    for (int it = 0; it < 100; ++it) {
        Eigen::VectorXd mu = ((-(X * b)).array().exp() + 1.0).inverse().matrix();
        Eigen::VectorXd w = mu.array() * (1 - mu.array());
        Eigen::MatrixXd H = X.transpose() * w.asDiagonal() * X;
        Eigen::VectorXd g = X.transpose() * (y - mu);
        for (Eigen::Index j = 1; j < p; ++j) { H(j, j) += l2; g[j] -= l2 * b[j]; }
        Eigen::VectorXd step = H.ldlt().solve(g);
        b += step;
        if (step.cwiseAbs().maxCoeff() < 1e-10) break;
    }
    return b;
}

void BM_LogisticLearnerscore(benchmark::State& st) {
    const Data& d = data();
    ls::models::LinearOptions opt;
    opt.l2 = 1.0;
    for (auto _ : st) benchmark::DoNotOptimize(ls::models::fit_logistic(d.X, d.y, opt, d.names).coef);
}
void BM_LogisticEigenReference(benchmark::State& st) {
    const Data& d = data();
    for (auto _ : st) benchmark::DoNotOptimize(reference_logistic(d.X, d.y, 1.0));
}
void BM_OlsLearnerscore(benchmark::State& st) {
    const Data& d = data();
    for (auto _ : st) benchmark::DoNotOptimize(ls::models::fit_linear(d.X, d.yreal, {}, d.names).coef);
}
void BM_OlsEigenReference(benchmark::State& st) {
    const Data& d = data();
    for (auto _ : st) {
        Eigen::MatrixXd XtX = d.X.transpose() * d.X;
        benchmark::DoNotOptimize(Eigen::VectorXd(XtX.ldlt().solve(d.X.transpose() * d.yreal)));
    }
}

}  // namespace

BENCHMARK(BM_LogisticLearnerscore)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LogisticEigenReference)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_OlsLearnerscore)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_OlsEigenReference)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
