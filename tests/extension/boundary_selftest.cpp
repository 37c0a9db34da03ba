// learnerscore._boundary_selftest(kind): proves the C++/PostgreSQL error
// boundary (src/pg/base/boundary.h, linked into this test module): C++ exceptions
// become ERRORs with the right SQLSTATE, destructors run on error paths, a
// PostgreSQL ERROR inside C++ keeps its SQLSTATE, cancellation stops C++ loops,
// and the backend survives. Used by tests/regress/sql/base/00_boundary.sql; test-only, so it is
// not part of the learnerscore extension.
#include <atomic>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "pg/base/boundary.h"

extern "C" {
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

PG_FUNCTION_INFO_V1(ls_boundary_selftest);
}

namespace {

// Counts live instances so the test can prove destructors ran on error paths.
std::atomic<int> g_live_tracked{0};
struct Tracked {
    std::string payload = std::string(256, 'x');  // owns heap memory
    Tracked() { ++g_live_tracked; }
    ~Tracked() { --g_live_tracked; }
};

std::string selftest(const std::string& kind) {
    Tracked guard;
    if (kind == "ok") return "ok";
    if (kind == "live_objects") return std::to_string(g_live_tracked.load() - 1);
    if (kind == "invalid_parameter") ls::fail(ls::ErrorKind::InvalidParameter, "selftest: invalid parameter", "a hint");
    if (kind == "invalid_text") ls::fail(ls::ErrorKind::InvalidText, "selftest: invalid text");
    if (kind == "numeric") ls::fail(ls::ErrorKind::NumericOutOfRange, "selftest: numeric out of range");
    if (kind == "cancel") ls::fail(ls::ErrorKind::Cancelled, "selftest: cancelled");
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "std") throw std::runtime_error("selftest: std exception");
    if (kind == "unknown") throw 42;
    if (kind == "pg_error") {
        // A PostgreSQL ERROR (division by zero) raised inside C++ code.
        lspg::pg_call([]() { DirectFunctionCall2(int4div, Int32GetDatum(1), Int32GetDatum(0)); });
        return "unreachable";
    }
    if (kind == "spin") {
        // Loops until statement_timeout / cancel: proves check_interrupts works.
        ls::InterruptTicker ticker(1 << 16);
        volatile std::uint64_t x = 0;
        for (std::uint64_t i = 0; i < (std::uint64_t(1) << 62); ++i) {
            x = x + i;
            ticker.tick();
        }
        return "finished";
    }
    ls::fail(ls::ErrorKind::InvalidParameter, "selftest: unknown kind \"" + kind + "\"");
}

}  // namespace

Datum ls_boundary_selftest(PG_FUNCTION_ARGS) {
    text* arg = PG_GETARG_TEXT_PP(0);
    return lspg::guarded([&]() -> Datum {
        std::string out = selftest(lspg::text_to_string(arg));
        PG_RETURN_TEXT_P(lspg::string_to_text(out));
    });
}
