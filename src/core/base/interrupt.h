// Cancellation hook: long loops in the core call check_interrupts(); the
// PostgreSQL glue installs a checker that looks at the backend's pending
// interrupt flags, so statement_timeout and Ctrl-C stop core loops without the
// core including a PostgreSQL header. Outside PostgreSQL no checker is set.
#pragma once
#include <cstdint>

namespace ls {

using InterruptChecker = bool (*)();

void set_interrupt_checker(InterruptChecker checker);

// Throws ls::Error(ErrorKind::Cancelled) when the checker reports a pending
// cancel. Cheap: call it every few thousand iterations, or per learner.
void check_interrupts();

// Calls check_interrupts() once every `every` calls of tick().
class InterruptTicker {
public:
    explicit InterruptTicker(std::uint32_t every = 4096) : every_(every) {}
    void tick() {
        if (++count_ >= every_) {
            count_ = 0;
            check_interrupts();
        }
    }

private:
    std::uint32_t every_;
    std::uint32_t count_ = 0;
};

}  // namespace ls
