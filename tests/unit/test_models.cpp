#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/base/error.h"
#include "core/models/linear_models.h"
#include "core/models/model.h"
#include "error_kind.h"
#include "core/models/xgboost_library.h"

using namespace ls::models;

namespace {

Dataset numeric(const std::vector<std::vector<double>>& cols, const std::vector<double>& y) {
    Dataset d;
    for (std::size_t j = 0; j < cols.size(); ++j) {
        Column c;
        c.name = "x" + std::to_string(j + 1);
        c.num = cols[j];
        d.features.push_back(std::move(c));
    }
    d.y = y;
    return d;
}

}  // namespace

TEST(Models, OlsMatchesHandComputedFit) {
    Dataset d = numeric({{1, 2, 3, 4}}, {2, 4, 5, 4});
    TrainResult r = train(d, "y", Algorithm::Linear, {});
    EXPECT_NEAR(r.model->coef[0], 2.0, 1e-12);
    EXPECT_NEAR(r.model->coef[1], 0.7, 1e-12);
    EXPECT_NEAR(r.model->std_err[1], std::sqrt(1.15 / 5), 1e-12);
    EXPECT_NEAR(r.model->std_err[0], std::sqrt(1.725), 1e-12);
    EXPECT_NEAR(r.train_metrics.mae, 0.75, 1e-12);
}

TEST(Models, LogisticUnpenalizedEqualsLogOdds) {
    // x = 0: 1 of 4 positive; x = 1: 3 of 4 positive.
    Dataset d = numeric({{0, 0, 0, 0, 1, 1, 1, 1}}, {1, 0, 0, 0, 1, 1, 1, 0});
    TrainResult r = train(d, "y", Algorithm::Logistic, {{"l2", "0"}});
    EXPECT_NEAR(r.model->coef[0], std::log(1.0 / 3.0), 1e-9);
    EXPECT_NEAR(r.model->coef[1], 2 * std::log(3.0), 1e-9);
    // Var of a log-odds difference: sum of 1/(n p (1-p)) over the two groups.
    EXPECT_NEAR(r.model->std_err[1], std::sqrt(2 * (1 / (4 * 0.25 * 0.75))), 1e-6);
    ls::models::RawValue row[] = {RawValue::num(1)};
    EXPECT_NEAR(r.model->predict(row), 0.75, 1e-9);
}

TEST(Models, PerfectSeparationIsRegularizedOrRejected) {
    Dataset d = numeric({{1, 2, 3, 4, 5, 6}}, {0, 0, 0, 1, 1, 1});
    EXPECT_EQ(kind_of([&] { train(d, "y", Algorithm::Logistic, {{"l2", "0"}}); }), ls::ErrorKind::InvalidParameter);
    TrainResult r = train(d, "y", Algorithm::Logistic, {{"l2", "1"}});
    EXPECT_TRUE(r.model->coef.allFinite());
    EXPECT_GT(r.model->coef[1], 0);
}

TEST(Models, CollinearFeatures) {
    Dataset d = numeric({{1, 2, 3, 4, 5}, {2, 4, 6, 8, 10}}, {1, 3, 2, 5, 4});
    try {
        train(d, "y", Algorithm::Linear, {});
        FAIL();
    } catch (const ls::Error& e) {
        EXPECT_NE(std::string(e.what()).find("collinear"), std::string::npos) << e.what();
    }
    TrainResult ridge = train(d, "y", Algorithm::Linear, {{"l2", "1"}});
    EXPECT_TRUE(ridge.model->coef.allFinite());
    // ridge splits the weight equally between proportional columns: b2 = 2 b1
    EXPECT_NEAR(ridge.model->coef[2], 2 * ridge.model->coef[1], 1e-9);
    TrainResult logit = train(numeric({{1, 2, 3, 4, 5, 6}, {2, 4, 6, 8, 10, 12}}, {0, 1, 0, 1, 1, 0}), "y",
                              Algorithm::Logistic, {});
    EXPECT_TRUE(logit.model->coef.allFinite());
}

TEST(Models, BadTargets) {
    EXPECT_EQ(kind_of([&] { train(numeric({{1, 2, 3}}, {1, 1, 1}), "y", Algorithm::Logistic, {}); }),
              ls::ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { train(numeric({{1, 2, 3}}, {0, 2, 1}), "y", Algorithm::Logistic, {}); }),
              ls::ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { train(numeric({{}}, {}), "y", Algorithm::Linear, {}); }), ls::ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { train(numeric({{1, 2}}, {0, 1}), "y", Algorithm::Logistic, {{"C", "1"}}); }),
              ls::ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { train(numeric({{1, 2}}, {0, 1}), "y", Algorithm::Logistic, {{"l2", "abc"}}); }),
              ls::ErrorKind::InvalidParameter);
}

