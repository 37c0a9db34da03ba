// Aggregates that need the rows themselves (a logistic propensity fit, then a
// second pass): ate_ipw, att_ipw, ate_aipw, att_aipw, balance,
// propensity_overlap, ate_refute. The state type is bytea: flat, it is a
// header and the rows [outcome, treated, x_1..x_k] as float8 (exact, combines
// by concatenation, PARALLEL SAFE, survives bytea text output/input).
//
// Inside an aggregate the state is an *expanded object* of that bytea (as
// array_append does with expanded arrays): a header plus one row buffer in its
// own memory context under the aggregate context. Appending a row writes in
// place; growth doubles the buffer with repalloc (realloc/mremap for large
// blocks, so no copy of the rows and no fresh pages per growth), and nodeAgg
// neither copies nor frees it because the object lives in the aggregate
// context. Wherever a flat bytea is needed (a parallel worker's partial state
// sent to the leader, output) PostgreSQL flattens it through the two methods
// below, with no slack: capacity = rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/causal_state.h"
#include "pg/causal/causal_pg_util.h"
#include "pg/base/settings.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(ls_rows_trans_y);
PG_FUNCTION_INFO_V1(ls_rows_trans_noy);
PG_FUNCTION_INFO_V1(ls_rows_trans_refute);
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

// Layout and validation of the flat state: src/core/causal/causal_state.h.
constexpr double kMagic = lc::kRowsMagic;
constexpr int kHdr = static_cast<int>(lc::kRowsHeader);
using Header = lc::RowsHeader;

Header* header(bytea* b) { return reinterpret_cast<Header*>(VARDATA(b)); }
double* rows_of(bytea* b) { return reinterpret_cast<double*>(VARDATA(b)) + kHdr; }

// Flat size of a state of `rows` rows. Fails past the 1 GB varlena limit and
// past learnerscore.max_train_memory: every growth of a row buffer (expanded
// or flat) passes here with the rows it would hold.
Size flat_size(double k, double rows) {
    double bytes = VARHDRSZ + (kHdr + rows * (k + 2)) * sizeof(double);
    if (bytes > static_cast<double>(MaxAllocSize))
        ls::fail(ls::ErrorKind::ProgramLimitExceeded,
                 "too many rows for an in-memory propensity aggregate (limit 1 GB of row data)",
                 "Use learnerscore.ate_from_table(), which reads the columns directly, or aggregate per group.");
    lspg::check_train_memory(static_cast<std::size_t>(bytes),
                             "the row buffer of a propensity aggregate (ate_ipw, ate_aipw, balance, propensity_overlap, ate_refute)");
    return static_cast<Size>(bytes);
}

// ---- the expanded (in-aggregate) form
struct RowsObject {
    ExpandedObjectHeader eoh;
    Header h;      // h.cap = rows the buffer holds
    double* rows;  // h.cap * (k + 2) doubles: palloc'd in eoh.eoh_context, or mapped
    bool mapped;   // rows lives in a map_row_region() mapping owned by eoh.eoh_context
    double region_rows;  // when mapped: the rows the mapping reserves (h.cap grows up to it)
};
// Past this size the row buffer moves into a reserved mapping (see map_row_region).
constexpr Size kMapFrom = Size(8) << 20;

extern "C" Size rows_get_flat_size(ExpandedObjectHeader* eohptr) {
    RowsObject* o = reinterpret_cast<RowsObject*>(eohptr);
    return VARHDRSZ + (kHdr + static_cast<Size>(o->h.rows) * (static_cast<Size>(o->h.k) + 2)) * sizeof(double);
}

extern "C" void rows_flatten_into(ExpandedObjectHeader* eohptr, void* result, Size allocated_size) {
    RowsObject* o = reinterpret_cast<RowsObject*>(eohptr);
    bytea* b = static_cast<bytea*>(result);
    SET_VARSIZE(b, allocated_size);
    *header(b) = o->h;
    header(b)->cap = o->h.rows;
    std::memcpy(rows_of(b), o->rows,
                static_cast<Size>(o->h.rows) * (static_cast<Size>(o->h.k) + 2) * sizeof(double));
}

const ExpandedObjectMethods kRowsMethods = {rows_get_flat_size, rows_flatten_into};

RowsObject* our_object(Datum d) {
    Pointer p = DatumGetPointer(d);
    if (!VARATT_IS_EXTERNAL_EXPANDED(p)) return nullptr;
    ExpandedObjectHeader* e = DatumGetEOHP(d);
    return e->eoh_methods == &kRowsMethods ? reinterpret_cast<RowsObject*>(e) : nullptr;
}

