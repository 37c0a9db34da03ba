#include "core/causal/propensity_passes.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/base/sigmoid.h"
#include "core/causal/causal_state.h"
#include "core/causal/propensity_terms.h"

namespace ls::causal {

namespace {

constexpr std::size_t kHeader = 5;              // kind, k, q, trim, extra length
constexpr std::size_t kMaxPassCovariates = kMaxCovariates;  // as the moment aggregates (causal_state.h)
constexpr std::size_t kMaxPayload = std::size_t(8) << 20;  // doubles (64 MB) in one state, as a moment state of 4096 covariates
constexpr std::size_t kArmsFixed = 8;           // n1, n0, lo, hi, s1, s1y, s0, s0y

bool integral(double v, double lo, double hi) { return std::isfinite(v) && v == std::floor(v) && v >= lo && v <= hi; }

[[noreturn]] void bad(const std::string& what) {
    fail(ErrorKind::InvalidBinary, "malformed propensity pass: " + what,
         "The pass arrays are made by ate_from_table; do not call the pass aggregate by hand.");
}

// A read-only view of encoded params, with every size checked.
struct ParamView {
    const double* p = nullptr;
    std::size_t len = 0;
    PassKind kind = PassKind::Scale;
    std::size_t k = 0, q = 1, nbeta = 0, extra_len = 0;
    double trim = 0;
    const double* cols = nullptr;
    const double* mean = nullptr;
    const double* inv_sd = nullptr;
    const double* beta = nullptr;
    const double* extra = nullptr;

