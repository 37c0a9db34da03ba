#include "core/causal/causal_stats.h"

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "core/base/error.h"

namespace ls::causal {

void check_alpha(double alpha, const char* name) {
    if (!(alpha > 0.0 && alpha < 1.0))
        fail(ErrorKind::InvalidParameter, std::string(name) + " must be in (0, 1), got " + std::to_string(alpha));
}

Effect make_effect(double estimate, double se, double df, double alpha, long long n1, long long n0,
                   const std::string& method) {
    check_alpha(alpha);
    Effect e;
    e.method = method;
    e.n_treated = n1;
    e.n_control = n0;
    if (!std::isfinite(estimate) || !std::isfinite(se) || se < 0) {
        e.warning = method + ": the estimate is not finite";
        return e;
    }
    e.estimate = estimate;
    e.std_error = se;
    double q, p;
    if (se == 0) {
        q = 0;
        p = estimate == 0 ? 1.0 : 0.0;
    } else if (df > 0) {
        boost::math::students_t dist(df);
        q = boost::math::quantile(boost::math::complement(dist, alpha / 2));
        p = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(estimate / se)));
    } else {
        boost::math::normal dist;
        q = boost::math::quantile(boost::math::complement(dist, alpha / 2));
        p = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(estimate / se)));
    }
    e.ci_low = estimate - q * se;
    e.ci_high = estimate + q * se;
    e.p_value = p;
    e.valid = true;
    return e;
}

void Moments::add(double x, double w) {
    double n_new = n + w;
    double delta = x - mean;
    mean += delta * w / n_new;
    m2 += w * delta * (x - mean);
    n = n_new;
}

void Moments::merge(const Moments& o) {
    if (o.n == 0) return;
    if (n == 0) {
        *this = o;
        return;
    }
    double nn = n + o.n, delta = o.mean - mean;
    mean += delta * o.n / nn;
    m2 += o.m2 + delta * delta * n * o.n / nn;
    n = nn;
}

WelchResult welch(const Moments& a, const Moments& b) {
    WelchResult r;
    r.mean_a = a.mean;
    r.mean_b = b.mean;
    if (a.n < 2 || b.n < 2) return r;
    double va = a.var() / a.n, vb = b.var() / b.n, se2 = va + vb;
    if (!(se2 > 0)) return r;
    r.t = (a.mean - b.mean) / std::sqrt(se2);
    r.df = se2 * se2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1));
    boost::math::students_t dist(r.df);
    r.p_value = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(r.t)));
    r.valid = true;
    return r;
}

Effect diff_in_means(const Moments& treated, const Moments& control, double alpha) {
    check_alpha(alpha);
    auto n1 = static_cast<long long>(treated.n), n0 = static_cast<long long>(control.n);
    if (treated.n < 2 || control.n < 2) {
        Effect e;
        e.method = "diff";
        e.n_treated = n1;
        e.n_control = n0;
        e.warning = "ate_diff: needs at least two treated and two control rows (treated " + std::to_string(n1) +
                    ", control " + std::to_string(n0) + ")";
        return e;
    }
    double va = treated.var() / treated.n, vb = control.var() / control.n, se2 = va + vb;
    double df = se2 > 0 ? se2 * se2 / (va * va / (treated.n - 1) + vb * vb / (control.n - 1)) : 0;
    return make_effect(treated.mean - control.mean, std::sqrt(se2), df, alpha, n1, n0, "diff");
}

// --- co-moments -------------------------------------------------------------

void CoMoments::add(const double* x) {
    double n_new = buf_[0] + 1;
    double* mean = buf_ + 1;
    double* c = buf_ + 1 + d_;
    // delta before the mean update, times (x - new mean) = delta * (n-1)/n
    double f = (n_new - 1) / n_new;
    double delta_stack[64];
    std::vector<double> delta_heap;
    double* delta = delta_stack;
    if (d_ > 64) {
        delta_heap.resize(d_);
        delta = delta_heap.data();
    }
    for (std::size_t i = 0; i < d_; ++i) {
        delta[i] = x[i] - mean[i];
        mean[i] += delta[i] / n_new;
    }
    std::size_t k = 0;
    for (std::size_t i = 0; i < d_; ++i) {
        double di = delta[i] * f;
        for (std::size_t j = i; j < d_; ++j) c[k++] += di * delta[j];
    }
    buf_[0] = n_new;
}

void CoMoments::merge(const double* o) {
    double nb = o[0];
    if (nb == 0) return;
    double na = buf_[0];
    std::size_t total = buffer_size(d_);
    if (na == 0) {
        for (std::size_t i = 0; i < total; ++i) buf_[i] = o[i];
        return;
    }
    double nn = na + nb, f = na * nb / nn;
    double* mean = buf_ + 1;
    const double* mb = o + 1;
    double* c = buf_ + 1 + d_;
    const double* cb = o + 1 + d_;
    std::size_t k = 0;
    for (std::size_t i = 0; i < d_; ++i)
        for (std::size_t j = i; j < d_; ++j, ++k) c[k] += cb[k] + f * (mb[i] - mean[i]) * (mb[j] - mean[j]);
    for (std::size_t i = 0; i < d_; ++i) mean[i] += (mb[i] - mean[i]) * nb / nn;
    buf_[0] = nn;
}

double CoMoments::c(std::size_t i, std::size_t j) const {
    if (i > j) std::swap(i, j);
    // packed index of (i, j), i <= j: rows 0..i-1 hold d + (d-1) + ... entries
    std::size_t off = i * d_ - i * (i - 1) / 2;
    return buf_[1 + d_ + off + (j - i)];
}

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

