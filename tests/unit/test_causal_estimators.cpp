// Causal estimators against statsmodels (tests/ref/causal_reference.py prints
// the reference values on the same deterministic data) and closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/causal_stats.h"
#include "core/base/error.h"

using namespace ls::causal;

namespace {

struct Data {
    std::vector<double> y, t, z, d, x1, x2;
};

Data make_data(int n = 200) {
    Data s;
    for (int i = 0; i < n; ++i) {
        double x1 = 2 * std::sin(0.37 * i), x2 = std::cos(0.11 * i) + (i % 7) / 3.0;
        double z = (i * 7919) % 13 < 6 ? 1 : 0;
        double t = (z > 0 || (i * 31) % 11 < 3 + 3 * (x1 > 0)) ? 1 : 0;
        s.x1.push_back(x1);
        s.x2.push_back(x2);
        s.z.push_back(z);
        s.t.push_back(t);
        s.d.push_back(0.5 * z + 0.3 * x1 + std::sin(1.7 * i));
        s.y.push_back(1 + 2 * t + x1 - 0.5 * x2 + 1.5 * std::sin(1.3 * i));
    }
    return s;
}

std::vector<double> rows(const Data& s) {
    std::vector<double> r;
    for (size_t i = 0; i < s.y.size(); ++i) r.insert(r.end(), {s.y[i], s.t[i], s.x1[i], s.x2[i]});
    return r;
}

void near_rel(double got, double want, double tol = 1e-8) {
    EXPECT_NEAR(got, want, tol * std::max(1.0, std::fabs(want))) << "want " << want;
}

}  // namespace

TEST(CausalEstimators, DiffInMeansWelch) {
    Data s = make_data();
    Moments a, b;
    for (size_t i = 0; i < s.y.size(); ++i) (s.t[i] > 0 ? a : b).add(s.y[i]);
    Effect e = diff_in_means(a, b, 0.05);
    ASSERT_TRUE(e.valid);
    near_rel(e.estimate, 2.38510538497024);
    near_rel(e.std_error, 0.272616631031647);
    EXPECT_EQ(e.n_treated + e.n_control, 200);
}

TEST(CausalEstimators, MomentsMergeEqualsOnePass) {
    Data s = make_data();
    Moments all, p1, p2;
    for (size_t i = 0; i < s.y.size(); ++i) {
        all.add(s.y[i]);
        (i < 77 ? p1 : p2).add(s.y[i]);
    }
    p1.merge(p2);
    near_rel(p1.mean, all.mean, 1e-12);
    near_rel(p1.m2, all.m2, 1e-12);
}

TEST(CausalEstimators, RegressionMatchesStatsmodelsOls) {
    Data s = make_data();
    std::vector<double> r = rows(s);
    RowView v{r.data(), s.y.size(), 2};
    PropensityOptions o;
    Effect e = estimate_rows(v, "regression", o);
    ASSERT_TRUE(e.valid);
    near_rel(e.estimate, 1.90670207319684);
    near_rel(e.std_error, 0.167032457371534);
    near_rel(e.ci_low, 1.57729047865935);
    EXPECT_NEAR(e.p_value, 1.80803527015993e-23, 1e-30);
}

TEST(CausalEstimators, CoMomentsMergeEqualsOnePass) {
    Data s = make_data();
    const size_t d = 4;
    std::vector<double> b1(CoMoments::buffer_size(d)), b2(b1.size()), ball(b1.size());
    CoMoments m1(b1.data(), d), m2(b2.data(), d), mall(ball.data(), d);
    std::vector<double> r = rows(s);
    for (size_t i = 0; i < s.y.size(); ++i) {
        mall.add(&r[i * d]);
        (i % 3 == 0 ? m1 : m2).add(&r[i * d]);
    }
    m1.merge(b2.data());
    for (size_t i = 0; i < ball.size(); ++i) near_rel(b1[i], ball[i], 1e-11);
}

TEST(CausalEstimators, TwoStageLeastSquaresMatchesStatsmodelsIV2SLS) {
    Data s = make_data();
    const size_t d = 5;  // y, d, z, x1, x2
    std::vector<double> buf(CoMoments::buffer_size(d));
    CoMoments m(buf.data(), d);
    std::vector<double> b0(CoMoments::buffer_size(3));
    CoMoments m0(b0.data(), 3);
    for (size_t i = 0; i < s.y.size(); ++i) {
        double row[5] = {s.y[i], s.d[i], s.z[i], s.x1[i], s.x2[i]};
        m.add(row);
        m0.add(row);  // first three columns: the Wald estimate
    }
    IvFit f = tsls_from_comoments(m, 1);
    ASSERT_TRUE(f.ok) << f.problem;
    near_rel(f.beta, 2.13614634845132);
    near_rel(f.se, 0.550636285029433);
    near_rel(f.first_stage_f, 26.5611531887188);
    IvFit w = tsls_from_comoments(m0, 1);
    ASSERT_TRUE(w.ok);
    near_rel(w.beta, 2.18036492382662);
    near_rel(w.se, 0.59804505182497);
}