    std::size_t dim() const { return q + 2; }
    std::size_t comoments() const { return CoMoments::buffer_size(k + 1); }
    bool with_arms() const { return kind == PassKind::Arms && extra[0] != 0; }
    std::size_t payload() const {
        switch (kind) {
            case PassKind::Scale: return 2 + 2 * k;
            case PassKind::Newton: return 1 + q + q * q;
            case PassKind::Arms: return kArmsFixed + (with_arms() ? 2 * comoments() : 0);
            case PassKind::Sandwich: return 2 * dim() * dim();
            case PassKind::Psi: return 3;
            case PassKind::Balance: return 12 * k;
            case PassKind::Overlap: return kOverlapSums;
        }
        return 0;
    }
    // The design row z = [1, standardized x] into z[0..q).
    void design(const double* x, double* z) const {
        z[0] = 1.0;
        for (std::size_t j = 0; j + 1 < q; ++j) z[j + 1] = (x[static_cast<std::size_t>(cols[j])] - mean[j]) * inv_sd[j];
    }
    double eta(const double* z) const {
        double a = 0;
        for (std::size_t j = 0; j < q; ++j) a += z[j] * beta[j];
        return a;
    }
    bool kept(double e) const { return !(trim > 0 && (e < trim || e > 1 - trim)); }
};

ParamView view_params(const double* p, std::size_t len) {
    if (len < kHeader) bad("too short");
    ParamView v;
    v.p = p;
    v.len = len;
    if (!integral(p[0], 1, 7)) bad("unknown pass");
    v.kind = static_cast<PassKind>(static_cast<int>(p[0]));
    if (!integral(p[1], 0, double(kMaxPassCovariates))) bad("covariate count");
    v.k = static_cast<std::size_t>(p[1]);
    if (!integral(p[2], 1, double(v.k) + 1)) bad("design width");
    v.q = static_cast<std::size_t>(p[2]);
    v.trim = p[3];
    if (!(v.trim >= 0 && v.trim < 0.5)) bad("trim");
    if (!integral(p[4], 0, double(2 * kMaxPassCovariates + 2))) bad("extra length");
    v.extra_len = static_cast<std::size_t>(p[4]);
    v.nbeta = v.kind == PassKind::Scale ? 0 : v.q;
    std::size_t want_extra = 0;
    switch (v.kind) {
        case PassKind::Scale:
            if (v.q != 1) bad("the scale pass has no design");
            break;
        case PassKind::Newton: break;
        case PassKind::Arms: want_extra = 1; break;
        case PassKind::Sandwich: want_extra = 2; break;
        case PassKind::Psi: want_extra = 2 * (v.k + 1); break;
        case PassKind::Balance: want_extra = 1; break;
        case PassKind::Overlap: break;
    }
    if (v.extra_len != want_extra) bad("extra length");
    if (len != kHeader + 3 * (v.q - 1) + v.nbeta + v.extra_len) bad("length");
    v.cols = p + kHeader;
    v.mean = v.cols + (v.q - 1);
    v.inv_sd = v.mean + (v.q - 1);
    v.beta = v.inv_sd + (v.q - 1);
    v.extra = v.beta + v.nbeta;
    for (std::size_t j = 0; j + 1 < v.q; ++j) {
        if (!integral(v.cols[j], j == 0 ? 0 : v.cols[j - 1] + 1, double(v.k) - 1)) bad("covariate columns");
        if (!std::isfinite(v.mean[j]) || !std::isfinite(v.inv_sd[j]) || !(v.inv_sd[j] > 0)) bad("scaler");
    }
    for (std::size_t j = 0; j < v.nbeta + v.extra_len; ++j)
        if (!std::isfinite(v.beta[j])) bad("coefficients");
    if (v.payload() > kMaxPayload)
        fail(ErrorKind::ProgramLimitExceeded, "too many covariates for the multi-pass estimators (" + std::to_string(v.k) + ")");
    return v;
}

// The params and payload of a checked state.
struct StateView {
    ParamView params;
    double* payload;
};

StateView view_state(double* s, std::size_t len) {
    if (len < 1 + kHeader || !integral(s[0], double(kHeader), double(len - 1))) bad("state header");
    const std::size_t L = static_cast<std::size_t>(s[0]);
    ParamView pv = view_params(s + 1, L);
    if (len != 1 + L + pv.payload()) bad("state length");
    return {pv, s + 1 + L};
}

// A small scratch vector on the stack (the common case) or the heap.
struct Scratch {
    double stack[64];
    std::vector<double> heap;
    double* get(std::size_t n) {
        if (n <= 64) return stack;
        heap.resize(n);
        return heap.data();
    }
};

void add_scale(const ParamView& v, double* pay, double t, const double* x) {
    // [n, tsum, mean(k), m2(k)]: Welford per column, as make_scaler does
    const double n = pay[0] + 1;
    pay[0] = n;
    pay[1] += t;
    double* mean = pay + 2;
    double* m2 = mean + v.k;
    for (std::size_t j = 0; j < v.k; ++j) {
        const double d = x[j] - mean[j];
        mean[j] += d / n;
        m2[j] += d * (x[j] - mean[j]);
    }
}

void add_newton(const ParamView& v, double* pay, double t, const double* z) {
    // [ll, g(q), H(q x q, lower triangle)]
    const double a = v.eta(z), u = std::exp(-std::fabs(a));
    const double e = a >= 0 ? 1.0 / (1.0 + u) : u / (1.0 + u);
    pay[0] += t * a - (a > 0 ? a + std::log1p(u) : std::log1p(u));
    double* g = pay + 1;
    double* h = g + v.q;
    const double r = t - e, w = e * (1 - e);
    for (std::size_t i = 0; i < v.q; ++i) {
        g[i] += r * z[i];
        const double wz = w * z[i];
        double* col = h + i * v.q;  // column i, rows i..q-1
        for (std::size_t j = i; j < v.q; ++j) col[j] += wz * z[j];
    }
}

void add_arms(const ParamView& v, double* pay, double y, double t, const double* x, double e, Scratch& sc) {
    // [n1, n0, lo, hi, s1, s1y, s0, s0y, co-moments of [y, x] for control, treated]
    const bool treated = t > 0.5;
    pay[treated ? 0 : 1] += 1;
    pay[2] = std::min(pay[2], e);
    pay[3] = std::max(pay[3], e);
    const double w1 = t / e, w0 = (1 - t) / (1 - e);
    pay[4] += w1;
    pay[5] += w1 * y;
    pay[6] += w0;
    pay[7] += w0 * y;
    if (!v.with_arms()) return;
    double* row = sc.get(v.k + 1);
    row[0] = y;
    std::copy(x, x + v.k, row + 1);
    CoMoments(pay + kArmsFixed + (treated ? v.comoments() : 0), v.k + 1).add(row);
}

void add_psi(const ParamView& v, double* pay, double y, double t, const double* x, double e) {
    const double* m1 = v.extra;           // intercept, beta(k) of the treated arm
    const double* m0 = v.extra + v.k + 1;  // of the control arm
    double mu1 = m1[0], mu0 = m0[0];
    for (std::size_t j = 0; j < v.k; ++j) {
        mu1 += m1[j + 1] * x[j];
        mu0 += m0[j + 1] * x[j];
    }
    const double psi = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e);
    Moments m{pay[0], pay[1], pay[2]};
    m.add(psi);
    pay[0] = m.n;
    pay[1] = m.mean;
    pay[2] = m.m2;
}

void add_balance(const ParamView& v, double* pay, double t, const double* x, double e) {
    // per covariate: treated, control, treated weighted 1/e, control weighted 1/(1-e) (n, mean, m2 each)
    const bool treated = t > 0.5, weighted = v.extra[0] != 0;
    for (std::size_t j = 0; j < v.k; ++j) {
        double* g = pay + 12 * j;
        Moments m{g[treated ? 0 : 3], g[treated ? 1 : 4], g[treated ? 2 : 5]};
        m.add(x[j]);
        double* o = g + (treated ? 0 : 3);
        o[0] = m.n, o[1] = m.mean, o[2] = m.m2;
        if (!weighted) continue;
        double* w = g + (treated ? 6 : 9);
        Moments mw{w[0], w[1], w[2]};
        mw.add(x[j], treated ? 1 / e : 1 / (1 - e));
        w[0] = mw.n, w[1] = mw.mean, w[2] = mw.m2;
    }
}

void merge_moments(double* a, const double* b, std::size_t groups) {
    for (std::size_t i = 0; i < groups; ++i) {
        Moments m{a[3 * i], a[3 * i + 1], a[3 * i + 2]};
        m.merge(Moments{b[3 * i], b[3 * i + 1], b[3 * i + 2]});
        a[3 * i] = m.n, a[3 * i + 1] = m.mean, a[3 * i + 2] = m.m2;
    }
}

void init_payload(const ParamView& v, double* pay) {
    std::fill(pay, pay + v.payload(), 0.0);
    if (v.kind == PassKind::Arms) {
        pay[2] = 1;  // lo
        pay[3] = 0;  // hi
    }
    if (v.kind == PassKind::Overlap) overlap_init(pay);
}

}  // namespace

