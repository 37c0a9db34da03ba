// The multi-pass propensity estimators (mergeable pass states) against the
// in-memory ones on the same rows: equal to 1e-9 whatever the split of the
// rows into partial states; malformed pass arrays are errors, never bad reads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/base/error.h"
#include "core/causal/causal_propensity.h"
#include "core/causal/propensity_passes.h"

using namespace ls::causal;

namespace {

// n rows of [y, t, x_1..x_5]; x_4 is constant (dropped by the scaler), x_5 is on a large scale.
std::vector<double> make_rows(std::size_t n, std::uint64_t seed, double sep = 0.8) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> nd;
    std::vector<double> r;
    for (std::size_t i = 0; i < n; ++i) {
        double x1 = nd(rng), x2 = nd(rng), x3 = (i % 3) * 1.0, x5 = 1e4 + 500 * nd(rng);
        double lin = -0.3 + sep * x1 - 0.5 * x2 + 0.2 * x3 + 0.001 * (x5 - 1e4);
        double t = std::uniform_real_distribution<double>()(rng) < 1 / (1 + std::exp(-lin)) ? 1 : 0;
        double y = 1 + 2 * t + x1 - 0.5 * x2 + 0.3 * x3 + 0.002 * x5 + nd(rng);
        r.insert(r.end(), {y, t, x1, x2, x3, 7.0, x5});
    }
    return r;
}

void expect_same(const Effect& a, const Effect& b, double tol = 1e-9) {
    ASSERT_EQ(a.valid, b.valid) << a.warning << " / " << b.warning;
    EXPECT_EQ(a.n_treated, b.n_treated);
    EXPECT_EQ(a.n_control, b.n_control);
    EXPECT_EQ(a.warning, b.warning);
    if (!a.valid) return;
    EXPECT_NEAR(a.estimate, b.estimate, tol * std::max(1.0, std::fabs(b.estimate)));
    EXPECT_NEAR(a.std_error, b.std_error, tol * std::max(1e-3, std::fabs(b.std_error)));
    EXPECT_NEAR(a.ci_low, b.ci_low, tol * std::max(1.0, std::fabs(b.ci_low)));
}

}  // namespace

TEST(PropensityPasses, EqualInMemoryForAnySplit) {
    std::vector<double> data = make_rows(3000, 11);
    RowView v{data.data(), 3000, 5};
    for (double trim : {0.0, 0.05}) {
        PropensityOptions o;
        o.trim = trim;
        for (const char* method : {"ipw", "aipw"}) {
            Effect mem = estimate_rows(v, method, o);
            ASSERT_TRUE(mem.valid) << mem.warning;
            for (std::size_t parts : {1, 2, 7, 64}) {
                int passes = 0;
                Effect p = estimate_by_passes(method, 5, o, rows_pass_runner(v, parts), &passes);
                SCOPED_TRACE(std::string(method) + " trim " + std::to_string(trim) + " parts " + std::to_string(parts));
                expect_same(p, mem);
                EXPECT_GE(passes, 5);  // scale, >= 2 Newton, arms, sandwich/psi
                EXPECT_LE(passes, 40);
            }
        }
    }
}

TEST(PropensityPasses, SameProblemsAsInMemory) {
    // too few treated rows
    std::vector<double> data = make_rows(50, 3);
    for (std::size_t i = 0; i < 50; ++i) data[i * 7 + 1] = i == 0 ? 1 : 0;
    RowView v{data.data(), 50, 5};
    expect_same(estimate_by_passes("ipw", 5, {}, rows_pass_runner(v, 3)), estimate_rows(v, "ipw", {}));
    // separation: no overlap
    std::vector<double> sep = make_rows(400, 5);
    for (std::size_t i = 0; i < 400; ++i) sep[i * 7 + 1] = sep[i * 7 + 2] > 0 ? 1 : 0;
    RowView s{sep.data(), 400, 5};
    Effect mem = estimate_rows(s, "aipw", {});
    EXPECT_FALSE(mem.valid);
    expect_same(estimate_by_passes("aipw", 5, {}, rows_pass_runner(s, 4)), mem);
    // no rows
    Effect none = estimate_by_passes("ipw", 5, {}, rows_pass_runner(RowView{nullptr, 0, 5}, 2));
    EXPECT_FALSE(none.valid);
    EXPECT_NE(none.warning.find("no rows"), std::string::npos);
    // bad options
    PropensityOptions bad;
    bad.trim = 0.5;
    EXPECT_THROW(estimate_by_passes("ipw", 5, bad, rows_pass_runner(v, 1)), ls::Error);
    EXPECT_THROW(estimate_by_passes("diff", 5, {}, rows_pass_runner(v, 1)), ls::Error);
}

