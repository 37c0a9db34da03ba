// Shared glue of the causal aggregates: float8[] state arrays modified in
// place inside the aggregate context (as float8_accum does), reading covariate
// arrays, and building the composite results. Include after pg/boundary.h.
#pragma once
#include <string>
#include <vector>

#include "core/causal_stats.h"
#include "pg/boundary.h"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
}

namespace lspg::causal {

// A fresh zero-filled 1-D float8[] of `len` elements (palloc'd in the current
// context; may ERROR, so call it through pg_call or before C++ objects live).
ArrayType* new_float8_array(int len);
// Validates a float8[] state: 1-D, no NULLs; returns its length (0 for '{}').
int state_length(ArrayType* a);
inline double* state_data(ArrayType* a) { return reinterpret_cast<double*>(ARR_DATA_PTR(a)); }

// Covariates of one row: false when the array or one element is NULL (the row
// is skipped); throws on a multi-dimensional array or a NaN / infinite value.
// Fills `out` (resized to the array length).
bool read_covariates(ArrayType* a, std::vector<double>& out, const char* fn);
// Same without allocation: returns the element count, or -1 for a NULL
// element; `data` points into the array.
int covariate_view(ArrayType* a, const double** data, const char* fn);

void check_finite(double v, const char* what, const char* fn);

// learnerscore.effect composite from a core result (NULL when !valid); raises
// the core's WARNING first. Must be called from inside guarded().
Datum effect_datum(FunctionCallInfo fcinfo, const ls::causal::Effect& e);

// Emits a WARNING (through pg_call).
void warn(const std::string& msg);

// Builds a composite of the function's declared result type from values.
Datum make_composite(FunctionCallInfo fcinfo, Datum* values, bool* nulls);

}  // namespace lspg::causal