std::vector<double> PassParams::encode() const {
    const std::size_t q = kind == PassKind::Scale ? 1 : scaler.q();
    std::vector<double> p{double(static_cast<int>(kind)), double(k), double(q), trim, double(extra.size())};
    if (kind != PassKind::Scale) {
        for (std::size_t c : scaler.cols) p.push_back(double(c));
        p.insert(p.end(), scaler.mean.begin(), scaler.mean.end());
        p.insert(p.end(), scaler.inv_sd.begin(), scaler.inv_sd.end());
        p.insert(p.end(), beta.begin(), beta.end());
    }
    p.insert(p.end(), extra.begin(), extra.end());
    return p;
}

std::vector<double> pass_initial_state(const double* params, std::size_t len) {
    ParamView v = view_params(params, len);
    std::vector<double> s(1 + len + v.payload());
    s[0] = double(len);
    std::copy(params, params + len, s.begin() + 1);
    init_payload(v, s.data() + 1 + len);
    return s;
}

void pass_check_state(const double* state, std::size_t len) { view_state(const_cast<double*>(state), len); }

void pass_add_row(double* state, std::size_t len, double y, double t, const double* x, std::size_t k) {
    StateView s = view_state(state, len);
    const ParamView& v = s.params;
    if (k != v.k) bad("the row has " + std::to_string(k) + " covariates, the pass " + std::to_string(v.k));
    bool finite = std::isfinite(y);
    for (std::size_t j = 0; j < k && finite; ++j) finite = std::isfinite(x[j]);
    if (!finite)
        fail(ErrorKind::InvalidParameter, "ate_from_table: a NaN or infinite value in the data",
             "Filter such rows out (NULL rows are skipped).");
    t = t > 0.5 ? 1.0 : 0.0;
    if (v.kind == PassKind::Scale) return add_scale(v, s.payload, t, x);
    Scratch zs, rs;
    double* z = zs.get(v.q);
    v.design(x, z);
    if (v.kind == PassKind::Newton) return add_newton(v, s.payload, t, z);
    const double e = sigmoid(v.eta(z));
    if (v.kind == PassKind::Overlap) return overlap_add(s.payload, e, t > 0.5);
    if (!v.kept(e)) return;
    switch (v.kind) {
        case PassKind::Arms: return add_arms(v, s.payload, y, t, x, e, rs);
        case PassKind::Sandwich: {
            double* jac = s.payload;
            add_ipw_sandwich(z, v.q, e, t, y, v.extra[0], v.extra[1], false, jac, jac + v.dim() * v.dim());
            return;
        }
        case PassKind::Psi: return add_psi(v, s.payload, y, t, x, e);
        case PassKind::Balance: return add_balance(v, s.payload, t, x, e);
        default: return;
    }
}

