// The pass aggregate of train('logistic') as passes,
// learnerscore.logistic_pass(params float8[], target float8, features float8[]),
// and learnerscore.logistic_pass_score(params, features): a float8[] state
// (ls::models logistic pass layout, core/models/logistic_passes.h) modified in
// place inside the aggregate, merged by its combine function, so every pass
// runs as Partial Aggregate on parallel workers (and on Citus workers).
// Nothing here depends on the call expression. train() drives the passes
// (train_passes_pg.cpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/base/error.h"
#include "core/models/logistic_passes.h"
#include "pg/causal/causal_pg_util.h"

extern "C" {
#include "utils/elog.h"
}

extern "C" {
#include "fmgr.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(ls_logistic_pass_trans);
PG_FUNCTION_INFO_V1(ls_logistic_pass_combine);
PG_FUNCTION_INFO_V1(ls_logistic_pass_score);
}

namespace lm = ls::models;
using lspg::causal::state_data;
using lspg::causal::aggregate_state_array;
using lspg::causal::state_length;
using lspg::causal::writable_state;

namespace {

// The features of one row into x (NULL elements as NaN: missing, imputed);
// a NaN value is an error (a missing value is NULL).
void read_features(ArrayType* a, std::vector<double>& x) {
    if (ARR_ELEMTYPE(a) != FLOAT8OID) ls::fail(ls::ErrorKind::InvalidParameter, "logistic_pass: features must be float8[]");
    if (ARR_NDIM(a) > 1) ls::fail(ls::ErrorKind::InvalidParameter, "logistic_pass: features must be a one-dimensional array");
    const int n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
    x.resize(static_cast<std::size_t>(n));
    const double* v = reinterpret_cast<const double*>(ARR_DATA_PTR(a));
    const bits8* bitmap = ARR_NULLBITMAP(a);
    std::size_t k = 0;
    for (int j = 0; j < n; ++j) {
        if (bitmap && !(bitmap[j / 8] & (1 << (j % 8)))) {
            x[j] = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const double d = v[k++];
        if (d != d)
            ls::fail(ls::ErrorKind::InvalidParameter, "feature " + std::to_string(j + 1) + " contains NaN or Infinity",
                     "Replace them with NULL (a missing value) or a finite number.");
        x[j] = d;
    }
}

ArrayType* params_arg(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno)) throw ls::ForeignError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "logistic_pass: params must not be NULL");
    ArrayType* p = nullptr;
    lspg::pg_call([&]() { p = PG_GETARG_ARRAYTYPE_P(argno); });
    return p;
}

}  // namespace

// (state, params, target, features): not STRICT. A NULL target is counted by
// the prepare pass (the reader skips such rows); a NULL features array skips the row.
Datum ls_logistic_pass_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        if (PG_ARGISNULL(0)) ls::fail(ls::ErrorKind::InvalidBinary, "malformed logistic pass: a NULL state");
        ArrayType* st = writable_state(fcinfo, 0);
        int len = state_length(st);
        if (len == 0) {
            ArrayType* params = params_arg(fcinfo, 1);
            const int plen = state_length(params);
            st = aggregate_state_array(fcinfo, lm::logit_pass_initial_state(state_data(params), static_cast<std::size_t>(plen)));
            len = state_length(st);
        }
        if (PG_ARGISNULL(3)) PG_RETURN_ARRAYTYPE_P(st);
        double y = std::numeric_limits<double>::quiet_NaN();
        if (!PG_ARGISNULL(2)) {
            y = PG_GETARG_FLOAT8(2);
            if (!std::isfinite(y)) ls::fail(ls::ErrorKind::InvalidParameter, "the target contains NaN or Infinity");
        }
        ArrayType* xa = nullptr;
        lspg::pg_call([&]() { xa = PG_GETARG_ARRAYTYPE_P(3); });
        static std::vector<double> x;  // reused: no allocation per row
        read_features(xa, x);
        lm::logit_pass_add_row(state_data(st), static_cast<std::size_t>(len), y, x.data(), x.size());
        PG_RETURN_ARRAYTYPE_P(st);
    });
}

Datum ls_logistic_pass_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* b = nullptr;
        lspg::pg_call([&]() { b = PG_GETARG_ARRAYTYPE_P(1); });
        const int lb = state_length(b);
        ArrayType* a = writable_state(fcinfo, 0);
        const int la = state_length(a);
        if (lb == 0) {
            if (la > 0) lm::logit_pass_check_state(state_data(a), static_cast<std::size_t>(la));
            PG_RETURN_ARRAYTYPE_P(a);
        }
        lm::logit_pass_check_state(state_data(b), static_cast<std::size_t>(lb));
        if (la == 0) PG_RETURN_ARRAYTYPE_P(aggregate_state_array(fcinfo, std::vector<double>(state_data(b), state_data(b) + lb)));
        lm::logit_pass_merge(state_data(a), static_cast<std::size_t>(la), state_data(b), static_cast<std::size_t>(lb));
        PG_RETURN_ARRAYTYPE_P(a);
    });
}

// (params, features) -> the probability of the row under the pass's
// coefficients (NULL features imputed): STRICT.
Datum ls_logistic_pass_score(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        ArrayType* params = params_arg(fcinfo, 0);
        const int plen = state_length(params);
        ArrayType* xa = nullptr;
        lspg::pg_call([&]() { xa = PG_GETARG_ARRAYTYPE_P(1); });
        static std::vector<double> x;  // reused: no allocation per row
        read_features(xa, x);
        PG_RETURN_FLOAT8(lm::logit_pass_score(state_data(params), static_cast<std::size_t>(plen), x.data(), x.size()));
    });
}
