#include "core/causal/propensity_terms.h"

#include <algorithm>
#include <cmath>

#include "core/base/error.h"

namespace ls::causal {

using Eigen::MatrixXd;
using Eigen::VectorXd;

Scaler scaler_from_moments(const std::vector<Moments>& m) {
    Scaler s;
    for (std::size_t j = 0; j < m.size(); ++j) {
        double sd = std::sqrt(m[j].n > 0 ? m[j].m2 / m[j].n : 0.0);
        if (sd > 1e-12 * std::max(1.0, std::fabs(m[j].mean))) {
            s.cols.push_back(j);
            s.mean.push_back(m[j].mean);
            s.inv_sd.push_back(1.0 / sd);
        }
    }
    return s;
}

namespace {

VectorXd solve_psd(const MatrixXd& h, const VectorXd& g) {
    Eigen::LDLT<MatrixXd> ldlt(h);
    if (ldlt.info() == Eigen::Success && ldlt.isPositive()) {
        VectorXd d = ldlt.solve(g);
        if (d.allFinite() && (h * d - g).norm() <= 1e-8 * (g.norm() + 1e-300) + 1e-12) return d;
    }
    Eigen::CompleteOrthogonalDecomposition<MatrixXd> cod(h);
    return cod.solve(g);
}

}  // namespace

NewtonResult newton_propensity(std::size_t q, double tbar, const NewtonTerms& terms) {
    NewtonResult out;
    VectorXd beta = VectorXd::Zero(static_cast<Eigen::Index>(q)), step = beta;
    if (tbar > 0 && tbar < 1) beta(0) = std::log(tbar / (1 - tbar));
    double prev_ll = -INFINITY;
    MatrixXd h(q, q);
    VectorXd g(q);
    for (int it = 0; it < 100; ++it) {
        h.setZero();
        g.setZero();
        double ll = 0;
        terms(beta, h, g, ll);
        h = h.selfadjointView<Eigen::Lower>();
        out.iterations = it + 1;
        if (it > 0 && ll < prev_ll - 1e-10 * std::fabs(prev_ll)) {
            // overshoot: halve the last step and re-evaluate
            step *= 0.5;
            beta -= step;
            if (step.lpNorm<Eigen::Infinity>() < 1e-14) break;
            continue;
        }
        step = solve_psd(h, g);
        beta += step;
        bool small_step = step.lpNorm<Eigen::Infinity>() < 1e-10;
        bool flat = it > 0 && std::fabs(ll - prev_ll) < 1e-15 * std::max(1.0, std::fabs(ll)) &&
                    step.lpNorm<Eigen::Infinity>() < 1e-6;
        prev_ll = ll;
        if (small_step || flat) {
            out.converged = true;
            break;
        }
    }
    out.beta = beta;
    return out;
}

void add_ipw_sandwich(const double* zp, std::size_t q, double e, double t, double y, double mu1, double mu0, bool att,
                      double* jac_p, double* bmat_p) {
    const Eigen::Index dim = static_cast<Eigen::Index>(q + 2), qq = static_cast<Eigen::Index>(q);
    Eigen::Map<const VectorXd> zi(zp, qq);
    Eigen::Map<MatrixXd> jac(jac_p, dim, dim), bmat(bmat_p, dim, dim);
    const double odds = e / (1 - e);
    double gi_stack[66];
    std::vector<double> gi_heap;
    double* gp = gi_stack;
    if (dim > 66) {
        gi_heap.resize(static_cast<std::size_t>(dim));
        gp = gi_heap.data();
    }
    Eigen::Map<VectorXd> gi(gp, dim);
    gi.head(qq) = (t - e) * zi;
    jac.topLeftCorner(qq, qq).noalias() -= e * (1 - e) * zi * zi.transpose();
    if (att) {
        gi(qq) = t * (y - mu1);
        gi(qq + 1) = (1 - t) * odds * (y - mu0);
        jac(qq, qq) -= t;
        jac.block(qq + 1, 0, 1, qq).noalias() += ((1 - t) * (y - mu0) * odds) * zi.transpose();
        jac(qq + 1, qq + 1) -= (1 - t) * odds;
    } else {
        gi(qq) = t * (y - mu1) / e;
        gi(qq + 1) = (1 - t) * (y - mu0) / (1 - e);
        jac.block(qq, 0, 1, qq).noalias() += (-t * (y - mu1) * (1 - e) / e) * zi.transpose();
        jac(qq, qq) -= t / e;
        jac.block(qq + 1, 0, 1, qq).noalias() += ((1 - t) * (y - mu0) * odds) * zi.transpose();
        jac(qq + 1, qq + 1) -= (1 - t) / (1 - e);
    }
    bmat.noalias() += gi * gi.transpose();
}

double ipw_variance(const double* jac_sum, const double* bmat_sum, std::size_t q, double n) {
    const Eigen::Index dim = static_cast<Eigen::Index>(q + 2), qq = static_cast<Eigen::Index>(q);
    MatrixXd jac = Eigen::Map<const MatrixXd>(jac_sum, dim, dim) / n;
    MatrixXd bmat = Eigen::Map<const MatrixXd>(bmat_sum, dim, dim) / n;
    Eigen::CompleteOrthogonalDecomposition<MatrixXd> cod(jac);
    MatrixXd jinv = cod.pseudoInverse();
    MatrixXd v = jinv * bmat * jinv.transpose() / n;
    return v(qq, qq) + v(qq + 1, qq + 1) - 2 * v(qq, qq + 1);
}

ArmModel arm_from_comoments(const CoMoments& cm, std::size_t k) {
    ArmModel m;
    m.beta.assign(k, 0.0);
    if (k == 0) {
        m.intercept = cm.mean()[0];
        return m;
    }
    // With fewer rows than parameters the fit is still the minimum-norm
    // least-squares one (pinv), as statsmodels would give.
    OlsFit f = ols_from_comoments(cm);
    if (!f.beta.empty()) {
        m.beta = f.beta;
        m.intercept = f.intercept;
    } else {
        m.intercept = cm.mean()[0];
    }
    return m;
}

BalanceRow balance_row(std::size_t covariate, const Moments& a, const Moments& b, const Moments& aw, const Moments& bw,
                       bool weighted) {
    BalanceRow br;
    br.covariate = static_cast<int>(covariate + 1);
    br.mean_treated = a.mean;
    br.mean_control = b.mean;
    double sd = std::sqrt((a.var() + b.var()) / 2);
    br.smd_before = sd > 0 ? (a.mean - b.mean) / sd : 0;
    if (weighted) {
        br.mean_treated_weighted = aw.mean;
        br.mean_control_weighted = bw.mean;
        br.smd_after = sd > 0 ? (aw.mean - bw.mean) / sd : 0;
    } else {
        br.mean_treated_weighted = br.mean_control_weighted = br.smd_after = NAN;
    }
    return br;
}

void overlap_init(double* s) {
    std::fill(s, s + kOverlapSums, 0.0);
    s[1] = s[3] = 1;  // minima start at 1, maxima at 0
}

void overlap_add(double* s, double e, bool treated) {
    if (e < 0.05 || e > 0.95) s[0] += 1;
    if (treated) {
        s[1] = std::min(s[1], e);
        s[2] = std::max(s[2], e);
        s[5] += 1 / e;
        s[6] += 1 / (e * e);
    } else {
        s[3] = std::min(s[3], e);
        s[4] = std::max(s[4], e);
        s[7] += 1 / (1 - e);
        s[8] += 1 / ((1 - e) * (1 - e));
    }
}

void overlap_merge(double* a, const double* b) {
    a[0] += b[0];
    a[1] = std::min(a[1], b[1]);
    a[2] = std::max(a[2], b[2]);
    a[3] = std::min(a[3], b[3]);
    a[4] = std::max(a[4], b[4]);
    for (std::size_t i = 5; i < kOverlapSums; ++i) a[i] += b[i];
}

Overlap overlap_from_sums(const double* s, long long n1, long long n0, bool converged) {
    Overlap ov;
    ov.n_treated = n1;
    ov.n_control = n0;
    ov.converged = converged;
    ov.min_treated = s[1];
    ov.max_treated = s[2];
    ov.min_control = s[3];
    ov.max_control = s[4];
    ov.share_extreme = s[0] / static_cast<double>(n1 + n0);
    ov.ess_treated = std::isfinite(s[6]) && s[6] > 0 ? s[5] * s[5] / s[6] : 0;
    ov.ess_control = std::isfinite(s[8]) && s[8] > 0 ? s[7] * s[7] / s[8] : 0;
    return ov;
}

Effect empty_effect(const std::string& method, long long n1, long long n0, const std::string& why) {
    Effect e;
    e.method = method;
    e.n_treated = n1;
    e.n_control = n0;
    e.warning = method + ": " + why;
    return e;
}

Effect propensity_effect(double est, double se, double alpha, long long n1, long long n0, bool converged,
                         const std::string& method) {
    Effect e = make_effect(est, se, 0, alpha, n1, n0, method);
    if (!converged) e.warning = method + ": the propensity model did not converge";
    return e;
}

void check_trim(double trim, const std::string& method) {
    if (!(trim >= 0 && trim < 0.5))
        fail(ErrorKind::InvalidParameter, method + ": trim must be in [0, 0.5), got " + std::to_string(trim));
}

std::string arm_count_problem(long long n1, long long n0, bool after_trim) {
    if (n1 >= 2 && n0 >= 2) return {};
    return (after_trim ? "too few rows left after trimming (treated " : "needs at least two treated and two control rows (treated ") +
           std::to_string(n1) + ", control " + std::to_string(n0) + ")";
}

std::string overlap_problem(double lo, double hi, bool att) {
    // the ATT weights controls by e/(1-e): only propensities near 1 break it
    if ((!att && lo < kExtremePropensity) || hi > 1 - kExtremePropensity)
        return "propensity scores of 0 or 1 (no overlap: the covariates separate treated from control); "
               "pass a trim such as 0.01 or drop the separating covariate";
    return {};
}

}  // namespace ls::causal
