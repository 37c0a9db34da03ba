// Ctrl-C / SIGTERM handling for the CLI: the handler cancels the running query
// (PQcancel is async-signal-safe) and sets a flag; long loops call
// throw_if_interrupted() so RAII (e.g. the private cluster) cleans up.
#pragma once
#include <libpq-fe.h>

#include <stdexcept>

namespace lscli {

struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted by signal") {}
};

void install_signal_handlers();
bool interrupted();
void throw_if_interrupted();
void register_cancel_target(PGconn* conn);
void unregister_cancel_target(PGconn* conn);

}  // namespace lscli