void pass_merge(double* a, std::size_t alen, const double* b, std::size_t blen) {
    StateView sa = view_state(a, alen);
    StateView sb = view_state(const_cast<double*>(b), blen);
    if (alen != blen || std::memcmp(a, b, (1 + sa.params.len) * sizeof(double)) != 0)
        bad("merging the states of different passes");
    const ParamView& v = sa.params;
    double* pa = sa.payload;
    const double* pb = sb.payload;
    switch (v.kind) {
        case PassKind::Scale: {
            const double na = pa[0], nb = pb[0];
            if (nb == 0) return;
            if (na == 0) {
                std::copy(pb, pb + v.payload(), pa);
                return;
            }
            for (std::size_t j = 0; j < v.k; ++j) {
                Moments m{na, pa[2 + j], pa[2 + v.k + j]};
                m.merge(Moments{nb, pb[2 + j], pb[2 + v.k + j]});
                pa[2 + j] = m.mean;
                pa[2 + v.k + j] = m.m2;
            }
            pa[0] = na + nb;
            pa[1] += pb[1];
            return;
        }
        case PassKind::Arms: {
            pa[0] += pb[0];
            pa[1] += pb[1];
            pa[2] = std::min(pa[2], pb[2]);
            pa[3] = std::max(pa[3], pb[3]);
            for (std::size_t i = 4; i < kArmsFixed; ++i) pa[i] += pb[i];
            if (v.with_arms())
                for (std::size_t arm = 0; arm < 2; ++arm)
                    CoMoments(pa + kArmsFixed + arm * v.comoments(), v.k + 1).merge(pb + kArmsFixed + arm * v.comoments());
            return;
        }
        case PassKind::Psi: return merge_moments(pa, pb, 1);
        case PassKind::Balance: return merge_moments(pa, pb, 4 * v.k);
        case PassKind::Overlap: return overlap_merge(pa, pb);
        default:  // Newton, Sandwich: sums
            for (std::size_t i = 0; i < v.payload(); ++i) pa[i] += pb[i];
    }
}

namespace {

// Runs a pass and returns its payload (checked).
std::vector<double> run_pass(const PassRunner& run, const PassParams& pp, int* passes) {
    const std::vector<double> params = pp.encode();
    std::vector<double> s = run(params);
    StateView sv = view_state(s.data(), s.size());
    if (sv.params.len != params.size() || !std::equal(params.begin(), params.end(), s.begin() + 1))
        fail(ErrorKind::Internal, "a pass returned the state of another pass");
    if (passes) ++*passes;
    check_interrupts();
    return std::vector<double>(sv.payload, sv.payload + sv.params.payload());
}

}  // namespace

