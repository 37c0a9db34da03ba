// learnerscore_test.aggregate_without_expression(aggregate, query, split):
// runs an aggregate the way Citus's worker_partial_agg / coord_combine_agg do,
// so the regression tests can prove the support functions never depend on the
// call expression:
//   * every support function is looked up with fmgr_info() and called through
//     FunctionCallInvoke() with no fn_expr (get_fn_expr_argtype() and
//     get_fn_expr_rettype() return InvalidOid there);
//   * the transition runs per row of `query` inside an aggregate context (a
//     bare AggState, as the outer aggregate Citus runs in), with nodeAgg's
//     rules for keeping the new state (copy into the aggregate context unless
//     it is a read-write expanded object already living there);
//   * rows [0, split) and [split, n) make two partial states, each sent
//     through the state type's output and input functions (as a worker's
//     partial result reaches the coordinator as text), then combined;
//   * the final function runs on the combined state, again without an
//     expression, and its result is returned as text.
// Plain PostgreSQL C style: no C++ object lives across a call that may ERROR.
extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_proc.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(lst_aggregate_without_expression);
}

namespace {

struct AggInfo {
    Oid transfn, combinefn, finalfn, transtype;
    bool has_init;
    char* initval;  // text of agginitval
    int nargs;
    Oid argtypes[FUNC_MAX_ARGS];
    int16 translen;
    bool transbyval;
};

void lookup_aggregate(Oid aggfn, AggInfo* a) {
    HeapTuple tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfn));
    if (!HeapTupleIsValid(tup))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%u is not an aggregate", aggfn)));
    Form_pg_aggregate f = reinterpret_cast<Form_pg_aggregate>(GETSTRUCT(tup));
    if (f->aggkind != AGGKIND_NORMAL || f->aggfinalextra || !OidIsValid(f->aggcombinefn))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("only plain aggregates with a combine function and no final extra arguments")));
    a->transfn = f->aggtransfn;
    a->combinefn = f->aggcombinefn;
    a->finalfn = f->aggfinalfn;
    a->transtype = f->aggtranstype;
    bool isnull;
    Datum init = SysCacheGetAttr(AGGFNOID, tup, Anum_pg_aggregate_agginitval, &isnull);
    a->has_init = !isnull;
    a->initval = isnull ? nullptr : TextDatumGetCString(init);
    ReleaseSysCache(tup);

    Oid* types;
    int n;
    get_func_signature(aggfn, &types, &n);
    a->nargs = n;
    for (int i = 0; i < n; ++i) a->argtypes[i] = types[i];
    get_typlenbyval(a->transtype, &a->translen, &a->transbyval);
}

// The context every support function is called in: AggCheckCallContext()
// finds an AggState whose current aggregate context is `aggcxt`.
Node* fake_agg_state(MemoryContext aggcxt) {
    AggState* as = makeNode(AggState);
    ExprContext* ec = makeNode(ExprContext);
    ec->ecxt_per_tuple_memory = aggcxt;
    as->curaggcontext = ec;
    return reinterpret_cast<Node*>(as);
}

struct State {
    Datum value;
    bool isnull;
};

// nodeAgg's (and Citus's HandleTransition's) rule for a new transition value.
void keep(const AggInfo& a, State* st, Datum v, bool isnull, MemoryContext aggcxt) {
    if (a.transbyval || DatumGetPointer(v) == DatumGetPointer(st->value)) {
        st->value = v;
        st->isnull = isnull;
        return;
    }
    if (!isnull) {
        MemoryContext old = MemoryContextSwitchTo(aggcxt);
        if (!(DatumIsReadWriteExpandedObject(v, false, a.translen) &&
              MemoryContextGetParent(DatumGetEOHP(v)->eoh_context) == aggcxt))
            v = datumCopy(v, a.transbyval, a.translen);
        MemoryContextSwitchTo(old);
    }
    if (!st->isnull) {
        if (DatumIsReadWriteExpandedObject(st->value, false, a.translen)) DeleteExpandedObject(st->value);
        else pfree(DatumGetPointer(st->value));
    }
    st->value = v;
    st->isnull = isnull;
}

State initial_state(const AggInfo& a, MemoryContext aggcxt) {
    State st{0, true};
    if (!a.has_init) return st;
    Oid input, ioparam;
    getTypeInputInfo(a.transtype, &input, &ioparam);
    MemoryContext old = MemoryContextSwitchTo(aggcxt);
    st.value = OidInputFunctionCall(input, a.initval, ioparam, -1);
    st.isnull = false;
    MemoryContextSwitchTo(old);
    return st;
}

// One partial aggregate over rows [from, to) of the SPI result.
State partial(const AggInfo& a, FmgrInfo* trans, Node* ctx, uint64 from, uint64 to, MemoryContext aggcxt,
              MemoryContext rowcxt) {
    State st = initial_state(a, aggcxt);
    TupleDesc desc = SPI_tuptable->tupdesc;
    LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
    for (uint64 r = from; r < to; ++r) {
        HeapTuple row = SPI_tuptable->vals[r];
        InitFunctionCallInfoData(*fcinfo, trans, a.nargs + 1, InvalidOid, ctx, nullptr);
        bool skip = false;
        for (int i = 0; i < a.nargs; ++i) {
            bool isnull;
            fcinfo->args[i + 1].value = SPI_getbinval(row, desc, i + 1, &isnull);
            fcinfo->args[i + 1].isnull = isnull;
            if (isnull && trans->fn_strict) skip = true;
        }
        if (skip) continue;
        if (st.isnull && trans->fn_strict)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("a strict transition function without an initial value")));
        fcinfo->args[0].value = st.value;
        fcinfo->args[0].isnull = st.isnull;
        MemoryContext old = MemoryContextSwitchTo(rowcxt);  // the per-input-tuple context
        Datum v = FunctionCallInvoke(fcinfo);
        MemoryContextSwitchTo(old);
        keep(a, &st, v, fcinfo->isnull, aggcxt);
        MemoryContextReset(rowcxt);
    }
    return st;
}