void reserve(RowsObject* o, double more);

// A new expanded state under `parent` with room for `cap` rows.
RowsObject* new_object(MemoryContext parent, const Header& h, double cap) {
    flat_size(h.k, cap);
    // 1024 rows, fewer for wide rows (at most 1 MB before the first growth).
    const double kFirst = std::max(1.0, std::min(1024.0, std::floor((1 << 20) / ((h.k + 2) * sizeof(double)))));
    RowsObject* o = nullptr;
    const Size bytes = static_cast<Size>(kFirst) * (static_cast<Size>(h.k) + 2) * sizeof(double);
    lspg::pg_call([&]() {
        MemoryContext cxt = AllocSetContextCreate(parent, "learnerscore rows", ALLOCSET_DEFAULT_SIZES);
        o = static_cast<RowsObject*>(MemoryContextAlloc(cxt, sizeof(RowsObject)));
        EOH_init_header(&o->eoh, &kRowsMethods, cxt);
        o->rows = static_cast<double*>(MemoryContextAlloc(cxt, bytes));
    });
    o->h = h;
    o->h.rows = 0;
    o->h.cap = kFirst;
    o->mapped = false;
    o->region_rows = 0;
    reserve(o, cap);
    return o;
}

// Makes room for `more` rows: doubling, capped at the flat-size limit; a
// buffer past kMapFrom moves once into a mapping reserved for the limit.
void reserve(RowsObject* o, double more) {
    const double need = o->h.rows + more;
    if (need <= o->h.cap) return;
    flat_size(o->h.k, need);  // fails past the limit
    const double w = o->h.k + 2;
    const double max_rows = std::floor((static_cast<double>(MaxAllocSize) - VARHDRSZ) / sizeof(double) / w) - kHdr;
    // Doubling stops at what learnerscore.max_train_memory allows: rows that
    // fit the capacity are appended without a check, so a capacity past the
    // bound would let them past it (a combine of 26480 + 2400 rows doubled to
    // 52960 and took the next 21120 unchecked under a 1 MB bound).
    const double within_bound =
        std::floor((static_cast<double>(lspg::max_train_memory_bytes()) - VARHDRSZ) / sizeof(double) / w) - kHdr;
    const double cap = std::min({std::max(need, o->h.cap * 2), max_rows, std::max(need, within_bound)});
    if (o->mapped) {  // the mapping already reserves max_rows; only the accounting grows
        o->h.cap = cap;
        return;
    }
    const Size bytes = static_cast<Size>(cap) * static_cast<Size>(w) * sizeof(double);
    if (!o->mapped && bytes > kMapFrom) {
        void* region = nullptr;
        const Size max_bytes = static_cast<Size>(max_rows) * static_cast<Size>(w) * sizeof(double);
        lspg::pg_call([&]() { region = map_row_region(max_bytes, o->eoh.eoh_context); });
        if (region) {
            std::memcpy(region, o->rows, static_cast<Size>(o->h.rows) * static_cast<Size>(w) * sizeof(double));
            double* old = o->rows;
            lspg::pg_call([&]() { pfree(old); });
            o->rows = static_cast<double*>(region);
            o->mapped = true;
            o->region_rows = max_rows;
            o->h.cap = cap;
            return;
        }
    }
    double* p = nullptr;
    lspg::pg_call([&]() { p = static_cast<double*>(repalloc(o->rows, bytes)); });
    o->rows = p;
    o->h.cap = cap;
}

void append(RowsObject* o, const double* rows, double n) {
    if (n <= 0) return;
    reserve(o, n);
    const Size w = static_cast<Size>(o->h.k) + 2;
    std::memcpy(o->rows + static_cast<Size>(o->h.rows) * w, rows, static_cast<Size>(n) * w * sizeof(double));
    o->h.rows += n;
}

// A read-only look at any state (expanded or flat); empty = the initial ''.
struct StateView {
    bool empty = true;
    Header h{};
    const double* rows = nullptr;
};

StateView view_datum(Datum d) {
    StateView v;
    if (RowsObject* o = our_object(d)) {
        v.empty = false;
        v.h = o->h;
        v.rows = o->rows;
        return v;
    }
    bytea* b = nullptr;
    lspg::pg_call([&]() { b = DatumGetByteaP(d); });
    lc::RowsState st;
    if (!lc::decode_rows_state(VARDATA(b), VARSIZE(b) - VARHDRSZ, st)) return v;
    v.empty = false;
    v.h = st.h;
    v.rows = st.data;
    return v;
}

