// Shared glue of the causal aggregates: float8[] state arrays modified in
// place inside the aggregate context (as float8_accum does), reading covariate
// arrays, and building the composite results. Include after pg/base/boundary.h.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/causal/causal_propensity.h"
#include "core/causal/causal_stats.h"
#include "pg/base/boundary.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace lspg::causal {

// A fresh zero-filled 1-D float8[] of `len` elements (palloc'd in the current
// context; may ERROR, so call it through pg_call or before C++ objects live).
ArrayType* new_float8_array(int len);
// Checks a float8[] state is 1-D float8 without NULLs (else 22P03); returns
// its length (0 for '{}'). The contents: ls::causal::decode_moment_state.
int state_length(ArrayType* a);
inline double* state_data(ArrayType* a) { return reinterpret_cast<double*>(ARR_DATA_PTR(a)); }
// The float8[] state of argument `argno` to modify: in place inside an
// aggregate (as float8_accum does), else a copy (a direct call).
ArrayType* writable_state(FunctionCallInfo fcinfo, int argno);
// A new float8[] state holding `v`, in the aggregate's memory context (the
// current one outside an aggregate): what a transition returns on its first row.
ArrayType* aggregate_state_array(FunctionCallInfo fcinfo, const std::vector<double>& v);

// Covariates of one row: false when the array or one element is NULL (the row
// is skipped); throws on a multi-dimensional array or a NaN / infinite value.
// Fills `out` (resized to the array length).
bool read_covariates(ArrayType* a, std::vector<double>& out, const char* fn);
// Same without allocation: returns the element count, or -1 for a NULL
// element; `data` points into the array.
int covariate_view(ArrayType* a, const double** data, const char* fn);

void check_finite(double v, const char* what, const char* fn);

// Large row buffers. Filling hundreds of MB with 4 kB pages costs a page
// fault per 4 kB (that dominated the row aggregates on this virtualized host),
// and growing by realloc may move and split huge pages. So a buffer that
// outgrows a few MB moves once into an anonymous mapping that reserves its
// whole maximum size as address space (MAP_NORESERVE: pages are only
// allocated when written), 2 MB-aligned with transparent huge pages advised;
// it then grows in place. The mapping is released when `owner` is reset or
// deleted. Returns nullptr when the mapping cannot be made (the caller keeps
// its palloc buffer). May ERROR (palloc of the callback): call via pg_call.
void* map_row_region(std::size_t max_bytes, MemoryContext owner);

// learnerscore.effect composite from a core result (NULL when !valid); raises
// the core's WARNING first. Must be called from inside guarded().
Datum effect_datum(FunctionCallInfo fcinfo, const ls::causal::Effect& e);

// learnerscore.balance_row[] and learnerscore.overlap_summary of the declared
// result type (causal_rows_pg.cpp); overlap warns, naming fn, when an arm is empty.
Datum balance_datum(FunctionCallInfo fcinfo, const std::vector<ls::causal::BalanceRow>& rows);
Datum overlap_datum(FunctionCallInfo fcinfo, const ls::causal::Overlap& o, const char* fn);

// Emits a WARNING (through pg_call).
void warn(const std::string& msg);

// Builds a composite of the function's declared result type from values.
Datum make_composite(FunctionCallInfo fcinfo, Datum* values, bool* nulls);

}  // namespace lspg::causal