TEST(CausalEstimators, ConstantInstrumentIsReported) {
    const size_t d = 3;
    std::vector<double> buf(CoMoments::buffer_size(d));
    CoMoments m(buf.data(), d);
    for (int i = 0; i < 50; ++i) {
        double row[3] = {std::sin(i * 1.0), std::cos(i * 0.3), 1.0};
        m.add(row);
    }
    IvFit f = tsls_from_comoments(m, 1);
    EXPECT_FALSE(f.ok);
    EXPECT_NE(f.problem.find("constant"), std::string::npos);
}

namespace {

// An estimator's ATE and ATT (estimate, standard error) on make_data(),
// against the reference; se_tol for the standard errors.
struct Reference {
    double ate, ate_se, att, att_se, se_tol;
};
void expect_reference(Effect (*estimator)(const RowView&, const PropensityOptions&), const Reference& want) {
    Data s = make_data();
    std::vector<double> r = rows(s);
    RowView v{r.data(), s.y.size(), 2};
    PropensityOptions o;
    Effect e = estimator(v, o);
    ASSERT_TRUE(e.valid) << e.warning;
    near_rel(e.estimate, want.ate);
    near_rel(e.std_error, want.ate_se, want.se_tol);
    o.estimand = Estimand::ATT;
    Effect a = estimator(v, o);
    near_rel(a.estimate, want.att);
    near_rel(a.std_error, want.att_se, want.se_tol);
}

}  // namespace

TEST(CausalEstimators, IpwMatchesSandwichReference) {
    // the reference Jacobian is numerical: standard errors to 1e-6
    expect_reference(ipw, {1.91754006542981, 0.165928838537797, 1.92605744857256, 0.171752347568079, 1e-6});
}

TEST(CausalEstimators, AipwMatchesReference) {
    expect_reference(aipw, {1.92800947432679, 0.164976254516486, 1.94433057375123, 0.168106887063745, 1e-8});
}

TEST(CausalEstimators, SeparationGivesNoEstimateUnlessTrimmed) {
    std::vector<double> r;
    for (int i = 0; i < 100; ++i) {
        double x = i / 10.0, t = x > 5 ? 1 : 0;
        r.insert(r.end(), {x + t, t, x});
    }
    RowView v{r.data(), 100, 1};
    PropensityOptions o;
    Effect e = aipw(v, o);
    EXPECT_FALSE(e.valid);
    EXPECT_NE(e.warning.find("0 or 1"), std::string::npos);
}

TEST(CausalEstimators, NoControlRowsGiveNoEstimate) {
    std::vector<double> r;
    for (int i = 0; i < 10; ++i) r.insert(r.end(), {double(i), 1.0, double(i % 3)});
    RowView v{r.data(), 10, 1};
    EXPECT_FALSE(ipw(v, {}).valid);
    EXPECT_FALSE(estimate_rows(v, "regression", {}).valid);
    Moments a, b;
    a.add(1);
    a.add(2);
    EXPECT_FALSE(diff_in_means(a, b, 0.05).valid);
}

TEST(CausalEstimators, BadAlphaThrows) {
    Moments a, b;
    for (int i = 0; i < 5; ++i) {
        a.add(i);
        b.add(i * 2);
    }
    EXPECT_THROW(diff_in_means(a, b, 1.5), ls::Error);
    EXPECT_THROW(diff_in_means(a, b, 0.0), ls::Error);
}

TEST(CausalEstimators, RefutationsOnAStrongEffect) {
    Data s = make_data();
    std::vector<double> r = rows(s);
    RowView v{r.data(), s.y.size(), 2};
    auto ref = refute(v, "aipw", {}, 7);
    ASSERT_EQ(ref.size(), 3u);
    EXPECT_EQ(ref[0].test, "placebo_treatment");
    EXPECT_LT(std::fabs(ref[0].new_estimate), 1.0);  // the effect (about 2) vanishes
    EXPECT_TRUE(ref[1].passed);
}

TEST(CausalEstimators, BalanceImprovesAfterWeighting) {
    Data s = make_data();
    std::vector<double> r = rows(s);
    RowView v{r.data(), s.y.size(), 2};
    auto b = balance(v, 0);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_GT(std::fabs(b[0].smd_before), 0.1);
    EXPECT_LT(std::fabs(b[0].smd_after), std::fabs(b[0].smd_before));
}