namespace {

// The Newton passes from the scaler in pp; pp leaves with the fitted coefficients.
NewtonResult newton_by_passes(PassParams& pp, double tbar, const PassRunner& run, int* passes_run) {
    const std::size_t q = pp.scaler.q();
    pp.kind = PassKind::Newton;
    NewtonResult fit = newton_propensity(q, tbar, [&](const Eigen::VectorXd& beta, Eigen::MatrixXd& h, Eigen::VectorXd& g, double& ll) {
        pp.beta.assign(beta.data(), beta.data() + q);
        std::vector<double> r = run_pass(run, pp, passes_run);
        ll = r[0];
        g = Eigen::Map<const Eigen::VectorXd>(r.data() + 1, static_cast<Eigen::Index>(q));
        h = Eigen::Map<const Eigen::MatrixXd>(r.data() + 1 + q, static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(q));
    });
    pp.beta.assign(fit.beta.data(), fit.beta.data() + q);
    return fit;
}

// The standardization from the scale pass's payload [n, tsum, mean(k), m2(k)].
Scaler scaler_of(const std::vector<double>& pay, std::size_t k) {
    std::vector<Moments> m(k);
    for (std::size_t j = 0; j < k; ++j) m[j] = Moments{pay[0], pay[2 + j], pay[2 + k + j]};
    return scaler_from_moments(m);
}

// The scale pass and, when both arms have two rows, the Newton passes: pp
// leaves with the scaler and the fitted coefficients.
struct PassFit {
    double n = 0, n1 = 0;
    bool fitted = false;
    NewtonResult newton;
};

PassFit fit_by_passes(PassParams& pp, const PassRunner& run, int* passes_run) {
    PassFit f;
    const std::size_t k = pp.k;
    pp.kind = PassKind::Scale;
    std::vector<double> pay = run_pass(run, pp, passes_run);
    f.n = pay[0];
    f.n1 = pay[1];
    if (f.n == 0 || !arm_count_problem((long long)f.n1, (long long)(f.n - f.n1), false).empty()) return f;
    pp.scaler = scaler_of(pay, k);
    f.newton = newton_by_passes(pp, f.n1 / f.n, run, passes_run);
    f.fitted = true;
    return f;
}

}  // namespace

std::vector<BalanceRow> balance_by_passes(std::size_t k, double trim, const PassRunner& run, int* passes_run) {
    check_trim(trim, "balance");
    if (passes_run) *passes_run = 0;
    PassParams pp;
    pp.k = k;
    pp.trim = trim;
    PassFit f = fit_by_passes(pp, run, passes_run);
    std::vector<BalanceRow> out;
    if (f.n == 0) return out;
    bool weighted = false;
    if (!f.fitted) {
        // too few rows to fit a propensity: unweighted figures over every row
        pp.scaler = Scaler{};
        pp.beta = {0.0};
        pp.trim = 0;
    } else {
        pp.kind = PassKind::Arms;
        pp.extra = {0.0};
        std::vector<double> arms = run_pass(run, pp, passes_run);
        const long long k1 = (long long)arms[0], k0 = (long long)arms[1];
        weighted = arm_count_problem(k1, k0, true).empty() && overlap_problem(arms[2], arms[3], false).empty();
    }
    pp.kind = PassKind::Balance;
    pp.extra = {weighted ? 1.0 : 0.0};
    std::vector<double> b = run_pass(run, pp, passes_run);
    for (std::size_t j = 0; j < k; ++j) {
        const double* g = b.data() + 12 * j;
        out.push_back(balance_row(j, Moments{g[0], g[1], g[2]}, Moments{g[3], g[4], g[5]}, Moments{g[6], g[7], g[8]},
                                  Moments{g[9], g[10], g[11]}, weighted));
    }
    return out;
}

Overlap overlap_by_passes(std::size_t k, const PassRunner& run, int* passes_run) {
    if (passes_run) *passes_run = 0;
    PassParams pp;
    pp.k = k;
    pp.kind = PassKind::Scale;
    std::vector<double> pay = run_pass(run, pp, passes_run);
    Overlap ov;
    ov.n_treated = (long long)pay[1];
    ov.n_control = (long long)(pay[0] - pay[1]);
    if (ov.n_treated < 1 || ov.n_control < 1) return ov;
    // overlap() fits with a single row in an arm too: no arm check before the fit here
    pp.scaler = scaler_of(pay, k);
    NewtonResult fit = newton_by_passes(pp, pay[1] / pay[0], run, passes_run);
    pp.kind = PassKind::Overlap;
    std::vector<double> sums = run_pass(run, pp, passes_run);
    return overlap_from_sums(sums.data(), ov.n_treated, ov.n_control, fit.converged);
}

