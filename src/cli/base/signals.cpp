#include "cli/base/signals.h"

#include <csignal>

namespace lscli {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
PGcancel* volatile g_cancel = nullptr;
PGconn* g_cancel_conn = nullptr;

extern "C" void on_signal(int) {
    g_interrupted = 1;
    if (PGcancel* c = g_cancel) {
        char buf[256];
        PQcancel(c, buf, sizeof(buf));
    }
}
}  // namespace

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

void throw_if_interrupted() {
    if (g_interrupted) throw Interrupted();
}

void register_cancel_target(PGconn* conn) {
    // The most recently opened connection is the one doing the work.
    PGcancel* fresh = PQgetCancel(conn);
    PGcancel* old = g_cancel;
    g_cancel = fresh;
    g_cancel_conn = conn;
    if (old) PQfreeCancel(old);
}

void unregister_cancel_target(PGconn* conn) {
    if (g_cancel_conn != conn) return;
    PGcancel* old = g_cancel;
    g_cancel = nullptr;
    g_cancel_conn = nullptr;
    if (old) PQfreeCancel(old);
}

}  // namespace lscli
