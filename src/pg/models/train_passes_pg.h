// train('logistic') as passes (core/models/logistic_passes.h) over the
// source, chosen by learnerscore.table_estimator as ate_from_table's passes
// are: memory, passes, or auto (passes for a Citus distributed table or when
// the planner's row estimate x width exceeds learnerscore.max_train_memory).
// Include after pg/base/boundary.h.
#pragma once
#include "core/models/model.h"
#include "pg/models/models_reader.h"

namespace lspg {

// Trains spec's logistic model as passes and returns true when the setting
// says so; false when it runs in memory (read_dataset + train). `needs_rows`:
// params that need the rows in memory (held-out validation). What the passes
// cannot do (a text feature, validation) is 0A000 under passes and a NOTICE
// and the in-memory path under auto.
bool train_logistic_passes(const SourceSpec& spec, const ls::models::Params& params, bool needs_rows,
                           ls::models::TrainResult* out, long long* skipped);

}  // namespace lspg
