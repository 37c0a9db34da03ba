// Uplift metric aggregates (qini_coefficient, uplift_auc, uplift_at_k): an
// exact state, a bytea keeping every (score, treated, outcome) row (24 bytes a
// row, bounded by learnerscore.max_train_memory like the exact auc), sorted
// once in the final function; the combine function concatenates, so the
// result is the same serial, parallel or under Citus. Layout and validation:
// src/core/metrics/uplift.h (forged states end in 22P03).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/causal/causal_state.h"
#include "core/metrics/uplift.h"
#include "pg/base/boundary.h"
#include "pg/base/settings.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(ls_qini_accum);
PG_FUNCTION_INFO_V1(ls_uplift_auc_accum);
PG_FUNCTION_INFO_V1(ls_uplift_at_k_accum);
PG_FUNCTION_INFO_V1(ls_uplift_combine);
PG_FUNCTION_INFO_V1(ls_uplift_final);
}

namespace {

namespace lm = ls::metrics;
constexpr Size kHdr = sizeof(lm::UpliftHeader);
constexpr Size kRow = sizeof(lm::UpliftRow);

lm::UpliftHeader* header(bytea* b) { return reinterpret_cast<lm::UpliftHeader*>(VARDATA(b)); }
lm::UpliftRow* rows_of(bytea* b) { return reinterpret_cast<lm::UpliftRow*>(VARDATA(b) + kHdr); }
int64 capacity(const bytea* b) { return static_cast<int64>((VARSIZE(b) - VARHDRSZ - kHdr) / kRow); }

[[noreturn]] void bad_input(const std::string& msg) { ls::fail(ls::ErrorKind::InvalidParameter, msg); }

lm::UpliftState checked(bytea* b, bool rows) {
    const Size len = VARSIZE(b) - VARHDRSZ;
    return rows ? lm::decode_uplift_state(VARDATA(b), len) : lm::decode_uplift_header(VARDATA(b), len);
}

Size bytes_for(int64 rows) { return VARHDRSZ + kHdr + static_cast<Size>(rows) * kRow; }

// A state of `kind` with room for `want` rows holding the `count` rows of `from` (may be null).
bytea* grow(bytea* from, int kind, double k, int64 count, int64 need) {
    lspg::check_train_memory(bytes_for(need), "the row buffer of the uplift metrics");
    int64 want = from ? std::max<int64>(capacity(from), 256) : 256;
    while (want < need) want *= 2;
    if (bytes_for(want) > lspg::max_train_memory_bytes())
        want = std::max<int64>(need, static_cast<int64>((lspg::max_train_memory_bytes() - VARHDRSZ - kHdr) / kRow));
    const Size size = bytes_for(want);
    if (size > MaxAllocSize)
        ls::fail(ls::ErrorKind::ProgramLimitExceeded,
                 "learnerscore uplift metrics: too many rows for an exact state (at most " +
                     std::to_string((MaxAllocSize - VARHDRSZ - kHdr) / kRow) + ")");
    bytea* b = nullptr;
    lspg::pg_call([&]() { b = static_cast<bytea*>(palloc0(size)); });
    SET_VARSIZE(b, size);
    header(b)->kind = kind;
    header(b)->reserved = 0;
    header(b)->k = k;
    header(b)->count = count;
    if (from && count) std::memcpy(rows_of(b), rows_of(from), static_cast<Size>(count) * kRow);
    return b;
}

const char* row_problem(int kind, double s, double y) {
    if (std::isnan(s)) return "uplift metrics: the uplift score must not be NaN";
    if (!std::isfinite(y)) return "uplift metrics: the outcome must be finite";
    if (kind != lm::kUpliftAtK && y != 0.0 && y != 1.0)
        return "qini_coefficient and uplift_auc: the outcome must be 0 or 1 (uplift_at_k takes any finite outcome)";
    return nullptr;
}

// (state, score, treated, outcome [, k]) -- not strict: rows with a NULL score,
// treatment or outcome are ignored.
Datum accum(FunctionCallInfo fcinfo, int kind) {
    bytea* state = PG_ARGISNULL(0) ? nullptr : PG_GETARG_BYTEA_P(0);
    const bool row = !PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3);
    const bool in_agg = AggCheckCallContext(fcinfo, nullptr) != 0;
    double k = 0;
    bool k_ok = true;
    if (kind == lm::kUpliftAtK) {
        k_ok = PG_NARGS() > 4 && !PG_ARGISNULL(4);
        if (k_ok) k = PG_GETARG_FLOAT8(4);
        k_ok = k_ok && k > 0 && k <= 1;
    }
    // The per-row fast path: a valid row into a state with room, in place.
    if (state && row && in_agg && k_ok && VARSIZE(state) >= VARHDRSZ + kHdr) {
        lm::UpliftHeader h;
        std::memcpy(&h, VARDATA(state), sizeof h);
        const lm::UpliftRow r{PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1.0 : 0.0, PG_GETARG_FLOAT8(3)};
        if (h.kind == kind && h.reserved == 0 && h.k == k && h.count >= 0 && h.count < capacity(state) &&
            !row_problem(kind, r.score, r.outcome)) {
            rows_of(state)[h.count] = r;
            header(state)->count = h.count + 1;
            PG_RETURN_BYTEA_P(state);
        }
    }
    return lspg::guarded([&]() -> Datum {
        if (state) {
            const lm::UpliftState st = checked(state, false);
            if (st.kind != kind) ls::causal::malformed_state("uplift", "a state of another uplift metric");
        }
        if (kind == lm::kUpliftAtK) {
            if (PG_NARGS() <= 4 || PG_ARGISNULL(4)) bad_input("uplift_at_k: k must not be NULL");
            if (!k_ok) bad_input("uplift_at_k: k is the share of rows to keep and must be in (0, 1]");
            if (state && header(state)->k != k) bad_input("uplift_at_k: k must be the same on every row");
        }
        if (!row) {
            if (!state) PG_RETURN_NULL();
            PG_RETURN_BYTEA_P(state);
        }
        const lm::UpliftRow r{PG_GETARG_FLOAT8(1), PG_GETARG_BOOL(2) ? 1.0 : 0.0, PG_GETARG_FLOAT8(3)};
        if (const char* bad = row_problem(kind, r.score, r.outcome)) bad_input(bad);
        const int64 count = state ? header(state)->count : 0;
        if (!state || !in_agg || count + 1 > capacity(state)) state = grow(state, kind, k, count, count + 1);
        rows_of(state)[count] = r;
        header(state)->count = count + 1;
        PG_RETURN_BYTEA_P(state);
    });
}

