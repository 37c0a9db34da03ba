#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/metrics.h"

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
