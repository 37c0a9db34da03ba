// The pass aggregate of the multi-pass propensity estimators,
// learnerscore.propensity_pass(params float8[], outcome, treated, covariates):
// a float8[] state (ls::causal pass layout) modified in place inside the
// aggregate, merged by its combine function, so every pass runs as Partial
// Aggregate on parallel workers (and on Citus workers). Nothing here depends
// on the call expression. ate_from_table drives the passes (causal_table_pg.cpp).
#include <algorithm>

#include "core/causal/propensity_passes.h"
#include "pg/causal/causal_pg_util.h"

extern "C" {
#include "fmgr.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(ls_propensity_pass_trans);
PG_FUNCTION_INFO_V1(ls_propensity_pass_combine);
}

namespace lc = ls::causal;
using lspg::causal::state_data;
using lspg::causal::aggregate_state_array;
using lspg::causal::state_length;
using lspg::causal::writable_state;

// (state, params, outcome, treated, covariates): STRICT, so a row with a NULL is skipped.
Datum ls_propensity_pass_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* st = writable_state(fcinfo, 0);
        int len = state_length(st);
        if (len == 0) {
            ArrayType* params = nullptr;
            lspg::pg_call([&]() { params = PG_GETARG_ARRAYTYPE_P(1); });
            int plen = state_length(params);
            st = aggregate_state_array(fcinfo, lc::pass_initial_state(state_data(params), static_cast<std::size_t>(plen)));
            len = state_length(st);
        }
        const double y = PG_GETARG_FLOAT8(2);
        const bool t = PG_GETARG_BOOL(3);
        const double* x = nullptr;
        ArrayType* xa = nullptr;
        lspg::pg_call([&]() { xa = PG_GETARG_ARRAYTYPE_P(4); });
        int k = lspg::causal::covariate_view(xa, &x, "ate_from_table");
        if (k < 0) PG_RETURN_ARRAYTYPE_P(st);  // a NULL covariate: the row is skipped
        lc::pass_add_row(state_data(st), static_cast<std::size_t>(len), y, t ? 1.0 : 0.0, x, static_cast<std::size_t>(k));
        PG_RETURN_ARRAYTYPE_P(st);
    });
}

Datum ls_propensity_pass_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* b = nullptr;
        lspg::pg_call([&]() { b = PG_GETARG_ARRAYTYPE_P(1); });
        int lb = state_length(b);
        ArrayType* a = writable_state(fcinfo, 0);
        int la = state_length(a);
        if (lb == 0) PG_RETURN_ARRAYTYPE_P(a);
        lc::pass_check_state(state_data(b), static_cast<std::size_t>(lb));
        if (la == 0) PG_RETURN_ARRAYTYPE_P(aggregate_state_array(fcinfo, std::vector<double>(state_data(b), state_data(b) + lb)));
        lc::pass_merge(state_data(a), static_cast<std::size_t>(la), state_data(b), static_cast<std::size_t>(lb));
        PG_RETURN_ARRAYTYPE_P(a);
    });
}
