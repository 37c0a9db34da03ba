// train('logistic') as mergeable passes (core/models/logistic_passes.h)
// against the in-memory fit on the same rows: the same coefficients, standard
// errors and in-sample metrics to 1e-9 whatever the split of the rows into
// 1..64 partial states and whatever their order; the same errors; malformed
// pass arrays are errors, never bad reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/base/error.h"
#include "core/models/logistic_passes.h"
#include "core/models/model.h"

using namespace ls::models;

namespace {

// n rows of k numeric features (feature 2 on a large scale, some NULLs in
// feature 1 when `nulls`) and a 0/1 target from a logistic model.
Dataset make_data(std::size_t n, std::size_t k, std::uint64_t seed, bool nulls) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> nd;
    std::uniform_real_distribution<double> u;
    Dataset d;
    d.features.resize(k);
    for (std::size_t j = 0; j < k; ++j) d.features[j].name = "x" + std::to_string(j + 1);
    for (std::size_t i = 0; i < n; ++i) {
        double lin = -0.4;
        for (std::size_t j = 0; j < k; ++j) {
            double v = j == 2 ? 1e4 + 300 * nd(rng) : nd(rng);
            lin += (j == 2 ? 0.002 * (v - 1e4) : (0.8 - 0.3 * double(j)) * v);
            if (nulls && j == 1 && i % 7 == 3) v = NAN;
            d.features[j].num.push_back(v);
        }
        d.y.push_back(u(rng) < 1 / (1 + std::exp(-lin)) ? 1.0 : 0.0);
    }
    return d;
}

std::vector<std::string> names_of(const Dataset& d) {
    std::vector<std::string> out;
    for (const auto& c : d.features) out.push_back(c.name);
    return out;
}

void near(double a, double b, const char* what) { EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(b))) << what; }

void expect_same(const TrainResult& p, const TrainResult& m) {
    ASSERT_EQ(p.model->coef.size(), m.model->coef.size());
    EXPECT_EQ(p.rows, m.rows);
    for (Eigen::Index j = 0; j < m.model->coef.size(); ++j) {
        EXPECT_NEAR(p.model->coef[j], m.model->coef[j], 1e-9 * std::max(1e-3, std::fabs(m.model->coef[j]))) << "coef " << j;
        EXPECT_NEAR(p.model->std_err[j], m.model->std_err[j], 1e-9 * std::fabs(m.model->std_err[j])) << "se " << j;
    }
    for (std::size_t j = 0; j < m.model->encoder.features.size(); ++j)
        near(p.model->encoder.features[j].impute, m.model->encoder.features[j].impute, "impute");
    near(p.train_metrics.auc, m.train_metrics.auc, "auc");
    near(p.train_metrics.log_loss, m.train_metrics.log_loss, "log_loss");
    near(p.train_metrics.brier, m.train_metrics.brier, "brier");
    near(p.train_metrics.accuracy, m.train_metrics.accuracy, "accuracy");
    near(p.train_metrics.calibration_error, m.train_metrics.calibration_error, "calibration_error");
    EXPECT_EQ(p.effective_params, m.effective_params);
    // the same encoding: the same scores
    std::vector<RawValue> row;
    for (double v : std::vector<double>{0.3, NAN, 1e4 + 12, -1.0}) row.push_back(v == v ? RawValue::num(v) : RawValue::null());
    row.resize(m.model->feature_count(), RawValue::num(0.5));
    near(p.model->predict(row.data()), m.model->predict(row.data()), "predict");
}

}  // namespace

TEST(LogisticPasses, EqualInMemoryForAnySplit) {
    for (bool nulls : {false, true}) {
        const Dataset d = make_data(4000, 5, 7, nulls);
        for (const char* l2 : {"1", "0", "25"}) {
            const Params params{{"l2", l2}};
            TrainResult mem = train(d, "y", Algorithm::Logistic, params);
            for (std::size_t parts : {1, 2, 3, 7, 64}) {
                SCOPED_TRACE(std::string("nulls ") + (nulls ? "yes" : "no") + " l2 " + l2 + " parts " + std::to_string(parts));
                int passes = 0;
                long long skipped = -1;
                TrainResult p = train_logistic_by_passes(names_of(d), "y", params, rows_logit_pass_runner(d, parts), &passes, &skipped);
                expect_same(p, mem);
                EXPECT_EQ(skipped, 0);
                EXPECT_GE(passes, 5);  // prepare, >= 3 Newton points, metrics, auc
            }
        }
    }
}