MatrixXd sub(const CoMoments& m, const std::vector<std::size_t>& r, const std::vector<std::size_t>& c) {
    MatrixXd out(r.size(), c.size());
    for (std::size_t i = 0; i < r.size(); ++i)
        for (std::size_t j = 0; j < c.size(); ++j) out(i, j) = m.c(r[i], c[j]);
    return out;
}

// Pseudo-inverse of a symmetric PSD matrix after scaling it to unit diagonal
// (a covariance -> correlation), so that columns in dollars and indicators are
// treated alike; zero-variance columns get a zero row/column (as pinv does).
MatrixXd pinv_scaled(const MatrixXd& a) {
    const Eigen::Index p = a.rows();
    if (p == 0) return MatrixXd(0, 0);
    VectorXd s(p);
    double maxd = a.diagonal().maxCoeff();
    for (Eigen::Index i = 0; i < p; ++i) s(i) = a(i, i) > 1e-14 * maxd && a(i, i) > 0 ? 1.0 / std::sqrt(a(i, i)) : 0.0;
    MatrixXd as = s.asDiagonal() * a * s.asDiagonal();
    Eigen::CompleteOrthogonalDecomposition<MatrixXd> cod(as);
    cod.setThreshold(1e-11);
    return s.asDiagonal() * cod.pseudoInverse() * s.asDiagonal();
}

// Residual sum of squares of regressing `target` on `regs` (with intercept).
double rss_of(const CoMoments& m, std::size_t target, const std::vector<std::size_t>& regs) {
    double ctt = m.c(target, target);
    if (regs.empty()) return ctt;
    MatrixXd crr = sub(m, regs, regs);
    MatrixXd crt = sub(m, regs, {target});
    return ctt - (crt.transpose() * pinv_scaled(crr) * crt)(0, 0);
}

}  // namespace

OlsFit ols_from_comoments(const CoMoments& m) {
    OlsFit f;
    const std::size_t d = m.dim();
    if (d < 2) return f;
    std::vector<std::size_t> xs;
    for (std::size_t i = 1; i < d; ++i) xs.push_back(i);
    const std::size_t p = xs.size();
    f.df_resid = m.n() - static_cast<double>(p) - 1;
    if (f.df_resid <= 0) return f;
    MatrixXd cxx = sub(m, xs, xs);
    VectorXd cxy = sub(m, xs, {0}).col(0);
    MatrixXd inv = pinv_scaled(cxx);
    VectorXd b = inv * cxy;
    f.rss = m.c(0, 0) - b.dot(cxy);
    if (f.rss < 0) f.rss = 0;
    double sigma2 = f.rss / f.df_resid;
    f.beta.assign(b.data(), b.data() + p);
    f.se.resize(p);
    for (std::size_t i = 0; i < p; ++i) f.se[i] = std::sqrt(std::max(0.0, sigma2 * inv(i, i)));
    f.intercept = m.mean()[0];
    for (std::size_t i = 0; i < p; ++i) f.intercept -= b(i) * m.mean()[xs[i]];
    f.ok = true;
    return f;
}

IvFit tsls_from_comoments(const CoMoments& m, std::size_t n_instruments) {
    IvFit f;
    const std::size_t d = m.dim();
    if (d < 3 || n_instruments < 1 || 2 + n_instruments > d) {
        f.problem = "bad layout";
        return f;
    }
    std::vector<std::size_t> zs, ws;
    for (std::size_t i = 2; i < 2 + n_instruments; ++i) zs.push_back(i);
    for (std::size_t i = 2 + n_instruments; i < d; ++i) ws.push_back(i);
    std::vector<std::size_t> xs{1}, zall = zs;
    xs.insert(xs.end(), ws.begin(), ws.end());
    zall.insert(zall.end(), ws.begin(), ws.end());
    const double n = m.n();
    f.df_resid = n - static_cast<double>(xs.size()) - 1;
    if (f.df_resid <= 0) {
        f.problem = "too few rows";
        return f;
    }
    // first stage: the excluded instruments' partial F
    double rss_u = rss_of(m, 1, zall), rss_r = rss_of(m, 1, ws);
    double df_u = n - static_cast<double>(zall.size()) - 1;
    double ctt = m.c(1, 1);
    if (!(ctt > 0)) {
        f.problem = "the treatment is constant";
        return f;
    }
    if (!(rss_r - rss_u > 1e-12 * ctt)) {
        f.problem = "the instrument is constant or collinear with the covariates";
        return f;
    }
    f.first_stage_f = df_u > 0 && rss_u > 0 ? ((rss_r - rss_u) / n_instruments) / (rss_u / df_u)
                                             : std::numeric_limits<double>::infinity();
    {
        MatrixXd czz = sub(m, zall, zall);
        VectorXd czd = sub(m, zall, {1}).col(0);
        VectorXd g = pinv_scaled(czz) * czd;
        f.first_stage_coef = g(0);
    }
    MatrixXd cxz = sub(m, xs, zall), czz = sub(m, zall, zall), czy = sub(m, zall, {0});
    MatrixXd czz_inv = pinv_scaled(czz);
    MatrixXd a = cxz * czz_inv * cxz.transpose();
    MatrixXd a_inv = pinv_scaled(a);
    VectorXd b = a_inv * (cxz * czz_inv * czy).col(0);
    MatrixXd cxx = sub(m, xs, xs);
    VectorXd cxy = sub(m, xs, {0}).col(0);
    double rss = m.c(0, 0) - 2 * b.dot(cxy) + b.dot(cxx * b);
    if (rss < 0) rss = 0;
    f.beta = b(0);
    f.se = std::sqrt(std::max(0.0, rss / f.df_resid * a_inv(0, 0)));
    f.ok = std::isfinite(f.beta) && std::isfinite(f.se);
    if (!f.ok) f.problem = "2SLS is not identified";
    return f;
}

}  // namespace ls::causal