TEST(Models, OneHotWithReferenceLevelAndImputation) {
    Dataset d;
    Column c;
    c.name = "city";
    c.categorical = true;
    for (const char* s : {"b", "a", "c", "a", "b", "c", "a"}) c.code.push_back(c.code_of(s));
    c.code.push_back(-1);  // NULL
    d.features.push_back(c);
    Column x;
    x.name = "x";
    x.num = {1, 2, NAN, 4, 5, 6, 7, 8};
    d.features.push_back(x);
    d.y = {10, 1, 20, 2, 11, 21, 1, 3};
    TrainResult r = train(d, "y", Algorithm::Linear, {{"l2", "0.001"}});
    const Model& m = *r.model;
    ASSERT_EQ(m.encoder.width(), 3u);  // city=b, city=c, x
    EXPECT_EQ(m.encoder.column_names()[0], "city=b");
    EXPECT_EQ(m.encoder.features[0].impute_level, -1);  // most frequent is "a", the reference
    EXPECT_NEAR(m.encoder.features[1].impute, (1 + 2 + 4 + 5 + 6 + 7 + 8) / 7.0, 1e-12);
    // unseen level encodes like the reference level
    RawValue known[] = {RawValue::str("a"), RawValue::num(3)};
    RawValue unseen[] = {RawValue::str("zzz"), RawValue::num(3)};
    EXPECT_DOUBLE_EQ(m.predict(known), m.predict(unseen));
    RawValue bad[] = {RawValue::num(1), RawValue::num(3)};
    EXPECT_THROW(m.predict(bad), ls::Error);
    RawValue nan[] = {RawValue::str("a"), RawValue::num(NAN)};
    EXPECT_THROW(m.predict(nan), ls::Error);
    auto ex = m.explain(known);
    ASSERT_EQ(ex.size(), 3u);
    double margin = 0;
    for (auto& [k, v] : ex) margin += v;
    EXPECT_NEAR(margin, m.predict(known), 1e-12);
}

TEST(Models, SerializationRoundTripAndCorruption) {
    Dataset d = numeric({{0, 0, 0, 0, 1, 1, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 9}}, {1, 0, 0, 0, 1, 1, 1, 0});
    TrainResult r = train(d, "y", Algorithm::Logistic, {});
    std::string blob = r.model->serialize();
    auto back = Model::deserialize(blob.data(), blob.size());
    RawValue row[] = {RawValue::num(1), RawValue::num(2.5)};
    EXPECT_DOUBLE_EQ(back->predict(row), r.model->predict(row));
    EXPECT_EQ(back->feature_names(), r.model->feature_names());
    std::string bad = blob;
    bad[bad.size() / 2] ^= 0x40;
    EXPECT_EQ(kind_of([&] { Model::deserialize(bad.data(), bad.size()); }), ls::ErrorKind::DataException);
    EXPECT_EQ(kind_of([&] { Model::deserialize(blob.data(), blob.size() - 9); }), ls::ErrorKind::DataException);
    EXPECT_EQ(kind_of([&] { Model::deserialize("abc", 3); }), ls::ErrorKind::DataException);
}

TEST(Models, XGBoostTrainsSavesAndExplains) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> g;
    std::vector<double> x1, x2, y;
    for (int i = 0; i < 400; ++i) {
        double a = g(rng), b = g(rng);
        x1.push_back(a);
        x2.push_back(i % 10 == 0 ? NAN : b);
        y.push_back(a + 0.5 * b + 0.3 * g(rng) > 0 ? 1 : 0);
    }
    Dataset d = numeric({x1, x2}, y);
    TrainResult r = train(d, "y", Algorithm::XGBoost, {{"num_round", "20"}, {"max_depth", "3"}});
    EXPECT_TRUE(r.model->classifier);
    EXPECT_GT(r.train_metrics.auc, 0.9);
    std::string blob = r.model->serialize();
    auto back = Model::deserialize(blob.data(), blob.size());
    RawValue row[] = {RawValue::num(0.4), RawValue::null()};
    double p = back->predict(row);
    EXPECT_FLOAT_EQ(p, r.model->predict(row));
    auto ex = back->explain(row);
    double margin = 0;
    for (auto& [k, v] : ex) margin += v;
    EXPECT_NEAR(1 / (1 + std::exp(-margin)), p, 1e-5);
    // regression objective inferred from a numeric target
    TrainResult reg = train(numeric({x1}, x1), "y", Algorithm::XGBoost, {{"num_round", "10"}});
    EXPECT_FALSE(reg.model->classifier);
    EXPECT_EQ(kind_of([&] { train(d, "y", Algorithm::XGBoost, {{"objective", "multi:softmax"}}); }),
              ls::ErrorKind::FeatureNotSupported);
    EXPECT_EQ(kind_of([&] { train(d, "y", Algorithm::XGBoost, {{"max_depth", "-3"}}); }),
              ls::ErrorKind::InvalidParameter);
}