// A flat state holding `a` then `b` (outside an aggregate, e.g. a direct call).
bytea* flat_concat(const Header& h, const double* a, double na, const double* b, double nb) {
    const Size sz = flat_size(h.k, na + nb);
    const Size w = static_cast<Size>(h.k) + 2;
    bytea* out = nullptr;
    lspg::pg_call([&]() { out = static_cast<bytea*>(palloc(sz)); });
    SET_VARSIZE(out, sz);
    *header(out) = h;
    header(out)->rows = na + nb;
    header(out)->cap = na + nb;
    if (na > 0) std::memcpy(rows_of(out), a, static_cast<Size>(na) * w * sizeof(double));
    if (nb > 0) std::memcpy(rows_of(out) + static_cast<Size>(na) * w, b, static_cast<Size>(nb) * w * sizeof(double));
    return out;
}

int method_code(const std::string& m) {
    if (m == "diff") return lc::kRowsDiff;
    if (m == "regression") return lc::kRowsRegression;
    if (m == "ipw") return lc::kRowsIpw;
    if (m == "aipw") return lc::kRowsAipw;
    ls::fail(ls::ErrorKind::InvalidParameter, "unknown method \"" + m + "\"", "Use diff, regression, ipw or aipw.");
}
const char* method_name(int c) {
    switch (c) {
        case lc::kRowsDiff: return "diff";
        case lc::kRowsRegression: return "regression";
        case lc::kRowsIpw: return "ipw";
        default: return "aipw";
    }
}

void check_width(double have, int k) {
    if (static_cast<int>(have) != k)
        ls::fail(ls::ErrorKind::InvalidParameter,
                 "covariate arrays of different lengths across rows (" + std::to_string(static_cast<int>(have)) +
                     " and " + std::to_string(k) + ")",
                 "Every row must pass the same number of covariates.");
}

// What follows the covariates in a transition's arguments.
enum class Options { TrimAlpha, Refute };

// The transition of every row aggregate. The signature is fixed by the C
// entry point (has_y, options), never read from the call expression: Citus's
// worker_partial_agg calls transition functions without one. Only trailing
// optional arguments are counted with PG_NARGS().
Datum rows_trans(FunctionCallInfo fcinfo, bool has_y, Options opts) {
    int a = 1;
    double y = 0;
    if (has_y) y = PG_GETARG_FLOAT8(a++);
    bool t = PG_GETARG_BOOL(a++);
    check_finite(y, "the outcome", "learnerscore");
    const double* x;
    ArrayType* arr = nullptr;
    lspg::pg_call([&]() { arr = PG_GETARG_ARRAYTYPE_P(a); });
    ++a;
    int k = covariate_view(arr, &x, "learnerscore");
    if (k < 0) PG_RETURN_DATUM(PG_GETARG_DATUM(0));  // a NULL covariate: skip the row
    if (static_cast<std::size_t>(k) > lc::kMaxCovariates)
        ls::fail(ls::ErrorKind::ProgramLimitExceeded,
                 "too many covariates (" + std::to_string(k) + "; at most " + std::to_string(lc::kMaxCovariates) + ")");
    // The row in state layout.
    double row_buf[64];
    std::vector<double> row_big;
    double* row = row_buf;
    if (k + 2 > 64) {
        row_big.resize(static_cast<std::size_t>(k) + 2);
        row = row_big.data();
    }
    row[0] = y;
    row[1] = t ? 1 : 0;
    if (k > 0) std::memcpy(row + 2, x, sizeof(double) * k);

    MemoryContext aggcxt = nullptr;
    const bool in_agg = AggCheckCallContext(fcinfo, &aggcxt) != 0;
    Datum st = PG_GETARG_DATUM(0);
    RowsObject* o = our_object(st);
    if (in_agg && o && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(st))) {  // the hot path
        check_width(o->h.k, k);
        append(o, row, 1);
        PG_RETURN_DATUM(st);
    }
    StateView v = view_datum(st);
    Header h{kMagic, static_cast<double>(k), 0, 0, 0, 0.05, lc::kRowsAipw, 0};
    if (v.empty) {
        if (opts == Options::Refute) {
            text* method = nullptr;
            lspg::pg_call([&]() { method = PG_GETARG_TEXT_PP(a); });
            h.method = method_code(lspg::text_to_string(method));
            h.seed = static_cast<double>(PG_GETARG_INT64(a + 1));
        } else if (PG_NARGS() > a) {
            h.trim = PG_GETARG_FLOAT8(a);
            if (!(h.trim >= 0 && h.trim < 0.5)) ls::fail(ls::ErrorKind::InvalidParameter, "trim must be in [0, 0.5)");
            if (PG_NARGS() > a + 1) h.alpha = PG_GETARG_FLOAT8(a + 1);
            lc::check_alpha(h.alpha);
        }
    } else {
        check_width(v.h.k, k);
        h = v.h;
    }
    const double n0 = v.empty ? 0 : v.h.rows;
    if (!in_agg) PG_RETURN_BYTEA_P(flat_concat(h, v.rows, n0, row, 1));
    o = new_object(aggcxt, h, std::max(1024.0, n0 + 1));
    append(o, v.rows, n0);
    append(o, row, 1);
    return EOHPGetRWDatum(&o->eoh);
}

}  // namespace

