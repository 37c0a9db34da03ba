// Fit-phase reference for tests/bench/run_models.sh: learnerscore's logistic
// IRLS (blocked X'WX accumulation) against a textbook Eigen Newton solve on
// the same in-memory 1,000,000 x 40 matrix, and OLS likewise. Not a test.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/models/linear_models.h"
#include "core/models/model.h"
#include "core/models/xgboost_booster.h"
#include "core/models/xgboost_trees.h"

namespace {

struct Data {
    Eigen::MatrixXd X;
    Eigen::VectorXd y, yreal;
    std::vector<std::string> names;
};

// LS_BENCH_CSV=<file>: the fit reference on exactly the rows run_models.sh
// trains on in PostgreSQL (its CSV export: a header, the features, then y).
bool load_csv(Data& d) {
    const char* path = std::getenv("LS_BENCH_CSV");
    if (!path || !*path) return false;
    std::FILE* f = std::fopen(path, "r");
    if (!f) { std::perror(path); std::exit(2); }
    std::vector<double> vals;
    std::size_t cols = 0, rows = 0;
    char* line = nullptr;
    std::size_t cap = 0;
    bool header = true;
    while (getline(&line, &cap, f) > 0) {
        if (header) {
            header = false;
            for (char* c = line; *c; ++c) cols += *c == ',';
            ++cols;
            continue;
        }
        char* p = line;
        for (std::size_t j = 0; j < cols; ++j) {
            vals.push_back(std::strtod(p, &p));
            if (*p == ',') ++p;
        }
        ++rows;
    }
    std::free(line);
    std::fclose(f);
    const Eigen::Index n = static_cast<Eigen::Index>(rows), p = static_cast<Eigen::Index>(cols) - 1;
    d.X.resize(n, p + 1);
    d.y.resize(n);
    d.yreal.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        d.X(i, 0) = 1.0;
        for (Eigen::Index j = 0; j < p; ++j) d.X(i, j + 1) = vals[static_cast<std::size_t>(i * (p + 1) + j)];
        d.y[i] = d.yreal[i] = vals[static_cast<std::size_t>(i * (p + 1) + p)];
    }
    d.names.assign(static_cast<std::size_t>(p + 1), "x");
    return true;
}

const Data& data() {
    static Data d = [] {
        Data csv;
        if (load_csv(csv)) return csv;
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

// Single-row XGBoost scoring (what predict() does per row in a view):
// 100 trees of depth 7 on 10 features, through XGBoost's C API (in-place
// dense predict) against the native tree evaluator.
struct XgbBench {
    std::unique_ptr<ls::models::XgbBooster> booster;
    std::unique_ptr<ls::models::XgbTreeEnsemble> trees;
    std::vector<float> rows;
    static constexpr std::size_t p = 10, n = 20000;
};

const XgbBench& xgb() {
    // Leaked on purpose: freeing a booster after XGBoost's own statics are gone aborts.
    static XgbBench& b = *[] {
        auto* pb = new XgbBench;
        XgbBench& b = *pb;
        std::mt19937_64 rng(3);
        std::uniform_real_distribution<float> u(-1, 1);
        b.rows.resize(XgbBench::n * XgbBench::p);
        std::vector<float> y(XgbBench::n);
        for (std::size_t i = 0; i < XgbBench::n; ++i) {
            for (std::size_t j = 0; j < XgbBench::p; ++j) b.rows[i * XgbBench::p + j] = u(rng);
            float* x = &b.rows[i * XgbBench::p];
            y[i] = u(rng) < 0.8f * x[4] - 0.6f * x[9] + 0.3f * x[1] * x[2] ? 1.0f : 0.0f;
        }
        b.booster = std::make_unique<ls::models::XgbBooster>(ls::models::XgbBooster::train(b.rows, XgbBench::n, XgbBench::p, y,
                                                  {{"objective", "binary:logistic"}, {"max_depth", "7"},
                                                   {"tree_method", "hist"}, {"nthread", "1"}}, 100));
        b.booster->set_param("nthread", "1");
        b.trees = ls::models::XgbTreeEnsemble::from_json(b.booster->save_json());
        return pb;
    }();
    return b;
}

void BM_XgbPredictOneRowCApi(benchmark::State& st) {
    const XgbBench& b = xgb();
    std::size_t i = 0;
    for (auto _ : st) {
        benchmark::DoNotOptimize(b.booster->predict(&b.rows[i * XgbBench::p], 1, XgbBench::p, 0));
        i = (i + 1) % XgbBench::n;
    }
    st.SetItemsProcessed(st.iterations());
}
void BM_XgbPredictOneRowNative(benchmark::State& st) {
    const XgbBench& b = xgb();
    std::size_t i = 0;
    for (auto _ : st) {
        benchmark::DoNotOptimize(b.trees->predict(&b.rows[i * XgbBench::p], XgbBench::p));
        i = (i + 1) % XgbBench::n;
    }
    st.SetItemsProcessed(st.iterations());
}
void BM_XgbBuildNativeEvaluator(benchmark::State& st) {
    const XgbBench& b = xgb();
    std::string json = b.booster->save_json();
    for (auto _ : st) benchmark::DoNotOptimize(ls::models::XgbTreeEnsemble::from_json(json));
}
// Linear predict through Model::predict (encoder + dot product + sigmoid), 40 features.
void BM_LogisticPredictOneRow(benchmark::State& st) {
    const Data& d = data();
    ls::models::Dataset ds;
    const std::size_t n = 20000, p = 40;
    for (std::size_t j = 0; j < p; ++j) {
        ls::models::Column c;
        c.name = "x" + std::to_string(j + 1);
        for (std::size_t i = 0; i < n; ++i) c.num.push_back(d.X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j + 1)));
        ds.features.push_back(std::move(c));
    }
    ds.y.assign(d.y.data(), d.y.data() + n);
    auto m = ls::models::train(ds, "y", ls::models::Algorithm::Logistic, {}).model;
    std::vector<ls::models::RawValue> row(p);
    std::size_t i = 0;
    for (auto _ : st) {
        for (std::size_t j = 0; j < p; ++j) row[j] = ls::models::RawValue::num(ds.features[j].num[i]);
        benchmark::DoNotOptimize(m->predict(row.data()));
        i = (i + 1) % n;
    }
    st.SetItemsProcessed(st.iterations());
}

}  // namespace

BENCHMARK(BM_XgbPredictOneRowCApi);
BENCHMARK(BM_XgbPredictOneRowNative);
BENCHMARK(BM_XgbBuildNativeEvaluator)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LogisticPredictOneRow);
BENCHMARK(BM_LogisticLearnerscore)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LogisticEigenReference)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_OlsLearnerscore)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_OlsEigenReference)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