TEST(Models, CrossValidationFoldsAreDeterministic) {
    auto a = fold_assignment(103, 5, 42), b = fold_assignment(103, 5, 42), c = fold_assignment(103, 5, 43);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    std::vector<int> sizes(5, 0);
    for (int f : a) ++sizes[f];
    for (int s : sizes) EXPECT_TRUE(s == 20 || s == 21);
    std::vector<double> x, y;
    for (int i = 0; i < 100; ++i) {
        x.push_back(i);
        y.push_back(2 * i + (i % 3));
    }
    auto folds = cross_validate(numeric({x}, y), "y", Algorithm::Linear, {}, 5, 1);
    ASSERT_EQ(folds.size(), 5u);
    for (const auto& f : folds) {
        EXPECT_EQ(f.train_rows + f.test_rows, 100u);
        EXPECT_LT(f.m.mae, 1.0);
    }
}

TEST(Models, GroupFoldsNeverTestOnTrainedGroups) {
    std::vector<double> x, y;
    std::vector<int> fold;
    for (int i = 0; i < 90; ++i) {
        x.push_back(i % 10);
        y.push_back(3 * (i % 10) + (i % 3));
        fold.push_back(i / 30);  // three groups of 30 rows
    }
    ls::metrics::Summary pooled;
    auto folds = cross_validate(numeric({x}, y), "y", Algorithm::Linear, {}, fold, 3, &pooled);
    ASSERT_EQ(folds.size(), 3u);
    for (const auto& f : folds) {
        EXPECT_EQ(f.test_rows, 30u);
        EXPECT_EQ(f.train_rows, 60u);
    }
    EXPECT_NEAR(pooled.mae, (folds[0].m.mae + folds[1].m.mae + folds[2].m.mae) / 3, 1e-12);  // equal fold sizes
    EXPECT_THROW(cross_validate(numeric({x}, y), "y", Algorithm::Linear, {}, std::vector<int>(90, 0), 1), ls::Error);
}

// The native tree evaluator must give XGBoost's own prediction on every row,
// missing values included, for both supported objectives.
TEST(Models, XGBoostNativeEvaluatorEqualsXGBoost) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g;
    const int n = 3000, p = 6;
    std::vector<std::vector<double>> cols(p);
    std::vector<double> ycls, yreg;
    for (int i = 0; i < n; ++i) {
        double eta = 0, lin = 0;
        for (int j = 0; j < p; ++j) {
            double v = g(rng);
            eta += (j + 1) * 0.3 * v;
            lin += v * v * (j % 2 ? 1 : -1);
            cols[j].push_back((i + j) % 9 == 0 ? NAN : v);
        }
        ycls.push_back(eta + g(rng) > 0 ? 1 : 0);
        yreg.push_back(lin + 0.1 * g(rng));
    }
    for (bool classifier : {true, false}) {
        TrainResult r = train(numeric(cols, classifier ? ycls : yreg), "y", Algorithm::XGBoost,
                              {{"num_round", "60"}, {"max_depth", "6"}});
        std::string blob = r.model->serialize();
        auto m = Model::deserialize(blob.data(), blob.size());
        ASSERT_NE(m->native_trees(), nullptr);
        EXPECT_EQ(m->native_trees()->num_trees(), 60u);
        // Fresh rows (not the training ones): NaNs, extreme values, exact thresholds via training values.
        const int rows = 5000;
        std::vector<float> X(static_cast<std::size_t>(rows) * p);
        for (int i = 0; i < rows; ++i)
            for (int j = 0; j < p; ++j) {
                double v = i % 3 == 0 ? cols[j][(i * 7 + j) % n] : 2 * g(rng);
                if ((i * 13 + j) % 5 == 0) v = NAN;
                if (i % 97 == 0) v = j % 2 ? 1e30 : -1e30;
                X[static_cast<std::size_t>(i) * p + j] = static_cast<float>(v);
            }
        XgbBooster ref = XgbBooster::load(m->xgb_model);
        std::vector<float> want = ref.predict(X.data(), rows, p, 0);
        ASSERT_EQ(want.size(), static_cast<std::size_t>(rows));
        double worst = 0;
        for (int i = 0; i < rows; ++i) {
            float got = m->native_trees()->predict(&X[static_cast<std::size_t>(i) * p], p);
            worst = std::max(worst, std::fabs(static_cast<double>(got) - want[i]) /
                                        std::max(1.0, std::fabs(static_cast<double>(want[i]))));
        }
        EXPECT_LT(worst, 1e-6) << (classifier ? "binary:logistic" : "reg:squarederror");
        // Model::predict (raw rows through the encoder) agrees as well.
        std::vector<RawValue> row(p);
        for (int j = 0; j < p; ++j) row[j] = j == 2 ? RawValue::null() : RawValue::num(cols[j][1]);
        std::vector<float> xf(p);
        for (int j = 0; j < p; ++j) xf[j] = j == 2 ? NAN : static_cast<float>(cols[j][1]);
        EXPECT_NEAR(m->predict(row.data()), ref.predict(xf.data(), 1, p, 0)[0], 1e-6);
    }
}

