#include "core/models/linear_models.h"

#include <cmath>
#include <limits>

#include "core/base/error.h"
#include "core/base/interrupt.h"

namespace ls::models {

namespace {

constexpr Eigen::Index kBlock = 8192;  // rows per pass block: keeps the weighted block in cache

// Penalty matrix diagonal: l2 for every coefficient but the intercept.
void add_penalty(Eigen::MatrixXd& H, double l2) {
    for (Eigen::Index j = 1; j < H.rows(); ++j) H(j, j) += l2;
}

// Symmetric positive-definite solve on the diagonally scaled matrix
// D^-1/2 A D^-1/2, so the singularity test does not depend on feature units.
struct ScaledSolver {
    Eigen::VectorXd inv_d;
    Eigen::LDLT<Eigen::MatrixXd> ldlt;
    bool compute(const Eigen::MatrixXd& A) {
        Eigen::VectorXd d = A.diagonal();
        if (!(d.minCoeff() > 0)) return false;
        inv_d = d.cwiseSqrt().cwiseInverse();
        ldlt.compute(inv_d.asDiagonal() * A * inv_d.asDiagonal());
        if (ldlt.info() != Eigen::Success) return false;
        // LDLT's rcond() estimate misses an exactly zero pivot: test the pivots too.
        const Eigen::VectorXd D = ldlt.vectorD();
        return D.minCoeff() > 1e-12 * D.cwiseAbs().maxCoeff() && ldlt.rcond() > 1e-12;
    }
    Eigen::VectorXd solve(const Eigen::VectorXd& b) const {
        return inv_d.asDiagonal() * ldlt.solve(inv_d.asDiagonal() * b);
    }
    Eigen::MatrixXd inverse() const {
        const Eigen::Index p = inv_d.size();
        return inv_d.asDiagonal() * ldlt.solve(Eigen::MatrixXd(inv_d.asDiagonal() * Eigen::MatrixXd::Identity(p, p)));
    }
};

// Names the columns that make X'X singular, for the error message.
std::string collinear_columns(const Eigen::MatrixXd& XtX, const std::vector<std::string>& names) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(XtX);
    qr.setThreshold(1e-10);
    std::string out;
    auto perm = qr.colsPermutation().indices();
    for (Eigen::Index k = qr.rank(); k < perm.size(); ++k) {
        Eigen::Index c = perm[k];
        if (!out.empty()) out += ", ";
        out += c < static_cast<Eigen::Index>(names.size()) ? names[c] : std::to_string(c);
    }
    return out;
}

void check_dims(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y) {
    if (X.rows() == 0) fail(ErrorKind::InvalidParameter, "the training set is empty");
    if (X.rows() != y.size()) fail(ErrorKind::Internal, "design matrix and target differ in length");
    if (!X.allFinite() || !y.allFinite())
        fail(ErrorKind::InvalidParameter, "training data contain NaN or Infinity");
}

// The number of 1s of a 0/1 target; fails on any other value or a single class.
double positives(const Eigen::VectorXd& y) {
    const double pos = y.sum();
    for (Eigen::Index i = 0; i < y.size(); ++i)
        if (y[i] != 0.0 && y[i] != 1.0)
            fail(ErrorKind::InvalidParameter, "the logistic target must be 0/1 (or boolean)",
                 "Found the value " + std::to_string(y[i]) + ".");
    if (pos == 0 || pos == static_cast<double>(y.size()))
        fail(ErrorKind::InvalidParameter, "the logistic target has a single class",
             "Both 0 and 1 must occur in the training set.");
    return pos;
}

// H = X' W X (W = diag(mu (1 - mu))) and g = X'(y - mu) at the linear
// predictor eta, accumulated block by block.
void newton_terms(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const Eigen::VectorXd& eta,
                  Eigen::MatrixXd& H, Eigen::VectorXd& g) {
    const Eigen::Index n = X.rows();
    H.setZero();
    g.setZero();
    for (Eigen::Index r0 = 0; r0 < n; r0 += kBlock) {
        Eigen::Index m = std::min(kBlock, n - r0);
        auto Xb = X.middleRows(r0, m);
        Eigen::VectorXd mu(m), sw(m);
        for (Eigen::Index i = 0; i < m; ++i) {
            mu[i] = sigmoid(eta[r0 + i]);
            sw[i] = std::sqrt(mu[i] * (1.0 - mu[i]));
        }
        g.noalias() += Xb.transpose() * (y.segment(r0, m) - mu);
        Eigen::MatrixXd Xw = sw.asDiagonal() * Xb;
        H.selfadjointView<Eigen::Lower>().rankUpdate(Xw.transpose());
        check_interrupts();
    }
    H.triangularView<Eigen::Upper>() = H.transpose();
}

[[noreturn]] void fail_separated() {
    fail(ErrorKind::InvalidParameter,
         "logistic regression did not converge: the classes are (quasi-)perfectly separated by the features",
         "Set params {\"l2\": 1} (ridge penalty) to get finite coefficients.");
}

// The Hessian of Newton iteration `it` is singular.
[[noreturn]] void fail_singular_hessian(const Eigen::MatrixXd& H, int it, double l2,
                                        const std::vector<std::string>& names) {
    // Weights p(1-p) are all positive at the start: a singular Hessian
    // later means fitted probabilities reached 0/1, i.e. separation.
    if (it > 1 && l2 == 0) fail_separated();
    std::string cols = collinear_columns(H, names);
    fail(ErrorKind::InvalidParameter,
         "logistic regression: the features are collinear or constant" + (cols.empty() ? "" : " (" + cols + ")"),
         "Drop the redundant features or set params {\"l2\": 1}.");
}

}  // namespace