TEST(PropensityPasses, MalformedArraysAreErrors) {
    PassParams pp;
    pp.k = 3;
    std::vector<double> good = pp.encode();
    EXPECT_NO_THROW(pass_initial_state(good.data(), good.size()));
    auto expect_error = [](std::vector<double> p) {
        EXPECT_THROW(pass_initial_state(p.data(), p.size()), ls::Error);
    };
    expect_error({});
    expect_error({1, 3, 1});
    expect_error({9, 3, 1, 0, 0});                 // unknown pass
    expect_error({1, -1, 1, 0, 0});                // negative k
    expect_error({1, 3.5, 1, 0, 0});               // fractional k
    expect_error({1, 1e12, 1, 0, 0});              // huge k
    expect_error({1, 3, 1, NAN, 0});               // NaN trim
    expect_error({1, 3, 1, 0, 0, 42});             // trailing values
    expect_error({2, 3, 3, 0, 0, 2, 1, 0, 0, 1, 1, 0, 0, 0});  // columns not increasing
    expect_error({2, 3, 2, 0, 0, 7, 0, 1, 0, 0});  // column out of range
    expect_error({2, 3, 2, 0, 0, 0, 0, -1, 0, 0}); // non-positive 1/sd
    expect_error({2, 3, 2, 0, 0, 0, 0, 1, 0, INFINITY});
    expect_error({2, 100000, 100001, 0, 0});       // more covariates than the aggregates take (4096)
    {
        // 4000 covariates: a Newton state of 16 M doubles is past the bound of 8 M (54000) and is not allocated
        PassParams big;
        big.kind = PassKind::Newton;
        big.k = 4000;
        for (std::size_t j = 0; j < 4000; ++j) {
            big.scaler.cols.push_back(j);
            big.scaler.mean.push_back(0);
            big.scaler.inv_sd.push_back(1);
        }
        big.beta.assign(4001, 0.0);
        std::vector<double> bp = big.encode();
        try {
            pass_initial_state(bp.data(), bp.size());
            ADD_FAILURE() << "a 128 MB state was allocated";
        } catch (const ls::Error& e) {
            EXPECT_EQ(e.kind(), ls::ErrorKind::ProgramLimitExceeded);
        }
    }
    // a state: wrong lengths, wrong header, mismatched merge, wrong row width
    std::vector<double> s = pass_initial_state(good.data(), good.size());
    EXPECT_NO_THROW(pass_check_state(s.data(), s.size()));
    EXPECT_THROW(pass_check_state(s.data(), s.size() - 1), ls::Error);
    std::vector<double> t = s;
    t[0] = 1e300;
    EXPECT_THROW(pass_check_state(t.data(), t.size()), ls::Error);
    double x[3] = {1, 2, 3};
    EXPECT_THROW(pass_add_row(s.data(), s.size(), 1, 1, x, 2), ls::Error);
    double xn[3] = {1, NAN, 3};
    EXPECT_THROW(pass_add_row(s.data(), s.size(), 1, 1, xn, 3), ls::Error);
    PassParams other = pp;
    other.k = 2;
    std::vector<double> op = other.encode(), os = pass_initial_state(op.data(), op.size());
    EXPECT_THROW(pass_merge(s.data(), s.size(), os.data(), os.size()), ls::Error);
}

