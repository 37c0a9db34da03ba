// Runs the passes of the multi-pass propensity estimators (core/causal/
// propensity_passes.h) over a relation: one prepared aggregate query
// (learnerscore.propensity_pass) executed once per pass with the pass's params
// as $1, parallel plans allowed. Include after pg/base/boundary.h.
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

// Runs body with a PassRunner over the query; SPI is connected meanwhile.
// Logs (DEBUG1) how many passes ran.
void with_pass_runner(const std::string& query, const char* what,
                      const std::function<void(const ls::causal::PassRunner& run, int* passes)>& body);

}  // namespace lspg::causal
