#include "core/models/logistic_passes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/base/error.h"
#include "core/base/interrupt.h"
#include "core/base/sigmoid.h"
#include "core/metrics/metrics.h"

namespace ls::models {

namespace {

constexpr std::size_t kHeader = 2;                         // kind, k
constexpr std::size_t kMaxPayload = std::size_t(8) << 20;  // doubles (64 MB) in one state
constexpr std::size_t kPrepareFixed = 5;                   // n, ysum, nbad, bad, skipped
constexpr int kBins = 10;                                  // calibration bins, as metrics::classification
constexpr std::size_t kMetricsPayload = 4 + 3 * kBins;     // n, log loss, Brier, correct, bins (n, sum p, sum y)

bool integral(double v, double lo, double hi) { return std::isfinite(v) && v == std::floor(v) && v >= lo && v <= hi; }

[[noreturn]] void bad(const std::string& what) {
    fail(ErrorKind::InvalidBinary, "malformed logistic pass: " + what,
         "The pass arrays are made by train(); do not call the pass aggregate by hand.");
}

// A read-only view of encoded params, every size checked.
struct ParamView {
    std::size_t len = 0;
    LogitPass kind = LogitPass::Prepare;
    std::size_t k = 0;
    const double* impute = nullptr;  // k values (not for Prepare)
    const double* coef = nullptr;    // k + 1 values, intercept first (not for Prepare)

