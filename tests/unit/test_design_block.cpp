// The reader's shared design block (Dataset::block): NumColumn semantics and
// Encoder::design_view, which lets training use the block without a copy.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/models/encoding.h"
#include "core/models/model.h"

using namespace ls::models;

namespace {

// A dataset filled the way the reader fills it: one block, ones then features.
Dataset block_dataset(const std::vector<std::vector<double>>& cols, const std::vector<double>& y, std::size_t cap) {
    Dataset d;
    const std::size_t width = cols.size() + 1;
    std::shared_ptr<double[]> block(new double[width * cap]);
    for (std::size_t j = 0; j < cols.size(); ++j) {
        Column c;
        c.name = "x" + std::to_string(j + 1);
        c.num.use_block(block, block.get() + (j + 1) * cap, cap);
        for (double v : cols[j]) c.num.push_back(v);
        d.features.push_back(std::move(c));
    }
    for (std::size_t i = 0; i < y.size(); ++i) block[i] = 1.0;
    d.block = block;
    d.block_stride = cap;
    d.y = y;
    return d;
}

}  // namespace

TEST(DesignBlock, NumColumnCopyMoveAndGrowOutOfTheBlock) {
    std::shared_ptr<double[]> block(new double[4]);
    NumColumn a;
    a.use_block(block, block.get() + 1, 3);
    a.push_back(1);
    a.push_back(2);
    EXPECT_TRUE(a.in_block(block.get()));
    EXPECT_EQ(a.data(), block.get() + 1);
    NumColumn b = a;  // a copy shares the block
    EXPECT_EQ(b.data(), a.data());
    NumColumn c = std::move(b);
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(b.size(), 0u);
    EXPECT_EQ(b.data(), nullptr);
    a.push_back(3);
    a.push_back(4);  // past the slot: the values move to an own buffer
    EXPECT_FALSE(a.in_block(block.get()));
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a[0], 1);
    EXPECT_EQ(a[3], 4);
    EXPECT_EQ(block[3], 3);  // the block itself was not overrun
    NumColumn own;
    own = std::vector<double>{5, 6};
    NumColumn own_copy = own;
    own_copy[0] = 7;
    EXPECT_EQ(own[0], 5);  // an own buffer is copied, not shared
}

TEST(DesignBlock, ViewIsTheDesignWithoutACopy) {
    Dataset d = block_dataset({{1, 2, 3, 4}, {0.5, -1, 2, 0}}, {0, 1, 1, 0}, 6);
    Encoder enc = Encoder::fit(d, {}, true);
    auto view = enc.design_view(d);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->data(), d.block.get());
    Eigen::MatrixXd copy = enc.design(d, {}, true);
    EXPECT_EQ(Eigen::MatrixXd(*view), copy);
}

TEST(DesignBlock, MissingValueOrPartialBlockFallsBackToACopy) {
    Dataset withnan = block_dataset({{1, NAN, 3, 4}}, {0, 1, 1, 0}, 4);
    EXPECT_FALSE(Encoder::fit(withnan, {}, true).design_view(withnan).has_value());
    Dataset grown = block_dataset({{1, 2, 3, 4}}, {0, 1, 1, 0}, 4);
    grown.features[0].num.push_back(5);  // outgrew the block
    grown.y.push_back(1);
    EXPECT_FALSE(Encoder::fit(grown, {}, true).design_view(grown).has_value());
    Dataset plain;  // no block at all
    Column c;
    c.name = "x1";
    c.num = std::vector<double>{1, 2, 3};
    plain.features.push_back(c);
    plain.y = {0, 1, 0};
    EXPECT_FALSE(Encoder::fit(plain, {}, true).design_view(plain).has_value());
}

TEST(DesignBlock, TrainingOnTheBlockEqualsTrainingOnACopy) {
    std::vector<double> x1, x2, y;
    for (int i = 0; i < 200; ++i) {
        x1.push_back(std::sin(i * 0.7));
        x2.push_back(std::cos(i * 1.3) * 2);
        y.push_back((std::sin(i * 0.7) + 0.3 * std::cos(i * 2.1) > 0) ? 1 : 0);
    }
    Dataset blockd = block_dataset({x1, x2}, y, 256);
    Dataset plain;
    for (auto* v : {&x1, &x2}) {
        Column c;
        c.name = v == &x1 ? "x1" : "x2";
        c.num = *v;
        plain.features.push_back(c);
    }
    plain.y = y;
    for (Algorithm a : {Algorithm::Logistic, Algorithm::Linear}) {
        TrainResult rb = train(blockd, "y", a, {});
        TrainResult rp = train(plain, "y", a, {});
        ASSERT_EQ(rb.model->coef.size(), rp.model->coef.size());
        for (Eigen::Index j = 0; j < rb.model->coef.size(); ++j) EXPECT_DOUBLE_EQ(rb.model->coef[j], rp.model->coef[j]);
    }
}

// design_f32 (XGBoost's input, written directly) holds design()'s values as
// floats, row-major, NaN where design() has NaN: numeric NULLs, a text NULL.
TEST(DesignBlock, FloatDesignEqualsTheDoubleDesign) {
    Dataset d;
    Column x;
    x.name = "x";
    x.num = std::vector<double>{1.5, NAN, -2, 4, 0.25};
    Column t;
    t.name = "t";
    t.categorical = true;
    for (const char* v : {"b", "a", "", "c", "a"}) t.code.push_back(*v ? t.code_of(v) : -1);
    d.features = {x, t};
    d.y = {0, 1, 0, 1, 1};
    for (bool linear : {false, true}) {
        const Encoder enc = Encoder::fit(d, {}, linear);
        for (const std::vector<std::size_t>& rows : {std::vector<std::size_t>{}, std::vector<std::size_t>{4, 1, 2}}) {
            const Eigen::MatrixXd X = enc.design(d, rows, false);
            const std::vector<float> f = enc.design_f32(d, rows);
            ASSERT_EQ(f.size(), static_cast<std::size_t>(X.size()));
            for (Eigen::Index i = 0; i < X.rows(); ++i)
                for (Eigen::Index j = 0; j < X.cols(); ++j) {
                    const float got = f[static_cast<std::size_t>(i * X.cols() + j)];
                    if (std::isnan(X(i, j))) EXPECT_TRUE(std::isnan(got)) << i << "," << j;
                    else EXPECT_EQ(got, static_cast<float>(X(i, j))) << i << "," << j;
                }
        }
    }
}
