// Core cost of the exact AIPW (logistic Newton fit + outcome models + influence
// function) on row-major data, without PostgreSQL: the floor under the
// ate_aipw aggregate's final function. Reported per row count, 20 covariates.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/causal/causal_propensity.h"

namespace {

std::vector<double> make_rows(std::size_t n, std::size_t k) {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> r(n * (k + 2));
    for (std::size_t i = 0; i < n; ++i) {
        double* row = &r[i * (k + 2)];
        for (std::size_t j = 0; j < k; ++j) row[2 + j] = u(rng) - 0.5;
        double t = u(rng) < 1 / (1 + std::exp(-(row[2] + row[3] - row[4]))) ? 1 : 0;
        row[1] = t;
        row[0] = 2 * t + row[2] + 0.5 * row[3] - row[5] + u(rng);
    }
    return r;
}

void BM_Aipw(benchmark::State& state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0)), k = 20;
    std::vector<double> rows = make_rows(n, k);
    ls::causal::RowView v{rows.data(), n, k};
    for (auto _ : state) benchmark::DoNotOptimize(ls::causal::aipw(v, {}));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_Aipw)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(2);

void BM_Propensity(benchmark::State& state) {
    const std::size_t n = static_cast<std::size_t>(state.range(0)), k = 20;
    std::vector<double> rows = make_rows(n, k);
    ls::causal::RowView v{rows.data(), n, k};
    for (auto _ : state) benchmark::DoNotOptimize(ls::causal::fit_propensity(v));
}
BENCHMARK(BM_Propensity)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