TEST(Models, XGBoostNativeEvaluatorRefusesWhatItCannotReproduce) {
    std::string why;
    EXPECT_EQ(XgbTreeEnsemble::from_json("not json", &why), nullptr);
    EXPECT_FALSE(why.empty());
    // A multi-class booster trained directly through XGBoost: refused, never guessed.
    std::vector<float> X, y;
    for (int i = 0; i < 90; ++i) { X.push_back(static_cast<float>(i)); y.push_back(static_cast<float>(i % 3)); }
    XgbBooster b = XgbBooster::train(X, 90, 1, y, {{"objective", "multi:softprob"}, {"num_class", "3"}}, 2);
    EXPECT_EQ(XgbTreeEnsemble::from_json(b.save_json(), &why), nullptr);
    EXPECT_NE(why.find("multi"), std::string::npos) << why;
    XgbBooster d = XgbBooster::train(X, 90, 1, y, {{"booster", "dart"}, {"objective", "reg:squarederror"}}, 2);
    EXPECT_EQ(XgbTreeEnsemble::from_json(d.save_json(), &why), nullptr);
    XgbBooster ok = XgbBooster::train(X, 90, 1, y, {{"objective", "reg:squarederror"}}, 2);
    EXPECT_NE(XgbTreeEnsemble::from_json(ok.save_json(), &why), nullptr);
}

// The numeric fast path used for float8[] features gives predict()'s value,
// NULLs included (imputed for linear models, missing for XGBoost).
TEST(Models, PredictNumericEqualsPredict) {
    std::vector<double> x1, x2, y;
    for (int i = 0; i < 300; ++i) {
        x1.push_back(std::sin(i * 0.37));
        x2.push_back(i % 7 == 0 ? NAN : std::cos(i * 0.91));
        y.push_back(std::sin(i * 0.37) + 0.5 * std::cos(i * 1.7) > 0.2 ? 1 : 0);
    }
    Dataset d = numeric({x1, x2}, y);
    for (Algorithm a : {Algorithm::Logistic, Algorithm::Linear, Algorithm::XGBoost}) {
        TrainResult r = train(d, "y", a, a == Algorithm::XGBoost ? Params{{"num_round", "5"}} : Params{});
        ASSERT_TRUE(r.model->all_numeric());
        const double both[] = {0.3, -0.7};
        const RawValue raw[] = {RawValue::num(0.3), RawValue::num(-0.7)};
        EXPECT_DOUBLE_EQ(r.model->predict_numeric(both, nullptr), r.model->predict(raw));
        const double only_first[] = {0.3};
        const std::uint8_t first_present = 0x1;  // feature 2 is NULL
        const RawValue raw_null[] = {RawValue::num(0.3), RawValue::null()};
        EXPECT_DOUBLE_EQ(r.model->predict_numeric(only_first, &first_present), r.model->predict(raw_null));
        const double inf[] = {INFINITY, 0};
        EXPECT_THROW(r.model->predict_numeric(inf, nullptr), ls::Error);
    }
}

// XGBoost is loaded at run time: every entry point we call resolves in the
// installed library (a renamed or missing symbol fails here, not in a backend).
TEST(XgboostLibrary, EveryEntryPointResolves) {
    const ls::models::XgboostApi& api = ls::models::xgboost();
#define LS_XGBOOST_CHECK(field, symbol) EXPECT_NE(api.field, nullptr) << #symbol;
    LS_XGBOOST_FUNCTIONS(LS_XGBOOST_CHECK)
#undef LS_XGBOOST_CHECK
    EXPECT_NE(api.GetLastError(), nullptr);
}