// (state, outcome float8, treated bool, covariates float8[] [, trim float8 [, alpha float8]])
//   -- ate_ipw, att_ipw, ate_aipw, att_aipw
Datum ls_rows_trans_y(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return rows_trans(fcinfo, true, Options::TrimAlpha); });
}
// (state, treated bool, covariates float8[] [, trim float8])  -- balance, propensity_overlap
Datum ls_rows_trans_noy(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return rows_trans(fcinfo, false, Options::TrimAlpha); });
}
// (state, outcome float8, treated bool, covariates float8[], method text, seed int8)  -- ate_refute
Datum ls_rows_trans_refute(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum { return rows_trans(fcinfo, true, Options::Refute); });
}

// Combine: appends the second state's rows to the first, in place when the
// first is already our expanded object (then the cost is O(rows of the
// second); a worker's partial state has to be copied out of the tuple queue
// once anyway).
Datum ls_rows_combine(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        Datum da = PG_GETARG_DATUM(0), db = PG_GETARG_DATUM(1);
        StateView b = view_datum(db);
        if (b.empty) {
            view_datum(da);  // checks a flat first state before handing it on
            PG_RETURN_DATUM(da);
        }
        MemoryContext aggcxt = nullptr;
        const bool in_agg = AggCheckCallContext(fcinfo, &aggcxt) != 0;
        RowsObject* o = our_object(da);
        if (in_agg && o && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(da))) {
            if (o->h.k != b.h.k)
                ls::fail(ls::ErrorKind::InvalidParameter, "covariate arrays of different lengths across rows");
            append(o, b.rows, b.h.rows);
            PG_RETURN_DATUM(da);
        }
        StateView a = view_datum(da);
        if (!a.empty && a.h.k != b.h.k)
            ls::fail(ls::ErrorKind::InvalidParameter, "covariate arrays of different lengths across rows");
        const Header& h = a.empty ? b.h : a.h;
        const double na = a.empty ? 0 : a.h.rows;
        if (!in_agg) PG_RETURN_BYTEA_P(flat_concat(h, a.rows, na, b.rows, b.h.rows));
        o = new_object(aggcxt, h, na + b.h.rows);
        append(o, a.rows, na);
        append(o, b.rows, b.h.rows);
        return EOHPGetRWDatum(&o->eoh);
    });
}

namespace {

// The result type from pg_proc (the function's fn_oid), not from the call
// expression, which Citus's worker_partial_agg does not provide. May ERROR:
// call inside pg_call.
Oid declared_result_type(FunctionCallInfo fcinfo) {
    Oid rettype = InvalidOid;
    if (get_call_result_type(fcinfo, &rettype, nullptr) != TYPEFUNC_SCALAR || !OidIsValid(get_element_type(rettype)))
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("learnerscore: function must return an array of a composite type")));
    return rettype;
}

// An array of the declared result's composite element type, one element per
// row; fill(row, values, nulls) sets that element's columns (nulls start
// false) and must not throw: it runs inside pg_call.
template <class Rows, class Fill>
Datum composite_array(FunctionCallInfo fcinfo, const Rows& rows, Fill fill) {
    const int n = static_cast<int>(rows.size());
    Datum result = 0;
    lspg::pg_call([&]() {
        Oid elemtype = get_element_type(declared_result_type(fcinfo));
        TupleDesc desc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
        Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * n));
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * desc->natts));
        bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * desc->natts));
        for (int i = 0; i < n; ++i) {
            memset(nulls, 0, sizeof(bool) * desc->natts);
            fill(rows[i], values, nulls);
            elems[i] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
        }
        int16 typlen;
        bool typbyval;
        char typalign;
        get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
        result = PointerGetDatum(construct_array(elems, n, elemtype, typlen, typbyval, typalign));
    });
    return result;
}