bytea* bytea_arg(FunctionCallInfo fcinfo, int argno) {
    bytea* b = nullptr;
    lspg::pg_call([&]() { b = PG_GETARG_BYTEA_P(argno); });
    return b;
}

}  // namespace

Datum ls_qini_accum(PG_FUNCTION_ARGS) { return accum(fcinfo, lm::kQini); }
Datum ls_uplift_auc_accum(PG_FUNCTION_ARGS) { return accum(fcinfo, lm::kUpliftAuc); }
Datum ls_uplift_at_k_accum(PG_FUNCTION_ARGS) { return accum(fcinfo, lm::kUpliftAtK); }

// Concatenates two row lists of the same metric (and k) -- STRICT
Datum ls_uplift_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* a = bytea_arg(fcinfo, 0);
        bytea* b = bytea_arg(fcinfo, 1);
        const lm::UpliftState sa = checked(a, true), sb = checked(b, true);
        if (sa.kind != sb.kind || sa.k != sb.k)
            ls::causal::malformed_state("uplift", "states of different uplift metrics or k");
        const int64 need = sa.count + sb.count;
        if (!AggCheckCallContext(fcinfo, nullptr) || need > capacity(a)) a = grow(a, sa.kind, sa.k, sa.count, need);
        if (sb.count) std::memcpy(rows_of(a) + sa.count, sb.rows, static_cast<Size>(sb.count) * kRow);
        header(a)->count = need;
        PG_RETURN_BYTEA_P(a);
    });
}

// NULL without rows, with one arm only or where the metric is undefined.
Datum ls_uplift_final(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    return lspg::guarded([&]() -> Datum {
        const lm::UpliftState st = checked(bytea_arg(fcinfo, 0), true);
        std::vector<lm::UpliftRow> rows(st.rows, st.rows + st.count);
        double r = 0;
        switch (st.kind) {
            case lm::kQini: r = lm::qini_coefficient(rows); break;
            case lm::kUpliftAuc: r = lm::uplift_auc(rows); break;
            default: r = lm::uplift_at_k(rows, st.k);
        }
        if (std::isnan(r)) PG_RETURN_NULL();
        PG_RETURN_FLOAT8(r);
    });
}
