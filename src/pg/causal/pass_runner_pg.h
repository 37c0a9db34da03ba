// Runs the passes of the multi-pass estimators over a relation: prepared
// aggregate queries executed once per pass with the pass's params as $1,
// parallel plans allowed (Finalize Aggregate -> Gather -> Partial Aggregate),
// used by the propensity passes (core/causal/propensity_passes.h) and by
// train('logistic') as passes (core/models/logistic_passes.h). Also the
// learnerscore.table_estimator decision both share. Include after pg/base/boundary.h.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/causal/propensity_passes.h"

namespace lspg::causal {

// SELECT learnerscore.propensity_pass($1, outcome, treatment <> 0, ARRAY[covariates])
// FROM relname WHERE none of them is NULL. Identifiers are quoted; an empty
// outcome passes 0 (balance and overlap need none).
std::string pass_query(const char* relname, const std::string& outcome, const std::string& treatment,
                       const std::vector<std::string>& covariates);

// One prepared pass query: params in ($1 float8[]), the first column of its
// one row out (a float8[] as is, a float8 as one value; NULL or '{}' as empty).
using ArrayPass = std::function<std::vector<double>(const std::vector<double>& params)>;

// Runs body with one ArrayPass per query; SPI is connected meanwhile.
void with_pass_queries(const std::vector<std::string>& queries, const char* what,
                       const std::function<void(const std::vector<ArrayPass>& passes)>& body);

// Runs body with a PassRunner over a propensity pass query (an empty pass is
// the params' initial state). Logs (DEBUG1) how many passes ran.
void with_pass_runner(const std::string& query, const char* what,
                      const std::function<void(const ls::causal::PassRunner& run, int* passes)>& body);

// What learnerscore.table_estimator = auto chooses for a relation of `width`
// float8 values a row: passes for a Citus distributed table (listed in
// pg_dist_partition) or when pg_class.reltuples x width x 8 bytes exceeds
// learnerscore.max_train_memory.
bool auto_chooses_passes(unsigned int rel, int width);
// The setting's decision: memory, passes, or auto_chooses_passes.
bool use_passes(unsigned int rel, int width);

}  // namespace lspg::causal