namespace {

void expect_same_balance(const std::vector<BalanceRow>& p, const std::vector<BalanceRow>& m, double tol = 1e-9) {
    ASSERT_EQ(p.size(), m.size());
    auto near = [tol](double a, double b) {
        if (std::isnan(b)) return std::isnan(a);
        return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
    };
    for (std::size_t j = 0; j < m.size(); ++j) {
        SCOPED_TRACE("covariate " + std::to_string(j + 1));
        EXPECT_EQ(p[j].covariate, m[j].covariate);
        EXPECT_TRUE(near(p[j].mean_treated, m[j].mean_treated));
        EXPECT_TRUE(near(p[j].mean_control, m[j].mean_control));
        EXPECT_TRUE(near(p[j].smd_before, m[j].smd_before));
        EXPECT_TRUE(near(p[j].mean_treated_weighted, m[j].mean_treated_weighted));
        EXPECT_TRUE(near(p[j].mean_control_weighted, m[j].mean_control_weighted));
        EXPECT_TRUE(near(p[j].smd_after, m[j].smd_after)) << p[j].smd_after << " vs " << m[j].smd_after;
    }
}

}  // namespace

TEST(PropensityPasses, BalanceAndOverlapEqualInMemory) {
    std::vector<double> data = make_rows(2500, 17);
    RowView v{data.data(), 2500, 5};
    for (double trim : {0.0, 0.05})
        for (std::size_t parts : {1, 5, 32}) {
            SCOPED_TRACE("trim " + std::to_string(trim) + " parts " + std::to_string(parts));
            expect_same_balance(balance_by_passes(5, trim, rows_pass_runner(v, parts)), balance(v, trim));
        }
    for (std::size_t parts : {1, 9}) {
        Overlap p = overlap_by_passes(5, rows_pass_runner(v, parts)), m = overlap(v);
        EXPECT_EQ(p.n_treated, m.n_treated);
        EXPECT_EQ(p.n_control, m.n_control);
        EXPECT_EQ(p.converged, m.converged);
        for (auto [a, b] : {std::pair{p.min_treated, m.min_treated}, {p.max_treated, m.max_treated},
                            {p.min_control, m.min_control}, {p.max_control, m.max_control},
                            {p.share_extreme, m.share_extreme}, {p.ess_treated, m.ess_treated},
                            {p.ess_control, m.ess_control}})
            EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(b)));
    }
    // too few treated rows: unweighted balance over every row; overlap still fits with one treated row
    for (std::size_t i = 0; i < 2500; ++i) data[i * 7 + 1] = i == 3 ? 1 : 0;
    expect_same_balance(balance_by_passes(5, 0, rows_pass_runner(v, 3)), balance(v, 0));
    Overlap p = overlap_by_passes(5, rows_pass_runner(v, 3)), m = overlap(v);
    EXPECT_EQ(p.n_treated, 1);
    EXPECT_NEAR(p.max_control, m.max_control, 1e-9);
    // separation: balance unweighted (no overlap), as in memory
    std::vector<double> sep = make_rows(400, 5);
    for (std::size_t i = 0; i < 400; ++i) sep[i * 7 + 1] = sep[i * 7 + 2] > 0 ? 1 : 0;
    RowView s{sep.data(), 400, 5};
    expect_same_balance(balance_by_passes(5, 0, rows_pass_runner(s, 4)), balance(s, 0));
    EXPECT_TRUE(balance_by_passes(5, 0, rows_pass_runner(RowView{nullptr, 0, 5}, 2)).empty());
}

TEST(PropensityPasses, RefutationDoesNotDependOnRowOrder) {
    // Found on Citus: the seeded placebo permutation followed arrival order, so a distributed
    // table (rows in shard order) passed a placebo test the same data failed locally.
    std::vector<double> data = make_rows(1500, 23);
    std::vector<double> shuffled(data.size());
    std::vector<std::size_t> order(1500);
    for (std::size_t i = 0; i < 1500; ++i) order[i] = (i * 7919) % 1500;  // a permutation (7919 is prime, coprime to 1500)
    for (std::size_t i = 0; i < 1500; ++i) std::copy(data.begin() + order[i] * 7, data.begin() + order[i] * 7 + 7, shuffled.begin() + i * 7);
    for (const char* method : {"ipw", "aipw", "regression"}) {
        auto a = refute(RowView{data.data(), 1500, 5}, method, {}, 42);
        auto b = refute(RowView{shuffled.data(), 1500, 5}, method, {}, 42);
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            EXPECT_EQ(a[i].passed, b[i].passed) << method << " " << a[i].test;
            EXPECT_NEAR(a[i].new_estimate, b[i].new_estimate, 1e-9 * std::max(1.0, std::fabs(a[i].new_estimate)));
        }
    }
}
