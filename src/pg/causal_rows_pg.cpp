// Aggregates that need the rows themselves (a logistic propensity fit, then a
// second pass): ate_ipw, att_ipw, ate_aipw, att_aipw, balance,
// propensity_overlap, ate_refute. The state is a bytea holding a header and
// the rows [outcome, treated, x_1..x_k] as float8, so it is exact, combines by
// concatenation (PARALLEL SAFE), and survives bytea text output/input. The
// varlena spans the allocated capacity (the header says how many rows are
// used), so appends are amortized O(1) and stay in place in the aggregate
// context; partial states may carry up to 50 % slack.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/causal_propensity.h"
#include "pg/causal_pg_util.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(ls_rows_trans);
PG_FUNCTION_INFO_V1(ls_rows_combine);
PG_FUNCTION_INFO_V1(ls_ipw_final);
PG_FUNCTION_INFO_V1(ls_att_ipw_final);
PG_FUNCTION_INFO_V1(ls_aipw_final);
PG_FUNCTION_INFO_V1(ls_att_aipw_final);
PG_FUNCTION_INFO_V1(ls_balance_final);
PG_FUNCTION_INFO_V1(ls_overlap_final);
PG_FUNCTION_INFO_V1(ls_refute_final);
}

using namespace lspg::causal;
namespace lc = ls::causal;

namespace {

constexpr double kMagic = 0x4C53524F;  // "LSRO"
constexpr int kHdr = 8;                 // magic, k, rows, capacity, trim, alpha, method, seed
enum Method { kDiff = 1, kRegression = 2, kIpw = 3, kAipw = 4 };

struct Header {
    double magic, k, rows, cap, trim, alpha, method, seed;
};
static_assert(sizeof(Header) == kHdr * sizeof(double), "header layout");

Header* header(bytea* b) { return reinterpret_cast<Header*>(VARDATA(b)); }
double* rows_of(bytea* b) { return reinterpret_cast<double*>(VARDATA(b)) + kHdr; }

// Validates a state; returns false for the empty initial state.
bool valid_state(bytea* b) {
    Size len = VARSIZE(b) - VARHDRSZ;
    if (len == 0) return false;
    if (len < kHdr * sizeof(double)) ls::fail(ls::ErrorKind::InvalidParameter, "malformed learnerscore row state");
    Header* h = header(b);
    if (h->magic != kMagic || h->k < 0 || h->rows < 0 || h->cap < h->rows ||
        len < (kHdr + h->cap * (h->k + 2)) * sizeof(double))
        ls::fail(ls::ErrorKind::InvalidParameter, "malformed learnerscore row state");
    return true;
}

bytea* alloc_rows(const Header& h, double cap) {
    double bytes = VARHDRSZ + (kHdr + cap * (h.k + 2)) * sizeof(double);
    if (bytes > static_cast<double>(MaxAllocSize))
        ls::fail(ls::ErrorKind::ProgramLimitExceeded,
                 "too many rows for an in-memory propensity aggregate (limit 1 GB of row data)",
                 "Use learnerscore.ate_from_table(), which reads the columns directly, or aggregate per group.");
    bytea* b = nullptr;
    Size sz = static_cast<Size>(bytes);
    lspg::pg_call([&]() { b = static_cast<bytea*>(palloc0(sz)); });
    SET_VARSIZE(b, sz);
    *header(b) = h;
    header(b)->cap = cap;
    header(b)->rows = 0;
    return b;
}

int method_code(const std::string& m) {
    if (m == "diff") return kDiff;
    if (m == "regression") return kRegression;
    if (m == "ipw") return kIpw;
    if (m == "aipw") return kAipw;
    ls::fail(ls::ErrorKind::InvalidParameter, "unknown method \"" + m + "\"", "Use diff, regression, ipw or aipw.");
}
const char* method_name(int c) {
    switch (c) {
        case kDiff: return "diff";
        case kRegression: return "regression";
        case kIpw: return "ipw";
        default: return "aipw";
    }
}

}  // namespace