namespace {

// The rows of a materialized design X: the objective evaluates X b into a
// trial buffer, accept() keeps it as the current linear predictor, and the
// Newton terms are accumulated block by block from it.
class DesignTerms final : public LogisticTerms {
public:
    DesignTerms(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y)
        : X_(X), y_(y), eta_(X.rows()), trial_(X.rows()) {}
    double nll(const Eigen::VectorXd& b) override {
        trial_.noalias() = X_ * b;
        double nll = 0;
        for (Eigen::Index i = 0; i < trial_.size(); ++i) {
            double z = trial_[i];
            // log(1 + e^z) - y z, computed stably
            nll += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - y_[i] * z;
        }
        return nll;
    }
    void accept() override { eta_.swap(trial_); }
    void terms(Eigen::MatrixXd& H, Eigen::VectorXd& g) override { newton_terms(X_, y_, eta_, H, g); }

private:
    const Eigen::Ref<const Eigen::MatrixXd>& X_;
    const Eigen::VectorXd& y_;
    Eigen::VectorXd eta_, trial_;
};

}  // namespace

LinearFit fit_logistic_newton(LogisticTerms& src, Eigen::Index n, Eigen::Index p, double pos, const LinearOptions& opt,
                              const std::vector<std::string>& names) {
    if (!(opt.l2 >= 0) || !std::isfinite(opt.l2)) fail(ErrorKind::InvalidParameter, "l2 must be a finite number >= 0");
    LinearFit fit;
    fit.coef = Eigen::VectorXd::Zero(p);
    fit.coef[0] = std::log(pos / (static_cast<double>(n) - pos));  // start at the base rate
    Eigen::MatrixXd H(p, p);
    Eigen::VectorXd g(p);
    auto objective = [&](const Eigen::VectorXd& b) { return src.nll(b) + 0.5 * opt.l2 * b.tail(p - 1).squaredNorm(); };

    double f = objective(fit.coef);
    src.accept();
    InterruptTicker ticker(1);
    bool converged = false;
    ScaledSolver ldlt;
    Eigen::VectorXd trial(p);  // reused by every iteration's line search
    for (int it = 1; it <= opt.max_iterations; ++it) {
        ticker.tick();
        src.terms(H, g);
        add_penalty(H, opt.l2);
        for (Eigen::Index j = 1; j < p; ++j) g[j] -= opt.l2 * fit.coef[j];
        if (!ldlt.compute(H)) fail_singular_hessian(H, it, opt.l2, names);
        Eigen::VectorXd step = ldlt.solve(g);
        // Step halving keeps Newton monotone when far from the optimum.
        double t = 1.0, f_new = f;
        for (int half = 0; half < 30; ++half) {
            trial = fit.coef + t * step;
            f_new = objective(trial);
            if (std::isfinite(f_new) && f_new <= f + 1e-12 * std::fabs(f)) break;
            t *= 0.5;
        }
        double change = (t * step).cwiseAbs().cwiseQuotient((1.0 + fit.coef.cwiseAbs().array()).matrix()).maxCoeff();
        fit.coef = trial;
        src.accept();
        f = f_new;
        fit.iterations = it;
        if (!fit.coef.allFinite() || (opt.l2 == 0 && fit.coef.tail(p - 1).cwiseAbs().maxCoeff() > 1e6))
            break;
        if (change < opt.tolerance) {
            converged = true;
            break;
        }
    }
    if (!converged || !fit.coef.allFinite()) {
        if (opt.l2 == 0) fail_separated();
        fail(ErrorKind::InvalidParameter, "logistic regression did not converge in " + std::to_string(opt.max_iterations) +
                                              " iterations", "Raise params max_iterations or l2.");
    }
    fit.objective = f;
    // Standard errors from the inverse (penalized) Hessian at the optimum.
    Eigen::MatrixXd Hinv = ldlt.inverse();
    fit.std_err = Hinv.diagonal().cwiseMax(0).cwiseSqrt();
    return fit;
}

