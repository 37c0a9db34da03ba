// Settings of the extension (GUCs) and the memory budget they define.
#pragma once
#include <cstddef>

namespace lspg {

// Registers every learnerscore.* setting (called once from _PG_init).
void define_settings();

// learnerscore.table_estimator: how ate_from_table runs the propensity estimators.
enum class TableEstimator { Auto = 0, Memory = 1, Passes = 2 };
TableEstimator table_estimator();

// learnerscore.max_train_memory in bytes: the bound on the C++ buffers of
// training and of the row-keeping aggregates (memory outside palloc).
std::size_t max_train_memory_bytes();

// Throws ls::Error(OutOfMemory, 53200) naming the setting when `bytes` (what
// `what` would hold in total) is over learnerscore.max_train_memory.
void check_train_memory(std::size_t bytes, const char* what);

}  // namespace lspg
