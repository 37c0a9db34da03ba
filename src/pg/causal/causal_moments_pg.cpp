// Aggregates over exact streaming moments (float8[] states, combinable, so
// PARALLEL SAFE and Citus-friendly): ate_diff, welch_test, ate_diff_bootstrap
// (one-pass Poisson bootstrap), cuped, ate_regression, ate_iv, first_stage_f.
//
// State layouts (float8[]; '{}' before the first row) and their validation:
// src/core/causal/causal_state.h. Transitions check the shape of the state they get
// (O(1)); combine and final functions check every value. Every SQL signature
// has its own C entry point: nothing is read from the call expression, which
// Citus's worker_partial_agg does not pass.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/causal/causal_bootstrap.h"
#include "core/causal/causal_state.h"
#include "core/causal/causal_stats.h"
#include "pg/causal/causal_pg_util.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ls_diff_trans);
PG_FUNCTION_INFO_V1(ls_diff_boot_trans);
PG_FUNCTION_INFO_V1(ls_moments_combine);
PG_FUNCTION_INFO_V1(ls_diff_final);
PG_FUNCTION_INFO_V1(ls_welch_final);
PG_FUNCTION_INFO_V1(ls_diff_boot_final);
PG_FUNCTION_INFO_V1(ls_regression_trans);
PG_FUNCTION_INFO_V1(ls_iv_trans_z);
PG_FUNCTION_INFO_V1(ls_iv_trans_z_x);
PG_FUNCTION_INFO_V1(ls_iv_trans_zs_x);
PG_FUNCTION_INFO_V1(ls_iv_trans_z_x_alpha);
PG_FUNCTION_INFO_V1(ls_first_stage_trans_z);
PG_FUNCTION_INFO_V1(ls_first_stage_trans_z_x);
PG_FUNCTION_INFO_V1(ls_cuped_trans);
PG_FUNCTION_INFO_V1(ls_regression_final);
PG_FUNCTION_INFO_V1(ls_iv_final);
PG_FUNCTION_INFO_V1(ls_first_stage_final);
PG_FUNCTION_INFO_V1(ls_cuped_final);
}

using namespace lspg::causal;
using ls::causal::CoMoments;
using ls::causal::Effect;
using ls::causal::Moments;
namespace lc = ls::causal;

namespace {

enum Tag { kDiff = lc::kTagDiff, kBoot = lc::kTagBoot, kReg = lc::kTagRegression, kIv = lc::kTagIv, kCuped = lc::kTagCuped };
constexpr int kH = static_cast<int>(lc::kComomHeader);  // COMOM header: tag, alpha, d, m, n1, n0, continuous

// The checked header of a state ('{}': tag 0); `values`: see decode_moment_state.
lc::MomentState decode(ArrayType* a, bool values) {
    const int len = state_length(a);
    return lc::decode_moment_state(len ? state_data(a) : nullptr, static_cast<std::size_t>(len), values);
}

// A final function's state, fully checked: '{}' gives tag 0, a state of
// another aggregate fails (its layout would be read with the wrong offsets).
lc::MomentState final_state(ArrayType* a, int tag) {
    lc::MomentState m = decode(a, true);
    if (m.tag != 0 && m.tag != tag) lc::malformed_state("moment", "a state of another aggregate");
    return m;
}

// A transition's state: shape checked; a state of another aggregate fails.
lc::MomentState trans_state(ArrayType* a, int tag) {
    lc::MomentState m = decode(a, false);
    if (m.tag != 0 && m.tag != tag) lc::malformed_state("moment", "a state of another aggregate");
    return m;
}

void check_dimension(int d, int fixed) {
    if (d - fixed > static_cast<int>(lc::kMaxCovariates))
        ls::fail(ls::ErrorKind::ProgramLimitExceeded, "too many covariates and instruments (" + std::to_string(d - fixed) +
                                                          "; at most " + std::to_string(lc::kMaxCovariates) + ")");
}

ArrayType* alloc_state(int len) {
    ArrayType* a = nullptr;
    lspg::pg_call([&]() { a = new_float8_array(len); });
    return a;
}

double alpha_arg(FunctionCallInfo fcinfo, int argno) {
    double alpha = PG_NARGS() > argno ? PG_GETARG_FLOAT8(argno) : 0.05;
    ls::causal::check_alpha(alpha);
    return alpha;
}

Moments group(const double* g) { return Moments{g[0], g[1], g[2]}; }
void store(double* g, const Moments& m) {
    g[0] = m.n;
    g[1] = m.mean;
    g[2] = m.m2;
}
void add_to(double* g, double x) {
    Moments m = group(g);
    m.add(x);
    store(g, m);
}
void merge_into(double* g, const double* o) {
    Moments m = group(g);
    m.merge(group(o));
    store(g, m);
}

std::vector<double>& scratch() {
    static std::vector<double> v;
    return v;
}

// Appends one row to a COMOM state, creating the state on the first row.
Datum comom_add(FunctionCallInfo fcinfo, int tag, double alpha, int m, const double* row, int d,
                     double treat) {
    ArrayType* st = writable_state(fcinfo, 0);
    lc::MomentState ms = trans_state(st, tag);
    if (ms.tag == 0) {
        check_dimension(d, 2);
        st = alloc_state(kH + 1 + d + static_cast<int>(CoMoments::packed_size(d)));
        double* s = state_data(st);
        s[0] = tag;
        s[1] = alpha;
        s[2] = d;
        s[3] = m;
    }
    double* s = state_data(st);
    if (static_cast<int>(s[2]) != d || (ms.tag != 0 && static_cast<int>(ms.m) != m))
        ls::fail(ls::ErrorKind::InvalidParameter,
                 "covariate arrays of different lengths across rows (" + std::to_string(static_cast<int>(s[2]) - 2 - m) +
                     " and " + std::to_string(d - 2 - m) + ")",
                 "Every row must pass the same number of covariates.");
    if (treat == 1.0) s[4] += 1;
    else if (treat == 0.0) s[5] += 1;
    else s[6] = 1;  // a continuous treatment: no treated/control counts
    CoMoments cm(s + kH, d);
    cm.add(row);
    PG_RETURN_ARRAYTYPE_P(st);
}

}  // namespace

