// Same data, same seed, same model and metrics, whatever order the rows come in
// (a parallel scan, a Citus worker, a reload): XGBoost with row subsampling and
// k-fold cross-validation are computed over the rows in content order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/models/model.h"

using namespace ls::models;

namespace {

// 600 rows: two numbers (one with NULLs), a text column whose levels first
// appear in a different order once shuffled, a 0/1 target.
Dataset make(const std::vector<std::size_t>& order) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g;
    const char* cities[] = {"omsk", "kazan", "berlin", "tver"};
    std::vector<double> a, b, y;
    std::vector<std::string> city;
    for (int i = 0; i < 600; ++i) {
        a.push_back(g(rng));
        b.push_back(i % 11 == 0 ? NAN : std::round(g(rng) * 4) / 4);  // ties on purpose
        city.push_back(cities[(i * 7) % 4]);
        y.push_back(a.back() + 0.4 * (city.back()[0] == 'k') + 0.5 * g(rng) > 0 ? 1 : 0);
    }
    Dataset d;
    Column ca, cb, cc;
    ca.name = "a";
    cb.name = "b";
    cc.name = "city";
    cc.categorical = true;
    for (std::size_t i : order) {
        ca.num.push_back(a[i]);
        cb.num.push_back(b[i]);
        cc.code.push_back(cc.code_of(city[i]));
        d.y.push_back(y[i]);
    }
    d.features = {ca, cb, cc};
    return d;
}

std::vector<std::size_t> identity() {
    std::vector<std::size_t> o(600);
    std::iota(o.begin(), o.end(), 0);
    return o;
}

std::vector<std::size_t> shuffled(std::uint64_t seed) {
    std::vector<std::size_t> o = identity();
    std::shuffle(o.begin(), o.end(), std::mt19937_64(seed));
    return o;
}

const Params kXgb = {{"num_round", "15"}, {"max_depth", "3"}, {"subsample", "0.7"}, {"colsample_bytree", "0.8"}};

}  // namespace

TEST(RowOrder, ContentOrderIgnoresArrivalOrderAndCodes) {
    Dataset d1 = make(identity()), d2 = make(shuffled(9));
    auto o1 = content_order(d1), o2 = content_order(d2);
    ASSERT_EQ(o1.size(), 600u);
    // the k-th row in content order has the same values in both
    for (std::size_t k = 0; k < 600; ++k) {
        EXPECT_EQ(d1.y[o1[k]], d2.y[o2[k]]);
        const double a1 = d1.features[0].num[o1[k]], a2 = d2.features[0].num[o2[k]];
        EXPECT_EQ(a1, a2);
        EXPECT_EQ(d1.features[2].levels[d1.features[2].code[o1[k]]], d2.features[2].levels[d2.features[2].code[o2[k]]]);
    }
    EXPECT_NE(d1.features[2].levels, d2.features[2].levels);  // the codes really differ
}

TEST(RowOrder, XGBoostWithSubsamplingGivesTheSameModel) {
    TrainResult r1 = train(make(identity()), "y", Algorithm::XGBoost, kXgb);
    TrainResult r2 = train(make(shuffled(5)), "y", Algorithm::XGBoost, kXgb);
    TrainResult r3 = train(make(shuffled(6)), "y", Algorithm::XGBoost, kXgb);
    EXPECT_EQ(r1.model->xgb_model, r2.model->xgb_model);
    EXPECT_EQ(r1.model->xgb_model, r3.model->xgb_model);
    EXPECT_EQ(r1.train_metrics.auc, r2.train_metrics.auc);
    // and the model does depend on its seed (the test could fail)
    Params other = kXgb;
    other["seed"] = "1";
    EXPECT_NE(train(make(identity()), "y", Algorithm::XGBoost, other).model->xgb_model, r1.model->xgb_model);
}

TEST(RowOrder, CrossValidationGivesTheSameFoldsAndMetrics) {
    for (Algorithm alg : {Algorithm::XGBoost, Algorithm::Logistic}) {
        const Params p = alg == Algorithm::XGBoost ? kXgb : Params{};
        auto f1 = cross_validate(make(identity()), "y", alg, p, 5, 42);
        auto f2 = cross_validate(make(shuffled(8)), "y", alg, p, 5, 42);
        ASSERT_EQ(f1.size(), f2.size());
        for (std::size_t i = 0; i < f1.size(); ++i) {
            EXPECT_EQ(f1[i].test_rows, f2[i].test_rows);
            EXPECT_NEAR(f1[i].m.auc, f2[i].m.auc, 1e-12) << "fold " << i;
            EXPECT_NEAR(f1[i].m.brier, f2[i].m.brier, 1e-12) << "fold " << i;
        }
    }
}
