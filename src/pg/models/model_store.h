// Per-backend cache of decoded models, keyed by model id (ids are never
// reused and a trained model is immutable, so an entry never goes stale; it
// is evicted when the model is dropped in this backend). Predict/explain
// resolve the model once per query through fn_extra, so a view over millions
// of rows decodes the model once. A name resolves to its deployed version;
// the resolution is kept for one top-level statement of one transaction (a
// deploy committed by another session takes effect at the next statement)
// and dropped at once when this backend deploys, trains or drops.
#pragma once
#include <cstdint>
#include <string>

#include "core/models/model.h"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

namespace lspg {

// The model named or numbered by argument `argno` of the current call;
// resolved once per FmgrInfo (i.e. per query) and re-resolved when the
// argument changes or the cache was modified.
const ls::models::Model& model_for_call(FunctionCallInfo fcinfo, int argno, std::int64_t* id_out = nullptr);

// A pointer the caller may set once per call site (FmgrInfo), after
// model_for_call(): plain data palloc'd in fn_mcxt, kept while the model changes.
void*& call_site_slot(FunctionCallInfo fcinfo);

std::int64_t model_id_by_name(const std::string& name);
const ls::models::Model& model_by_id(std::int64_t id);
void evict_model(std::int64_t id);
// This backend changed which model a name resolves to (deploy, rollback,
// train, drop): forget every cached name resolution.
void names_changed();
// Changes whenever a cached model is freed: caches keyed by a Model's address
// must be dropped when it changes (the address may be reused).
std::uint64_t model_cache_generation();

}  // namespace lspg