    std::size_t payload() const {
        switch (kind) {
            case LogitPass::Prepare: return kPrepareFixed + 2 * k;
            case LogitPass::Newton: return 1 + (k + 1) + (k + 1) * (k + 1);
            case LogitPass::Metrics: return kMetricsPayload;
        }
        return 0;
    }
    // The linear predictor of a row (NaN = NULL takes the imputation mean).
    double eta(const double* x, double* z) const {
        double a = coef[0];
        for (std::size_t j = 0; j < k; ++j) {
            z[j] = x[j] == x[j] ? x[j] : impute[j];
            a += coef[j + 1] * z[j];
        }
        // finite values only reach here, but forged coefficients can overflow (inf - inf)
        if (a != a)
            fail(ErrorKind::NumericOutOfRange, "logistic pass: the linear predictor overflows",
                 "The pass arrays are made by train(); do not call the pass aggregate by hand.");
        return a;
    }
};

ParamView view_params(const double* p, std::size_t len) {
    if (len < kHeader) bad("too short");
    ParamView v;
    v.len = len;
    if (!integral(p[0], 1, 3)) bad("unknown pass");
    v.kind = static_cast<LogitPass>(static_cast<int>(p[0]));
    if (!integral(p[1], 1, double(kMaxLogitPassFeatures))) {
        if (integral(p[1], 1, 1e15))
            fail(ErrorKind::ProgramLimitExceeded, "too many features for a logistic pass (" + std::to_string(std::size_t(p[1])) +
                                                      ", at most " + std::to_string(kMaxLogitPassFeatures) + ")");
        bad("feature count");
    }
    v.k = static_cast<std::size_t>(p[1]);
    const std::size_t want = kHeader + (v.kind == LogitPass::Prepare ? 0 : 2 * v.k + 1);
    if (len != want) bad("length");
    if (v.kind != LogitPass::Prepare) {
        v.impute = p + kHeader;
        v.coef = v.impute + v.k;
        for (std::size_t j = 0; j < 2 * v.k + 1; ++j)
            if (!std::isfinite(v.impute[j])) bad("imputation or coefficients");
    }
    if (v.payload() > kMaxPayload)
        fail(ErrorKind::ProgramLimitExceeded, "too many features for a logistic pass (" + std::to_string(v.k) + ")");
    return v;
}

struct StateView {
    ParamView params;
    double* payload;
};

StateView view_state(double* s, std::size_t len) {
    if (len < 1 + kHeader || !integral(s[0], double(kHeader), double(len - 1))) bad("state header");
    const std::size_t L = static_cast<std::size_t>(s[0]);
    ParamView pv = view_params(s + 1, L);
    if (len != 1 + L + pv.payload()) bad("state length");
    double* pay = s + 1 + L;
    // counts are whole and not negative, whatever the state went through
    auto count = [&](double c) {
        if (!integral(c, 0, 9.007199254740992e15)) bad("counts");
    };
    switch (pv.kind) {
        case LogitPass::Prepare:
            count(pay[0]), count(pay[2]), count(pay[4]);
            for (std::size_t j = 0; j < pv.k; ++j) count(pay[kPrepareFixed + j]);
            break;
        case LogitPass::Metrics:
            count(pay[0]), count(pay[3]);
            for (int b = 0; b < kBins; ++b) count(pay[4 + b]);
            break;
        case LogitPass::Newton: break;
    }
    return {pv, pay};
}

// A small scratch vector on the stack (the common case) or the heap.
struct Scratch {
    double stack[128];
    std::vector<double> heap;
    double* get(std::size_t n) {
        if (n <= 128) return stack;
        heap.resize(n);
        return heap.data();
    }
};

void add_prepare(const ParamView& v, double* pay, double y, const double* x) {
    if (y != y) {  // a NULL target: counted, not trained on (as the reader skips it)
        pay[4] += 1;
        return;
    }
    pay[0] += 1;
    pay[1] += y;
    if (y != 0.0 && y != 1.0) {
        pay[3] = pay[2] == 0 ? y : std::min(pay[3], y);  // the smallest bad value: independent of row order
        pay[2] += 1;
    }
    double* cnt = pay + kPrepareFixed;
    double* sum = cnt + v.k;
    for (std::size_t j = 0; j < v.k; ++j)
        if (x[j] == x[j]) {
            cnt[j] += 1;
            sum[j] += x[j];
        }
}

void add_newton(const ParamView& v, double* pay, double y, const double* x, Scratch& sc) {
    // [nll, g(p), H (p x p, column-major, lower triangle)] over the design row d = [1, z]
    const std::size_t p = v.k + 1;
    double* d = sc.get(p);
    d[0] = 1.0;
    const double z = v.eta(x, d + 1);
    pay[0] += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - y * z;
    const double mu = sigmoid(z), r = y - mu, w = mu * (1.0 - mu);
    double* g = pay + 1;
    double* h = g + p;
    for (std::size_t i = 0; i < p; ++i) {
        g[i] += r * d[i];
        const double wd = w * d[i];
        double* col = h + i * p;
        for (std::size_t j = i; j < p; ++j) col[j] += wd * d[j];
    }
}

void add_metrics(const ParamView& v, double* pay, double y, const double* x, Scratch& sc) {
    const double p = sigmoid(v.eta(x, sc.get(v.k)));
    pay[0] += 1;
    pay[1] += metrics::log_loss_term(p, y);
    pay[2] += (p - y) * (p - y);
    pay[3] += ((p >= 0.5 ? 1.0 : 0.0) == y) ? 1.0 : 0.0;
    const int b = metrics::calibration_bin(p, kBins);
    pay[4 + b] += 1;
    pay[4 + kBins + b] += p;
    pay[4 + 2 * kBins + b] += y;
}

}  // namespace

std::vector<double> logit_pass_params(LogitPass kind, std::size_t k, const std::vector<double>& impute,
                                      const std::vector<double>& coef) {
    std::vector<double> p{double(static_cast<int>(kind)), double(k)};
    if (kind != LogitPass::Prepare) {
        if (impute.size() != k || coef.size() != k + 1) fail(ErrorKind::Internal, "logistic pass params of the wrong size");
        p.insert(p.end(), impute.begin(), impute.end());
        p.insert(p.end(), coef.begin(), coef.end());
    }
    return p;
}

std::vector<double> logit_pass_initial_state(const double* params, std::size_t len) {
    ParamView v = view_params(params, len);
    std::vector<double> s(1 + len + v.payload(), 0.0);
    s[0] = double(len);
    std::copy(params, params + len, s.begin() + 1);
    return s;
}

void logit_pass_check_state(const double* state, std::size_t len) { view_state(const_cast<double*>(state), len); }

void logit_pass_add_row(double* state, std::size_t len, double y, const double* x, std::size_t k) {
    StateView s = view_state(state, len);
    const ParamView& v = s.params;
    if (k != v.k) bad("the row has " + std::to_string(k) + " features, the pass " + std::to_string(v.k));
    if (std::isinf(y)) fail(ErrorKind::InvalidParameter, "the target contains NaN or Infinity");
    for (std::size_t j = 0; j < k; ++j)
        if (std::isinf(x[j]))
            fail(ErrorKind::InvalidParameter, "feature " + std::to_string(j + 1) + " contains NaN or Infinity",
                 "Replace them with NULL (a missing value) or a finite number.");
    if (v.kind == LogitPass::Prepare) return add_prepare(v, s.payload, y, x);
    if (y != y) return;  // a NULL target
    Scratch sc;
    if (v.kind == LogitPass::Newton) return add_newton(v, s.payload, y, x, sc);
    add_metrics(v, s.payload, y, x, sc);
}

void logit_pass_merge(double* a, std::size_t alen, const double* b, std::size_t blen) {
    StateView sa = view_state(a, alen);
    StateView sb = view_state(const_cast<double*>(b), blen);
    if (alen != blen || std::memcmp(a, b, (1 + sa.params.len) * sizeof(double)) != 0)
        bad("merging the states of different passes");
    double* pa = sa.payload;
    const double* pb = sb.payload;
    if (sa.params.kind == LogitPass::Prepare && pb[2] > 0) pa[3] = pa[2] == 0 ? pb[3] : std::min(pa[3], pb[3]);
    for (std::size_t i = 0; i < sa.params.payload(); ++i)
        if (!(sa.params.kind == LogitPass::Prepare && i == 3)) pa[i] += pb[i];
}

double logit_pass_score(const double* params, std::size_t len, const double* x, std::size_t k) {
    ParamView v = view_params(params, len);
    if (v.kind == LogitPass::Prepare) bad("the prepare pass has no coefficients");
    if (k != v.k) bad("the row has " + std::to_string(k) + " features, the pass " + std::to_string(v.k));
    for (std::size_t j = 0; j < k; ++j)
        if (std::isinf(x[j]))
            fail(ErrorKind::InvalidParameter, "feature " + std::to_string(j + 1) + " contains NaN or Infinity");
    Scratch sc;
    return sigmoid(v.eta(x, sc.get(k)));
}

namespace {

// Runs a pass and returns its payload (checked).
std::vector<double> run_pass(const LogitPassRunner& r, const std::vector<double>& params, int* passes) {
    std::vector<double> s = r.run(params);
    StateView sv = view_state(s.data(), s.size());
    if (sv.params.len != params.size() || !std::equal(params.begin(), params.end(), s.begin() + 1))
        fail(ErrorKind::Internal, "a pass returned the state of another pass");
    if (passes) ++*passes;
    check_interrupts();
    return std::vector<double>(sv.payload, sv.payload + sv.params.payload());
}

// The Newton terms of fit_logistic_newton, one pass per evaluated point: the
// pass at a trial point gives its log-likelihood and, should the point be
// accepted, the gradient and Hessian there (no second pass).
class PassTerms final : public LogisticTerms {
public:
    PassTerms(const LogitPassRunner& r, std::size_t k, const std::vector<double>& impute, int* passes)
        : r_(r), k_(k), impute_(impute), passes_(passes) {}
    double nll(const Eigen::VectorXd& b) override {
        trial_ = run_pass(r_, logit_pass_params(LogitPass::Newton, k_, impute_, std::vector<double>(b.data(), b.data() + b.size())),
                          passes_);
        return trial_[0];
    }
    void accept() override { current_.swap(trial_); }
    void terms(Eigen::MatrixXd& H, Eigen::VectorXd& g) override {
        const Eigen::Index p = static_cast<Eigen::Index>(k_ + 1);
        g = Eigen::Map<const Eigen::VectorXd>(current_.data() + 1, p);
        H = Eigen::Map<const Eigen::MatrixXd>(current_.data() + 1 + p, p, p);
        H.triangularView<Eigen::StrictlyUpper>() = H.transpose();
    }

private:
    const LogitPassRunner& r_;
    std::size_t k_;
    const std::vector<double>& impute_;
    int* passes_;
    std::vector<double> trial_, current_;
};

}  // namespace

TrainResult train_logistic_by_passes(const std::vector<std::string>& features, const std::string& target,
                                     const Params& params, const LogitPassRunner& r, int* passes_run, long long* skipped) {
    TrainResult res;
    const LinearOptions opt = linear_options(Algorithm::Logistic, params, &res.effective_params);
    const std::size_t k = features.size();
    if (k == 0 || k > kMaxLogitPassFeatures)
        fail(ErrorKind::InvalidParameter, "a logistic pass needs between 1 and " + std::to_string(kMaxLogitPassFeatures) + " features");
    if (passes_run) *passes_run = 0;
    // 1. what the encoder learns (the imputation means) and the target's checks
    const std::vector<double> prep = run_pass(r, logit_pass_params(LogitPass::Prepare, k), passes_run);
    const double n = prep[0], pos = prep[1];
    if (skipped) *skipped = static_cast<long long>(prep[4]);
    if (n == 0) fail(ErrorKind::InvalidParameter, "the training set is empty", "The source returned no row with a non-NULL target.");
    check_binary_target(n, pos, prep[2] > 0, prep[3], "logistic");
    auto model = std::make_unique<Model>();
    model->algorithm = Algorithm::Logistic;
    model->classifier = true;
    model->target = target;
    Encoder& enc = model->encoder;
    enc.drop_first = true;
    enc.impute_missing = true;
    std::vector<double> impute(k);
    for (std::size_t j = 0; j < k; ++j) {
        const double cnt = prep[kPrepareFixed + j], sum = prep[kPrepareFixed + k + j];
        FeatureEncoding fe;
        fe.name = features[j];
        fe.impute = impute[j] = cnt > 0 ? sum / cnt : 0.0;
        enc.features.push_back(std::move(fe));
    }
    enc.finish_layout();
    // 2. the fit: one pass per point the Newton loop evaluates
    std::vector<std::string> names = {"(intercept)"};
    for (auto& s : enc.column_names()) names.push_back(s);
    PassTerms terms(r, k, impute, passes_run);
    LinearFit fit = fit_logistic_newton(terms, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k + 1), pos, opt, names);
    model->coef = fit.coef;
    model->std_err = fit.std_err;
    // 3. the in-sample metrics at the fitted coefficients
    const std::vector<double> mp =
        logit_pass_params(LogitPass::Metrics, k, impute, std::vector<double>(fit.coef.data(), fit.coef.data() + fit.coef.size()));
    const std::vector<double> m = run_pass(r, mp, passes_run);
    metrics::Summary& s = res.train_metrics;
    s.log_loss = m[1] / m[0];
    s.brier = m[2] / m[0];
    s.accuracy = m[3] / m[0];
    double ece = 0;
    for (int b = 0; b < kBins; ++b)
        if (m[4 + b] > 0) ece += std::fabs(m[4 + kBins + b] - m[4 + 2 * kBins + b]) / m[0];
    s.calibration_error = ece;
    s.auc = r.auc(mp);
    if (passes_run) ++*passes_run;
    res.rows = static_cast<std::size_t>(n);
    res.model = std::move(model);
    return res;
}

