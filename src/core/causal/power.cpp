#include "core/causal/power.h"

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>

#include "core/base/error.h"

namespace ls::power {

Kind parse_kind(const std::string& s) {
    if (s == "mean") return Kind::Mean;
    if (s == "proportion") return Kind::Proportion;
    fail(ErrorKind::InvalidParameter, "kind must be 'mean' or 'proportion', got \"" + s + "\"");
}

void validate(const Design& d) {
    if (!(d.alpha > 0 && d.alpha < 1))
        fail(ErrorKind::InvalidParameter, "alpha must be in (0, 1), got " + std::to_string(d.alpha));
    if (!(d.ratio > 0) || !std::isfinite(d.ratio))
        fail(ErrorKind::InvalidParameter, "ratio must be positive, got " + std::to_string(d.ratio));
    if (d.kind == Kind::Mean && (!(d.sd > 0) || !std::isfinite(d.sd)))
        fail(ErrorKind::InvalidParameter, "sd must be positive for kind 'mean'");
    if (d.kind == Kind::Proportion && !(d.baseline > 0 && d.baseline < 1))
        fail(ErrorKind::InvalidParameter, "baseline must be a proportion in (0, 1) for kind 'proportion'");
}

double effect_size(const Design& d, double mde) {
    if (d.kind == Kind::Mean) return mde / d.sd;
    double p2 = d.baseline + mde;
    if (!(p2 > 0 && p2 < 1))
        fail(ErrorKind::InvalidParameter, "baseline + mde must be a proportion in (0, 1)");
    // statsmodels proportion_effectsize(p2, p1): 2 asin(sqrt p2) - 2 asin(sqrt p1)
    return 2 * std::asin(std::sqrt(p2)) - 2 * std::asin(std::sqrt(d.baseline));
}

namespace {

double power_es(const Design& d, double es, double n1) {
    es = std::fabs(es);
    if (d.kind == Kind::Mean) {
        const double n2 = d.ratio * n1, df = n1 + n2 - 2;
        if (df <= 0) return NAN;
        const double nc = es * std::sqrt(n1 * n2 / (n1 + n2));
        boost::math::students_t t(df);
        const double crit = boost::math::quantile(boost::math::complement(t, d.alpha / 2));
        boost::math::non_central_t nct(df, nc);
        return boost::math::cdf(boost::math::complement(nct, crit)) + boost::math::cdf(nct, -crit);
    }
    const double nobs = 1.0 / (1.0 / n1 + 1.0 / (d.ratio * n1));
    boost::math::normal z;
    const double crit = boost::math::quantile(boost::math::complement(z, d.alpha / 2));
    const double s = es * std::sqrt(nobs);
    return boost::math::cdf(boost::math::complement(z, crit - s)) + boost::math::cdf(z, -crit - s);
}

void check_power(double p) {
    if (!(p > 0 && p < 1)) fail(ErrorKind::InvalidParameter, "power must be in (0, 1), got " + std::to_string(p));
}

template <class F>
double bisect_increasing(F f, double lo, double hi) {
    // f increasing, f(lo) < 0 < f(hi)
    boost::math::tools::eps_tolerance<double> tol(50);
    std::uintmax_t iters = 200;
    auto r = boost::math::tools::toms748_solve(f, lo, hi, tol, iters);
    return (r.first + r.second) / 2;
}

}  // namespace

double power(const Design& d, double mde, double n1) {
    validate(d);
    if (!(n1 > 1)) fail(ErrorKind::InvalidParameter, "n_control must be greater than 1");
    return power_es(d, effect_size(d, mde), n1);
}

double sample_size(const Design& d, double mde, double target) {
    validate(d);
    check_power(target);
    const double es = effect_size(d, mde);
    if (es == 0) fail(ErrorKind::InvalidParameter, "mde must be non-zero");
    if (target <= d.alpha)
        fail(ErrorKind::InvalidParameter, "power must exceed alpha");
    auto f = [&](double n) { return power_es(d, es, n) - target; };
    double lo = d.kind == Kind::Mean ? 1.0 + 1.0 / (1.0 + d.ratio) + 1e-9 : 1e-6, hi = 16;
    if (f(lo) >= 0) return lo;
    while (f(hi) < 0) {
        lo = hi;
        hi *= 4;
        if (hi > 1e13) fail(ErrorKind::NumericOutOfRange, "the required sample size exceeds 1e13");
    }
    return bisect_increasing(f, lo, hi);
}

double mde(const Design& d, double n1, double target) {
    validate(d);
    check_power(target);
    if (!(n1 > 1)) fail(ErrorKind::InvalidParameter, "n_control must be greater than 1");
    if (target <= d.alpha) fail(ErrorKind::InvalidParameter, "power must exceed alpha");
    auto f = [&](double es) { return power_es(d, es, n1) - target; };
    double hi = 1;
    while (f(hi) < 0) {
        hi *= 2;
        if (hi > 1e6) fail(ErrorKind::NumericOutOfRange, "no detectable effect at this sample size");
    }
    double es = bisect_increasing(f, 0.0, hi);
    if (d.kind == Kind::Mean) return es * d.sd;
    // invert Cohen's h upward from the baseline
    double a = std::asin(std::sqrt(d.baseline)) + es / 2;
    if (a >= M_PI / 2) fail(ErrorKind::NumericOutOfRange, "no detectable increase of this proportion");
    double s = std::sin(a);
    return s * s - d.baseline;
}

double design_effect(double m, double icc) {
    if (!(m >= 1)) fail(ErrorKind::InvalidParameter, "cluster_size must be at least 1");
    if (!(icc >= 0 && icc <= 1)) fail(ErrorKind::InvalidParameter, "icc must be in [0, 1]");
    return 1 + (m - 1) * icc;
}

}  // namespace ls::power