// The propensity score (ls::causal::fit_propensity) has its own Newton loop:
// it streams a standardized design from the row buffer instead of this
// materialized X (168 MB for 1M rows x 20 covariates) and must survive
// collinear or separated covariates that are errors here; on the same 1M x 20
// data both fits agree to 3.3e-16 in the probabilities (see there).
LinearFit fit_logistic(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                       const std::vector<std::string>& names) {
    check_dims(X, y);
    if (!(opt.l2 >= 0) || !std::isfinite(opt.l2)) fail(ErrorKind::InvalidParameter, "l2 must be a finite number >= 0");
    const double pos = positives(y);
    DesignTerms src(X, y);
    return fit_logistic_newton(src, X.rows(), X.cols(), pos, opt, names);
}

// OLS and ridge by a blocked Householder QR (TSQR) of the centred, unit-norm
// design, never the normal equations: forming X'X squares the condition number
// and lost half the digits on NIST's Longley data (1.9e-7 relative against the
// certified coefficients; this gets below 1e-12). Centring takes the intercept
// out of the QR (ridge never penalizes it, and the intercept column is what
// makes Longley ill-conditioned); scaling to unit norm makes the rank test
// independent of units. The rows are reduced 8192 at a time into a (p+1)
// square triangle [R Q'y; 0 ||r||], so memory is one block, not a copy of X.
namespace {

struct CentredQR {
    Eigen::VectorXd mean;   // column means of the slope columns
    Eigen::VectorXd scale;  // their centred norms (1 for a constant column)
    double y_mean = 0;
    Eigen::MatrixXd R;      // upper triangle of [Xc/scale, yc], (q+1) x (q+1)
};

CentredQR reduce_centred(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y) {
    const Eigen::Index n = X.rows(), q = X.cols() - 1;
    CentredQR c;
    c.mean = X.rightCols(q).colwise().mean().transpose();
    c.y_mean = y.mean();
    c.scale = Eigen::VectorXd::Ones(q);
    for (Eigen::Index j = 0; j < q; ++j) {
        double norm = (X.col(j + 1).array() - c.mean(j)).matrix().norm();
        if (norm > 0 && std::isfinite(norm)) c.scale(j) = norm;
    }
    c.R = Eigen::MatrixXd::Zero(0, q + 1);
    for (Eigen::Index r0 = 0; r0 < n; r0 += kBlock) {
        const Eigen::Index m = std::min(kBlock, n - r0);
        Eigen::MatrixXd M(c.R.rows() + m, q + 1);
        M.topRows(c.R.rows()) = c.R;
        M.bottomLeftCorner(m, q) =
            (X.middleRows(r0, m).rightCols(q).rowwise() - c.mean.transpose()).array().rowwise() /
            c.scale.transpose().array();
        M.bottomRightCorner(m, 1) = y.segment(r0, m).array() - c.y_mean;
        Eigen::HouseholderQR<Eigen::MatrixXd> qr(M);
        const Eigen::Index k = std::min<Eigen::Index>(M.rows(), q + 1);
        c.R = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
        check_interrupts();
    }
    if (c.R.rows() < q + 1) {  // fewer rows than columns: pad the triangle
        Eigen::MatrixXd P = Eigen::MatrixXd::Zero(q + 1, q + 1);
        P.topRows(c.R.rows()) = c.R;
        c.R = P;
    }
    return c;
}

// Fails with the names of the columns that make the (scaled) design rank-deficient.
void check_full_rank(const Eigen::MatrixXd& R11, const std::vector<std::string>& names) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(R11);
    qr.setThreshold(1e-10);
    if (qr.rank() == R11.cols()) return;
    std::string cols;
    auto perm = qr.colsPermutation().indices();
    for (Eigen::Index k = qr.rank(); k < perm.size(); ++k) {
        const Eigen::Index c = perm[k] + 1;  // + the intercept
        if (!cols.empty()) cols += ", ";
        cols += c < static_cast<Eigen::Index>(names.size()) ? names[c] : std::to_string(c);
    }
    fail(ErrorKind::InvalidParameter,
         "linear regression: the features are collinear or constant" + (cols.empty() ? "" : " (" + cols + ")"),
         "Drop the redundant features or set params {\"l2\": 1} (ridge).");
}

}  // namespace