LogitPassRunner rows_logit_pass_runner(const Dataset& data, std::size_t parts) {
    data.check_shape();
    for (const auto& c : data.features)
        if (c.categorical) fail(ErrorKind::FeatureNotSupported, "the logistic passes take numeric features only");
    const std::size_t k = data.features.size(), np = std::max<std::size_t>(1, parts);
    auto row = [&data, k](std::size_t i, std::vector<double>& x) {
        x.resize(k);
        for (std::size_t j = 0; j < k; ++j) x[j] = data.features[j].num[i];
    };
    LogitPassRunner r;
    r.run = [&data, k, np, row](const std::vector<double>& params) {
        std::vector<std::vector<double>> s(np, logit_pass_initial_state(params.data(), params.size()));
        std::vector<double> x;
        for (std::size_t i = 0; i < data.rows(); ++i) {
            row(i, x);
            std::vector<double>& st = s[i % np];
            logit_pass_add_row(st.data(), st.size(), data.y[i], x.data(), k);
        }
        for (std::size_t j = 1; j < np; ++j) logit_pass_merge(s[0].data(), s[0].size(), s[j].data(), s[j].size());
        return s[0];
    };
    r.auc = [&data, k, row](const std::vector<double>& params) {
        std::vector<std::pair<double, double>> pairs;
        std::vector<double> x;
        for (std::size_t i = 0; i < data.rows(); ++i) {
            if (data.y[i] != data.y[i]) continue;
            row(i, x);
            pairs.emplace_back(logit_pass_score(params.data(), params.size(), x.data(), k), data.y[i]);
        }
        return metrics::auc(pairs);
    };
    return r;
}

}  // namespace ls::models