// ate_diff / welch_test transition: (state, outcome, treated [, alpha])
Datum ls_diff_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        double y = PG_GETARG_FLOAT8(1);
        bool t = PG_GETARG_BOOL(2);
        check_finite(y, "the outcome", "ate_diff");
        ArrayType* st = writable_state(fcinfo, 0);
        if (trans_state(st, kDiff).tag == 0) {
            double alpha = alpha_arg(fcinfo, 3);
            st = alloc_state(8);
            state_data(st)[0] = kDiff;
            state_data(st)[1] = alpha;
        }
        double* s = state_data(st);
        add_to(t ? s + 2 : s + 5, y);
        PG_RETURN_ARRAYTYPE_P(st);
    });
}

// ate_diff_bootstrap transition: (state, outcome, treated, replicates, seed [, alpha])
Datum ls_diff_boot_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        double y = PG_GETARG_FLOAT8(1);
        bool t = PG_GETARG_BOOL(2);
        int b = PG_GETARG_INT32(3);
        int64 seed = PG_GETARG_INT64(4);
        check_finite(y, "the outcome", "ate_diff_bootstrap");
        ArrayType* st = writable_state(fcinfo, 0);
        lc::MomentState ms = trans_state(st, kBoot);
        if (ms.tag == 0) {
            if (b < lc::kMinReplicates || b > lc::kMaxReplicates)
                ls::fail(ls::ErrorKind::InvalidParameter, "replicates must be between 10 and 10000");
            double alpha = alpha_arg(fcinfo, 5);
            st = alloc_state(4 + (b + 1) * 6);
            double* s = state_data(st);
            s[0] = kBoot;
            s[1] = alpha;
            s[2] = b;
            s[3] = static_cast<double>(seed);
            ms.replicates = static_cast<std::size_t>(b);
            ms.seed = lc::seed_bits(s[3]);
        }
        double* s = state_data(st);
        const int nb = static_cast<int>(ms.replicates);
        double key[2] = {y, t ? 1.0 : 0.0};
        std::uint64_t h = ls::causal::hash_doubles(key, 2, ms.seed);
        add_to(s + 4 + (t ? 0 : 3), y);
        for (int r = 1; r <= nb; ++r) {
            h = ls::splitmix64(h + static_cast<std::uint64_t>(r));
            int w = ls::causal::poisson1(h);
            if (w == 0) continue;
            double* g = s + 4 + r * 6 + (t ? 0 : 3);
            Moments m = group(g);
            m.add(y, w);
            store(g, m);
        }
        PG_RETURN_ARRAYTYPE_P(st);
    });
}

