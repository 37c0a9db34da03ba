// Running child processes from the CLI (initdb, pg_ctl) without a shell.
#pragma once
#include <string>
#include <vector>

namespace lscli {

// Runs argv[0] with arguments; returns its exit status (-1 if it could not
// start). Output goes to `log_path` when given, else is inherited; the child
// runs in `cwd` when given (the server account may not reach ours).
int run_process(const std::vector<std::string>& argv, const std::string& log_path = "", const std::string& cwd = "");

// Absolute path of PostgreSQL's server binaries (initdb, pg_ctl): $LS_PG_BINDIR,
// else `$PG_CONFIG --bindir`, else /usr/lib/postgresql/15/bin.
std::string pg_bindir();

}  // namespace lscli
