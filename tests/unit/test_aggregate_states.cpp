// The validating decoders of the aggregate states (src/core/causal/causal_state.h,
// src/core/metrics/metric_state.h): valid states decode to what the glue reads,
// anything else is ls::Error of kind InvalidBinary (SQLSTATE 22P03).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/causal/causal_state.h"
#include "core/base/error.h"
#include "core/metrics/metric_state.h"

namespace lc = ls::causal;
namespace lm = ls::metrics;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// A row state of two rows, k = 1: header, then [y, t, x] per row.
std::vector<double> rows_state() {
    return {lc::kRowsMagic, 1, 2, 2, 0, 0.05, lc::kRowsAipw, 0, 1.5, 1, 0.25, 2.5, 0, -0.5};
}

template <class F>
void expect_invalid_binary(F&& f) {
    try {
        f();
        ADD_FAILURE() << "no error";
    } catch (const ls::Error& e) {
        EXPECT_EQ(e.kind(), ls::ErrorKind::InvalidBinary) << e.what();
        EXPECT_NE(std::string(e.what()).find("malformed learnerscore"), std::string::npos) << e.what();
    }
}

void decode_rows(const std::vector<double>& s, std::size_t bytes) {
    lc::RowsState st;
    lc::decode_rows_state(s.data(), bytes, st);
}

}  // namespace

TEST(RowState, ValidDecodes) {
    auto s = rows_state();
    lc::RowsState st;
    ASSERT_TRUE(lc::decode_rows_state(s.data(), s.size() * 8, st));
    EXPECT_EQ(st.k, 1u);
    EXPECT_EQ(st.rows, 2u);
    EXPECT_EQ(st.data, s.data() + 8);
    EXPECT_DOUBLE_EQ(st.data[3], 2.5);
    EXPECT_FALSE(lc::decode_rows_state(s.data(), 0, st)) << "the empty initial state";
}

TEST(RowState, CapacityAboveRowsIsValid) {
    auto s = rows_state();
    s[3] = 3;  // capacity 3: one spare row
    s.insert(s.end(), {0, 0, 0});
    lc::RowsState st;
    ASSERT_TRUE(lc::decode_rows_state(s.data(), s.size() * 8, st));
    EXPECT_EQ(st.rows, 2u);
}

TEST(RowState, HostileHeadersFail) {
    struct Case {
        int at;
        double v;
    } cases[] = {{0, 1.0},  {1, kNaN}, {1, -1},   {1, 1e9},  {1, 0.5}, {2, kNaN}, {2, -1},  {2, 1.5},
                 {2, 3},    {3, kNaN}, {3, kInf}, {3, 1e300}, {4, kNaN}, {4, 0.5}, {5, 0},   {5, 1},
                 {5, kNaN}, {6, 0},    {6, 5},    {6, kNaN}, {7, kNaN}, {7, 1e300}, {7, 0.5}};
    for (const auto& c : cases) {
        auto s = rows_state();
        s[c.at] = c.v;
        SCOPED_TRACE("header[" + std::to_string(c.at) + "] = " + std::to_string(c.v));
        expect_invalid_binary([&] { decode_rows(s, s.size() * 8); });
    }
}

TEST(RowState, NaNRowsAndCapacityFail) {  // the state that crashed _ipw_final
    std::vector<double> s = {lc::kRowsMagic, 1, kNaN, kNaN, 0, 0.05, 4, 0};
    expect_invalid_binary([&] { decode_rows(s, s.size() * 8); });
}

TEST(RowState, LengthsMustMatch) {
    auto s = rows_state();
    expect_invalid_binary([&] { decode_rows(s, 4); });
    expect_invalid_binary([&] { decode_rows(s, s.size() * 8 - 8); });
    expect_invalid_binary([&] { decode_rows(s, s.size() * 8 - 1); });
    s.push_back(0);
    expect_invalid_binary([&] { decode_rows(s, s.size() * 8); });
}