// Combine for every float8[] state of this file.
Datum ls_moments_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* b = PG_GETARG_ARRAYTYPE_P(1);
        lc::MomentState mb = decode(b, true);
        int lb = state_length(b);
        ArrayType* a = writable_state(fcinfo, 0);
        lc::MomentState ma = decode(a, true);
        int la = state_length(a);
        if (lb == 0) PG_RETURN_ARRAYTYPE_P(a);
        if (la == 0) {
            ArrayType* c = alloc_state(lb);
            std::copy(state_data(b), state_data(b) + lb, state_data(c));
            PG_RETURN_ARRAYTYPE_P(c);
        }
        double* s = state_data(a);
        const double* o = state_data(b);
        if (ma.tag != mb.tag) lc::malformed_state("moment", "a state of another aggregate");
        if (la != lb || ma.m != mb.m || ma.seed != mb.seed)
            ls::fail(ls::ErrorKind::InvalidParameter,
                     "cannot combine aggregate states of different shapes (covariate arrays of different lengths?)");
        switch (static_cast<int>(s[0])) {
            case kDiff:
                merge_into(s + 2, o + 2);
                merge_into(s + 5, o + 5);
                break;
            case kBoot:
                for (int r = 0; r <= static_cast<int>(ma.replicates); ++r) {
                    merge_into(s + 4 + r * 6, o + 4 + r * 6);
                    merge_into(s + 4 + r * 6 + 3, o + 4 + r * 6 + 3);
                }
                break;
            default: {
                s[4] += o[4];
                s[5] += o[5];
                s[6] = std::max(s[6], o[6]);
                CoMoments cm(s + kH, ma.d);
                cm.merge(o + kH);
            }
        }
        PG_RETURN_ARRAYTYPE_P(a);
    });
}

Datum ls_diff_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* st = PG_GETARG_ARRAYTYPE_P(0);
        if (final_state(st, kDiff).tag == 0) PG_RETURN_NULL();
        const double* s = state_data(st);
        Effect e = ls::causal::diff_in_means(group(s + 2), group(s + 5), s[1]);
        return effect_datum(fcinfo, e);
    });
}

Datum ls_welch_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* st = PG_GETARG_ARRAYTYPE_P(0);
        if (final_state(st, kDiff).tag == 0) PG_RETURN_NULL();
        const double* s = state_data(st);
        Moments a = group(s + 2), b = group(s + 5);
        auto w = ls::causal::welch(a, b);
        Datum v[7] = {Float8GetDatum(w.t), Float8GetDatum(w.df), Float8GetDatum(w.p_value), Float8GetDatum(a.mean),
                      Float8GetDatum(b.mean), Int64GetDatum(static_cast<int64>(a.n)),
                      Int64GetDatum(static_cast<int64>(b.n))};
        bool n[7] = {!w.valid, !w.valid, !w.valid, a.n == 0, b.n == 0, false, false};
        if (!w.valid) warn("welch_test: needs at least two values with some variance in each group");
        return make_composite(fcinfo, v, n);
    });
}

Datum ls_diff_boot_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* st = PG_GETARG_ARRAYTYPE_P(0);
        lc::MomentState ms = final_state(st, kBoot);
        if (ms.tag == 0) PG_RETURN_NULL();
        const double* s = state_data(st);
        const double alpha = ms.alpha;
        const int nb = static_cast<int>(ms.replicates);
        Effect e = ls::causal::diff_in_means(group(s + 4), group(s + 7), alpha);
        e.method = "diff_poisson_bootstrap";
        if (e.valid) {
            std::vector<double> reps;
            for (int r = 1; r <= nb; ++r) {
                const double* g = s + 4 + r * 6;
                if (g[0] > 0 && g[3] > 0) reps.push_back(g[1] - g[4]);
            }
            if (reps.size() < 10) {
                e.valid = false;
                e.warning = "ate_diff_bootstrap: too few usable replicates";
            } else {
                std::sort(reps.begin(), reps.end());
                double mean = 0, ss = 0;
                for (double v : reps) mean += v;
                mean /= reps.size();
                for (double v : reps) ss += (v - mean) * (v - mean);
                double se = std::sqrt(ss / (reps.size() - 1));
                auto q = [&](double p) {  // linear-interpolated percentile (numpy's default)
                    double h = p * (reps.size() - 1);
                    size_t lo = static_cast<size_t>(std::floor(h));
                    size_t hi = std::min(lo + 1, reps.size() - 1);
                    return reps[lo] + (h - lo) * (reps[hi] - reps[lo]);
                };
                Effect z = ls::causal::make_effect(e.estimate, se, 0, alpha, e.n_treated, e.n_control, e.method);
                z.ci_low = q(alpha / 2);
                z.ci_high = q(1 - alpha / 2);
                e = z;
            }
        }
        return effect_datum(fcinfo, e);
    });
}