// A partial state as the coordinator sees it: through text.
State through_text(const AggInfo& a, State st, MemoryContext aggcxt) {
    if (st.isnull) return st;
    Oid output, input, ioparam;
    bool varlena;
    getTypeOutputInfo(a.transtype, &output, &varlena);
    getTypeInputInfo(a.transtype, &input, &ioparam);
    MemoryContext old = MemoryContextSwitchTo(aggcxt);
    char* s = OidOutputFunctionCall(output, st.value);
    State out{OidInputFunctionCall(input, s, ioparam, -1), false};
    MemoryContextSwitchTo(old);
    return out;
}

}  // namespace

Datum lst_aggregate_without_expression(PG_FUNCTION_ARGS) {
    Oid aggfn = PG_GETARG_OID(0);
    char* query = text_to_cstring(PG_GETARG_TEXT_PP(1));
    AggInfo a;
    lookup_aggregate(aggfn, &a);

    MemoryContext caller = CurrentMemoryContext;
    MemoryContext aggcxt = AllocSetContextCreate(caller, "learnerscore_test aggregate", ALLOCSET_DEFAULT_SIZES);
    MemoryContext rowcxt = AllocSetContextCreate(caller, "learnerscore_test row", ALLOCSET_DEFAULT_SIZES);
    Node* ctx = fake_agg_state(aggcxt);

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the query must be a SELECT")));
    TupleDesc desc = SPI_tuptable->tupdesc;
    if (desc->natts != a.nargs)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("the query returns %d columns, the aggregate takes %d arguments", desc->natts, a.nargs)));
    for (int i = 0; i < a.nargs; ++i)
        if (SPI_gettypeid(desc, i + 1) != a.argtypes[i])
            ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                            errmsg("column %d of the query is %s, the aggregate takes %s", i + 1,
                                   format_type_be(SPI_gettypeid(desc, i + 1)), format_type_be(a.argtypes[i]))));
    const uint64 n = SPI_processed;
    const uint64 split = PG_ARGISNULL(2) ? n / 2 : static_cast<uint64>(Max(0, Min(PG_GETARG_INT32(2), (int32)n)));

    // fmgr_info never sets fn_expr: exactly what the support functions see under Citus.
    FmgrInfo trans, combine, finalinfo;
    fmgr_info_cxt(a.transfn, &trans, aggcxt);
    fmgr_info_cxt(a.combinefn, &combine, aggcxt);
    if (OidIsValid(a.finalfn)) fmgr_info_cxt(a.finalfn, &finalinfo, aggcxt);

    State p1 = through_text(a, partial(a, &trans, ctx, 0, split, aggcxt, rowcxt), aggcxt);
    State p2 = through_text(a, partial(a, &trans, ctx, split, n, aggcxt, rowcxt), aggcxt);

    // Combine, with nodeAgg's handling of a strict combine function and NULL states.
    State st = p1;
    if (p2.isnull) {
        // nothing to add
    } else if (st.isnull && combine.fn_strict) {
        st = p2;
    } else {
        LOCAL_FCINFO(fcinfo, 2);
        InitFunctionCallInfoData(*fcinfo, &combine, 2, InvalidOid, ctx, nullptr);
        fcinfo->args[0].value = st.value;
        fcinfo->args[0].isnull = st.isnull;
        fcinfo->args[1].value = p2.value;
        fcinfo->args[1].isnull = false;
        MemoryContext old = MemoryContextSwitchTo(rowcxt);
        Datum v = FunctionCallInvoke(fcinfo);
        MemoryContextSwitchTo(old);
        keep(a, &st, v, fcinfo->isnull, aggcxt);
    }

    // Final function (or the state itself), then its text.
    Datum result = st.value;
    bool isnull = st.isnull;
    Oid result_type = a.transtype;
    MemoryContext old = MemoryContextSwitchTo(aggcxt);
    if (OidIsValid(a.finalfn)) {
        result_type = get_func_rettype(a.finalfn);
        if (isnull && finalinfo.fn_strict) {
            // NULL result
        } else {
            LOCAL_FCINFO(fcinfo, 1);
            InitFunctionCallInfoData(*fcinfo, &finalinfo, 1, InvalidOid, ctx, nullptr);
            fcinfo->args[0].value = st.value;
            fcinfo->args[0].isnull = st.isnull;
            result = FunctionCallInvoke(fcinfo);
            isnull = fcinfo->isnull;
        }
    }
    char* out = nullptr;
    if (!isnull) {
        Oid output;
        bool varlena;
        getTypeOutputInfo(result_type, &output, &varlena);
        out = OidOutputFunctionCall(output, result);
    }
    MemoryContextSwitchTo(old);
    SPI_finish();
    if (!out) {
        MemoryContextDelete(aggcxt);
        MemoryContextDelete(rowcxt);
        PG_RETURN_NULL();
    }
    text* t = cstring_to_text(out);  // in the caller's context
    MemoryContextDelete(aggcxt);
    MemoryContextDelete(rowcxt);
    PG_RETURN_TEXT_P(t);
}
