// Reads a training source (a relation name or a query) straight into the
// column buffers of an ls::models::Dataset: SPI executes the query with our
// own DestReceiver, so each row's values are copied from the executor's slot
// into contiguous C++ vectors (no tuple materialization, no per-row arrays).
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/models/dataset.h"

namespace lspg {

struct SourceSpec {
    std::string source;                 // relation name or SELECT/WITH/VALUES/TABLE query
    std::string target;                 // empty: no target column (features only)
    std::vector<std::string> features;
    // What the consumer (training) will hold for `rows` rows besides the
    // dataset's buffers; with the buffers, checked against
    // learnerscore.max_train_memory every batch of rows, before they grow.
    std::function<std::size_t(const ls::models::Dataset&, std::size_t rows)> extra_bytes;
    const char* memory_what = "training";  // names the consumer in the 53200 error
};

// Rows with a NULL target are skipped (and counted in *skipped when given).
// Errors: unknown relation (42P01) or column (42703), an unsupported column
// type (0A000), a non-numeric target, NaN/Infinity values (22023), more
// memory than learnerscore.max_train_memory (53200).
ls::models::Dataset read_dataset(const SourceSpec& spec, long long* skipped = nullptr);

// The checks of the spec read_dataset() makes first (no feature, more than
// 1600, an empty or repeated name, the target among the features).
void check_source_spec(const SourceSpec& spec);

// The relation a source names (resolved with the search path; 42P01 when
// there is none), or InvalidOid (0) for a query source.
unsigned int source_relation(const std::string& source);

// The SQL text that read_dataset() runs (exposed for the benchmarks and tests).
std::string source_query(const SourceSpec& spec);

}  // namespace lspg