TEST(RowState, RowValuesAreChecked) {
    for (int at : {8, 9, 10, 12}) {
        for (double v : {kNaN, kInf, 0.5}) {
            auto s = rows_state();
            s[at] = v;
            if (at != 9 && v == 0.5) continue;  // 0.5 is a valid outcome or covariate
            SCOPED_TRACE(at);
            expect_invalid_binary([&] { decode_rows(s, s.size() * 8); });
        }
    }
}

TEST(Seed, BitsOfInt64Seeds) {
    EXPECT_EQ(lc::seed_bits(0), 0u);
    EXPECT_EQ(lc::seed_bits(7), 7u);
    EXPECT_EQ(lc::seed_bits(-1), ~std::uint64_t(0));
    EXPECT_EQ(lc::seed_bits(9223372036854775808.0), std::uint64_t(1) << 63);  // int64 max as float8
    EXPECT_EQ(lc::seed_bits(-9223372036854775808.0), std::uint64_t(1) << 63);
}

TEST(MomentState, ValidStatesDecode) {
    std::vector<double> diff = {1, 0.05, 2, 1, 0.5, 1, 3, 0};
    auto m = lc::decode_moment_state(diff.data(), diff.size());
    EXPECT_EQ(m.tag, lc::kTagDiff);
    EXPECT_EQ(lc::decode_moment_state(nullptr, 0).tag, 0);

    std::vector<double> boot(lc::boot_state_length(10), 0.0);
    boot[0] = 2, boot[1] = 0.05, boot[2] = 10, boot[3] = -3;
    m = lc::decode_moment_state(boot.data(), boot.size());
    EXPECT_EQ(m.replicates, 10u);
    EXPECT_EQ(m.seed, lc::seed_bits(-3));

    // IV with d = 4 (y, d, z, x), one instrument, 3 rows: 2 treated, 1 at 0.5
    std::vector<double> iv(lc::comom_state_length(4), 0.0);
    double head[] = {4, 0.05, 4, 1, 2, 0, 1, 3};
    std::copy(head, head + 8, iv.begin());
    m = lc::decode_moment_state(iv.data(), iv.size());
    EXPECT_EQ(m.d, 4u);
    EXPECT_EQ(m.m, 1u);
    EXPECT_EQ(m.n1, 2);
    EXPECT_TRUE(m.continuous);
}

TEST(MomentState, HostileStatesFail) {
    std::vector<std::vector<double>> bad = {
        {1, 0.05, kNaN, 1, 0, 1, 3, 0}, {1, 0.05, -1, 1, 0, 1, 3, 0}, {1, 0.05, 1.5, 1, 0, 1, 3, 0},
        {1, 0.05, 1e300, 1, 0, 1, 3, 0}, {1, 0.05, 2, kInf, 0, 1, 3, 0}, {1, 0.05, 2, 1, -1, 1, 3, 0},
        {1, kNaN, 2, 1, 0, 1, 3, 0},     {1, 0.05, 2},                   {kNaN, 0.05, 2, 1, 0, 1, 3, 0},
        {7, 0.05, 2, 1, 0, 1, 3, 0},     {2, 0.05, 10000, 0},            {2, 0.05, kNaN, 0},
        {3, 0.05, 1e6, 0, 1, 1, 0, 2},   {4, 0.05, 5000, 1, 1, 1, 0, 2},
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
        SCOPED_TRACE(i);
        expect_invalid_binary([&] { lc::decode_moment_state(bad[i].data(), bad[i].size()); });
    }
}

TEST(MomentState, ShapeOnlyCheckSkipsValues) {
    std::vector<double> diff = {1, 0.05, kNaN, 1, 0, 1, 3, 0};
    EXPECT_EQ(lc::decode_moment_state(diff.data(), diff.size(), false).tag, lc::kTagDiff);
    expect_invalid_binary([&] { lc::decode_moment_state(diff.data(), diff.size(), true); });
    std::vector<double> shortboot = {2, 0.05, 10000, 0};
    expect_invalid_binary([&] { lc::decode_moment_state(shortboot.data(), shortboot.size(), false); });
}

