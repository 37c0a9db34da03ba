// Module of the test-only extension learnerscore_test (tests/extension/): it
// is installed only into the test sandbox (scripts/pg-sandbox.sh), never by
// the main Makefile. PG_MODULE_MAGIC, _PG_init, and small helpers the
// regression tests need to build states byte by byte.
#include <cstring>

#include "pg/base/boundary.h"

extern "C" {
#include "utils/array.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"

PG_MODULE_MAGIC;

void _PG_init(void);
PG_FUNCTION_INFO_V1(lst_float8_bytes);
PG_FUNCTION_INFO_V1(lst_int8_bytes);
}

// The boundary self-test's 'spin' kind needs the core's interrupt checker.
void _PG_init(void) { lspg::install_interrupt_checker(); }

namespace {
// The elements of a one-dimensional array of 8-byte elements, as bytes.
Datum element_bytes(ArrayType* a, Oid elemtype) {
    if (ARR_ELEMTYPE(a) != elemtype || ARR_HASNULL(a) || ARR_NDIM(a) > 1)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("a one-dimensional array without NULLs")));
    const int n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
    const Size len = VARHDRSZ + 8 * static_cast<Size>(n);
    bytea* out = static_cast<bytea*>(palloc(len));
    SET_VARSIZE(out, len);
    if (n > 0) std::memcpy(VARDATA(out), ARR_DATA_PTR(a), 8 * static_cast<Size>(n));
    PG_RETURN_BYTEA_P(out);
}
}  // namespace

// float8_bytes(float8[]) -> bytea: the elements in this machine's byte order,
// so hostile row states can be written as numbers (NaN, -1, 1e300 ...).
Datum lst_float8_bytes(PG_FUNCTION_ARGS) { return element_bytes(PG_GETARG_ARRAYTYPE_P(0), FLOAT8OID); }
// int8_bytes(bigint[]) -> bytea: the same for 64-bit integers (the AUC state's count).
Datum lst_int8_bytes(PG_FUNCTION_ARGS) { return element_bytes(PG_GETARG_ARRAYTYPE_P(0), INT8OID); }
