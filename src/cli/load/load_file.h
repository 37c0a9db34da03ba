// Loading one CSV file into its table, in one transaction (see loader.h).
#pragma once
#include <filesystem>
#include <string>

#include "cli/base/pg_conn.h"
#include "cli/load/load_progress.h"
#include "cli/load/load_spec.h"
#include "cli/load/loader.h"

namespace lscli {

// Loads `path` into schema.<spec.table>, or skips it when unchanged; a file that
// cannot be loaded comes back failed with nothing of it kept. Throws on a lost
// connection or Ctrl-C.
FileLoadResult load_file(PgConn& conn, const FileSpec& spec, const std::filesystem::path& path, const std::string& schema,
                         const LoadOptions& opts, Progress& progress);

}  // namespace lscli