TEST(LogisticPasses, RowOrderAndNullTargets) {
    Dataset d = make_data(3000, 4, 21, true);
    TrainResult mem = train(d, "y", Algorithm::Logistic, {});
    // reversed rows, plus rows with a NULL target (skipped and counted)
    Dataset r;
    r.features.resize(d.features.size());
    for (std::size_t j = 0; j < d.features.size(); ++j) r.features[j].name = d.features[j].name;
    for (std::size_t i = d.rows(); i-- > 0;) {
        for (std::size_t j = 0; j < d.features.size(); ++j) r.features[j].num.push_back(d.features[j].num[i]);
        r.y.push_back(d.y[i]);
        if (i % 500 == 0) {
            for (std::size_t j = 0; j < d.features.size(); ++j) r.features[j].num.push_back(1.0);
            r.y.push_back(NAN);
        }
    }
    long long skipped = 0;
    TrainResult p = train_logistic_by_passes(names_of(r), "y", {}, rows_logit_pass_runner(r, 5), nullptr, &skipped);
    EXPECT_EQ(skipped, 6);
    expect_same(p, mem);
}

TEST(LogisticPasses, SameErrors) {
    auto code = [](auto&& fn) {
        try {
            fn();
        } catch (const ls::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    auto both = [&](const Dataset& d, const Params& params) {
        std::string a = code([&] { train(d, "y", Algorithm::Logistic, params); });
        std::string b = code([&] { train_logistic_by_passes(names_of(d), "y", params, rows_logit_pass_runner(d, 3)); });
        EXPECT_EQ(a, b);
        EXPECT_NE(a, "no error");
    };
    Dataset d = make_data(200, 2, 3, false);
    Dataset bad = d;
    bad.y[17] = 2;
    both(bad, {});
    Dataset one = d;
    std::fill(one.y.begin(), one.y.end(), 1.0);
    both(one, {});
    both(d, {{"l2", "-1"}});
    both(d, {{"nope", "1"}});
    both(d, {{"max_iterations", "0"}});
    // separated classes without a penalty
    Dataset sep = d;
    for (std::size_t i = 0; i < sep.rows(); ++i) sep.y[i] = sep.features[0].num[i] > 0 ? 1.0 : 0.0;
    both(sep, {{"l2", "0"}});
    // a constant feature without a penalty
    Dataset con = d;
    for (std::size_t i = 0; i < con.rows(); ++i) con.features[1].num[i] = 3.0;
    both(con, {{"l2", "0"}});
    Dataset empty;
    empty.features.resize(2);
    empty.features[0].name = "x1";
    empty.features[1].name = "x2";
    both(empty, {});
}

TEST(LogisticPasses, MalformedStatesAreErrors) {
    auto invalid = [](auto&& fn) {
        try {
            fn();
        } catch (const ls::Error& e) {
            return e.kind() == ls::ErrorKind::InvalidBinary || e.kind() == ls::ErrorKind::ProgramLimitExceeded;
        }
        return false;
    };
    std::vector<double> p = logit_pass_params(LogitPass::Newton, 2, {0, 0}, {0.1, 0.2, 0.3});
    std::vector<double> s = logit_pass_initial_state(p.data(), p.size());
    double x[2] = {1, 2};
    logit_pass_add_row(s.data(), s.size(), 1, x, 2);
    for (std::vector<double> bad : {std::vector<double>{}, std::vector<double>{9, 2}, std::vector<double>{1, 0},
                                    std::vector<double>{1, 2.5}, std::vector<double>{2, 2, 0, 0}, std::vector<double>{1, 1e9},
                                    std::vector<double>{2, 1, NAN, 0, 0}})
        EXPECT_TRUE(invalid([&] { logit_pass_initial_state(bad.data(), bad.size()); }));
    std::vector<double> t = s;
    t.pop_back();
    EXPECT_TRUE(invalid([&] { logit_pass_check_state(t.data(), t.size()); }));
    t = s;
    t[0] = 1e300;
    EXPECT_TRUE(invalid([&] { logit_pass_check_state(t.data(), t.size()); }));
    EXPECT_TRUE(invalid([&] { logit_pass_add_row(s.data(), s.size(), 1, x, 1); }));
    std::vector<double> p2 = logit_pass_params(LogitPass::Newton, 2, {0, 0}, {0.1, 0.2, 0.4});
    std::vector<double> s2 = logit_pass_initial_state(p2.data(), p2.size());
    EXPECT_TRUE(invalid([&] { logit_pass_merge(s.data(), s.size(), s2.data(), s2.size()); }));
    std::vector<double> pp = logit_pass_params(LogitPass::Prepare, 2);
    std::vector<double> sp = logit_pass_initial_state(pp.data(), pp.size());
    sp[1 + 2 + 0] = -1;  // a negative row count
    EXPECT_TRUE(invalid([&] { logit_pass_check_state(sp.data(), sp.size()); }));
    EXPECT_TRUE(invalid([&] { logit_pass_score(pp.data(), pp.size(), x, 2); }));
    EXPECT_NEAR(logit_pass_score(p.data(), p.size(), x, 2), 1 / (1 + std::exp(-(0.1 + 0.2 + 0.6))), 1e-15);
}
