// Streaming sufficient statistics for the causal estimators: per-group
// moments (Welford/Chan) and centred co-moment matrices. Both merge exactly,
// so they serve as parallel aggregate states (combine = merge), and both keep
// centred sums, which is far better conditioned than raw X'X on data such as
// earnings (1e4) next to indicators.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ls::causal {

// Result of every estimator (SQL composite learnerscore.effect).
struct Effect {
    double estimate = 0, std_error = 0, ci_low = 0, ci_high = 0, p_value = 1;
    long long n_treated = -1, n_control = -1;  // -1: not applicable (continuous treatment)
    std::string method;
    bool valid = false;   // false -> SQL NULL
    std::string warning;  // non-empty -> the glue raises a WARNING
    double first_stage_f = -1;  // IV only
};

// Two-sided inference: df <= 0 uses the normal distribution, otherwise
// Student's t with df degrees of freedom. Checks alpha in (0, 1).
Effect make_effect(double estimate, double se, double df, double alpha, long long n1, long long n0,
                   const std::string& method);
void check_alpha(double alpha, const char* name = "alpha");

// Mean and centred sum of squares of one group.
struct Moments {
    double n = 0, mean = 0, m2 = 0;
    void add(double x, double w = 1.0);
    void merge(const Moments& o);
    double var() const { return n > 1 ? m2 / (n - 1) : 0.0; }  // sample variance (ddof = 1)
};

// Welch / Neyman difference in means, t-distribution with the
// Welch-Satterthwaite degrees of freedom.
Effect diff_in_means(const Moments& treated, const Moments& control, double alpha);

struct WelchResult {
    double t = 0, df = 0, p_value = 1, mean_a = 0, mean_b = 0;
    bool valid = false;
};
WelchResult welch(const Moments& a, const Moments& b);

// Centred co-moments of a d-vector: n, mean (d), C = sum (x-mean)(x-mean)'
// (upper triangle, packed row-major: i <= j). Layout is the aggregate state.
class CoMoments {
public:
    static std::size_t packed_size(std::size_t d) { return d * (d + 1) / 2; }
    // Views an existing buffer of 1 + d + d(d+1)/2 doubles: [n, mean, C].
    CoMoments(double* buf, std::size_t d) : buf_(buf), d_(d) {}
    static std::size_t buffer_size(std::size_t d) { return 1 + d + packed_size(d); }
    void add(const double* x);                 // one observation
    void merge(const double* other);           // another buffer of the same d
    double n() const { return buf_[0]; }
    const double* mean() const { return buf_ + 1; }
    double c(std::size_t i, std::size_t j) const;  // symmetric access
    std::size_t dim() const { return d_; }

private:
    double* buf_;
    std::size_t d_;
};

// OLS of column 0 (outcome) on columns 1..d-1 with an intercept, from
// co-moments. Classical (non-robust) standard errors with n - p - 1 degrees
// of freedom, exactly as statsmodels OLS(...).fit() does by default.
struct OlsFit {
    std::vector<double> beta;  // slopes for columns 1..d-1
    std::vector<double> se;    // their classical standard errors
    double intercept = 0, rss = 0, df_resid = 0;
    bool ok = false;
};
OlsFit ols_from_comoments(const CoMoments& m);

// Two-stage least squares from co-moments of [y, d, z_1..z_m, w_1..w_k]:
// endogenous d, excluded instruments z, exogenous controls w, intercept.
// Classical SE with sigma^2 = RSS / (n - k - 2) (statsmodels IV2SLS, Stata
// ivreg); first-stage partial F of the excluded instruments.
struct IvFit {
    double beta = 0, se = 0, df_resid = 0, first_stage_f = 0, first_stage_coef = 0;
    bool ok = false;
    std::string problem;
};
IvFit tsls_from_comoments(const CoMoments& m, std::size_t n_instruments);

}  // namespace ls::causal
