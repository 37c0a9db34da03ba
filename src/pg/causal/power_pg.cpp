// A/B design functions: ab_sample_size, ab_power, ab_mde, ab_design_effect.
// Not STRICT (sd is NULL for proportions); any other NULL argument gives NULL.
#include <cmath>
#include <string>

#include "core/causal/power.h"
#include "pg/causal/causal_pg_util.h"

extern "C" {
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ls_ab_sample_size);
PG_FUNCTION_INFO_V1(ls_ab_power);
PG_FUNCTION_INFO_V1(ls_ab_mde);
PG_FUNCTION_INFO_V1(ls_ab_design_effect);
}

namespace lp = ls::power;

namespace {
bool any_null(FunctionCallInfo fcinfo, std::initializer_list<int> args) {
    for (int a : args)
        if (PG_ARGISNULL(a)) return true;
    return false;
}
lp::Design design(FunctionCallInfo fcinfo, int kind, int baseline, int sd, int alpha, int ratio) {
    lp::Design d;
    d.kind = lp::parse_kind(lspg::text_to_string(PG_GETARG_TEXT_PP(kind)));
    d.baseline = baseline >= 0 && !PG_ARGISNULL(baseline) ? PG_GETARG_FLOAT8(baseline) : NAN;
    d.sd = !PG_ARGISNULL(sd) ? PG_GETARG_FLOAT8(sd) : NAN;
    if (d.kind == lp::Kind::Proportion) d.sd = 1;
    if (d.kind == lp::Kind::Mean && PG_ARGISNULL(sd))
        ls::fail(ls::ErrorKind::InvalidParameter, "sd is required for kind 'mean'");
    if (d.kind == lp::Kind::Proportion && std::isnan(d.baseline))
        ls::fail(ls::ErrorKind::InvalidParameter, "baseline is required for kind 'proportion'");
    d.alpha = PG_GETARG_FLOAT8(alpha);
    d.ratio = PG_GETARG_FLOAT8(ratio);
    return d;
}
}  // namespace

// (kind, baseline, mde, sd, alpha, power, ratio, cluster_size, icc, cuped_rho)
Datum ls_ab_sample_size(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (any_null(fcinfo, {0, 2, 4, 5, 6, 7, 8, 9})) PG_RETURN_NULL();
        lp::Design d = design(fcinfo, 0, 1, 3, 4, 6);
        double mde = PG_GETARG_FLOAT8(2), pw = PG_GETARG_FLOAT8(5);
        double m = PG_GETARG_FLOAT8(7), icc = PG_GETARG_FLOAT8(8), rho = PG_GETARG_FLOAT8(9);
        if (!(rho > -1 && rho < 1)) ls::fail(ls::ErrorKind::InvalidParameter, "cuped_rho must be in (-1, 1)");
        double deff = lp::design_effect(m, icc);
        double shrink = 1 - rho * rho;
        double es = lp::effect_size(d, mde);
        double n1;
        if (d.kind == lp::Kind::Mean) {
            d.sd *= std::sqrt(shrink);  // CUPED: the adjusted metric's SD
            n1 = lp::sample_size(d, mde, pw) * deff;
        } else {
            n1 = lp::sample_size(d, mde, pw) * shrink * deff;
        }
        double nc = std::ceil(n1 - 1e-9), nt = std::ceil(n1 * d.ratio - 1e-9);
        Datum v[5] = {Int64GetDatum(static_cast<int64>(nc)), Int64GetDatum(static_cast<int64>(nt)),
                      Int64GetDatum(static_cast<int64>(nc + nt)), Float8GetDatum(es), Float8GetDatum(n1)};
        bool n[5] = {false, false, false, false, false};
        return lspg::causal::make_composite(fcinfo, v, n);
    });
}

// (kind, baseline, mde, sd, n_control, alpha, ratio)
Datum ls_ab_power(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (any_null(fcinfo, {0, 2, 4, 5, 6})) PG_RETURN_NULL();
        lp::Design d = design(fcinfo, 0, 1, 3, 5, 6);
        PG_RETURN_FLOAT8(lp::power(d, PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(4)));
    });
}

// (kind, baseline, sd, n_control, alpha, power, ratio)
Datum ls_ab_mde(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (any_null(fcinfo, {0, 3, 4, 5, 6})) PG_RETURN_NULL();
        lp::Design d = design(fcinfo, 0, 1, 2, 4, 6);
        PG_RETURN_FLOAT8(lp::mde(d, PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(5)));
    });
}

Datum ls_ab_design_effect(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        PG_RETURN_FLOAT8(lp::design_effect(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1)));
    });
}