lc::RowView view_of(const StateView& v) {
    return lc::RowView{v.rows, static_cast<std::size_t>(v.h.rows), static_cast<std::size_t>(v.h.k)};
}

// The trim and alpha the aggregate's rows were collected with.
lc::PropensityOptions options_of(const Header& h) {
    lc::PropensityOptions o;
    o.trim = h.trim;
    o.alpha = h.alpha;
    return o;
}

Datum propensity_final(FunctionCallInfo fcinfo, bool aipw, lc::Estimand est) {
    StateView st = view_datum(PG_GETARG_DATUM(0));
    if (st.empty) PG_RETURN_NULL();
    lc::PropensityOptions o = options_of(st.h);
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

namespace lspg::causal {

Datum balance_datum(FunctionCallInfo fcinfo, const std::vector<lc::BalanceRow>& rows) {
    return composite_array(fcinfo, rows, [](const lc::BalanceRow& r, Datum* v, bool* nl) {
        v[0] = Int32GetDatum(r.covariate);
        v[1] = Float8GetDatum(r.mean_treated);
        v[2] = Float8GetDatum(r.mean_control);
        v[3] = Float8GetDatum(r.smd_before);
        v[4] = Float8GetDatum(r.mean_treated_weighted);
        v[5] = Float8GetDatum(r.mean_control_weighted);
        v[6] = Float8GetDatum(r.smd_after);
        nl[4] = std::isnan(r.mean_treated_weighted);
        nl[5] = std::isnan(r.mean_control_weighted);
        nl[6] = std::isnan(r.smd_after);
    });
}

Datum overlap_datum(FunctionCallInfo fcinfo, const lc::Overlap& o, const char* fn) {
    bool none = o.n_treated == 0 || o.n_control == 0;
    if (none) warn(std::string(fn) + ": needs treated and control rows");
    Datum v[10] = {Float8GetDatum(o.min_treated), Float8GetDatum(o.max_treated), Float8GetDatum(o.min_control),
                   Float8GetDatum(o.max_control), Float8GetDatum(o.share_extreme), Float8GetDatum(o.ess_treated),
                   Float8GetDatum(o.ess_control), Int64GetDatum(o.n_treated), Int64GetDatum(o.n_control),
                   BoolGetDatum(o.converged)};
    bool nl[10] = {none, none, none, none, none, none, none, false, false, none};
    return make_composite(fcinfo, v, nl);
}

}  // namespace lspg::causal

// balance -> learnerscore.balance_row[]
Datum ls_balance_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        StateView st = view_datum(PG_GETARG_DATUM(0));
        if (st.empty) PG_RETURN_NULL();
        auto rows = lc::balance(view_of(st), st.h.trim);
        if (rows.empty()) PG_RETURN_NULL();
        return lspg::causal::balance_datum(fcinfo, rows);
    });
}

Datum ls_overlap_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        StateView st = view_datum(PG_GETARG_DATUM(0));
        if (st.empty) PG_RETURN_NULL();
        return lspg::causal::overlap_datum(fcinfo, lc::overlap(view_of(st)), "propensity_overlap");
    });
}

// ate_refute -> learnerscore.refutation[]
Datum ls_refute_final(PG_FUNCTION_ARGS) {
    return lspg::guarded([&]() -> Datum {
        StateView st = view_datum(PG_GETARG_DATUM(0));
        if (st.empty) PG_RETURN_NULL();
        const Header* h = &st.h;
        auto rows =
            lc::refute(view_of(st), method_name(static_cast<int>(h->method)), options_of(*h), lc::seed_bits(h->seed));
        if (rows.empty()) {
            warn("ate_refute: the estimate itself is not available");
            PG_RETURN_NULL();
        }
        return composite_array(fcinfo, rows, [](const lc::Refutation& r, Datum* v, bool* nl) {
            v[0] = PointerGetDatum(cstring_to_text(r.test.c_str()));
            v[1] = Float8GetDatum(r.estimate);
            v[2] = Float8GetDatum(r.new_estimate);
            v[3] = Float8GetDatum(r.statistic);
            v[4] = BoolGetDatum(r.passed);
            nl[2] = std::isnan(r.new_estimate);
            nl[3] = std::isnan(r.statistic);
        });
    });
}