// Transition for every row aggregate. Signatures (after the state):
//   (outcome float8, treated bool, covariates float8[] [, trim float8 [, alpha float8]])
//   (outcome float8, treated bool, covariates float8[], method text, seed int8)   -- ate_refute
//   (treated bool, covariates float8[] [, trim float8])                          -- balance, overlap
Datum ls_rows_trans(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        int a = 1;
        double y = 0;
        if (get_fn_expr_argtype(fcinfo->flinfo, 1) == FLOAT8OID) y = PG_GETARG_FLOAT8(a++);
        bool t = PG_GETARG_BOOL(a++);
        check_finite(y, "the outcome", "learnerscore");
        const double* x;
        int k = covariate_view(PG_GETARG_ARRAYTYPE_P(a++), &x, "learnerscore");
        if (k < 0) PG_RETURN_DATUM(PG_GETARG_DATUM(0));  // a NULL covariate: skip the row
        bytea* st = PG_GETARG_BYTEA_P(0);
        bool in_agg = AggCheckCallContext(fcinfo, nullptr);
        if (!valid_state(st)) {
            Header h{kMagic, static_cast<double>(k), 0, 0, 0, 0.05, kAipw, 0};
            if (PG_NARGS() > a) {
                if (get_fn_expr_argtype(fcinfo->flinfo, a) == TEXTOID) {
                    h.method = method_code(lspg::text_to_string(PG_GETARG_TEXT_PP(a)));
                    h.seed = static_cast<double>(PG_GETARG_INT64(a + 1));
                } else {
                    h.trim = PG_GETARG_FLOAT8(a);
                    if (!(h.trim >= 0 && h.trim < 0.5))
                        ls::fail(ls::ErrorKind::InvalidParameter, "trim must be in [0, 0.5)");
                    if (PG_NARGS() > a + 1) h.alpha = PG_GETARG_FLOAT8(a + 1);
                    lc::check_alpha(h.alpha);
                }
            }
            st = alloc_rows(h, 1024);
        } else if (!in_agg) {
            bytea* c = nullptr;
            lspg::pg_call([&]() { c = static_cast<bytea*>(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0))); });
            st = c;
        }
        Header* h = header(st);
        if (static_cast<int>(h->k) != k)
            ls::fail(ls::ErrorKind::InvalidParameter,
                     "covariate arrays of different lengths across rows (" + std::to_string(static_cast<int>(h->k)) +
                         " and " + std::to_string(k) + ")",
                     "Every row must pass the same number of covariates.");
        if (h->rows >= h->cap) {
            bytea* bigger = alloc_rows(*h, std::ceil(h->cap * 1.5));
            std::memcpy(rows_of(bigger), rows_of(st), static_cast<size_t>(h->rows * (k + 2)) * sizeof(double));
            header(bigger)->rows = h->rows;
            st = bigger;  // nodeAgg copies it into the aggregate context and frees the old one
            h = header(st);
        }
        double* r = rows_of(st) + static_cast<size_t>(h->rows) * (k + 2);
        r[0] = y;
        r[1] = t ? 1 : 0;
        if (k > 0) std::memcpy(r + 2, x, sizeof(double) * k);
        h->rows += 1;
        PG_RETURN_BYTEA_P(st);
    });
}

Datum ls_rows_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* b = PG_GETARG_BYTEA_P(1);
        bytea* a = PG_GETARG_BYTEA_P(0);
        if (!valid_state(b)) PG_RETURN_BYTEA_P(a);
        if (!valid_state(a)) PG_RETURN_BYTEA_P(b);  // nodeAgg copies it
        Header* ha = header(a);
        Header* hb = header(b);
        if (ha->k != hb->k)
            ls::fail(ls::ErrorKind::InvalidParameter, "covariate arrays of different lengths across rows");
        const size_t w = static_cast<size_t>(ha->k) + 2;
        bytea* out = a;
        if (!AggCheckCallContext(fcinfo, nullptr) || ha->rows + hb->rows > ha->cap) {
            out = alloc_rows(*ha, std::max(ha->rows + hb->rows, std::ceil(ha->cap * 1.5)));
            std::memcpy(rows_of(out), rows_of(a), static_cast<size_t>(ha->rows) * w * sizeof(double));
            header(out)->rows = ha->rows;
        }
        Header* ho = header(out);
        std::memcpy(rows_of(out) + static_cast<size_t>(ho->rows) * w, rows_of(b),
                    static_cast<size_t>(hb->rows) * w * sizeof(double));
        ho->rows += hb->rows;
        PG_RETURN_BYTEA_P(out);
    });
}

namespace {

lc::RowView view_of(bytea* b) {
    Header* h = header(b);
    return lc::RowView{rows_of(b), static_cast<std::size_t>(h->rows), static_cast<std::size_t>(h->k)};
}

Datum propensity_final(FunctionCallInfo fcinfo, bool aipw, lc::Estimand est) {
    bytea* st = PG_GETARG_BYTEA_P(0);
    if (!valid_state(st)) PG_RETURN_NULL();
    Header* h = header(st);
    lc::PropensityOptions o;
    o.trim = h->trim;
    o.alpha = h->alpha;
    o.estimand = est;
    lc::Effect e = aipw ? lc::aipw(view_of(st), o) : lc::ipw(view_of(st), o);
    return effect_datum(fcinfo, e);
}

}  // namespace

