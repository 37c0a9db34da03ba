// Mapping a CSV file's header onto its file spec's columns.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "cli/load/load_spec.h"
#include "core/files/csv_reader.h"

namespace lscli {

// Column mapping of one file: for each spec column, its index among the CSV
// fields (-1: absent, NULL).
struct Mapping {
    std::vector<int> src;
    size_t nfields = 0;
    std::vector<std::string> ignored_headers;
};

// Maps the header onto the spec's columns. A column the spec requires and the
// header lacks, a column of the header no spec column accepts (unless
// allow_extra), or two headers for one column fail the file, before anything
// is written: such a header means the export changed, and loading its lines
// would reject every one of them (or, worse, put a column's values into another).
// Throws FileFailure.
Mapping map_header(const FileSpec& spec, const ls::CsvRecord& header, bool allow_extra);

}  // namespace lscli
