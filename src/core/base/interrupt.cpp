#include "core/base/interrupt.h"

#include "core/base/error.h"

namespace ls {

namespace {
InterruptChecker g_checker = nullptr;
}

void set_interrupt_checker(InterruptChecker checker) { g_checker = checker; }

void check_interrupts() {
    if (g_checker != nullptr && g_checker()) {
        throw Error(ErrorKind::Cancelled, "canceling statement due to user request or timeout");
    }
}

}  // namespace ls
