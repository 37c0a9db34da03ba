#include <sys/mman.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/huge_pages.h"
#include "core/causal/causal_state.h"
#include "pg/causal/causal_pg_util.h"

extern "C" {
#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/memutils.h"
#include "utils/builtins.h"
}

namespace lspg::causal {

ArrayType* new_float8_array(int len) {
    Size bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * static_cast<Size>(len);
    ArrayType* a = static_cast<ArrayType*>(palloc0(bytes));
    SET_VARSIZE(a, bytes);
    a->ndim = 1;
    a->dataoffset = 0;
    a->elemtype = FLOAT8OID;
    ARR_DIMS(a)[0] = len;
    ARR_LBOUND(a)[0] = 1;
    return a;
}

ArrayType* writable_state(FunctionCallInfo fcinfo, int argno) {
    ArrayType* a = nullptr;
    if (AggCheckCallContext(fcinfo, nullptr)) {
        pg_call([&]() { a = PG_GETARG_ARRAYTYPE_P(argno); });
    } else {
        pg_call([&]() { a = PG_GETARG_ARRAYTYPE_P_COPY(argno); });
    }
    return a;
}

ArrayType* aggregate_state_array(FunctionCallInfo fcinfo, const std::vector<double>& v) {
    ArrayType* a = nullptr;
    pg_call([&]() {
        MemoryContext agg = nullptr, old = nullptr;
        if (AggCheckCallContext(fcinfo, &agg)) old = MemoryContextSwitchTo(agg);
        a = new_float8_array(static_cast<int>(v.size()));
        if (old) MemoryContextSwitchTo(old);
    });
    std::copy(v.begin(), v.end(), state_data(a));
    return a;
}

int state_length(ArrayType* a) {
    if (ARR_NDIM(a) == 0) return 0;
    if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
        ls::causal::malformed_state("moment", "not a one-dimensional float8 array without NULLs");
    return ARR_DIMS(a)[0];
}

void check_finite(double v, const char* what, const char* fn) {
    if (!std::isfinite(v))
        ls::fail(ls::ErrorKind::InvalidParameter, std::string(fn) + ": " + what + " is NaN or infinite",
                 "Filter such rows out (NULL rows are skipped).");
}

int covariate_view(ArrayType* a, const double** data, const char* fn) {
    if (ARR_ELEMTYPE(a) != FLOAT8OID) ls::fail(ls::ErrorKind::InvalidParameter, std::string(fn) + ": covariates must be float8[]");
    if (ARR_NDIM(a) == 0) {
        *data = nullptr;
        return 0;
    }
    if (ARR_NDIM(a) != 1)
        ls::fail(ls::ErrorKind::InvalidParameter, std::string(fn) + ": covariates must be a one-dimensional array");
    if (ARR_HASNULL(a)) return -1;
    int n = ARR_DIMS(a)[0];
    const double* d = reinterpret_cast<const double*>(ARR_DATA_PTR(a));
    for (int i = 0; i < n; ++i) check_finite(d[i], "a covariate", fn);
    *data = d;
    return n;
}

bool read_covariates(ArrayType* a, std::vector<double>& out, const char* fn) {
    const double* d;
    int n = covariate_view(a, &d, fn);
    if (n < 0) return false;
    out.assign(d, d + n);
    return true;
}

namespace {
struct Mapping {
    MemoryContextCallback cb;  // first: palloc'd together with the mapping's address
    void* addr;
    std::size_t len;
};
extern "C" void unmap_region(void* arg) {
    Mapping* m = static_cast<Mapping*>(arg);
    if (m->addr) munmap(m->addr, m->len);
    m->addr = nullptr;
}
}  // namespace

void* map_row_region(std::size_t max_bytes, MemoryContext owner) {
    constexpr std::size_t kHuge = std::size_t(2) << 20;
    const std::size_t len = max_bytes + kHuge;
    void* addr = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (addr == MAP_FAILED) return nullptr;
    Mapping* m = static_cast<Mapping*>(MemoryContextAllocExtended(owner, sizeof(Mapping), MCXT_ALLOC_NO_OOM));
    if (!m) {
        munmap(addr, len);
        return nullptr;
    }
    m->addr = addr;
    m->len = len;
    m->cb.func = unmap_region;
    m->cb.arg = m;
    MemoryContextRegisterResetCallback(owner, &m->cb);
    // The spare 2 MB of the mapping lets its start move to a 2 MB boundary.
    const std::uintptr_t start = (reinterpret_cast<std::uintptr_t>(addr) + kHuge - 1) & ~std::uintptr_t(kHuge - 1);
    void* base = reinterpret_cast<void*>(start);
    ls::advise_huge_pages(base, max_bytes);
    return base;
}

void warn(const std::string& msg) {
    const char* m = msg.c_str();
    pg_call([&]() { ereport(WARNING, (errmsg("%s", m))); });
}

Datum make_composite(FunctionCallInfo fcinfo, Datum* values, bool* nulls) {
    Datum out = 0;
    pg_call([&]() {
        TupleDesc desc;
        if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function must return a composite type")));
        desc = BlessTupleDesc(desc);
        HeapTuple tup = heap_form_tuple(desc, values, nulls);
        out = HeapTupleGetDatum(tup);
    });
    return out;
}

Datum effect_datum(FunctionCallInfo fcinfo, const ls::causal::Effect& e) {
    if (!e.warning.empty()) warn(e.warning);
    if (!e.valid) {
        fcinfo->isnull = true;
        return 0;
    }
    Datum v[8];
    bool n[8] = {false, false, false, false, false, e.n_treated < 0, e.n_control < 0, false};
    v[0] = Float8GetDatum(e.estimate);
    v[1] = Float8GetDatum(e.std_error);
    v[2] = Float8GetDatum(e.ci_low);
    v[3] = Float8GetDatum(e.ci_high);
    v[4] = Float8GetDatum(e.p_value);
    v[5] = Int64GetDatum(e.n_treated);
    v[6] = Int64GetDatum(e.n_control);
    const char* m = e.method.c_str();
    pg_call([&]() { v[7] = PointerGetDatum(cstring_to_text(m)); });
    return make_composite(fcinfo, v, n);
}

}  // namespace lspg::causal
