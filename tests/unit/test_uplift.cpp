// Uplift metrics and their state decoder (src/core/metrics/uplift.h); the values
// against a numpy reference of scikit-uplift are in tests/e2e/uplift_planted.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/base/error.h"
#include "core/metrics/uplift.h"

namespace lm = ls::metrics;

namespace {
std::vector<lm::UpliftRow> sample(unsigned seed, int n) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<lm::UpliftRow> r;
    for (int i = 0; i < n; ++i) {
        const double x = u(g), t = u(g) < 0.5 ? 1 : 0;
        r.push_back({x, t, u(g) < 0.2 + 0.4 * x * t ? 1.0 : 0.0});
    }
    return r;
}
}  // namespace

TEST(Uplift, PerfectQiniOrderingIsOne) {
    auto r = sample(1, 500);
    for (auto& x : r) x.score = x.outcome * x.treated - x.outcome * (1 - x.treated);
    EXPECT_NEAR(lm::qini_coefficient(r), 1.0, 1e-12);
}

TEST(Uplift, InformativeScoreBeatsItsReverse) {
    auto r = sample(2, 4000), rev = r;
    for (auto& x : rev) x.score = -x.score;
    auto a = r, b = rev;
    EXPECT_GT(lm::qini_coefficient(a), lm::qini_coefficient(b));
    a = r, b = rev;
    EXPECT_GT(lm::uplift_auc(a), lm::uplift_auc(b));
}

TEST(Uplift, RowOrderDoesNotMatter) {
    auto r = sample(3, 1000);
    for (auto& x : r) x.score = std::round(x.score * 10) / 10;  // ties
    auto s = r;
    std::reverse(s.begin(), s.end());
    for (int k = 0; k < 3; ++k) {
        auto a = r, b = s;
        const double va = k == 0 ? lm::qini_coefficient(a) : k == 1 ? lm::uplift_auc(a) : lm::uplift_at_k(a, 0.25);
        const double vb = k == 0 ? lm::qini_coefficient(b) : k == 1 ? lm::uplift_auc(b) : lm::uplift_at_k(b, 0.25);
        EXPECT_EQ(va, vb);
    }
}

TEST(Uplift, AtKWholeSampleIsTheDifferenceInMeans) {
    auto r = sample(4, 800);
    double yt = 0, nt = 0, yc = 0, nc = 0;
    for (const auto& x : r) (x.treated == 1 ? (yt += x.outcome, nt += 1) : (yc += x.outcome, nc += 1));
    EXPECT_NEAR(lm::uplift_at_k(r, 1.0), yt / nt - yc / nc, 1e-12);
}

TEST(Uplift, OneArmIsUndefined) {
    auto r = sample(5, 100);
    for (auto& x : r) x.treated = 1;
    auto a = r, b = r, c = r;
    EXPECT_TRUE(std::isnan(lm::qini_coefficient(a)));
    EXPECT_TRUE(std::isnan(lm::uplift_auc(b)));
    EXPECT_TRUE(std::isnan(lm::uplift_at_k(c, 0.5)));
}

TEST(Uplift, DecoderRejectsForgedStates) {
    std::vector<double> buf(3 + 3 * 2, 0.0);
    lm::UpliftHeader h{1, 0, 0.0, 2};
    std::memcpy(buf.data(), &h, sizeof h);
    const double rows[6] = {0.3, 1, 1, 0.7, 0, 0};
    std::memcpy(buf.data() + 3, rows, sizeof rows);
    const std::size_t len = buf.size() * sizeof(double);
    EXPECT_EQ(lm::decode_uplift_state(buf.data(), len).count, 2);
    EXPECT_THROW(lm::decode_uplift_state(buf.data(), 8), ls::Error);
    buf[3 + 1] = 2;  // treated not 0/1
    EXPECT_THROW(lm::decode_uplift_state(buf.data(), len), ls::Error);
    EXPECT_NO_THROW(lm::decode_uplift_header(buf.data(), len));
    buf[3 + 1] = 1;
    h.count = 3;
    std::memcpy(buf.data(), &h, sizeof h);
    EXPECT_THROW(lm::decode_uplift_header(buf.data(), len), ls::Error);
    h = {3, 0, 0.0, 2};  // uplift_at_k without a k
    std::memcpy(buf.data(), &h, sizeof h);
    EXPECT_THROW(lm::decode_uplift_header(buf.data(), len), ls::Error);
}
