// The hyper-parameters of train() and cross_validate(): the jsonb argument
// read into the core's Params, and the effective parameters written back as
// the jsonb stored in learnerscore.models.hyperparameters.
#pragma once
#include "core/models/model.h"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

namespace lspg {

// {"name": number | string | boolean, ...}, the values as text (numbers as
// numeric_out prints them). Fails (22023) on a NULL, a non-object or a null,
// object or array value.
ls::models::Params params_from_jsonb(FunctionCallInfo fcinfo, int argno);

// The jsonb object of `params`: a value that reads as a JSON number becomes a
// number, any other a string. May ERROR: call via pg_call.
Datum params_to_jsonb(const ls::models::Params& params);

}  // namespace lspg