Datum ls_ipw_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return propensity_final(fcinfo, false, lc::Estimand::ATE); });
}
Datum ls_att_ipw_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return propensity_final(fcinfo, false, lc::Estimand::ATT); });
}
Datum ls_aipw_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return propensity_final(fcinfo, true, lc::Estimand::ATE); });
}
Datum ls_att_aipw_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return propensity_final(fcinfo, true, lc::Estimand::ATT); });
}

// balance -> learnerscore.balance_row[]
Datum ls_balance_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* st = PG_GETARG_BYTEA_P(0);
        if (!valid_state(st)) PG_RETURN_NULL();
        auto rows = lc::balance(view_of(st), header(st)->trim);
        if (rows.empty()) PG_RETURN_NULL();
        const int n = static_cast<int>(rows.size());
        Oid rettype = get_fn_expr_rettype(fcinfo->flinfo);
        Datum result = 0;
        lspg::pg_call([&]() {
            Oid elemtype = get_element_type(rettype);
            TupleDesc desc = lookup_rowtype_tupdesc_copy(elemtype, -1);
            desc = BlessTupleDesc(desc);
            Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * n));
            for (int i = 0; i < n; ++i) {
                const auto& r = rows[i];
                Datum v[7] = {Int32GetDatum(r.covariate),          Float8GetDatum(r.mean_treated),
                              Float8GetDatum(r.mean_control),      Float8GetDatum(r.smd_before),
                              Float8GetDatum(r.mean_treated_weighted), Float8GetDatum(r.mean_control_weighted),
                              Float8GetDatum(r.smd_after)};
                bool nl[7] = {false, false, false, false, std::isnan(r.mean_treated_weighted),
                              std::isnan(r.mean_control_weighted), std::isnan(r.smd_after)};
                elems[i] = HeapTupleGetDatum(heap_form_tuple(desc, v, nl));
            }
            int16 typlen;
            bool typbyval;
            char typalign;
            get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
            result = PointerGetDatum(construct_array(elems, n, elemtype, typlen, typbyval, typalign));
        });
        return result;
    });
}

Datum ls_overlap_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* st = PG_GETARG_BYTEA_P(0);
        if (!valid_state(st)) PG_RETURN_NULL();
        lc::Overlap o = lc::overlap(view_of(st));
        bool none = o.n_treated == 0 || o.n_control == 0;
        if (none) warn("propensity_overlap: needs treated and control rows");
        Datum v[10] = {Float8GetDatum(o.min_treated), Float8GetDatum(o.max_treated), Float8GetDatum(o.min_control),
                       Float8GetDatum(o.max_control), Float8GetDatum(o.share_extreme), Float8GetDatum(o.ess_treated),
                       Float8GetDatum(o.ess_control), Int64GetDatum(o.n_treated), Int64GetDatum(o.n_control),
                       BoolGetDatum(o.converged)};
        bool nl[10] = {none, none, none, none, none, none, none, false, false, none};
        return make_composite(fcinfo, v, nl);
    });
}

// ate_refute -> learnerscore.refutation[]
Datum ls_refute_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        bytea* st = PG_GETARG_BYTEA_P(0);
        if (!valid_state(st)) PG_RETURN_NULL();
        Header* h = header(st);
        lc::PropensityOptions o;
        o.trim = h->trim;
        o.alpha = h->alpha;
        auto rows = lc::refute(view_of(st), method_name(static_cast<int>(h->method)), o,
                               static_cast<std::uint64_t>(h->seed));
        if (rows.empty()) {
            warn("ate_refute: the estimate itself is not available");
            PG_RETURN_NULL();
        }
        const int n = static_cast<int>(rows.size());
        Oid rettype = get_fn_expr_rettype(fcinfo->flinfo);
        std::vector<std::string> names;
        for (auto& r : rows) names.push_back(r.test);
        Datum result = 0;
        lspg::pg_call([&]() {
            Oid elemtype = get_element_type(rettype);
            TupleDesc desc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
            Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * n));
            for (int i = 0; i < n; ++i) {
                const auto& r = rows[i];
                Datum v[5] = {PointerGetDatum(cstring_to_text(names[i].c_str())), Float8GetDatum(r.estimate),
                              Float8GetDatum(r.new_estimate), Float8GetDatum(r.statistic), BoolGetDatum(r.passed)};
                bool nl[5] = {false, false, std::isnan(r.new_estimate), std::isnan(r.statistic), false};
                elems[i] = HeapTupleGetDatum(heap_form_tuple(desc, v, nl));
            }
            int16 typlen;
            bool typbyval;
            char typalign;
            get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
            result = PointerGetDatum(construct_array(elems, n, elemtype, typlen, typbyval, typalign));
        });
        return result;
    });
}