Effect estimate_by_passes(const std::string& method, std::size_t k, const PropensityOptions& o, const PassRunner& run,
                          int* passes_run) {
    if (method != "ipw" && method != "aipw")
        fail(ErrorKind::InvalidParameter, "unknown method \"" + method + "\" for the multi-pass estimators",
             "use ipw or aipw (diff and regression are single-pass aggregates)");
    check_trim(o.trim, method);
    check_alpha(o.alpha);
    if (passes_run) *passes_run = 0;
    PassParams pp;
    pp.k = k;
    pp.trim = o.trim;
    // 1. the standardization, 2. the propensity model (one pass per Newton iteration)
    PassFit f = fit_by_passes(pp, run, passes_run);
    if (f.n == 0) return empty_effect("ate_from_table", 0, 0, "no rows");
    if (!f.fitted) {
        const long long n1 = (long long)f.n1, n0 = (long long)(f.n - f.n1);
        return empty_effect(method, n1, n0, arm_count_problem(n1, n0, false));
    }
    const NewtonResult& fit = f.newton;
    const std::size_t q = pp.scaler.q();
    // 3. the kept rows: counts, overlap, Hajek sums, per-arm outcome models
    const bool aipw = method == "aipw";
    pp.kind = PassKind::Arms;
    pp.extra = {aipw ? 1.0 : 0.0};
    std::vector<double> pay = run_pass(run, pp, passes_run);
    const long long k1 = (long long)pay[0], k0 = (long long)pay[1];
    std::string why = arm_count_problem(k1, k0, true);
    if (why.empty()) why = overlap_problem(pay[2], pay[3], false);
    if (!why.empty()) return empty_effect(method, k1, k0, why);
    const double kept = double(k1 + k0);
    if (!aipw) {
        // 4. IPW: the sandwich at (beta, mu1, mu0)
        const double mu1 = pay[5] / pay[4], mu0 = pay[7] / pay[6];
        pp.kind = PassKind::Sandwich;
        pp.extra = {mu1, mu0};
        std::vector<double> sw = run_pass(run, pp, passes_run);
        const std::size_t d2 = (q + 2) * (q + 2);
        const double var = ipw_variance(sw.data(), sw.data() + d2, q, kept);
        return propensity_effect(mu1 - mu0, std::sqrt(std::max(0.0, var)), o.alpha, k1, k0, fit.converged, method);
    }
    // 4. AIPW: the influence function with both arms' outcome models
    const std::size_t cm = CoMoments::buffer_size(k + 1);
    ArmModel m0 = arm_from_comoments(CoMoments(pay.data() + kArmsFixed, k + 1), k);
    ArmModel m1 = arm_from_comoments(CoMoments(pay.data() + kArmsFixed + cm, k + 1), k);
    pp.kind = PassKind::Psi;
    pp.extra.clear();
    for (const ArmModel* a : {&m1, &m0}) {
        pp.extra.push_back(a->intercept);
        pp.extra.insert(pp.extra.end(), a->beta.begin(), a->beta.end());
    }
    std::vector<double> psi = run_pass(run, pp, passes_run);
    return propensity_effect(psi[1], std::sqrt(psi[2] / psi[0] / psi[0]), o.alpha, k1, k0, fit.converged, method);
}

PassRunner rows_pass_runner(const RowView& rows, std::size_t parts) {
    return [rows, parts](const std::vector<double>& params) {
        const std::size_t np = std::max<std::size_t>(1, parts);
        std::vector<std::vector<double>> s(np, pass_initial_state(params.data(), params.size()));
        for (std::size_t i = 0; i < rows.n; ++i) {
            std::vector<double>& st = s[i % np];
            pass_add_row(st.data(), st.size(), rows.y(i), rows.t(i), rows.x(i), rows.k);
        }
        for (std::size_t j = 1; j < np; ++j) pass_merge(s[0].data(), s[0].size(), s[j].data(), s[j].size());
        return s[0];
    };
}

}  // namespace ls::causal