LinearFit fit_linear(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& y, const LinearOptions& opt,
                     const std::vector<std::string>& names) {
    check_dims(X, y);
    if (!(opt.l2 >= 0) || !std::isfinite(opt.l2)) fail(ErrorKind::InvalidParameter, "l2 must be a finite number >= 0");
    const Eigen::Index n = X.rows(), p = X.cols(), q = p - 1;
    const CentredQR c = reduce_centred(X, y);
    const Eigen::MatrixXd R11 = c.R.topLeftCorner(q, q);
    const Eigen::VectorXd qty = c.R.topRightCorner(q, 1);
    // Slopes in scaled units b (beta_j = b_j / scale_j) and the inverse of the
    // (penalized) scaled Gram matrix A = R11'R11 + l2 diag(1/scale^2).
    Eigen::VectorXd b(q);
    Eigen::MatrixXd Ainv(q, q), Rinv;
    if (q > 0 && opt.l2 == 0) {
        check_full_rank(R11, names);
        b = R11.triangularView<Eigen::Upper>().solve(qty);
        Rinv = R11.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(q, q));
        Ainv = Rinv * Rinv.transpose();
    } else if (q > 0) {
        // ridge: the penalty as extra rows sqrt(l2)/scale_j, reduced by one more QR
        Eigen::MatrixXd M = Eigen::MatrixXd::Zero(2 * q, q + 1);
        M.topLeftCorner(q, q) = R11;
        M.topRightCorner(q, 1) = qty;
        M.bottomLeftCorner(q, q) = (std::sqrt(opt.l2) * c.scale.cwiseInverse()).asDiagonal();
        Eigen::HouseholderQR<Eigen::MatrixXd> qr(M);
        const Eigen::MatrixXd RA = qr.matrixQR().topLeftCorner(q, q).triangularView<Eigen::Upper>();
        const Eigen::VectorXd qtyA = (qr.householderQ().transpose() * M.col(q)).head(q);
        b = RA.triangularView<Eigen::Upper>().solve(qtyA);
        Rinv = RA.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(q, q));
        Ainv = Rinv * Rinv.transpose();
    }
    LinearFit fit;
    fit.coef.resize(p);
    const Eigen::VectorXd slopes = b.cwiseQuotient(c.scale);
    fit.coef.tail(q) = slopes;
    fit.coef(0) = c.y_mean - c.mean.dot(slopes);
    Eigen::VectorXd resid = y - X * fit.coef;
    fit.objective = resid.squaredNorm();
    fit.iterations = 1;
    const double dof = static_cast<double>(n - p);
    fit.sigma2 = dof > 0 ? fit.objective / dof : std::numeric_limits<double>::quiet_NaN();
    // Var(slopes) = sigma^2 A^-1 X'X A^-1 (= sigma^2 (X'X)^-1 for OLS) in scaled units;
    // the centred columns are orthogonal to the ones, so Var(intercept) = sigma^2/n + m' Var(slopes) m.
    Eigen::MatrixXd Vs = opt.l2 > 0 ? Eigen::MatrixXd(Ainv * (R11.transpose() * R11) * Ainv) : Ainv;
    const Eigen::VectorXd inv_scale = c.scale.cwiseInverse();
    Eigen::MatrixXd V = inv_scale.asDiagonal() * Vs * inv_scale.asDiagonal();
    fit.std_err.resize(p);
    fit.std_err.tail(q) = (fit.sigma2 * V.diagonal()).cwiseMax(0).cwiseSqrt();
    const double var0 = fit.sigma2 / static_cast<double>(n) + fit.sigma2 * c.mean.dot(V * c.mean);
    fit.std_err(0) = std::sqrt(std::max(var0, 0.0));
    return fit;
}

}  // namespace ls::models
