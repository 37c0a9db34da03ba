#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/base/error.h"
#include "core/metrics/metrics.h"

using namespace ls::metrics;

TEST(Metrics, AucMatchesHandComputedValue) {
    std::vector<std::pair<double, double>> p = {{0.1, 0}, {0.4, 0}, {0.35, 1}, {0.8, 1}};
    EXPECT_DOUBLE_EQ(auc(p), 0.75);
}

TEST(Metrics, AucCountsTiesAsHalf) {
    // positive 0.5 ties two negatives (2 x 1/2), positive 0.9 beats both: 3 of 4 pairs
    std::vector<std::pair<double, double>> p = {{0.5, 0}, {0.5, 1}, {0.5, 0}, {0.9, 1}};
    EXPECT_DOUBLE_EQ(auc(p), 0.75);
    std::vector<std::pair<double, double>> all_tied = {{0.3, 0}, {0.3, 1}, {0.3, 1}, {0.3, 0}};
    EXPECT_DOUBLE_EQ(auc(all_tied), 0.5);
}

TEST(Metrics, AucSingleClassIsAnError) {
    std::vector<std::pair<double, double>> p = {{0.1, 1}, {0.4, 1}};
    EXPECT_THROW(auc(p), ls::Error);
}

TEST(Metrics, ClassificationSummary) {
    Summary s = classification({0.8, 0.3}, {1, 0});
    EXPECT_NEAR(s.log_loss, (-std::log(0.8) - std::log(0.7)) / 2, 1e-15);
    EXPECT_NEAR(s.brier, 0.065, 1e-15);
    EXPECT_NEAR(s.calibration_error, 0.25, 1e-15);  // bins 8 and 3: (0.2 + 0.3) / 2
    EXPECT_DOUBLE_EQ(s.accuracy, 1.0);
    EXPECT_DOUBLE_EQ(s.auc, 1.0);
}

TEST(Metrics, LogLossClipsCertainMistakes) {
    EXPECT_TRUE(std::isfinite(log_loss_term(0.0, 1.0)));
    EXPECT_NEAR(log_loss_term(0.0, 1.0), -std::log(2.220446049250313e-16), 1e-9);
}

TEST(Metrics, RegressionSummary) {
    Summary s = regression({2.7, 3.4, 4.1, 4.8}, {2, 4, 5, 4});
    EXPECT_NEAR(s.mae, (0.7 + 0.6 + 0.9 + 0.8) / 4, 1e-15);
    EXPECT_NEAR(s.rmse, std::sqrt(2.3 / 4), 1e-15);
    EXPECT_NEAR(s.r2, 1 - 2.3 / 4.75, 1e-15);
}

TEST(Metrics, CalibrationBinEdges) {
    EXPECT_EQ(calibration_bin(0.0, 10), 0);
    EXPECT_EQ(calibration_bin(0.1, 10), 1);
    EXPECT_EQ(calibration_bin(1.0, 10), 9);
}

// Large inputs take the radix-sort path: same AUC as a direct Mann-Whitney
// count, with ties, negative scores and -0.0 / +0.0 mixed in.
TEST(Metrics, AucOfALargeInputMatchesAPairCount) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> g;
    std::vector<std::pair<double, double>> pairs;
    std::vector<double> pos, neg;
    for (int i = 0; i < 60000; ++i) {
        const double label = (i % 3 == 0) ? 1.0 : 0.0;
        double score = std::round((g(rng) + label) * 100) / 100;  // many ties
        if (score == 0) score = (i % 2) ? -0.0 : 0.0;
        pairs.emplace_back(score, label);
        (label == 1.0 ? pos : neg).push_back(score);
    }
    std::sort(neg.begin(), neg.end());
    double wins = 0;  // P(pos > neg) + 0.5 P(pos == neg), by binary search
    for (double s : pos) {
        auto lo = std::lower_bound(neg.begin(), neg.end(), s);
        auto hi = std::upper_bound(neg.begin(), neg.end(), s);
        wins += static_cast<double>(lo - neg.begin()) + 0.5 * static_cast<double>(hi - lo);
    }
    const double expected = wins / (static_cast<double>(pos.size()) * static_cast<double>(neg.size()));
    EXPECT_NEAR(ls::metrics::auc(pairs), expected, 1e-12);
}

// The binned AUC is within its own bound of the exact one, on spread, crowded
// (every score near 1, as at-risk lists are) and tied scores; states add up.
TEST(Metrics, BinnedAucWithinItsBoundOfTheExactAuc) {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0, 1);
    for (int shape = 0; shape < 3; ++shape) {
        std::vector<double> pos(ls::metrics::kAucBins, 0), neg(ls::metrics::kAucBins, 0);
        std::vector<std::pair<double, double>> pairs;
        for (int i = 0; i < 20000; ++i) {
            const double y = u(rng) < 0.4 ? 1 : 0;
            double p = 1 / (1 + std::exp(-(y + 2 * u(rng) - 1.5)));
            if (shape == 1) p = 1 / (1 + std::exp(-(9 + y + u(rng))));  // above 0.9998
            if (shape == 2) p = std::round(p * 50) / 50;                 // 51 distinct scores
            pairs.emplace_back(p, y);
            (y == 1 ? pos : neg)[ls::metrics::auc_bin(p)] += 1;
        }
        double bound = 0;
        const double binned = ls::metrics::binned_auc(pos.data(), neg.data(), ls::metrics::kAucBins, &bound);
        const double exact = ls::metrics::auc(pairs);
        EXPECT_LE(std::abs(binned - exact), bound + 1e-15) << "shape " << shape;
        if (shape < 2) {
            EXPECT_LT(bound, 1e-3) << "shape " << shape;
            EXPECT_LT(std::abs(binned - exact), 1e-4) << "shape " << shape;
        } else {
            EXPECT_NEAR(binned, exact, 1e-12);  // distinct scores in distinct bins
        }
    }
    EXPECT_EQ(ls::metrics::auc_bin(0.0), 0);
    EXPECT_EQ(ls::metrics::auc_bin(1.0), ls::metrics::kAucBins - 1);
    EXPECT_LT(ls::metrics::auc_bin(0.3), ls::metrics::auc_bin(0.31));
}