// ate_regression transition: (state, outcome, treated bool, covariates float8[] [, alpha])
Datum ls_regression_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        double y = PG_GETARG_FLOAT8(1);
        bool t = PG_GETARG_BOOL(2);
        ArrayType* xa = PG_GETARG_ARRAYTYPE_P(3);
        check_finite(y, "the outcome", "ate_regression");
        const double* x;
        int k = covariate_view(xa, &x, "ate_regression");
        if (k < 0) PG_RETURN_DATUM(PG_GETARG_DATUM(0));  // a NULL covariate: skip the row
        double alpha = alpha_arg(fcinfo, 4);
        auto& row = scratch();
        row.resize(k + 2);
        row[0] = y;
        row[1] = t ? 1 : 0;
        std::copy(x, x + k, row.begin() + 2);
        return comom_add(fcinfo, kReg, alpha, 0, row.data(), k + 2, row[1]);
    });
}

namespace {
// What follows the treatment in an IV transition's arguments.
enum class Instruments { One, OneAndCovariates, ArrayAndCovariates };

// (state, [outcome,] treatment, instrument(s) [, covariates] [, alpha]) -> row [y, d, z.., x..].
// The shape comes from the C entry point, never from the call expression.
Datum iv_like_trans(FunctionCallInfo fcinfo, bool with_outcome, Instruments shape, const char* fn) {
    int a = 1;
    double y = 0;
    if (with_outcome) y = PG_GETARG_FLOAT8(a++);
    double d = PG_GETARG_FLOAT8(a++);
    check_finite(y, "the outcome", fn);
    check_finite(d, "the treatment", fn);
    auto& row = scratch();
    row.assign({y, d});
    int zarg = a++;
    int m = 1;
    if (shape != Instruments::ArrayAndCovariates) {
        double z = PG_GETARG_FLOAT8(zarg);
        check_finite(z, "the instrument", fn);
        row.push_back(z);
    } else {
        const double* z;
        m = covariate_view(PG_GETARG_ARRAYTYPE_P(zarg), &z, fn);
        if (m < 0) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
        if (m == 0) ls::fail(ls::ErrorKind::InvalidParameter, std::string(fn) + ": at least one instrument is required");
        row.insert(row.end(), z, z + m);
    }
    if (shape != Instruments::One) {
        const double* x;
        int k = covariate_view(PG_GETARG_ARRAYTYPE_P(a), &x, fn);
        if (k < 0) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
        row.insert(row.end(), x, x + k);
        ++a;
    }
    double alpha = alpha_arg(fcinfo, a);
    return comom_add(fcinfo, kIv, alpha, m, row.data(), static_cast<int>(row.size()), d);
}
}  // namespace

// _iv_trans(state, outcome, treatment, instrument float8)
Datum ls_iv_trans_z(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return iv_like_trans(fcinfo, true, Instruments::One, "ate_iv"); });
}
// _iv_trans(state, outcome, treatment, instrument float8, covariates float8[])
Datum ls_iv_trans_z_x(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return iv_like_trans(fcinfo, true, Instruments::OneAndCovariates, "ate_iv"); });
}
// _iv_trans(state, outcome, treatment, instruments float8[], covariates float8[])
Datum ls_iv_trans_zs_x(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return iv_like_trans(fcinfo, true, Instruments::ArrayAndCovariates, "ate_iv"); });
}
// _iv_trans(state, outcome, treatment, instrument float8, covariates float8[], alpha float8)
Datum ls_iv_trans_z_x_alpha(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return iv_like_trans(fcinfo, true, Instruments::OneAndCovariates, "ate_iv"); });
}
// _first_stage_trans(state, treatment, instrument float8)
Datum ls_first_stage_trans_z(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return iv_like_trans(fcinfo, false, Instruments::One, "first_stage_f"); });
}
// _first_stage_trans(state, treatment, instrument float8, covariates float8[])
Datum ls_first_stage_trans_z_x(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        return iv_like_trans(fcinfo, false, Instruments::OneAndCovariates, "first_stage_f");
    });
}