TEST(MomentState, ComomentCountsAndSquares) {
    auto reg = [](double n1, double n0, double n, double c00) {
        std::vector<double> s(lc::comom_state_length(3), 0.0);
        double head[] = {3, 0.05, 3, 0, n1, n0, 0, n};
        std::copy(head, head + 8, s.begin());
        s[lc::kComomHeader + 1 + 3] = c00;  // C(0, 0)
        return s;
    };
    auto ok = reg(1, 1, 2, 0.5);
    EXPECT_EQ(lc::decode_moment_state(ok.data(), ok.size()).n0, 1);
    for (auto s : {reg(2, 1, 2, 0.5), reg(1, 1, 0, 0), reg(1, 0, 2, 0.5), reg(1, 1, 2, -1), reg(kNaN, 1, 2, 0)}) {
        expect_invalid_binary([&] { lc::decode_moment_state(s.data(), s.size()); });
    }
}

TEST(MetricState, ValidAndHostile) {
    std::vector<double> acc = {3, 4, 3, 0};
    EXPECT_EQ(lm::decode_metric_state(acc.data(), acc.size()), lm::kAccuracy);
    std::vector<double> cal(lm::metric_state_length(lm::kCalibration), 0.0);
    cal[0] = 6, cal[1] = 2, cal[2] = 2, cal[3] = 0.1, cal[4] = 1;
    EXPECT_EQ(lm::decode_metric_state(cal.data(), cal.size()), lm::kCalibration);
    std::vector<std::vector<double>> bad = {{9, 1, 2, 3}, {kNaN, 1, 2, 3}, {1, kNaN, 0, 0}, {1, -1, 0, 0},
                                            {1, 1.5, 0, 0}, {3, 2, 3, 0}, {2, 2, 3, 0},     {1, 2, -1, 0},
                                            {4, 2, kInf, 0}, {6, 1, 1},   {1}};
    for (std::size_t i = 0; i < bad.size(); ++i) {
        SCOPED_TRACE(i);
        expect_invalid_binary([&] { lm::decode_metric_state(bad[i].data(), bad[i].size()); });
    }
    cal[1] = 3;  // bins add up to 2
    expect_invalid_binary([&] { lm::decode_metric_state(cal.data(), cal.size()); });
}

TEST(AucState, CountsAndPairs) {
    std::vector<double> buf(1 + 4, 0.0);
    std::int64_t count = 2;
    std::memcpy(buf.data(), &count, 8);
    buf[1] = 0.3, buf[2] = 0, buf[3] = 0.7, buf[4] = 1;
    auto st = lm::decode_auc_state(buf.data(), buf.size() * 8);
    EXPECT_EQ(st.count, 2);
    EXPECT_EQ(st.capacity, 2);
    for (std::int64_t c : {std::int64_t(-1), std::int64_t(3), std::int64_t(1) << 62}) {
        std::memcpy(buf.data(), &c, 8);
        expect_invalid_binary([&] { lm::decode_auc_header(buf.data(), buf.size() * 8); });
    }
    expect_invalid_binary([&] { lm::decode_auc_header(buf.data(), 4); });
    std::memcpy(buf.data(), &count, 8);
    buf[1] = kNaN;
    EXPECT_EQ(lm::decode_auc_header(buf.data(), buf.size() * 8).count, 2) << "the header check does not read pairs";
    expect_invalid_binary([&] { lm::decode_auc_state(buf.data(), buf.size() * 8); });
    buf[1] = 0.3, buf[2] = 2;
    expect_invalid_binary([&] { lm::decode_auc_state(buf.data(), buf.size() * 8); });
}