Datum ls_cuped_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        double row[2] = {PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2)};
        check_finite(row[0], "the value", "cuped");
        check_finite(row[1], "the pre-period value", "cuped");
        return comom_add(fcinfo, kCuped, 0.05, 0, row, 2, -1);
    });
}

namespace {
// A co-moment final function's argument, fully checked (ms.tag 0: the empty
// state '{}'); s[1] is alpha, cm the co-moments after the header.
struct ComomFinal {
    lc::MomentState ms;
    const double* s;
    CoMoments cm;
};
ComomFinal comom_final(FunctionCallInfo fcinfo, int tag) {
    ArrayType* st = PG_GETARG_ARRAYTYPE_P(0);
    lc::MomentState ms = final_state(st, tag);
    double* s = state_data(st);
    return ComomFinal{ms, s, CoMoments(s + kH, ms.d)};
}

// NULL with the WARNING `why`, for an estimate that cannot be made.
Datum no_effect(FunctionCallInfo fcinfo, const std::string& method, long long n1, long long n0,
                const std::string& why) {
    Effect e;
    e.method = method;
    e.n_treated = n1;
    e.n_control = n0;
    e.warning = why;
    return effect_datum(fcinfo, e);
}
}  // namespace

Datum ls_regression_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ComomFinal st = comom_final(fcinfo, kReg);
        if (st.ms.tag == 0) PG_RETURN_NULL();
        auto n1 = st.ms.n1, n0 = st.ms.n0;
        if (n1 < 1 || n0 < 1)
            return no_effect(fcinfo, "regression", n1, n0,
                             "ate_regression: needs treated and control rows (treated " + std::to_string(n1) +
                                 ", control " + std::to_string(n0) + ")");
        auto f = ls::causal::ols_from_comoments(st.cm);
        if (!f.ok)
            return no_effect(fcinfo, "regression", n1, n0, "ate_regression: too few rows for the number of covariates");
        return effect_datum(fcinfo, ls::causal::make_effect(f.beta[0], f.se[0], f.df_resid, st.s[1], n1, n0, "regression"));
    });
}

Datum ls_iv_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ComomFinal st = comom_final(fcinfo, kIv);
        if (st.ms.tag == 0) PG_RETURN_NULL();
        const int d = static_cast<int>(st.ms.d);
        const int m = static_cast<int>(st.ms.m);
        const bool binary = !st.ms.continuous;
        long long n1 = binary ? st.ms.n1 : -1, n0 = binary ? st.ms.n0 : -1;
        const std::string method = (m == 1 && d == 3) ? "iv_wald" : "iv_2sls";
        auto f = ls::causal::tsls_from_comoments(st.cm, m);
        if (!f.ok) return no_effect(fcinfo, method, n1, n0, "ate_iv: " + f.problem);
        Effect e = ls::causal::make_effect(f.beta, f.se, f.df_resid, st.s[1], n1, n0, method);
        if (f.first_stage_f < 10)
            warn("ate_iv: weak instrument (first-stage F = " + std::to_string(f.first_stage_f) +
                 " < 10); the 2SLS estimate and its interval are unreliable");
        return effect_datum(fcinfo, e);
    });
}

Datum ls_first_stage_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ComomFinal st = comom_final(fcinfo, kIv);
        if (st.ms.tag == 0) PG_RETURN_NULL();
        auto f = ls::causal::tsls_from_comoments(st.cm, st.ms.m);
        if (f.first_stage_f <= 0 && !f.problem.empty()) {
            warn("first_stage_f: " + f.problem);
            PG_RETURN_NULL();
        }
        PG_RETURN_FLOAT8(f.first_stage_f);
    });
}

Datum ls_cuped_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        const ComomFinal st = comom_final(fcinfo, kCuped);
        if (st.ms.tag == 0) PG_RETURN_NULL();
        const CoMoments& cm = st.cm;
        double vy = cm.c(0, 0), vx = cm.c(1, 1), cxy = cm.c(0, 1);
        if (!(vx > 0) || !(vy > 0) || cm.n() < 2) {
            warn("cuped: the value or the pre-period covariate is constant");
            PG_RETURN_NULL();
        }
        double theta = cxy / vx, rho = cxy / std::sqrt(vx * vy);
        Datum v[5] = {Float8GetDatum(theta), Float8GetDatum(cm.mean()[1]), Float8GetDatum(rho),
                      Float8GetDatum(rho * rho), Int64GetDatum(static_cast<int64>(cm.n()))};
        bool n[5] = {false, false, false, false, false};
        return make_composite(fcinfo, v, n);
    });
}
